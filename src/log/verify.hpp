// verify — a read-only check of a partition directory (zc log verify):
// every batch of every segment (framing, offsets, CRC) and every entry of
// every .index and .timeindex against the entries the batches call for.
// Nothing is changed; each finding names the file and the byte position.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "zerocopy/error.hpp"

namespace zc::log {

struct verify_finding {
    std::filesystem::path file;
    std::uint64_t position = 0; // byte in that file
    std::string problem;
};

struct verify_summary {
    std::size_t segments = 0;
    std::size_t batches = 0;
    std::size_t index_entries = 0;
    std::vector<verify_finding> findings;
};

// index_interval_bytes must be the one the log was written with (4096 by default).
std::expected<verify_summary, error> verify_partition(const std::filesystem::path& dir,
                                                      std::uint64_t index_interval_bytes = 4096);

} // namespace zc::log
