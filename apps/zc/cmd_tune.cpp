// zc tune [--profile FILE] [--quick] [--dir DIR] [--json FILE] [--from-json FILE]
//
// Measures this machine with the bench (src/bench/) and writes the profile
// `auto` then uses: per scenario, the fastest verified strategy at each size,
// then that strategy's tuning variants (chunk, buffer and pipe sizes, ring
// depth) side by side; neighbouring sizes with the same winner merged into
// bands (bench/profile_from_bench.hpp, docs/auto.md). --from-json builds the
// profile from a saved `zc bench --json` file instead of measuring (no
// tuning values then, unless the file has "tuning_results").
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
#include "bench/profile_from_bench.hpp"
#include "manual.hpp"
#include "zerocopy/profile.hpp"

namespace zc::cli {
namespace {

// The prose of `zc tune --help` and zc-tune(1); the options are the ones below.
const verb_manual tune_manual = {
    .description =
        "Measures this machine with the bench and writes the profile auto then uses: per scenario, the fastest "
        "verified strategy at each size, then that strategy's tuning variants (chunk, buffer and pipe sizes, ring "
        "depth) side by side, a variant kept only when it beats the defaults by 10 %. Neighbouring sizes with the "
        "same winner are merged into size bands.\n\n"
        "A run with any failure (a strategy that moved wrong bytes or errored) writes nothing. `zc strategies` "
        "shows the profile in use.",
    .examples = {{"zc tune --quick", "Measure three sizes and write ~/.config/zerocopy/profile.json."},
                 {"zc tune --from-json bench.json --profile ./profile.json",
                  "Build a profile from a saved `zc bench --json` run."}},
    .exit_status = {{0, "the profile was written"},
                    {1, "a measurement failed or the profile could not be written"},
                    {2, "bad usage"}},
    .see_also = {"zc-bench(1)", "zc-strategies(1)"},
};

struct tune_arguments {
    std::string profile_path; // "": the per-user default path
    bool quick = false;
    std::string directory;
    std::string from_json;
    std::string json_file; // the measurements, for --from-json later
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
            fmt::print("  {:<16} {:<24} {}\n", scenario_name(which), range,
                       detail::tuned_strategy_name({band.strategy, band.tune}));
            if (band.up_to) above = *band.up_to;
        }
    }
}

std::optional<nlohmann::json> read_results(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        print_error(fmt::format("cannot read '{}'", path));
        return std::nullopt;
    }
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        print_error(fmt::format("{}: not valid JSON: {}", path, e.what()));
        return std::nullopt;
    }
}

// Runs the bench in a temporary directory; its results as JSON, or nullopt
// (with the reason printed) when it failed anywhere.
std::optional<nlohmann::json> measure(bench::bench_config config, const tune_arguments& args, std::string_view phase) {
    std::string pattern = ((args.directory.empty() ? std::filesystem::path(".") : std::filesystem::path(args.directory)) /
                           "zc-tune.XXXXXX")
                              .string();
    if (!::mkdtemp(pattern.data())) {
        print_error(fmt::format("cannot create a directory for the test files ({}): {}", pattern, std::strerror(errno)));
        return std::nullopt;
    }
    config.directory = pattern;
    config.confirm_rounds = 0; // auto is not measured: the profile is what decides it
    config.on_progress = [phase](std::string_view what) { fmt::print(stderr, "zc tune: {}: {}\n", phase, what); };
    if (args.quick) config.sizes = {64u << 10, 1u << 20, 64u << 20};
    config.scenarios.clear();
    for (const auto s : bench::all_scenarios())
        if (s != bench::scenario::scan) config.scenarios.push_back(s); // not a transfer
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

// Phase 1: every strategy, as it comes. Phase 2: at each scenario and size,
// the strategy phase 1 chose and its tuning variants, side by side; the
// profile keeps a variant that beats the defaults by 10 % (docs/auto.md).
std::optional<nlohmann::json> bench_results(const tune_arguments& args) {
    if (!args.from_json.empty()) return read_results(args.from_json);
    bench::bench_config strategies;
    strategies.methods = [](bench::scenario, std::uint64_t) {
        std::vector<std::string> names;
        for (const auto id : all_strategies()) names.emplace_back(strategy_name(id));
        return names;
    };
    auto document = measure(strategies, args, "strategies");
    if (!document) return std::nullopt;
    auto chosen = detail::profile_from_bench(*document);
    if (!chosen) {
        report_failure(chosen.error());
        return std::nullopt;
    }
    bench::bench_config variants;
    variants.methods = [&chosen](bench::scenario which, std::uint64_t size) {
        const auto s = detail::profile_scenario(std::string(bench::scenario_name(which)));
        if (!s) return std::vector<std::string>{};
        const size_band* band = chosen->choose(*s, size);
        const strategy_id id = band ? band->strategy : profile::built_in().choose(*s, size)->strategy;
        std::vector<std::string> names = {std::string(strategy_name(id))};
        for (const auto& tune : detail::tuning_candidates(id, *s, size)) names.push_back(detail::tuned_strategy_name({id, tune}));
        return names;
    };
    auto tuned = measure(variants, args, "tuning");
    if (!tuned) return std::nullopt;
    (*document)["tuning_results"] = (*tuned)["results"];
    return document;
}

int run_tune(const tune_arguments& args) {
    const std::filesystem::path destination =
        args.profile_path.empty() ? default_profile_paths().front() : std::filesystem::path(args.profile_path);
    const auto results = bench_results(args);
    if (!results) return exit_failure;
    if (!args.json_file.empty()) {
        std::ofstream out(args.json_file, std::ios::binary | std::ios::trunc);
        out << results->dump(2) << "\n";
        if (!out.flush()) {
            print_error(fmt::format("cannot write '{}'", args.json_file));
            return exit_failure;
        }
    }
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
    app->add_flag("--quick", args->quick, "Sizes 64K, 1M, 64M instead of 4K…1G (5 runs each; 25 s on a quiet 2-vCPU VM, up to 100 s loaded)");
    app->add_option("--dir", args->directory,
                    "Where the test files go (a temporary directory inside it, removed afterwards; default: the "
                    "current directory)")
        ->type_name("DIR");
    app->add_option("--json", args->json_file,
                    "Also write the measurements (the bench's JSON plus \"tuning_results\") to FILE; "
                    "--from-json FILE rebuilds the same profile")
        ->type_name("FILE");
    auto* from = app->add_option("--from-json", args->from_json,
                                 "Build the profile from a saved `zc bench --json FILE` instead of measuring")
                     ->type_name("FILE");
    from->excludes(app->get_option("--quick"));
    from->excludes(app->get_option("--dir"));
    attach_manual(*app, tune_manual);
    return {app, [args] { return run_tune(*args); }};
}

} // namespace zc::cli
