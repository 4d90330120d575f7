// run_bench: for each size, cache state and scenario, verify every method
// once (untimed), then time the verified ones interleaved run by run.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "bench/bench.hpp"
#include "bench/scenarios.hpp"
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

class runner {
public:
    runner(const bench_config& config, bench_results& results) : config_(config), results_(results) {}

    void run_cell_group(scenario which, const fixture& source, cache_state cache) {
        if (config_.on_progress)
            config_.on_progress(std::string(scenario_name(which)) + " " + std::to_string(source.size) + " bytes " +
                                std::string(cache_name(cache)));
        std::vector<cell_result> cells;
        for (const auto& method : detail::methods_of(which)) {
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
        for (auto& cell : cells) {
            cell.median = summarize(cell.runs, results_.memcpy_gbps);
            results_.results.push_back(std::move(cell));
        }
    }

private:
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
    results.auto_vs_best = compare_auto_with_best(results.results);
    return results;
}

} // namespace zc::bench
