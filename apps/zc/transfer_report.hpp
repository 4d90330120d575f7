// The --json statistics object every transfer verb prints.
#pragma once

#include <cstdio>

#include <nlohmann/json.hpp>

#include "zerocopy/transfer.hpp"

namespace zc::cli {

// {"bytes", "strategy", "fallbacks": [{"from", "to", "at_byte", "reason"}],
//  "seconds", "syscalls", "zerocopy_sends", "zerocopy_copied"}
nlohmann::json stats_to_json(const transfer_stats& stats);

// Sums the statistics of consecutive transfers (cat of several files): bytes,
// syscalls, time and zero-copy counters add up, fallbacks are concatenated,
// the strategy is the last one used.
void accumulate(transfer_stats& total, const transfer_stats& more);

// One line of JSON and a newline on `stream`, flushed.
void print_json(std::FILE* stream, const nlohmann::json& object);

} // namespace zc::cli
