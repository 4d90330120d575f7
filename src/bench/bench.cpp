// run_bench: for each size, cache state and scenario, verify every method
// once (untimed), time the verified ones interleaved run by run, then time
// auto and the cell's best explicit strategy again side by side (the check
// "auto within 10% of best", docs/bench.md).
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <tuple>
#include <set>

#include "bench/bench.hpp"
#include "bench/scenarios.hpp"
#include "zerocopy/profile.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::bench {

namespace {

using detail::fixture;

// SIGPIPE ignored for the duration (as zc does), so transfers can skip their
// own per-call guard and its three syscalls would not pollute syscalls/GB.
class sigpipe_ignored {
public:
    sigpipe_ignored() {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        ::sigaction(SIGPIPE, &ignore, &saved_);
    }
    ~sigpipe_ignored() { ::sigaction(SIGPIPE, &saved_, nullptr); }
    sigpipe_ignored(const sigpipe_ignored&) = delete;
    sigpipe_ignored& operator=(const sigpipe_ignored&) = delete;

private:
    struct sigaction saved_ {};
};

std::uint64_t repeats_for(const bench_config& config, std::uint64_t size, cache_state cache) {
    // A cold run is one transfer from a dropped cache: repeating it would be warm.
    if (cache == cache_state::cold || size == 0) return 1;
    return std::max<std::uint64_t>(1, (config.min_bytes_per_run + size - 1) / size);
}

// The strategy auto starts with in a cell, by name.
std::string auto_pick_for(scenario which, std::uint64_t size) {
    std::pair<fd_kind, fd_kind> kinds{fd_kind::regular_file, fd_kind::regular_file};
    if (which == scenario::file_to_socket) kinds.second = fd_kind::tcp_socket;
    if (which == scenario::file_to_pipe) kinds.second = fd_kind::pipe;
    if (which == scenario::socket_to_file) kinds.first = fd_kind::tcp_socket;
    return std::string(strategy_name(auto_choice(kinds.first, kinds.second, size).strategy));
}

class runner {
public:
    runner(const bench_config& config, bench_results& results) : config_(config), results_(results) {}

    void run_cell_group(scenario which, const fixture& source, cache_state cache) {
        if (config_.on_progress)
            config_.on_progress(std::string(scenario_name(which)) + " " + std::to_string(source.size) + " bytes " +
                                std::string(cache_name(cache)));
        std::vector<cell_result> cells;
        const auto methods = config_.methods ? config_.methods(which, source.size) : detail::methods_of(which);
        for (const auto& method : methods) {
            if (method == "direct-io" && results_.machine.filesystem == "tmpfs") {
                // tmpfs has no device under it: "direct" I/O is a page-cache copy by another name.
                skip(which, method, "the bench directory is on tmpfs, where O_DIRECT measures nothing (no device); "
                                    "use --dir on a disk filesystem");
                continue;
            }
            auto checked = detail::verify(which, method, source);
            if (!checked) {
                const auto& e = checked.error();
                if (zc::is_refusal(e)) skip(which, method, e.message());
                else fail(which, method, source.size, cache, "verification run failed: " + e.message());
                continue;
            }
            cell_result cell{which, method, source.size, cache, checked->matched, checked->checksum, {}, {}};
            if (!checked->matched) {
                fail(which, method, source.size, cache, "MISMATCH: " + checked->detail);
                results_.results.push_back(std::move(cell));
                continue;
            }
            cells.push_back(std::move(cell));
        }
        const std::uint64_t repeats = repeats_for(config_, source.size, cache);
        std::vector<bool> failed(cells.size(), false);
        for (const auto& [run, index] : interleaved_order(config_.runs, cells.size())) {
            if (failed[index]) continue;
            if (cache == cache_state::cold) {
                if (auto dropped = source.drop_cache(); !dropped) {
                    fail(which, cells[index].strategy, source.size, cache, dropped.error().message());
                    failed[index] = true;
                    continue;
                }
            }
            auto sample = detail::measure(which, cells[index].strategy, source, repeats);
            if (!sample) {
                fail(which, cells[index].strategy, source.size, cache, "run " + std::to_string(run + 1) + ": " +
                                                                           sample.error().message());
                failed[index] = true;
                continue;
            }
            cells[index].runs.push_back(*sample);
        }
        for (auto& cell : cells) cell.median = summarize(cell.runs, results_.memcpy_gbps);
        if (config_.confirm_rounds) confirm_auto(which, source, cache, cells, repeats);
        for (auto& cell : cells) results_.results.push_back(std::move(cell));
    }

private:
    // Auto against the best explicit strategy of the cell, timed again in
    // paired rounds. The best is chosen on the cell's runs and then measured
    // afresh, so a strategy that topped the table by a lucky run (the maximum
    // of eight noisy medians is biased upwards) is not the yardstick; pairing
    // cancels the load drifts of a shared machine. Order alternates (A B,
    // B A) so neither side always runs first.
    void confirm_auto(scenario which, const fixture& source, cache_state cache, const std::vector<cell_result>& cells,
                      std::uint64_t repeats) {
        const cell_result* automatic = nullptr;
        const cell_result* best = nullptr;
        for (const auto& c : cells) {
            if (c.runs.empty()) continue;
            if (c.strategy == "auto") automatic = &c;
            else if (!best || c.median.gbps > best->median.gbps) best = &c;
        }
        if (!automatic || !best) return;
        const auto timed = [&](const std::string& method) -> std::optional<double> {
            if (cache == cache_state::cold && !source.drop_cache()) return std::nullopt;
            auto sample = detail::measure(which, method, source, repeats);
            return sample ? std::optional(sample->gbps()) : std::nullopt;
        };
        std::vector<std::pair<double, double>> rounds;
        for (unsigned round = 0; round < config_.confirm_rounds; ++round) {
            const bool auto_first = round % 2 == 0;
            const auto first = timed(auto_first ? "auto" : best->strategy);
            const auto second = first ? timed(auto_first ? best->strategy : "auto") : std::nullopt;
            if (!second) { // a failure the cell's runs did not show: fall back to the cell's medians
                for (const auto& entry : compare_auto_with_best({*automatic, *best})) results_.auto_vs_best.push_back(entry);
                return;
            }
            rounds.push_back(auto_first ? std::pair(*first, *second) : std::pair(*second, *first));
        }
        results_.auto_vs_best.push_back(compare_paired(*automatic, *best, rounds));
    }

