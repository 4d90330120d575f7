// Bench results → profile. See profile_from_bench.hpp for the rules and
// docs/auto.md for why the band edges sit at geometric midpoints: the bench
// measures sizes a factor 16–64 apart, and a crossover between two of them is
// as likely at 2× the smaller as at half the larger.
#include "bench/profile_from_bench.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <cmath>
#include <map>
#include <system_error>

#include "core/tuning_knobs.hpp"
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {

using json = nlohmann::json;

// A measured strategy must beat the built-in choice by this much to replace
// it: on a shared 2-vCPU machine, medians of 3 runs of the same strategy
// differ by more than 5 % (docs/auto.md), and a band built on noise would
// make auto flap between strategies from one tune to the next.
constexpr double replace_margin = 1.10;

error bad_results(const std::string& what) {
    return {std::make_error_code(std::errc::invalid_argument), "bench results: " + what};
}

// One verified row of a results array: where, what, and its median GB/s.
struct bench_row {
    scenario which;
    std::uint64_t size;
    tuned_strategy method;
    double gbps;              // median
    std::vector<double> runs; // GB/s of each run, in the bench's interleaved order (may be empty)
};

double median_of(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// How much faster `variant` was than `defaults`: the median of the per-run
// ratios when both have runs (run i of each was taken in the same round of
// the interleaved order, so they saw the same machine load), else the ratio
// of the medians.
double speedup(const bench_row& variant, const bench_row& defaults) {
    const std::size_t n = std::min(variant.runs.size(), defaults.runs.size());
    std::vector<double> ratios;
    for (std::size_t i = 0; i < n; ++i)
        if (defaults.runs[i] > 0) ratios.push_back(variant.runs[i] / defaults.runs[i]);
    return ratios.empty() ? variant.gbps / defaults.gbps : median_of(std::move(ratios));
}

// The usable rows (verified, an explicit strategy, a transfer scenario, a
// positive median), warm ones only when there are any.
std::vector<bench_row> usable_rows(const json& results) {
    bool any_warm = false;
    for (const auto& row : results)
        if (row.is_object() && row.value("cache", std::string()) == "warm") any_warm = true;
    std::vector<bench_row> rows;
    for (const auto& row : results) {
        if (!row.is_object() || !row.value("verified", false)) continue;
        if (any_warm && row.value("cache", std::string()) != "warm") continue;
        const auto s = profile_scenario(row.value("scenario", std::string()));
        const auto method = parse_tuned_strategy(row.value("strategy", std::string()));
        if (!s || !method) continue;
        if (!row.contains("size") || !row["size"].is_number_unsigned()) continue;
        const auto median = row.find("median");
        if (median == row.end() || !median->is_object() || !median->contains("gbps") || !(*median)["gbps"].is_number())
            continue;
        const double gbps = (*median)["gbps"].get<double>();
        if (!std::isfinite(gbps) || gbps <= 0) continue;
        std::vector<double> runs;
        if (const auto list = row.find("runs"); list != row.end() && list->is_array())
            for (const auto& run : *list)
                if (run.is_object() && run.contains("gbps") && run["gbps"].is_number()) runs.push_back(run["gbps"].get<double>());
        rows.push_back({*s, row["size"].get<std::uint64_t>(), *method, gbps, std::move(runs)});
    }
    return rows;
}

} // namespace

std::string describe_bench_machine(const json& machine) {
    if (!machine.is_object()) return {};
    std::string text;
    const auto add = [&](const std::string& part) {
        if (!part.empty()) text += (text.empty() ? "" : ", ") + part;
    };
    if (auto it = machine.find("hostname"); it != machine.end() && it->is_string()) add(it->get<std::string>());
    if (auto it = machine.find("kernel"); it != machine.end() && it->is_string()) add("Linux " + it->get<std::string>());
    if (auto it = machine.find("cpu"); it != machine.end() && it->is_string()) add(it->get<std::string>());
    if (auto it = machine.find("cores"); it != machine.end() && it->is_number_integer() && it->get<long long>() > 0)
        add(std::to_string(it->get<long long>()) + " cores");
    if (auto it = machine.find("filesystem"); it != machine.end() && it->is_string()) add(it->get<std::string>());
    return text;
}

std::optional<scenario> profile_scenario(const std::string& bench_name) {
    if (auto s = parse_scenario(bench_name)) return s;
    // socket-to-file, pipe-to-socket, …: the source is a stream.
    if (bench_name.starts_with("socket-to-") || bench_name.starts_with("pipe-to-") ||
        bench_name.starts_with("stream-to-"))
        return scenario::stream_to_any;
    return std::nullopt; // "scan" and anything else that is not a transfer
}

std::optional<tuned_strategy> parse_tuned_strategy(std::string_view text) {
    std::vector<std::string_view> words;
    for (std::size_t at = 0; at <= text.size();) {
        const std::size_t end = std::min(text.find(' ', at), text.size());
        words.push_back(text.substr(at, end - at));
        at = end + 1;
    }
    const auto id = parse_strategy(words.front());
    if (!id || *id == strategy_id::automatic) return std::nullopt;
    tuned_strategy method{*id, {}};
    for (std::size_t i = 1; i < words.size(); ++i) {
        const auto equals = words[i].find('=');
        if (equals == std::string_view::npos) return std::nullopt;
        const auto key = words[i].substr(0, equals), digits = words[i].substr(equals + 1);
        std::size_t value = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec != std::errc() || end != digits.data() + digits.size() || value == 0) return std::nullopt;
        const tuning_knob* knob = find_knob(key);
        if (!knob) return std::nullopt;
        knob->set_tuned(method.tune, value);
    }
    return method;
}

