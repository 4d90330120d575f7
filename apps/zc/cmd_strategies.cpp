// zc strategies [--json]: every strategy, whether this machine can run it, and why not.
#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "transfer_report.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::cli {
namespace {

int run_strategies(bool json) {
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
    return exit_success;
}

} // namespace

command add_strategies_command(CLI::App& zc) {
    auto json = std::make_shared<bool>(false);
    auto* app = zc.add_subcommand("strategies", "List every strategy, whether it is available here, and why not");
    app->add_flag("--json", *json, "Print a JSON array of {name, available, reason, summary, serves}");
    return {app, [json] { return run_strategies(*json); }};
}

} // namespace zc::cli
