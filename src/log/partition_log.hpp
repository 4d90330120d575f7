// partition_log — the log of one partition, DIR/TOPIC-PARTITION/, as a
// list of segments (segment.hpp) of which the last is active.
//
// append() validates every batch of a produce request's records first
// (record_batch.hpp: a bad one is refused with its own error and nothing is
// stored), assigns offsets from the log end (baseOffset and the leader epoch
// are outside the CRC, so the batch is written as the client framed it;
// LogAppendTime rewrites the timestamp and the CRC), rolls to a new segment
// past segment_bytes, and flushes as the policy says.
//
// read_range() is the fetch lookup: the segment with the greatest base
// offset ≤ X, its mmap'd index (binary search), then batch headers from
// there to the first batch whose last offset is ≥ X. The range starts at
// that batch, holds it whole even if it is larger than max_bytes (KIP-74),
// and otherwise ends at max_bytes or the segment's end — possibly inside a
// batch, which clients drop. X == high watermark: an empty range; X past it
// or below the log start: offset_out_of_range.
//
// Single node: the high watermark is the log end offset. Not thread-safe:
// one thread (a reactor loop) owns a partition.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "log/flush_policy.hpp"
#include "log/record_batch.hpp"
#include "log/recovery.hpp"
#include "log/segment.hpp"
#include "zerocopy/error.hpp"

namespace zc::log {

struct log_config {
    segment_options segments;
    std::uint64_t max_message_bytes = default_max_message_bytes;
    std::optional<std::uint64_t> retention_bytes;            // nullopt: unlimited (Kafka's -1)
    std::optional<std::chrono::milliseconds> retention_time; // nullopt: forever
    flush_policy flush;
    timestamp_type timestamps = timestamp_type::create_time;
    std::int32_t leader_epoch = 0;
};

struct append_result {
    std::int64_t base_offset = 0;     // of the first batch
    std::int64_t last_offset = 0;     // of the last record
    std::int64_t log_append_time = -1; // the broker's time with LogAppendTime, else -1
};

struct fetch_range {
    std::shared_ptr<const unique_fd> file; // keeps the segment open while it is sent; null when empty
    std::uint64_t position = 0;
    std::uint64_t length = 0;            // 0: nothing to send (offset == high watermark)
    std::uint64_t file_size = 0;         // the segment's bytes when looked up (the truncation guard)
    std::int64_t high_watermark = 0;
    std::int64_t log_start_offset = 0;
};

// ListOffsets by timestamp, to the batch: the first batch whose largest
// timestamp is ≥ the one asked for. Kafka answers with the first record in
// it at or past the timestamp, which needs the records decoded: the caller
// (protocol layer) may refine; the batch's base offset is never later.
struct timestamp_match {
    std::int64_t base_offset = 0;
    std::int64_t max_timestamp = 0;
};

struct retention_result {
    std::size_t segments_deleted = 0;
    std::uint64_t bytes_deleted = 0;
};

// "TOPIC-PARTITION" → {topic, partition}; nullopt for any other name.
struct topic_partition {
    std::string topic;
    std::int32_t partition = 0;
};
std::optional<topic_partition> parse_partition_dir_name(std::string_view name);

class partition_log {
public:
    using steady_clock = std::chrono::steady_clock;

    // Opens (creating when missing) the partition directory and recovers it
    // (recovery.hpp); what recovery did is in recovery_reports().
    static std::expected<std::unique_ptr<partition_log>, error> open(const std::filesystem::path& dir,
                                                                     const log_config& config);
    ~partition_log();
    partition_log(const partition_log&) = delete;
    partition_log& operator=(const partition_log&) = delete;

    // `records`: one or more whole batches (a produce request's records for
    // this partition), rewritten in place. now_ms: wall-clock milliseconds
    // (LogAppendTime).
    std::expected<append_result, error> append(std::span<std::byte> records, std::int64_t now_ms);
    std::expected<fetch_range, error> read_range(std::int64_t offset, std::uint64_t max_bytes) const;
    // nullopt: no batch carries a timestamp that late (Kafka answers -1).
    std::expected<std::optional<timestamp_match>, error> offset_for_timestamp(std::int64_t timestamp) const;

    // Whole segments, oldest first, never the active one: by bytes (while
    // the log without the oldest segment is still ≥ retention_bytes) and
    // by time (the newest timestamp of a segment, or its file's mtime when
    // it has none, older than now_ms - retention_time).
    std::expected<retention_result, error> apply_retention(std::int64_t now_ms);

    std::expected<void, error> flush();
    // interval policy: when the oldest unflushed append must be on disk;
    // nullopt when nothing waits (or the policy is not interval).
    std::optional<steady_clock::time_point> needs_flush_by() const noexcept;
    std::expected<void, error> flush_if_due(steady_clock::time_point now);
    // Seals the active segment (trims its preallocated files). The log takes
    // no appends afterwards; the destructor does it too.
    std::expected<void, error> close();

    std::int64_t log_start_offset() const noexcept { return segments_.front().base_offset(); }
    std::int64_t log_end_offset() const noexcept { return segments_.back().next_offset(); }
    std::int64_t high_watermark() const noexcept { return log_end_offset(); }
    std::uint64_t size_bytes() const noexcept;
    const std::vector<segment>& segments() const noexcept { return segments_; }
    const std::vector<segment_recovery>& recovery_reports() const noexcept { return recovery_; }
    const std::filesystem::path& dir() const noexcept { return dir_; }

private:
    partition_log(std::filesystem::path dir, const log_config& config) : dir_(std::move(dir)), config_(config) {}
    std::expected<void, error> open_segments();
    std::expected<void, error> roll(std::int64_t next_base);
    std::expected<void, error> after_append();
    std::expected<void, error> delete_oldest();

    std::filesystem::path dir_;
    log_config config_;
    std::vector<segment> segments_;
    std::vector<segment_recovery> recovery_;
    std::vector<batch_header> headers_; // reused by append
    std::optional<steady_clock::time_point> unflushed_since_;
    std::optional<error> failed_; // a flush that failed: appends are refused from then on
    bool directory_unsynced_ = false; // a segment file was created since the directory was last synced
    bool closed_ = false;
};

} // namespace zc::log
