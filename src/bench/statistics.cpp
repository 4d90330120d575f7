// The statistics of zc bench: medians over interleaved runs, per-GB figures,
// copy-equivalents, and "auto vs best".
#include <algorithm>
#include <array>
#include <map>
#include <tuple>

#include "bench/bench.hpp"
#include "strategies/strategy.hpp"

namespace zc::bench {

namespace {

constexpr std::array scenario_names = {
    std::pair{scenario::file_to_socket, std::string_view("file-to-socket")},
    std::pair{scenario::file_to_file, std::string_view("file-to-file")},
    std::pair{scenario::file_to_pipe, std::string_view("file-to-pipe")},
    std::pair{scenario::socket_to_file, std::string_view("socket-to-file")},
    std::pair{scenario::scan, std::string_view("scan")},
};

double per_gb(double value, std::uint64_t bytes) { return bytes ? value / (static_cast<double>(bytes) / 1e9) : 0; }

} // namespace

std::string_view scenario_name(scenario s) noexcept {
    for (const auto& [id, name] : scenario_names)
        if (id == s) return name;
    return "?";
}

std::optional<scenario> parse_scenario(std::string_view name) noexcept {
    for (const auto& [id, text] : scenario_names)
        if (text == name) return id;
    return std::nullopt;
}

std::string_view cache_name(cache_state c) noexcept { return c == cache_state::warm ? "warm" : "cold"; }

const std::vector<scenario>& all_scenarios() {
    static const std::vector<scenario> every = [] {
        std::vector<scenario> v;
        for (const auto& [id, name] : scenario_names) v.push_back(id);
        return v;
    }();
    return every;
}

std::string_view textbook_model(std::string_view strategy) noexcept {
    // The seeds' textbook figures per transfer, kept in each strategy's ops
    // table (cost_model).
    const auto id = parse_strategy(strategy);
    if (!id || *id == strategy_id::automatic) return "";
    return detail::ops_for(*id).cost_model;
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::vector<std::pair<unsigned, std::size_t>> interleaved_order(unsigned runs, std::size_t strategies) {
    std::vector<std::pair<unsigned, std::size_t>> order;
    order.reserve(runs * strategies);
    // Each round starts one strategy later (A B C, B C A, C A B): whatever a
    // run inherits from the one before it (io_uring teardown and writeback
    // finishing in kernel threads) does not always land on the same strategy.
    for (unsigned run = 0; run < runs; ++run)
        for (std::size_t s = 0; s < strategies; ++s) order.emplace_back(run, (s + run) % strategies);
    return order;
}

summary summarize(const std::vector<run_sample>& runs, double memcpy_gbps) {
    summary out;
    if (runs.empty()) return out;
    std::vector<double> gbps, seconds, sender, receiver, syscalls, switches, faults, durable;
    bool has_receiver = false;
    for (const auto& r : runs) {
        const double repeats = static_cast<double>(std::max<std::uint64_t>(r.repeats, 1));
        gbps.push_back(r.gbps());
        seconds.push_back(r.seconds / repeats);
        sender.push_back(per_gb(r.sender_user_s + r.sender_sys_s, r.bytes));
        if (r.receiver_user_s) {
            has_receiver = true;
            receiver.push_back(per_gb(*r.receiver_user_s + r.receiver_sys_s.value_or(0), r.bytes));
        }
        syscalls.push_back(per_gb(static_cast<double>(r.syscalls), r.bytes));
        switches.push_back(static_cast<double>(r.voluntary_switches + r.involuntary_switches) / repeats);
        faults.push_back(static_cast<double>(r.minor_faults + r.major_faults) / repeats);
        if (r.durable_seconds && *r.durable_seconds > 0)
            durable.push_back(static_cast<double>(r.bytes) / repeats / *r.durable_seconds / 1e9);
    }
    out.gbps = median(gbps);
    out.min_gbps = *std::min_element(gbps.begin(), gbps.end());
    out.max_gbps = *std::max_element(gbps.begin(), gbps.end());
    out.seconds = median(seconds);
    out.sender_cpu_s_per_gb = median(sender);
    if (has_receiver) out.receiver_cpu_s_per_gb = median(receiver);
    out.syscalls_per_gb = median(syscalls);
    out.context_switches = median(switches);
    out.faults = median(faults);
    if (!durable.empty()) out.durable_gbps = median(durable);
    // memcpy moves 1 GB in 1/memcpy_gbps seconds: that is one "copy".
    if (memcpy_gbps > 0)
        out.copy_equivalents = (out.sender_cpu_s_per_gb + out.receiver_cpu_s_per_gb.value_or(0)) * memcpy_gbps;
    return out;
}

std::vector<auto_vs_best_entry> compare_auto_with_best(const std::vector<cell_result>& results) {
    using key = std::tuple<scenario, std::uint64_t, cache_state>;
    std::map<key, const cell_result*> automatic, best;
    for (const auto& cell : results) {
        if (cell.runs.empty()) continue;
        const key k{cell.which, cell.size, cell.cache};
        if (cell.strategy == "auto") {
            automatic[k] = &cell;
        } else if (!best.contains(k) || best[k]->median.gbps < cell.median.gbps) {
            best[k] = &cell;
        }
    }
    std::vector<auto_vs_best_entry> out;
    for (const auto& [k, a] : automatic) {
        const auto b = best.find(k);
        if (b == best.end()) continue;
        const double ratio = b->second->median.gbps > 0 ? a->median.gbps / b->second->median.gbps : 0;
        out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), a->median.gbps, b->second->strategy,
                       b->second->median.gbps, ratio, ratio >= 0.9});
    }
    return out;
}

auto_vs_best_entry compare_paired(const cell_result& automatic, const cell_result& best,
                                  const std::vector<std::pair<double, double>>& rounds) {
    std::vector<double> auto_gbps, best_gbps;
    for (const auto& [a, b] : rounds) {
        auto_gbps.push_back(a);
        best_gbps.push_back(b);
    }
    // The ratio of the two medians, not the median of per-round ratios: on a
    // shared machine a run is often either fast or several times slower, at
    // random, and a ratio of two such runs swings twice as far as either.
    // Pairing still counts: both medians come from the same minutes.
    const double a = median(auto_gbps), b = median(best_gbps);
    const double ratio = b > 0 ? a / b : 0;
    return {automatic.which, automatic.size, automatic.cache, a, best.strategy, b, ratio, ratio >= 0.9,
            static_cast<unsigned>(rounds.size())};
}

} // namespace zc::bench
