// recovery — bringing a partition's files back to what its appends wrote,
// on every open (Kafka recovers after an unclean shutdown only; a full scan
// of the last segment costs one sequential read of at most segment-bytes
// and needs no clean-shutdown marker).
//
//   - The last segment's log is scanned batch by batch (log_scan.hpp). At
//     the first batch that is torn (the file ends inside it: a crash in the
//     middle of a write, or the zeros of a preallocated mmap segment) or
//     corrupt (CRC, framing, offsets), the log is truncated: that batch and
//     everything after it are gone, as in Kafka, and the report says where
//     and why.
//   - Its .index and .timeindex are compared with the entries the valid
//     batches call for (index_builder); when they differ (a preallocated
//     file after a crash, a deleted or damaged file) they are rewritten.
//   - An older segment's indexes are only sanity-checked (whole entries,
//     positions inside the log) and rebuilt when that fails.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "log/log_scan.hpp"
#include "log/segment.hpp"
#include "zerocopy/error.hpp"

namespace zc::log {

struct segment_recovery {
    std::filesystem::path log;
    std::uint64_t truncated_bytes = 0;
    std::optional<scan_problem> problem; // why the tail was cut
    bool index_rebuilt = false;
    bool time_index_rebuilt = false;
};

// The last segment: truncates a bad tail, rebuilds the indexes when they
// disagree, and says where appends continue.
std::expected<active_state, error> recover_active_segment(const std::filesystem::path& dir, std::int64_t base_offset,
                                                          const segment_options& options, segment_recovery& report);

// An older segment: rewrites both indexes from the log (with the final time
// entry sealing adds). next_offset: the next segment's base offset.
std::expected<void, error> rebuild_sealed_indexes(const std::filesystem::path& dir, std::int64_t base_offset,
                                                  const segment_options& options, segment_recovery& report);
// Whether an older segment's index files look like ones this log wrote.
bool sealed_indexes_look_sane(const segment& s) noexcept;

// The index files' bytes the batches of a log call for.
struct expected_indexes {
    std::vector<std::byte> offsets;
    std::vector<std::byte> times;         // without the sealing entry
    std::optional<time_entry> final_time; // the sealing entry, if any
    scan_result scan;
    index_builder builder{0, 4096};
};
std::expected<expected_indexes, error> compute_indexes(int log_fd, std::uint64_t log_size, std::int64_t base_offset,
                                                       std::uint64_t index_interval_bytes);

// The base offsets of DIR's segments (its *.log files), sorted.
std::expected<std::vector<std::int64_t>, error> list_segments(const std::filesystem::path& dir);

} // namespace zc::log
