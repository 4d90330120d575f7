// Bench results → profile. See profile_from_bench.hpp for the rules and
// docs/auto.md for why the band edges sit at geometric midpoints: the bench
// measures sizes a factor 16–64 apart, and a crossover between two of them is
// as likely at 2× the smaller as at half the larger.
#include "engine/profile_from_bench.hpp"

#include "engine/auto_select.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <system_error>

namespace zc::detail {
namespace {

using json = nlohmann::json;

std::optional<scenario> profile_scenario(const std::string& bench_name) {
    if (auto s = parse_scenario(bench_name)) return s;
    // socket-to-file, pipe-to-socket, …: the source is a stream.
    if (bench_name.starts_with("socket-to-") || bench_name.starts_with("pipe-to-") ||
        bench_name.starts_with("stream-to-"))
        return scenario::stream_to_any;
    return std::nullopt; // "scan" and anything else that is not a transfer
}

// A measured strategy must beat the built-in choice by this much to replace
// it: on a shared 2-vCPU machine, medians of 3 runs of the same strategy
// differ by more than 5 % (docs/auto.md), and a band built on noise would
// make auto flap between strategies from one tune to the next.
constexpr double replace_margin = 1.10;

error bad_results(const std::string& what) {
    return {std::make_error_code(std::errc::invalid_argument), "bench results: " + what};
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

std::expected<profile, error> profile_from_bench(const json& document, std::string measured_at) {
    if (!document.is_object() || !document.contains("results") || !document["results"].is_array())
        return std::unexpected(bad_results("expected an object with a 'results' array"));
    const json& results = document["results"];
    bool any_warm = false;
    for (const auto& row : results)
        if (row.is_object() && row.value("cache", std::string()) == "warm") any_warm = true;

    // scenario → size → strategy → best median seen.
    std::map<scenario, std::map<std::uint64_t, std::map<strategy_id, double>>> measured;
    for (const auto& row : results) {
        if (!row.is_object() || !row.value("verified", false)) continue;
        if (any_warm && row.value("cache", std::string()) != "warm") continue;
        const auto s = profile_scenario(row.value("scenario", std::string()));
        const auto id = parse_strategy(row.value("strategy", std::string()));
        if (!s || !id || *id == strategy_id::automatic) continue;
        if (!row.contains("size") || !row["size"].is_number_unsigned()) continue;
        const auto size = row["size"].get<std::uint64_t>();
        const auto median = row.find("median");
        if (median == row.end() || !median->is_object() || !median->contains("gbps") || !(*median)["gbps"].is_number())
            continue;
        const double gbps = (*median)["gbps"].get<double>();
        if (!std::isfinite(gbps) || gbps <= 0) continue;
        double& slot = measured[*s][size][*id];
        slot = std::max(slot, gbps);
    }
    if (measured.empty()) return std::unexpected(bad_results("no verified result of an explicit strategy on a transfer scenario"));

    profile p;
    p.origin = "zc tune";
    p.measured_at = std::move(measured_at);
    if (document.contains("machine")) p.machine = describe_bench_machine(document["machine"]);
    for (const auto& [s, by_size] : measured) {
        const strategy_id built_in = default_chain(s).front();
        std::vector<size_band> bands;
        std::uint64_t previous_size = 0;
        for (const auto& [size, figures] : by_size) {
            auto fastest = std::max_element(figures.begin(), figures.end(),
                                            [](const auto& a, const auto& b) { return a.second < b.second; });
            const auto default_figure = figures.find(built_in);
            const strategy_id winner =
                default_figure != figures.end() && fastest->second < default_figure->second * replace_margin
                    ? built_in
                    : fastest->first;
            if (!bands.empty() && bands.back().strategy != winner) {
                // Close the previous band halfway (geometrically) to this size.
                const auto edge = static_cast<std::uint64_t>(
                    std::sqrt(static_cast<long double>(previous_size) * static_cast<long double>(size)));
                bands.back().up_to = std::max({edge, previous_size, std::uint64_t{1}});
            }
            if (bands.empty() || bands.back().strategy != winner) bands.push_back({std::nullopt, winner, {}});
            previous_size = size;
        }
        p.scenarios[s] = std::move(bands);
    }
    return p;
}

} // namespace zc::detail
