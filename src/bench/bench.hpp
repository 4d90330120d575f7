// zc::bench — measure every strategy on the scenarios of issue 3, as data.
//
// run_bench() runs a configuration and returns the results twice: as C++
// structs (bench_results) and as JSON (to_json) in the schema documented in
// docs/bench.md, so that `zc bench` prints them and `zc tune` can reuse them.
// This header is the stable interface of the component; the scenario code
// behind it is private to src/bench/.
//
// Contract: run_bench never prints and never exits. It forks short-lived
// child processes (the receivers and senders of the socket and pipe
// scenarios) and reaps every one of them before it returns. A strategy that
// the library refuses for a pair (errc::unsupported_pair) or that this kernel
// cannot run (errc::strategy_unavailable) is left out and listed in
// `skipped` with the reason; any other failure, and any byte mismatch, is a
// `failures` entry — callers must treat a non-empty `failures` as a failed
// run.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zerocopy/error.hpp"

namespace zc::bench {

enum class scenario { file_to_socket, file_to_file, file_to_pipe, socket_to_file, scan };
enum class cache_state { warm, cold };

std::string_view scenario_name(scenario s) noexcept;
std::optional<scenario> parse_scenario(std::string_view name) noexcept;
std::string_view cache_name(cache_state c) noexcept;
// Every scenario, in the order they are run and printed.
const std::vector<scenario>& all_scenarios();

struct bench_config {
    std::vector<std::uint64_t> sizes = {4u << 10, 64u << 10, 1u << 20, 64u << 20, 1u << 30};
    unsigned runs = 5;
    std::vector<scenario> scenarios = all_scenarios();
    std::vector<cache_state> caches = {cache_state::warm};
    // Where the test files go; must exist. Files are removed afterwards.
    std::filesystem::path directory = ".";
    // A run of a small size repeats the transfer until it has moved at least
    // this many bytes, so that one timing is not a few microseconds.
    std::uint64_t min_bytes_per_run = 32u << 20;
    // memcpy calibration: buffer size and attempts (best of).
    std::size_t memcpy_bytes = 256u << 20;
    unsigned memcpy_attempts = 3;
    // "auto vs best": after the interleaved runs of a cell, auto and the best
    // explicit strategy (by median) are timed again this many rounds, side
    // by side (A B, B A, …), and the check compares the medians of those
    // runs. 0: the check compares the medians of the cell's runs.
    unsigned confirm_rounds = 10;
    // The methods of a cell; empty = "auto" and every strategy (or the scan
    // methods). `zc tune` uses it to time tuning variants of one strategy
    // ("splice pipe_size=262144", engine/profile_from_bench.hpp).
    std::function<std::vector<std::string>(scenario, std::uint64_t size)> methods;
    // Called before each measured cell, e.g. "file-to-socket 64M warm"; may be empty.
    std::function<void(std::string_view)> on_progress;
};

struct machine_info {
    std::string kernel;     // uname -r
    std::string cpu;        // model name from /proc/cpuinfo
    unsigned cores = 0;     // online CPUs
    std::string filesystem; // of bench_config::directory, e.g. "ext4"
};

// The raw figures of one timed run (which moved size × repeats bytes).
struct run_sample {
    double seconds = 0;          // wall time of the whole run
    std::uint64_t bytes = 0;     // size × repeats
    std::uint64_t repeats = 1;
    double sender_user_s = 0;    // sender side: in-process thread, or the child
    double sender_sys_s = 0;
    std::optional<double> receiver_user_s; // absent where there is no receiver
    std::optional<double> receiver_sys_s;
    std::uint64_t syscalls = 0;  // of the side running the strategy (transfer_stats::syscalls)
    std::uint64_t voluntary_switches = 0;   // both sides
    std::uint64_t involuntary_switches = 0; // both sides
    std::uint64_t minor_faults = 0;         // both sides
    std::uint64_t major_faults = 0;         // both sides
    std::optional<double> durable_seconds;  // file-to-file: one copy + fdatasync

