// zc bench [--quick] [--sizes LIST] [--runs N] [--scenarios LIST] [--cache warm|cold|both]
//          [--dir DIR] [--json FILE] [--csv FILE]
//
// Measures every strategy on the scenarios of issue 3 with zc::bench
// (src/bench/) and prints a table per scenario; --json keeps every raw run.
// A verification mismatch or a failed run is exit 1.
#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bench/bench.hpp"
#include "bench/svg_chart.hpp"
#include "commands.hpp"
#include "diagnostics.hpp"
#include "manual.hpp"
#include "size_parser.hpp"

namespace zc::cli {
namespace {

// The prose of `zc bench --help` and zc-bench(1); the options are the ones below.
const verb_manual bench_manual = {
    .description =
        "Scenarios: file-to-socket (loopback TCP to a forked receiver), file-to-file (new file, same filesystem; "
        "page-cache and durable figures), file-to-pipe (forked reader), socket-to-file (forked sender, the strategy "
        "receives), scan (XOR checksum by read, mmap, direct-io, io-uring). Each runs every strategy the library "
        "accepts for the pair, plus auto, and checks auto against the best explicit strategy.\n\n"
        "Figures are medians of interleaved runs with their range; the test files go to a temporary directory "
        "that is removed afterwards.",
    .examples = {{"zc bench --quick", "Every strategy on every scenario, in well under a minute on a quiet machine."},
                 {"zc bench --sizes 1M,1G --scenarios file-to-socket --json out.json",
                  "Two sizes of one scenario, every raw run kept."}},
    .exit_status = {{0, "every run completed and verified"},
                    {1, "a verification mismatch or a failed run"},
                    {2, "bad usage"}},
    .see_also = {"zc-tune(1)", "zc-strategies(1)"},
};

struct bench_arguments {
    bool quick = false;
    std::vector<std::string> sizes;
    unsigned runs = 0; // 0: 5
    std::vector<std::string> scenarios;
    std::string cache; // "" (warm), warm, cold or both
    std::string directory;
    std::string json_file;
    std::string csv_file;
    std::string svg_path;
};

std::string size_label(std::uint64_t size) {
    if (size >= (1u << 30) && size % (1u << 30) == 0) return fmt::format("{}G", size >> 30);
    if (size >= (1u << 20) && size % (1u << 20) == 0) return fmt::format("{}M", size >> 20);
    if (size >= (1u << 10) && size % (1u << 10) == 0) return fmt::format("{}K", size >> 10);
    return fmt::format("{}", size);
}

// A temporary directory of our own inside `parent`, removed on the way out.
class scratch_directory {
public:
    static std::expected<scratch_directory, std::string> create(const std::filesystem::path& parent) {
        std::string pattern = (parent / "zc-bench.XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            return std::unexpected(fmt::format("cannot create a directory in '{}': {}", parent.string(),
                                               std::strerror(errno)));
        return scratch_directory(pattern);
    }
    scratch_directory(scratch_directory&& other) noexcept : path_(std::exchange(other.path_, {})) {}
    scratch_directory& operator=(scratch_directory&&) = delete;
    ~scratch_directory() {
        std::error_code ignored;
        if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    explicit scratch_directory(std::filesystem::path p) : path_(std::move(p)) {}
    std::filesystem::path path_;
};

bench::bench_config make_config(const bench_arguments& args) {
    bench::bench_config config;
    if (args.quick) config.sizes = {64u << 10, 1u << 20, 64u << 20};
    if (!args.sizes.empty()) {
        config.sizes.clear();
        for (const auto& text : args.sizes) config.sizes.push_back(*parse_size(text)); // checked while parsing
    }
    if (args.runs) config.runs = args.runs;
    if (!args.scenarios.empty()) {
        config.scenarios.clear();
        for (const auto& name : args.scenarios) config.scenarios.push_back(*bench::parse_scenario(name));
    }
    if (args.cache == "cold") config.caches = {bench::cache_state::cold};
    if (args.cache == "both") config.caches = {bench::cache_state::warm, bench::cache_state::cold};
    return config;
}

std::string cpu_text(const std::optional<double>& value) {
    return value ? fmt::format("{:.3f}", *value) : std::string("-");
}

void print_notes(const bench::bench_config& config, const bench::bench_results& r) {
    fmt::print("memcpy: {:.2f} GB/s (best of {} × {} MiB, this run); copy-equivalents = (sender + receiver CPU s/GB) "
               "÷ memcpy s/GB\n",
               r.memcpy_gbps, config.memcpy_attempts, config.memcpy_bytes >> 20);
    fmt::print("runs: {} per cell, strategies interleaved run by run; figures are medians [min–max]; a warm run repeats "
               "a small transfer until it has moved ≥ {} MiB\n",
               config.runs, config.min_bytes_per_run >> 20);
    fmt::print("receivers: file-to-socket — a forked process on 127.0.0.1 draining with recv into one reused 1 MiB "
               "buffer; file-to-pipe — a forked process reading into a reused 1 MiB buffer; socket-to-file — a forked "
               "sender send()ing from a mapping of the file\n");
    for (const auto cache : config.caches)
        if (cache == bench::cache_state::cold)
            fmt::print("cold: before each run the source is fdatasync'ed and dropped (posix_fadvise DONTNEED); one "
                       "transfer per run; socket-to-file has no cold variant (its source is memory)\n");
    fmt::print("verification: every method's output hashed once per size, outside the timed runs\n\n");
}

void print_scenario(bench::scenario which, const bench::bench_results& r) {
    std::vector<const bench::cell_result*> cells;
    for (const auto& c : r.results)
        if (c.which == which) cells.push_back(&c);
    if (cells.empty()) return;
    const bool durable = which == bench::scenario::file_to_file;
    const bool scan = which == bench::scenario::scan;
    fmt::print("== {} ==\n", bench::scenario_name(which));
    if (durable) fmt::print("GB/s is page-cache only (no fdatasync); DURABLE is one copy + fdatasync\n");
    if (scan) fmt::print("XOR of 8-byte words; every method must print the same checksum\n");
    fmt::print("  {:>5} {:<4} {:<16} {:>7} {:>15} {:>10} {:>8} {:>8} {:>9} {:>7} {:>7}{}  {}\n", "SIZE", "CACHE",
               scan ? "METHOD" : "STRATEGY", "GB/s", "[min–max]", "µs/xfer", "SEND", "RECV", "SYSC/GB", "CSW/x",
               "COPIES", durable ? fmt::format("  {:>9}", "DURABLE") : scan ? fmt::format(" {:>16}", "CHECKSUM") : "",
               scan ? "" : "TEXTBOOK MODEL");
    fmt::print("  {:>5} {:<4} {:<16} {:>7} {:>15} {:>10} {:>8} {:>8} {:>9} {:>7} {:>7}\n", "", "", "", "", "", "",
               "cpu s/GB", "cpu s/GB", "", "", "");
    std::map<std::pair<std::uint64_t, bench::cache_state>, double> best;
    for (const auto* c : cells)
        if (c->strategy != "auto") {
            auto& b = best[{c->size, c->cache}];
            b = std::max(b, c->median.gbps);
        }
    for (const auto* c : cells) {
        const auto& m = c->median;
        const bool is_best = !c->runs.empty() && c->strategy != "auto" && m.gbps == best[{c->size, c->cache}];
        std::string extra;
        if (durable) extra = fmt::format("  {:>9}", m.durable_gbps ? fmt::format("{:.3g}", *m.durable_gbps) : "-");
        if (scan) extra = fmt::format(" {:>16}", c->checksum ? fmt::format("{:016x}", *c->checksum) : "-");
        if (c->runs.empty()) {
            fmt::print("  {:>5} {:<4} {:<16} {}\n", size_label(c->size), bench::cache_name(c->cache), c->strategy,
                       c->verified ? "no run completed" : "VERIFICATION FAILED");
            continue;
        }
        fmt::print("{} {:>5} {:<4} {:<16} {:>7.2f} {:>15} {:>10.1f} {:>8.3f} {:>8} {:>9.0f} {:>7.1f} {:>7.2f}{}  {}\n",
                   is_best ? "*" : " ", size_label(c->size), bench::cache_name(c->cache), c->strategy, m.gbps,
                   fmt::format("[{:.2f}–{:.2f}]", m.min_gbps, m.max_gbps), m.seconds * 1e6, m.sender_cpu_s_per_gb,
                   cpu_text(m.receiver_cpu_s_per_gb), m.syscalls_per_gb, m.context_switches, m.copy_equivalents,
                   extra, scan ? std::string_view() : bench::textbook_model(c->strategy));
    }
    fmt::print("\n");
}

void print_report(const bench::bench_config& config, const bench::bench_results& r) {
    for (const auto which : bench::all_scenarios()) print_scenario(which, r);
    if (!r.skipped.empty()) {
        fmt::print("skipped (the library refuses the pair, or this machine cannot run it):\n");
        for (const auto& s : r.skipped)
            fmt::print("  {:<15} {:<16} {}\n", bench::scenario_name(s.which), s.strategy, s.reason);
        fmt::print("\n");
    }
    if (!r.auto_vs_best.empty()) {
        fmt::print("auto vs best explicit strategy (check: auto within 10% of best). The best is picked on the "
                   "cell's runs, then it and auto are timed again in {} alternating pairs (A B, B A, …); GB/s and % "
                   "compare the medians of those runs:\n",
                   config.confirm_rounds);
        unsigned within = 0;
        for (const auto& a : r.auto_vs_best) {
            within += a.within_10_percent;
            const bool same = a.auto_strategy == a.best_strategy;
            fmt::print("  {:<15} {:>5} {:<4} {:<22} {:>6.2f} GB/s = {:>4.0f}% of {} ({:.2f} GB/s){}  {}{}\n",
                       bench::scenario_name(a.which), size_label(a.size), bench::cache_name(a.cache),
                       fmt::format("auto ({})", a.auto_strategy), a.auto_gbps, a.ratio * 100, a.best_strategy, a.best_gbps,
                       a.paired_rounds ? "" : " [cell medians: a paired round failed]",
                       a.within_10_percent ? "ok" : "NOT within 10%",
                       !a.within_10_percent && same ? " (auto runs that same strategy: the gap is noise)" : "");
        }
        fmt::print("auto within 10% of best: {} of {} cells{}\n\n", within, r.auto_vs_best.size(),
                   within == r.auto_vs_best.size() ? " — ok" : "");
    }
}

bool write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
        print_error(fmt::format("cannot write '{}'", path));
        return false;
    }
    return true;
}