std::string tuned_strategy_name(const tuned_strategy& method) {
    std::string name(strategy_name(method.strategy));
    for (const auto& knob : tuning_knobs())
        if (const auto value = knob.tuned(method.tune))
            name.append(" ").append(knob.key).append("=").append(std::to_string(*value));
    return name;
}

std::vector<tuning> tuning_candidates(strategy_id id, scenario s, std::uint64_t size) {
    // Around each default (transfer_options, the strategy files): one smaller,
    // one larger, where the knob changes how the work is cut — syscalls per
    // GB against the cache footprint of a buffer, a pipe or a burst of
    // in-flight requests. The strategy's ops table lists them
    // (tuning_trials). A variant that cannot change this transfer is left
    // out: timing it would only let noise pick a "winner".
    std::vector<tuning> out;
    if (id == strategy_id::automatic) return out;
    for (const tuning_trial& trial : ops_for(id).tuning_trials) {
        if (!trial.applies_to(s)) continue;
        const tuning_knob& k = knob(trial.knob);
        const std::uint64_t default_value = trial.strategy_default.value_or(k.default_value());
        for (const std::uint64_t v : trial.values) {
            if (v == 0) continue;
            // A buffer, chunk or pipe cuts the transfer only below its size.
            if (k.cuts_transfer && std::min(v, default_value) >= size) continue;
            tuning t;
            k.set_tuned(t, v);
            out.push_back(t);
        }
    }
    return out;
}

namespace {

// The tuning of the fastest variant of `id` at (s, size) in the tuning run,
// when it beats the defaults of that same run by the margin.
tuning best_tuning(const std::vector<bench_row>& tuning_rows, scenario s, std::uint64_t size, strategy_id id) {
    const bench_row* defaults = nullptr;
    std::vector<const bench_row*> variants;
    for (const auto& row : tuning_rows) {
        if (row.which != s || row.size != size || row.method.strategy != id) continue;
        if (!row.method.tune.empty()) variants.push_back(&row);
        else if (!defaults || row.gbps > defaults->gbps) defaults = &row;
    }
    if (!defaults) return {};
    double best = replace_margin;
    tuning chosen;
    for (const auto* variant : variants)
        if (const double gain = speedup(*variant, *defaults); gain >= best) {
            best = gain;
            chosen = variant->method.tune;
        }
    return chosen;
}

} // namespace

std::expected<profile, error> profile_from_bench(const json& document, std::string measured_at) {
    if (!document.is_object() || !document.contains("results") || !document["results"].is_array())
        return std::unexpected(bad_results("expected an object with a 'results' array"));
    // scenario → size → strategy → best median seen (default tuning only:
    // the strategies are compared as they come).
    std::map<scenario, std::map<std::uint64_t, std::map<strategy_id, double>>> measured;
    for (const auto& row : usable_rows(document["results"]))
        if (row.method.tune.empty()) {
            double& slot = measured[row.which][row.size][row.method.strategy];
            slot = std::max(slot, row.gbps);
        }
    if (measured.empty()) return std::unexpected(bad_results("no verified result of an explicit strategy on a transfer scenario"));
    const auto tuning_rows = document.contains("tuning_results") && document["tuning_results"].is_array()
                                 ? usable_rows(document["tuning_results"])
                                 : std::vector<bench_row>{};

    profile p;
    p.origin = "zc tune";
    p.measured_at = std::move(measured_at);
    if (document.contains("machine")) p.machine = describe_bench_machine(document["machine"]);
    const profile built_in = profile::built_in();
    for (const auto& [s, by_size] : measured) {
        std::vector<size_band> bands;
        std::uint64_t previous_size = 0;
        for (const auto& [size, figures] : by_size) {
            const strategy_id default_choice = built_in.choose(s, size)->strategy;
            auto fastest = std::max_element(figures.begin(), figures.end(),
                                            [](const auto& a, const auto& b) { return a.second < b.second; });
            const auto default_figure = figures.find(default_choice);
            const strategy_id winner =
                default_figure != figures.end() && fastest->second < default_figure->second * replace_margin
                    ? default_choice
                    : fastest->first;
            const size_band band{std::nullopt, winner, best_tuning(tuning_rows, s, size, winner)};
            const bool same = !bands.empty() && bands.back().strategy == band.strategy && bands.back().tune == band.tune;
            if (!bands.empty() && !same) {
                // Close the previous band halfway (geometrically) to this size.
                const auto edge = static_cast<std::uint64_t>(
                    std::sqrt(static_cast<long double>(previous_size) * static_cast<long double>(size)));
                bands.back().up_to = std::max({edge, previous_size, std::uint64_t{1}});
            }
            if (!same) bands.push_back(band);
            previous_size = size;
        }
        p.scenarios[s] = std::move(bands);
    }
    return p;
}

} // namespace zc::detail
