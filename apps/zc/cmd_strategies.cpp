// zc strategies [--json | --profile-json]: every strategy, whether this
// machine can run it and why not; the active auto-tuning profile and what
// `auto` picks first per scenario and size band.
//
// --json stays the array it always was (tests and scripts parse it); the
// profile view is a separate object under --profile-json.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "core/tuning_knobs.hpp"
#include "manual.hpp"
#include "transfer_report.hpp"
#include "zerocopy/profile.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::cli {
namespace {

// The prose of `zc strategies --help` and zc-strategies(1).
const verb_manual strategies_manual = {
    .description =
        "Every strategy the library knows, what it serves (source and destination kinds), whether this machine "
        "can run it and, if not, why (the probe's error, e.g. \"io_uring_setup: Operation not permitted\" in a "
        "container). Then the active profile and, per scenario and size band, the strategy auto tries first.",
    .examples = {{"zc strategies", "The table and the profile."},
                 {"zc strategies --json | jq '.[] | select(.available | not) | {name, reason}'",
                  "What cannot run here, and why."}},
    .exit_status = {},
    .see_also = {"zc-tune(1)"},
};

// One row of "what auto picks": sizes in (above, up_to].
struct pick_row {
    scenario which;
    std::uint64_t above = 0;
    std::optional<std::uint64_t> up_to;
    auto_pick pick;
};

// A source and sink kind that fall in the scenario.
std::pair<fd_kind, fd_kind> kinds_of(scenario s) {
    switch (s) {
    case scenario::file_to_file: return {fd_kind::regular_file, fd_kind::regular_file};
    case scenario::file_to_socket: return {fd_kind::regular_file, fd_kind::tcp_socket};
    case scenario::file_to_pipe: return {fd_kind::regular_file, fd_kind::pipe};
    case scenario::file_to_other: return {fd_kind::regular_file, fd_kind::char_device};
    case scenario::stream_to_any: return {fd_kind::pipe, fd_kind::regular_file};
    }
    return {fd_kind::pipe, fd_kind::regular_file};
}

std::vector<pick_row> auto_picks(const profile& active) {
    std::vector<pick_row> rows;
    for (scenario s : all_scenarios()) {
        const auto [source, sink] = kinds_of(s);
        std::uint64_t above = 0;
        if (auto found = active.scenarios.find(s); found != active.scenarios.end()) {
            for (const auto& band : found->second) {
                rows.push_back({s, above, band.up_to, auto_choice(source, sink, band.up_to ? *band.up_to : above + 1, &active)});
                if (!band.up_to) break;
                above = *band.up_to;
            }
            if (!found->second.empty() && !found->second.back().up_to) continue;
        }
        // Sizes the profile leaves out: the built-in choice.
        rows.push_back({s, above, std::nullopt, auto_choice(source, sink, std::nullopt, &active)});
    }
    return rows;
}

std::string size_text(std::uint64_t bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024 && unit < 4 && static_cast<std::uint64_t>(value) % 1024 == 0) {
        value /= 1024;
        ++unit;
    }
    return fmt::format("{} {}", value, units[unit]);
}

std::string range_text(const pick_row& row) {
    if (!row.up_to) return row.above == 0 ? "any size" : "> " + size_text(row.above);
    return row.above == 0 ? "≤ " + size_text(*row.up_to) : "> " + size_text(row.above) + ", ≤ " + size_text(*row.up_to);
}

nlohmann::json tuning_json(const tuning& t) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& knob : detail::tuning_knobs())
        if (const auto value = knob.tuned(t)) out[std::string(knob.key)] = *value;
    return out;
}

std::string tuning_text(const tuning& t) {
    std::string text;
    for (const auto& knob : detail::tuning_knobs())
        if (const auto value = knob.tuned(t)) text += fmt::format("{}{}={}", text.empty() ? "" : " ", knob.key, *value);
    return text;
}

int print_profile_json(const profile& active) {
    nlohmann::json picks = nlohmann::json::array();
    for (const auto& row : auto_picks(active)) {
        nlohmann::json entry = {{"scenario", scenario_name(row.which)},
                                {"above", row.above},
                                {"up_to", row.up_to ? nlohmann::json(*row.up_to) : nlohmann::json(nullptr)},
                                {"strategy", strategy_name(row.pick.strategy)},
                                {"from_profile", row.pick.from_profile},
                                {"tuning", tuning_json(row.pick.tune)}};
        picks.push_back(std::move(entry));
    }
    print_json(stdout, {{"origin", active.origin},
                        {"machine", active.machine},
                        {"measured_at", active.measured_at},
                        {"auto", std::move(picks)}});
    return exit_success;
}

void print_profile_text(const profile& active) {
    fmt::print("\nPROFILE {}\n", active.origin);
    if (!active.machine.empty()) fmt::print("  measured on {}\n", active.machine);
    if (!active.measured_at.empty()) fmt::print("  measured at {}\n", active.measured_at);
    fmt::print("\n{:<16} {:<22} {:<16} {}\n", "AUTO PICKS FOR", "SIZE", "FIRST", "TUNING");
    for (const auto& row : auto_picks(active)) {
        std::string line = fmt::format("{:<16} {:<22} {:<16} {}", scenario_name(row.which), range_text(row),
                                       strategy_name(row.pick.strategy),
                                       row.pick.from_profile ? tuning_text(row.pick.tune) : "(built-in default)");
        line.erase(line.find_last_not_of(' ') + 1);
        fmt::print("{}\n", line);
    }
    fmt::print("then the rest of the built-in chain, down to read-write (docs/auto.md)\n");
}

int run_strategies(bool json, bool profile_json) {
    const auto active = active_profile();
    if (profile_json) return print_profile_json(*active);
    const auto strategies = describe_strategies();
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& info : strategies) {
            list.push_back({{"name", info.name},
                            {"available", info.available},
                            {"reason", info.reason},
                            {"summary", info.summary},
                            {"serves", info.serves}});
        }
        print_json(stdout, list);
        return exit_success;
    }
    fmt::print("{:<16} {:<10} {:<36} {}\n", "STRATEGY", "AVAILABLE", "SERVES", "SUMMARY");
    for (const auto& info : strategies) {
        fmt::print("{:<16} {:<10} {:<36} {}\n", info.name, info.available ? "yes" : "no", info.serves, info.summary);
        if (!info.available) fmt::print("{:<16} unavailable: {}\n", "", info.reason);
    }
    print_profile_text(*active);
    return exit_success;
}

} // namespace

command add_strategies_command(CLI::App& zc) {
    auto json = std::make_shared<bool>(false);
    auto profile_json = std::make_shared<bool>(false);
    auto* app = zc.add_subcommand(
        "strategies", "List every strategy, whether it is available here, and what auto picks under the active profile");
    auto* list = app->add_flag("--json", *json, "Print a JSON array of {name, available, reason, summary, serves}");
    app->add_flag("--profile-json", *profile_json,
                  "Print the active profile as JSON: {origin, machine, measured_at, auto: [{scenario, above, up_to, "
                  "strategy, from_profile, tuning}]}")
        ->excludes(list);
    attach_manual(*app, strategies_manual);
    return {app, [json, profile_json] { return run_strategies(*json, *profile_json); }};
}

} // namespace zc::cli
