// segment — one piece of a partition's log: NNNNNNNNNNNNNNNNNNNN.log (the
// batches), .index and .timeindex (index_file.hpp), named by the 20-digit
// offset of its first batch, as Kafka names them.
//
// The active segment (the last) takes appends in one of two ways behind the
// same interface:
//   write  pwrite(2) at the end of the file; the file is always exactly the
//          bytes appended.
//   mmap   the file is preallocated to the segment size (sparse, ftruncate)
//          and mapped shared; an append is a memcpy into the mapping. Sealing
//          or closing trims the file to the bytes used; after a crash the
//          tail is zeros, which recovery truncates like any torn tail.
// Either way the bytes land in the page cache; flush() is fdatasync of the
// log (and, once sealed, of the index files).
//
// Reads (fetch) use the log's descriptor, shared (log_fd_owner) so that a
// send in progress keeps the file open even when retention deletes it.
// Not thread-safe: one thread owns a partition.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/index_file.hpp"
#include "log/record_batch.hpp"
#include "zerocopy/error.hpp"
#include "zerocopy/mapped_file.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::log {

enum class append_mode { write, mmap };
std::expected<append_mode, error> parse_append_mode(std::string_view text); // "write" | "mmap"
std::string_view append_mode_name(append_mode mode) noexcept;

struct segment_options {
    append_mode mode = append_mode::write;
    std::uint64_t segment_bytes = 1ull << 30;      // roll past this; mmap mode preallocates it
    std::uint64_t index_max_bytes = 10ull << 20;   // Kafka's segment.index.bytes
    std::uint64_t index_interval_bytes = 4096;     // Kafka's index.interval.bytes
};

// "00000000000000000042" + suffix (".log", ".index", ".timeindex").
std::string segment_file_name(std::int64_t base_offset, std::string_view suffix);
// The base offset of a file named like that, nullopt for any other name.
std::optional<std::int64_t> parse_segment_file_name(std::string_view name, std::string_view suffix);

// What recovery (or a new segment) knows of an active segment's log.
struct active_state {
    std::uint64_t size = 0;      // valid bytes
    std::int64_t next_offset = 0; // last offset + 1, the base offset when empty
    index_builder builder{0, 4096};
    std::size_t offset_entries = 0; // entries of the (rebuilt) index files that are in use
    std::size_t time_entries = 0;
};

class segment {
public:
    // A new, empty active segment (files created, truncated if present).
    static std::expected<segment, error> create(const std::filesystem::path& dir, std::int64_t base_offset,
                                                const segment_options& options);
    // The last segment, its files already recovered (log cut to state.size,
    // index files holding exactly the builder's entries).
    static std::expected<segment, error> open_active(const std::filesystem::path& dir, std::int64_t base_offset,
                                                     const segment_options& options, active_state state);
    // An older segment, read-only. next_offset is the caller's (the next
    // segment's base offset).
    static std::expected<segment, error> open_sealed(const std::filesystem::path& dir, std::int64_t base_offset,
                                                     std::int64_t next_offset);

    std::int64_t base_offset() const noexcept { return base_offset_; }
    std::int64_t next_offset() const noexcept { return next_offset_; }
    std::uint64_t size() const noexcept { return size_; }
    bool active() const noexcept { return active_; }
    int log_fd() const noexcept { return log_fd_->get(); }
    std::shared_ptr<const unique_fd> log_fd_owner() const noexcept { return log_fd_; }
    // The largest timestamp of a batch in it, -1 if none carries one.
    std::int64_t max_timestamp() const noexcept { return max_timestamp_; }
    // Seconds since the epoch of the log file's last change (time retention
    // of a segment without timestamps).
    std::int64_t modified_ms() const;
    const index_file& offset_index() const noexcept { return offset_index_; }
    const index_file& time_index() const noexcept { return time_index_; }
    std::filesystem::path log_path() const { return dir_ / segment_file_name(base_offset_, ".log"); }
    std::filesystem::path index_path() const { return dir_ / segment_file_name(base_offset_, ".index"); }
    std::filesystem::path time_index_path() const { return dir_ / segment_file_name(base_offset_, ".timeindex"); }

    // Whether `bytes` more fit without a roll: an empty segment takes any
    // append; otherwise size, index room and 32-bit relative offsets decide.
    bool has_room(std::uint64_t bytes, std::size_t batches, std::int64_t last_offset,
                  std::uint64_t segment_bytes) const noexcept;
    // Appends whole batches (offsets already assigned; `headers` are theirs,
    // in order). On error nothing is counted as appended.
    std::expected<void, error> append(std::span<const std::byte> batches, std::span<const batch_header> headers);

    // The log position to scan from for `offset`: that of the last index
    // entry whose offset is ≤ offset, 0 if none.
    std::uint32_t lookup(std::int64_t offset) const noexcept;

    bool dirty() const noexcept { return dirty_; }
    // fdatasync of the log when appended to since the last flush; of a
    // sealed segment's index files once, after sealing.
    std::expected<void, error> flush();
    // Active → sealed: the final time entry, files trimmed, mappings read-only.
    std::expected<void, error> seal();
    // Unlinks the files (readers holding log_fd_owner() keep the data).
    std::expected<void, error> remove_files();

private:
    segment() = default;
    std::expected<void, error> write_bytes(std::span<const std::byte> bytes);
    std::expected<void, error> map_for_append(std::uint64_t at_least);

    std::filesystem::path dir_;
    std::int64_t base_offset_ = 0;
    std::int64_t next_offset_ = 0;
    std::uint64_t size_ = 0;
    std::int64_t max_timestamp_ = -1;
    bool active_ = false;
    bool dirty_ = false;            // log bytes appended since the last flush
    bool indexes_unsynced_ = false; // sealed, index files not yet synced
    append_mode mode_ = append_mode::write;
    std::shared_ptr<unique_fd> log_fd_ = std::make_shared<unique_fd>();
    mapped_file log_map_; // mmap mode, active only
    index_file offset_index_;
    index_file time_index_;
    index_builder builder_{0, 4096};
    std::uint64_t segment_bytes_ = 0;
};

} // namespace zc::log
