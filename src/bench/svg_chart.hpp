// SVG charts from `zc bench` results JSON.
//
// Self-contained SVG text (no scripts, no external fonts or stylesheets) so the
// files can be committed next to docs/ and shown in the README as they are.
// For every (scenario, cache state) in the results there are two charts:
//   <scenario>-<cache>-throughput.svg  median GB/s per size (groups) and
//                                      strategy (bars), min–max whiskers, a
//                                      dashed memcpy reference line, the
//                                      fastest bar of each size outlined;
//   <scenario>-<cache>-cpu.svg         CPU seconds per GB, sender solid with
//                                      receiver stacked on top (lighter,
//                                      hatched), the cheapest bar outlined.
// A strategy keeps its colour in every chart (Okabe–Ito palette, safe for
// colour-blind readers). Missing or null values leave a gap, never an error.
#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "zerocopy/error.hpp"

namespace zc::bench {

struct svg_document {
    std::string file_name; // e.g. "file-to-socket-warm-throughput.svg"
    std::string svg;       // a complete, standalone SVG document
};

// Renders every chart the results hold, scenarios in the canonical order
// (file-to-socket, file-to-file, file-to-pipe, socket-to-file, scan, then any
// other), warm before cold. Never throws on odd input: results that lack a
// scenario, strategy or size are skipped; an empty result set gives no charts.
std::vector<svg_document> render_bench_charts(const nlohmann::json& results);

// The same charts stacked vertically in one SVG document (a short "no results"
// note when there are none).
std::string render_combined_bench_chart(const nlohmann::json& results);

// Writes the charts. A path ending in ".svg" gets the combined document (its
// parent directory is created if needed); any other path is a directory that
// is created if needed and receives one file per chart. Returns the paths
// written, in order.
std::expected<std::vector<std::string>, zc::error> write_bench_charts(const nlohmann::json& results,
                                                                      const std::string& path);

// Helpers exposed for tests.
std::string xml_escape(std::string_view text);
std::string human_size(double bytes);      // 4096 → "4 KiB", 1536 → "1.5 KiB"
double nice_tick_step(double max_value);   // 1-2-5 steps, about five ticks up to max_value

} // namespace zc::bench