    double gbps() const noexcept { return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e9 : 0; }
};

// Medians over the runs of one cell (per-transfer or per-GB figures).
struct summary {
    double gbps = 0, min_gbps = 0, max_gbps = 0;
    double seconds = 0; // median wall time of ONE transfer (run seconds / repeats)
    double sender_cpu_s_per_gb = 0;
    std::optional<double> receiver_cpu_s_per_gb;
    double syscalls_per_gb = 0;
    double context_switches = 0; // voluntary + involuntary, both sides, per transfer
    double faults = 0;           // minor + major, both sides, per transfer
    double copy_equivalents = 0; // (sender + receiver CPU s/GB) ÷ memcpy s/GB
    std::optional<double> durable_gbps; // file-to-file only
};

struct cell_result {
    scenario which = scenario::file_to_socket;
    std::string strategy; // a strategy name ("auto" included) or a scan method
    std::uint64_t size = 0;
    cache_state cache = cache_state::warm;
    bool verified = false;
    std::optional<std::uint64_t> checksum; // scan: the XOR checksum every method must agree on
    std::vector<run_sample> runs;
    summary median;
};

struct skipped_entry {
    scenario which;
    std::string strategy;
    std::string reason;
};

struct failure_entry {
    scenario which;
    std::string strategy;
    std::uint64_t size;
    cache_state cache;
    std::string message;
};

struct auto_vs_best_entry {
    scenario which;
    std::uint64_t size;
    cache_state cache;
    double auto_gbps;
    std::string best_strategy; // best explicit strategy
    double best_gbps;
    double ratio;        // auto_gbps / best_gbps
    bool within_10_percent;
    unsigned paired_rounds = 0; // bench_config::confirm_rounds that completed (0: medians of the cell)
    // What auto runs first here (zc::auto_choice under the active profile):
    // when it is best_strategy, a gap between the two is the machine's noise.
    std::string auto_strategy = {};
};

struct bench_results {
    machine_info machine;
    double memcpy_gbps = 0;
    std::vector<cell_result> results;
    std::vector<auto_vs_best_entry> auto_vs_best;
    std::vector<skipped_entry> skipped;
    std::vector<failure_entry> failures;
};

// Runs the configuration. Fails (before measuring) only when the directory
// is unusable; everything after that is reported inside the results.
std::expected<bench_results, error> run_bench(const bench_config& config);

// The seeds' cost model of a strategy ("4 copies / 2 by CPU, 4 switches"),
// or "" when the seeds have none.
std::string_view textbook_model(std::string_view strategy) noexcept;

// Statistics used by run_bench, exposed for tests and for `zc tune`.
double median(std::vector<double> values);
// The order runs are taken in: strategies interleaved run by run, each round
// starting one strategy later (A B C, B C A, C A B). Each element is (run
// index, strategy index); run i of every strategy is taken in round i.
std::vector<std::pair<unsigned, std::size_t>> interleaved_order(unsigned runs, std::size_t strategies);
summary summarize(const std::vector<run_sample>& runs, double memcpy_gbps);
std::vector<auto_vs_best_entry> compare_auto_with_best(const std::vector<cell_result>& results);
// The check from paired rounds: auto's and best's GB/s of each round (rounds
// 0, 2, … had auto first; 1, 3, … the best first); the ratio of the medians.
auto_vs_best_entry compare_paired(const cell_result& automatic, const cell_result& best,
                                  const std::vector<std::pair<double, double>>& rounds);

// Best of `attempts` memcpy of `bytes` between two buffers, in GB/s.
double calibrate_memcpy(std::size_t bytes, unsigned attempts);
machine_info probe_machine(const std::filesystem::path& directory);

// The JSON schema of docs/bench.md, and back (for tools that read it).
nlohmann::json to_json(const bench_results& results);
std::expected<bench_results, std::string> from_json(const nlohmann::json& document);
// One CSV line per raw run, with a header line.
std::string to_csv(const bench_results& results);

} // namespace zc::bench