int run_bench_command(const bench_arguments& args) {
    auto config = make_config(args);
    const std::filesystem::path parent = args.directory.empty() ? std::filesystem::path(".") : std::filesystem::path(args.directory);
    auto scratch = scratch_directory::create(parent);
    if (!scratch) {
        print_error(scratch.error());
        return exit_failure;
    }
    config.directory = scratch->path();
    config.on_progress = [](std::string_view what) { fmt::print(stderr, "zc bench: {}\n", what); };

    const auto machine = bench::probe_machine(config.directory);
    std::string caches;
    for (const auto c : config.caches) caches += (caches.empty() ? "" : "+") + std::string(bench::cache_name(c));
    fmt::print("machine: kernel {} | cpu {} | {} cores | filesystem {} ({}) | cache {}\n", machine.kernel, machine.cpu,
               machine.cores, machine.filesystem, std::filesystem::absolute(parent).string(), caches);
    std::fflush(stdout);
    if (machine.filesystem == "tmpfs")
        print_warning("the bench directory is on tmpfs: direct-io is skipped (no device under it), the rest runs "
                      "(use --dir on a disk filesystem to measure it)");

    auto results = bench::run_bench(config);
    if (!results) return report_failure(results.error());
    print_notes(config, *results);
    print_report(config, *results);

    bool ok = true;
    if (!args.json_file.empty()) ok &= write_file(args.json_file, bench::to_json(*results).dump(2) + "\n");
    if (!args.csv_file.empty()) ok &= write_file(args.csv_file, bench::to_csv(*results));
    if (!args.svg_path.empty()) {
        auto written = bench::write_bench_charts(bench::to_json(*results), args.svg_path);
        if (!written) ok &= report_failure(written.error()) == exit_success;
        else fmt::print("charts: {} SVG file(s) in {}\n", written->size(), args.svg_path);
    }
    for (const auto& f : results->failures)
        print_error(fmt::format("{} {} {} {}: {}", bench::scenario_name(f.which), f.strategy, size_label(f.size),
                                bench::cache_name(f.cache), f.message));
    if (!results->failures.empty()) {
        print_error(fmt::format("{} failure(s): the figures above are incomplete", results->failures.size()));
        return exit_failure;
    }
    return ok ? exit_success : exit_failure;
}

