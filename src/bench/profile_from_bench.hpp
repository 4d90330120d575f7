// Turning `zc bench` results into a profile (what `zc tune` writes).
//
// Private to the project (src/): it takes nlohmann::json, which the public
// headers do not expose. Part of the bench layer (zerocopy_bench), not of
// libzerocopy: only `zc tune` reads bench results. The names stay in
// zc::detail, beside the engine's, because the bench has a `scenario` of its
// own.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zerocopy/error.hpp"
#include "zerocopy/profile.hpp"

namespace zc::detail {

// Builds a profile from bench results in the schema of docs/bench.md:
//   {"machine": {...}, "results": [{"scenario", "strategy", "size", "cache",
//                                   "verified", "median": {"gbps", ...}}]}
// For each scenario and size, the fastest verified explicit strategy by median
// GB/s wins ("auto" and non-strategy rows such as scan methods are ignored;
// warm-cache rows are used when there are any, else cold ones) — unless the
// scenario's built-in choice was measured there and the fastest beats it by
// less than 10 %: then the built-in choice keeps the size. Neighbouring
// sizes with the same winner merge into one band; the edge between two bands
// lies halfway between the measured sizes on a log scale (their geometric
// mean, rounded down); the last band is unbounded. Bench scenarios map onto
// profile scenarios by name; socket-to-file and other stream sources become
// stream-to-any. A pure function: `measured_at` is stored as given.
// Fails when the document has no usable result.
std::expected<profile, error> profile_from_bench(const nlohmann::json& document, std::string measured_at = {});

// With a "tuning_results" array (same row schema; `zc tune` measures it after
// choosing the strategies), each band also gets the tuning of its strategy's
// fastest variant at that size, when it beats the strategy's default values
// measured in the same tuning run by 10 % or more (median of the per-run
// ratios when the rows have "runs": run i of both was taken in the same
// interleaved round); otherwise no tuning.
// Neighbouring sizes merge only when strategy and tuning agree.
//
// A bench method with tuning values, as `zc tune` names its variants:
// "splice pipe_size=262144", "read-write buffer_size=1048576". Plain numbers.
struct tuned_strategy {
    strategy_id strategy = strategy_id::read_write;
    tuning tune;
};
std::optional<tuned_strategy> parse_tuned_strategy(std::string_view text);
std::string tuned_strategy_name(const tuned_strategy& method);

// The tuning values `zc tune` tries for a strategy besides its defaults, for
// a transfer of `size` bytes in scenario `s`: one knob changed per candidate,
// and only values that can change such a transfer (docs/auto.md).
std::vector<tuning> tuning_candidates(strategy_id id, scenario s, std::uint64_t size);

// The profile scenario of a bench scenario name ("socket-to-file" is
// stream-to-any); nullopt for what is not a transfer ("scan").
std::optional<scenario> profile_scenario(const std::string& bench_name);

// "kernel 6.1.0, Intel(R) Xeon(R) …, 8 cores, ext4" from the bench's
// "machine" object; empty when there is none.
std::string describe_bench_machine(const nlohmann::json& machine);

} // namespace zc::detail
