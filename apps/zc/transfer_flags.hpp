// The options several verbs share (--strategy, --offset, --length, --json,
// --progress) and their translation into zc::transfer_options.
//
// Values are validated while CLI11 parses, so a bad size or an unknown
// strategy is a usage error (exit 2) before anything is opened.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "progress_meter.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::cli {

struct transfer_flags {
    std::string strategy = "auto";
    std::string offset; // empty: not given
    std::string length; // empty: not given
    bool json = false;
    bool progress = false;
    bool no_progress = false;

    progress_mode progress_choice() const;
    // The engine options for these flags. The process ignores SIGPIPE (main),
    // so the per-transfer guard is turned off.
    transfer_options to_options() const;
};

void add_strategy_option(CLI::App& command, transfer_flags& flags);
void add_range_options(CLI::App& command, transfer_flags& flags);
void add_json_option(CLI::App& command, transfer_flags& flags, const char* where);
void add_progress_options(CLI::App& command, transfer_flags& flags);

} // namespace zc::cli
