// Turning `zc bench` results into a profile (what `zc tune` writes).
//
// Private to the project (src/): it takes nlohmann::json, which the public
// headers do not expose.
#pragma once

#include <expected>
#include <string>

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

// "kernel 6.1.0, Intel(R) Xeon(R) …, 8 cores, ext4" from the bench's
// "machine" object; empty when there is none.
std::string describe_bench_machine(const nlohmann::json& machine);

} // namespace zc::detail
