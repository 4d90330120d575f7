// What `auto` tries, in order, for a source/sink pair.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/endpoint.hpp"
#include "zerocopy/profile.hpp"
#include "zerocopy/strategy.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::detail {

// The built-in chain for a scenario, best first, ending in read-write: the
// strategies whose ops table ranks them in that scenario (auto_ranks), in
// rank order, ties in registry order. The built-in profile's choice is its
// first entry, except in the size bands it measured otherwise (file → socket:
// splice above 256 KiB up to 8 MiB).
std::span<const strategy_id> default_chain(scenario s) noexcept;

// What auto tries for a scenario and size, before refusals and probes: the
// profile's band (the built-in profile's where `p` says nothing), then the
// default chain without repeats. auto_chain() and zc::auto_choice() both
// start from it.
struct auto_order {
    std::vector<strategy_id> strategies;
    // The band of `p` that chose strategies.front(); nullptr when it came
    // from the built-in profile.
    const size_band* band = nullptr;
};
auto_order auto_order_for(scenario s, std::optional<std::uint64_t> size, const profile& p);

// The built-in profile's band for a scenario and size (never null: the last
// band of every scenario is unbounded).
const size_band* built_in_band(scenario s, std::optional<std::uint64_t> size);

// The candidate chain for this pair, best first: the profile's choice for the
// scenario and size (options.profile, else the active profile; the built-in
// profile's where that one says nothing), then the default chain without
// repeats. Strategies that refuse the pair are already
// left out; unavailable ones are not (the engine records skipping them as a
// fallback). Applies the chosen band's tuning to `options` where the caller
// left a value at its default (docs/auto.md).
std::vector<strategy_id> auto_chain(const endpoint& source, const endpoint& sink,
                                    std::optional<std::uint64_t> total, transfer_options& options);

// Copies each tuning value into `options` unless the caller changed that
// field from its transfer_options{} default.
void apply_tuning(const tuning& tune, transfer_options& options) noexcept;

} // namespace zc::detail