std::string scenario_list() {
    std::string names;
    for (const auto s : bench::all_scenarios()) names += (names.empty() ? "" : ",") + std::string(bench::scenario_name(s));
    return names;
}

} // namespace

command add_bench_command(CLI::App& zc) {
    auto args = std::make_shared<bench_arguments>();
    auto* app = zc.add_subcommand(
        "bench",
        "Measure every strategy: throughput, CPU per GB (sender and receiver), syscalls, context switches, "
        "copy-equivalents against memcpy; every output verified byte-exact");
    app->add_flag("--quick", args->quick,
                  "Sizes 64K,1M,64M, 5 runs and 10 auto-vs-best pairs per cell, warm cache only: 22-30 s on a "
                  "quiet 2-vCPU VM, 45 s to 2 min while other builds load it");
    app->add_option("--sizes", args->sizes, "Comma-separated sizes with K/M/G suffixes (default 4K,64K,1M,64M,1G)")
        ->delimiter(',')
        ->type_name("LIST")
        ->check(CLI::Validator(
            [](std::string& text) {
                auto size = parse_size(text);
                if (!size) return size.error();
                return *size == 0 ? std::string("a size must be at least 1 byte") : std::string();
            },
            ""));
    app->add_option("--runs", args->runs, "Timed runs per cell, medians reported (default 5)")
        ->type_name("N")
        ->check(CLI::Range(1u, 1000u));
    app->add_option("--scenarios", args->scenarios, "Comma-separated subset of: " + scenario_list())
        ->delimiter(',')
        ->type_name("LIST")
        ->check(CLI::Validator(
            [](std::string& text) {
                return bench::parse_scenario(text) ? std::string()
                                                   : fmt::format("unknown scenario '{}' (one of {})", text,
                                                                 scenario_list());
            },
            ""));
    app->add_option("--cache", args->cache,
                    "warm (file in the page cache; default), cold (fdatasync + posix_fadvise DONTNEED before each "
                    "run) or both")
        ->type_name("STATE")
        ->check(CLI::IsMember({"warm", "cold", "both"}));
    app->add_option("--dir", args->directory,
                    "Where the test files go (a temporary directory is made inside it and removed afterwards; "
                    "default: the current directory). On tmpfs direct-io is skipped (no device under it)")
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory);
    app->add_option("--json", args->json_file, "Write every raw run and the medians as JSON (schema: docs/bench.md)")
        ->type_name("FILE");
    app->add_option("--csv", args->csv_file, "Write one CSV line per raw run")->type_name("FILE");
    app->add_option("--svg", args->svg_path,
                    "Write SVG charts (throughput and CPU per scenario and cache state): a directory gets one file "
                    "per chart, a path ending in .svg one combined document")
        ->type_name("PATH");
    attach_manual(*app, bench_manual);
    return {app, [args] { return run_bench_command(*args); }};
}

} // namespace zc::cli
