#include "transfer_flags.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "size_parser.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::cli {
namespace {

std::string strategy_names() {
    std::string names = "auto";
    for (const auto& info : describe_strategies()) names += fmt::format(", {}", info.name);
    return names;
}

const CLI::Validator& size_validator() {
    static const CLI::Validator validator(
        [](std::string& text) {
            auto size = parse_size(text);
            return size ? std::string() : size.error();
        },
        "");
    return validator;
}

const CLI::Validator& strategy_validator() {
    static const CLI::Validator validator(
        [](std::string& text) {
            if (parse_strategy(text)) return std::string();
            return fmt::format("unknown strategy '{}' (one of: {})", text, strategy_names());
        },
        "");
    return validator;
}

} // namespace

progress_mode transfer_flags::progress_choice() const {
    if (progress) return progress_mode::always;
    if (no_progress) return progress_mode::never;
    return progress_mode::automatic;
}

transfer_options transfer_flags::to_options() const {
    transfer_options options;
    options.strategy = parse_strategy(strategy).value_or(strategy_id::automatic);
    if (!offset.empty()) options.offset = parse_size(offset).value_or(0);
    if (!length.empty()) options.length = parse_size(length).value_or(0);
    options.guard_sigpipe = false;
    return options;
}

void add_strategy_option(CLI::App& command, transfer_flags& flags) {
    command.add_option("-s,--strategy", flags.strategy,
                       "How to move the bytes: auto (default) or a name from `zc strategies`")
        ->type_name("NAME")
        ->check(strategy_validator());
}

void add_range_options(CLI::App& command, transfer_flags& flags) {
    command.add_option("--offset", flags.offset, "Start this many bytes into the file (e.g. 4096, 64K, 1M)")
        ->type_name("SIZE")
        ->check(size_validator());
    command.add_option("--length", flags.length, "Move only this many bytes (default: to the end)")
        ->type_name("SIZE")
        ->check(size_validator());
}

void add_json_option(CLI::App& command, transfer_flags& flags, const char* where) {
    command.add_flag("--json", flags.json,
                     fmt::format("Print transfer statistics as one JSON object on {}", where));
}

void add_progress_options(CLI::App& command, transfer_flags& flags) {
    auto* on = command.add_flag("--progress", flags.progress,
                                "Always show a progress line on stderr (default: only on a terminal, over 16 MiB)");
    auto* off = command.add_flag("--no-progress", flags.no_progress, "Never show a progress line");
    on->excludes(off);
}

} // namespace zc::cli