    void skip(scenario which, const std::string& method, const std::string& reason) {
        if (skipped_seen_.insert({which, method}).second) results_.skipped.push_back({which, method, reason});
    }
    void fail(scenario which, const std::string& method, std::uint64_t size, cache_state cache, std::string message) {
        results_.failures.push_back({which, method, size, cache, std::move(message)});
    }

    const bench_config& config_;
    bench_results& results_;
    std::set<std::pair<scenario, std::string>> skipped_seen_;
};

} // namespace

std::expected<bench_results, error> run_bench(const bench_config& config) {
    std::error_code ec;
    if (!std::filesystem::is_directory(config.directory, ec))
        return std::unexpected(error::from_errno(ENOTDIR, "bench directory " + config.directory.string()));
    if (::access(config.directory.c_str(), W_OK) != 0)
        return std::unexpected(error::from_errno(errno, "bench directory " + config.directory.string()));

    const sigpipe_ignored no_sigpipe;
    bench_results results;
    results.machine = probe_machine(config.directory);
    results.memcpy_gbps = calibrate_memcpy(config.memcpy_bytes, config.memcpy_attempts);
    runner r(config, results);
    for (const auto size : config.sizes) {
        auto source = fixture::create(config.directory, size);
        if (!source) return std::unexpected(source.error().wrap("create the test file"));
        for (const auto cache : config.caches) {
            for (const auto which : config.scenarios) {
                // The socket-to-file source is memory: there is no cache to drop.
                if (which == scenario::socket_to_file && cache == cache_state::cold) continue;
                r.run_cell_group(which, *source, cache);
            }
        }
        std::filesystem::remove(source->source, ec);
    }
    if (!config.confirm_rounds) results.auto_vs_best = compare_auto_with_best(results.results);
    for (auto& entry : results.auto_vs_best) entry.auto_strategy = auto_pick_for(entry.which, entry.size);
    std::sort(results.auto_vs_best.begin(), results.auto_vs_best.end(), [](const auto& a, const auto& b) {
        return std::tie(a.which, a.size, a.cache) < std::tie(b.which, b.size, b.cache);
    });
    return results;
}

} // namespace zc::bench
