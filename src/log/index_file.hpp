// index_file — a segment's sparse index files, Kafka's layout:
//   .index      8-byte entries: relative offset uint32, log position uint32
//   .timeindex 12-byte entries: timestamp int64, relative offset uint32
// big-endian, sorted. While its segment is active a file is preallocated
// (like Kafka's segment.index.bytes, 10 MiB, sparse) and mapped shared;
// sealing trims it to the entries in use and maps it read-only.
//
// index_builder is the one rule for which entries a log gets (Kafka's
// LogSegment: an offset entry before a batch once more than
// index.interval.bytes were appended since the last one, mapping the
// batch's last offset to its position, and a time entry with it when the
// largest timestamp so far grew), used by append and by recovery alike, so a
// rebuilt index is byte-identical to the one appends wrote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "log/record_batch.hpp"
#include "zerocopy/error.hpp"
#include "zerocopy/mapped_file.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::log {

inline constexpr std::size_t offset_entry_size = 8;
inline constexpr std::size_t time_entry_size = 12;

struct offset_entry {
    std::uint32_t relative_offset = 0;
    std::uint32_t position = 0;
    bool operator==(const offset_entry&) const = default;
};
struct time_entry {
    std::int64_t timestamp = 0;
    std::uint32_t relative_offset = 0;
    bool operator==(const time_entry&) const = default;
};

// Entries in the file's byte order.
void encode(const offset_entry& e, std::byte* out) noexcept;
void encode(const time_entry& e, std::byte* out) noexcept;
offset_entry decode_offset_entry(const std::byte* in) noexcept;
time_entry decode_time_entry(const std::byte* in) noexcept;

class index_file {
public:
    // An active index: the file (created if missing) keeps its first
    // `entries_in_use` entries, is extended to max_bytes and mapped writable.
    static std::expected<index_file, error> open_active(const std::filesystem::path& path, std::size_t entry_size,
                                                        std::size_t entries_in_use, std::uint64_t max_bytes);
    // A sealed index: every entry in the file, read-only. A size that is not
    // a whole number of entries is corrupt_log.
    static std::expected<index_file, error> open_sealed(const std::filesystem::path& path, std::size_t entry_size);
    // Replaces the file's contents with `bytes` (whole entries), trimmed.
    static std::expected<void, error> write_whole(const std::filesystem::path& path, std::span<const std::byte> bytes);

    index_file() = default;

    std::size_t entries() const noexcept { return entries_; }
    // Entries that still fit (0 when sealed).
    std::size_t room() const noexcept { return writable_ ? capacity_ - entries_ : 0; }
    std::span<const std::byte> entry(std::size_t i) const noexcept {
        return map_.bytes().subspan(i * entry_size_, entry_size_);
    }
    std::span<const std::byte> used_bytes() const noexcept { return map_.bytes().first(entries_ * entry_size_); }
    // Adds one entry (entry_size bytes). Only on an active, not full index.
    void append(std::span<const std::byte> bytes) noexcept;

    // fdatasync of the file (its mapped pages included).
    std::expected<void, error> sync() const;
    // Trims the file to the entries in use and maps it read-only.
    std::expected<void, error> seal();
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
    unique_fd fd_;
    mapped_file map_;
    std::size_t entry_size_ = offset_entry_size;
    std::size_t entries_ = 0;
    std::size_t capacity_ = 0;
    bool writable_ = false;
};

// What the index files of one segment should hold, fed batch by batch.
class index_builder {
public:
    index_builder(std::int64_t base_offset, std::uint64_t interval_bytes)
        : base_offset_(base_offset), interval_bytes_(interval_bytes) {}

    struct entries_for_batch {
        std::optional<offset_entry> offset;
        std::optional<time_entry> time;
    };
    // The entries to add before the batch at `position` (its header already
    // carries its final offsets).
    entries_for_batch add(std::uint64_t position, const batch_header& batch) noexcept;
    // The time entry sealing adds: the largest timestamp, if the last time
    // entry does not hold it yet.
    std::optional<time_entry> final_time_entry() const noexcept;

    std::int64_t max_timestamp() const noexcept { return max_timestamp_; }
    std::int64_t offset_of_max_timestamp() const noexcept { return offset_of_max_timestamp_; }

private:
    std::int64_t base_offset_;
    std::uint64_t interval_bytes_;
    std::uint64_t last_entry_position_ = 0;
    std::int64_t max_timestamp_ = -1;
    std::int64_t offset_of_max_timestamp_ = -1;
    std::int64_t last_time_entry_timestamp_ = -1;
};

} // namespace zc::log
