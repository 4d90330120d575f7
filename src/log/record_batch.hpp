// record_batch — Kafka's RecordBatch v2 header (DefaultRecordBatch.java),
// the unit the log stores, validates and indexes. All fields big-endian:
//
//   0 baseOffset int64        8 batchLength int32 (bytes after this field)
//  12 partitionLeaderEpoch int32   16 magic int8 (2)   17 crc uint32
//  21 attributes int16       23 lastOffsetDelta int32
//  27 baseTimestamp int64    35 maxTimestamp int64    43 producerId int64
//  51 producerEpoch int16    53 baseSequence int32    57 recordCount int32
//  61 records...
//
// The CRC (CRC-32C) covers attributes to the end of the batch, so the broker
// may rewrite baseOffset and partitionLeaderEpoch without recomputing it;
// LogAppendTime changes attributes and maxTimestamp and so needs a new CRC.
// The records themselves (compressed or not) are never decoded here.
// Legacy message sets (magic 0 and 1) have their magic at the same byte 16.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>

#include "zerocopy/error.hpp"

namespace zc::log {

inline constexpr std::size_t log_overhead = 12;        // baseOffset + batchLength
inline constexpr std::size_t batch_header_size = 61;   // up to the first record
inline constexpr std::size_t crc_offset = 17;
inline constexpr std::size_t attributes_offset = 21;
inline constexpr std::size_t max_timestamp_offset = 35;
inline constexpr std::size_t partition_leader_epoch_offset = 12;
inline constexpr std::int8_t current_magic = 2;
// Kafka's message.max.bytes default: 1 MiB of records plus the batch overhead.
inline constexpr std::uint64_t default_max_message_bytes = 1'048'588;

enum class compression_codec { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };
enum class timestamp_type { create_time = 0, log_append_time = 1 };

std::string_view codec_name(std::int16_t attributes) noexcept; // "none", "gzip", …, "unknown"

struct batch_header {
    std::int64_t base_offset = 0;
    std::int32_t batch_length = 0;
    std::int32_t partition_leader_epoch = 0;
    std::int8_t magic = 0;
    std::uint32_t crc = 0;
    std::int16_t attributes = 0;
    std::int32_t last_offset_delta = 0;
    std::int64_t base_timestamp = 0;
    std::int64_t max_timestamp = 0;
    std::int64_t producer_id = 0;
    std::int16_t producer_epoch = 0;
    std::int32_t base_sequence = 0;
    std::int32_t record_count = 0;

    std::int64_t last_offset() const noexcept { return base_offset + last_offset_delta; }
    std::uint64_t total_size() const noexcept { return log_overhead + static_cast<std::uint32_t>(batch_length); }
    timestamp_type timestamps() const noexcept {
        return (attributes & 0x08) ? timestamp_type::log_append_time : timestamp_type::create_time;
    }
    bool is_transactional() const noexcept { return attributes & 0x10; }
    bool is_control() const noexcept { return attributes & 0x20; }
};

// The header fields of the first batch_header_size bytes; nullopt when there
// are fewer. Checks nothing.
std::optional<batch_header> read_batch_header(std::span<const std::byte> bytes) noexcept;
// Writes every field into the first batch_header_size bytes (the CRC as given).
void write_batch_header(const batch_header& header, std::span<std::byte> bytes) noexcept;

// The CRC-32C a batch's bytes (the whole batch) should carry.
std::uint32_t compute_batch_crc(std::span<const std::byte> batch) noexcept;

// One batch at the start of `bytes`, checked the way a broker checks a
// produce request: magic (0/1: unsupported_for_message_format, else
// corrupt_message), batchLength against the bytes there are
// (corrupt_message), size against max_message_bytes (message_too_large),
// lastOffsetDelta + 1 == recordCount (invalid_record), the CRC
// (corrupt_message). The batch may be followed by more bytes.
std::expected<batch_header, error> validate_batch(std::span<const std::byte> bytes, std::uint64_t max_message_bytes);

// Rewrites what the broker owns: baseOffset and partitionLeaderEpoch (outside
// the CRC), and for log_append_time the timestamp-type bit and maxTimestamp,
// then the CRC.
void assign_offsets(std::span<std::byte> batch, std::int64_t base_offset, std::int32_t leader_epoch) noexcept;
void set_log_append_time(std::span<std::byte> batch, std::int64_t now_ms) noexcept;

// Big-endian field access, shared with the index files.
std::uint64_t load_be64(const std::byte* p) noexcept;
std::uint32_t load_be32(const std::byte* p) noexcept;
std::uint16_t load_be16(const std::byte* p) noexcept;
void store_be64(std::byte* p, std::uint64_t v) noexcept;
void store_be32(std::byte* p, std::uint32_t v) noexcept;
void store_be16(std::byte* p, std::uint16_t v) noexcept;

} // namespace zc::log
