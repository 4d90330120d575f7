// zc tune [--profile FILE] [--quick] [--dir DIR] [--from-json FILE]
//
// Measures this machine with the bench (src/bench/) and writes the profile
// `auto` then uses: per scenario, the fastest verified strategy at each size,
// neighbouring sizes with the same winner merged into bands
// (engine/profile_from_bench.hpp, docs/auto.md). --from-json builds the
// profile from a saved `zc bench --json` file instead of measuring.
//
// A run with any failure (a strategy that moved wrong bytes or errored) writes
// nothing: a profile must not be built on figures the bench itself doubts.
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/bench.hpp"
#include "commands.hpp"
#include "diagnostics.hpp"
#include "engine/profile_from_bench.hpp"
#include "zerocopy/profile.hpp"

namespace zc::cli {
namespace {

struct tune_arguments {
    std::string profile_path; // "": the per-user default path
    bool quick = false;
    std::string directory;
    std::string from_json;
};

std::string utc_now() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm parts{};
    ::gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return {};
    return name;
}

std::string size_text(std::uint64_t bytes) {
    if (bytes >= (1u << 30) && bytes % (1u << 30) == 0) return fmt::format("{} GiB", bytes >> 30);
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
    return fmt::format("{} B", bytes);
}

void print_bands(const profile& p) {
    for (const auto& [which, bands] : p.scenarios) {
        std::uint64_t above = 0;
        for (const auto& band : bands) {
            const std::string range = !band.up_to ? (above ? "> " + size_text(above) : std::string("any size"))
                                      : above     ? "> " + size_text(above) + ", ≤ " + size_text(*band.up_to)
                                                  : "≤ " + size_text(*band.up_to);
            fmt::print("  {:<16} {:<24} {}\n", scenario_name(which), range, strategy_name(band.strategy));
            if (band.up_to) above = *band.up_to;
        }
    }
}

// The bench results as JSON: measured now, or read from --from-json.
std::optional<nlohmann::json> bench_results(const tune_arguments& args) {
    if (!args.from_json.empty()) {
        std::ifstream in(args.from_json);
        if (!in) {
            print_error(fmt::format("cannot read '{}'", args.from_json));
            return std::nullopt;
        }
        try {
            return nlohmann::json::parse(in);
        } catch (const nlohmann::json::parse_error& e) {
            print_error(fmt::format("{}: not valid JSON: {}", args.from_json, e.what()));
            return std::nullopt;
        }
    }
    bench::bench_config config;
    if (args.quick) {
        config.sizes = {64u << 10, 1u << 20, 64u << 20};
        config.runs = 3;
    }
    config.scenarios.clear();
    for (const auto s : bench::all_scenarios())
        if (s != bench::scenario::scan) config.scenarios.push_back(s); // not a transfer
    std::string pattern = ((args.directory.empty() ? std::filesystem::path(".") : std::filesystem::path(args.directory)) /
                           "zc-tune.XXXXXX")
                              .string();
    if (!::mkdtemp(pattern.data())) {
        print_error(fmt::format("cannot create a directory for the test files ({}): {}", pattern, std::strerror(errno)));
        return std::nullopt;
    }
    config.directory = pattern;
    config.on_progress = [](std::string_view what) { fmt::print(stderr, "zc tune: {}\n", what); };
    auto results = bench::run_bench(config);
    std::error_code ignored;
    std::filesystem::remove_all(pattern, ignored);
    if (!results) {
        report_failure(results.error());
        return std::nullopt;
    }
    for (const auto& f : results->failures)
        print_error(fmt::format("{} {} {} bytes: {}", bench::scenario_name(f.which), f.strategy, f.size, f.message));
    if (!results->failures.empty()) {
        print_error(fmt::format("{} failure(s) in the bench: no profile written", results->failures.size()));
        return std::nullopt;
    }
    return bench::to_json(*results);
}

int run_tune(const tune_arguments& args) {
    const std::filesystem::path destination =
        args.profile_path.empty() ? default_profile_paths().front() : std::filesystem::path(args.profile_path);
    const auto results = bench_results(args);
    if (!results) return exit_failure;
    auto built = detail::profile_from_bench(*results, utc_now());
    if (!built) return report_failure(built.error());
    if (const std::string host = host_name(); !host.empty())
        built->machine = built->machine.empty() ? host : host + ", " + built->machine;
    if (auto saved = built->save(destination); !saved) return report_failure(saved.error());
    fmt::print("profile written to {}\n", destination.string());
    if (!built->machine.empty()) fmt::print("measured on {}\n", built->machine);
    fmt::print("auto picks first (then the built-in chain; scenarios not listed keep the built-in choice):\n");
    print_bands(*built);
    return exit_success;
}

} // namespace

command add_tune_command(CLI::App& zc) {
    auto args = std::make_shared<tune_arguments>();
    auto* app = zc.add_subcommand("tune", "Measure this machine and write the profile auto uses (docs/auto.md)");
    app->add_option("--profile", args->profile_path,
                    "Where to write the profile (default: $XDG_CONFIG_HOME/zerocopy/profile.json, else "
                    "~/.config/zerocopy/profile.json)")
        ->type_name("FILE");
    app->add_flag("--quick", args->quick, "Sizes 64K, 1M, 64M and 3 runs each instead of 4K…1G and 5 runs");
    app->add_option("--dir", args->directory,
                    "Where the test files go (a temporary directory inside it, removed afterwards; default: the "
                    "current directory)")
        ->type_name("DIR");
    auto* from = app->add_option("--from-json", args->from_json,
                                 "Build the profile from a saved `zc bench --json FILE` instead of measuring")
                     ->type_name("FILE");
    from->excludes(app->get_option("--quick"));
    from->excludes(app->get_option("--dir"));
    return {app, [args] { return run_tune(*args); }};
}

} // namespace zc::cli
