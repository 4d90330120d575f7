// log_scan — walks a segment's .log batch by batch from position 0, the
// way recovery, verify and dump read it: each header must be whole, its
// batchLength sane and inside the file, magic 2, lastOffsetDelta + 1 ==
// recordCount, offsets increasing from the segment's base offset, and the
// CRC-32C must match. The first batch that fails ends the valid bytes.
// Memory stays bounded: a batch's body is read in 256 KiB pieces.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "log/record_batch.hpp"
#include "zerocopy/error.hpp"

namespace zc::log {

struct scan_problem {
    std::uint64_t position = 0; // of the batch (or torn header) that failed
    std::string reason;
};

struct scan_result {
    std::uint64_t valid_bytes = 0;  // up to the end of the last good batch
    std::int64_t next_offset = 0;   // last good offset + 1 (the base offset with none)
    std::size_t batches = 0;
    std::optional<scan_problem> problem;
};

struct scanned_batch {
    std::uint64_t position = 0;
    batch_header header;
    std::uint32_t computed_crc = 0;
    bool crc_ok() const noexcept { return computed_crc == header.crc; }
};

struct scan_options {
    // Dump: report a batch whose CRC does not match and go on past it (its
    // framing is intact). Recovery and verify stop there.
    bool continue_past_crc_mismatch = false;
    // Dump: start at this position (a batch boundary, from the index).
    std::uint64_t start_position = 0;
    std::int64_t expected_first_offset = -1; // -1: the segment's base offset
};

// `on_batch` sees every batch that was read whole (a CRC mismatch included
// when continuing past it); it returns false to stop early.
std::expected<scan_result, error> scan_log(int fd, std::uint64_t size, std::int64_t base_offset,
                                           const std::function<bool(const scanned_batch&)>& on_batch,
                                           const scan_options& options = {});

} // namespace zc::log
