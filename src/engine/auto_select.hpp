// What `auto` tries, in order, for a source/sink pair.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/endpoint.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::detail {

// The candidate chain for this pair, best first. Strategies that refuse the
// pair are already left out; unavailable ones are not (the engine records
// skipping them as a fallback).
std::vector<strategy_id> auto_chain(const endpoint& source, const endpoint& sink,
                                    std::optional<std::uint64_t> total);

} // namespace zc::detail
