// offset_journal — the file behind committed offsets,
// DIR/__consumer_offsets/offsets.journal: an append-only sequence of
// records, each one offset commit of one partition for one group, framed so
// that a torn tail is found:
//
//   length  u32 big-endian    the body's bytes
//   crc     u32 big-endian    CRC-32C of the body
//   body    version u8 (1), group (u16 length + bytes), topic (u16 + bytes),
//           partition i32, offset i64, leader epoch i32, commit time i64 (ms),
//           metadata: null flag u8, then u32 length + bytes
//
// Kafka keeps the same facts in the compacted topic __consumer_offsets; one
// file with a checksum per record is that topic without the log machinery.
// Opening reads every record; at the first one that is short, too long or
// fails its CRC the file is cut there (a write torn by a power loss), and the
// last record of a key wins. When the file is much larger than what is live
// (compact_ratio times the live records' bytes, and at least
// compact_min_bytes) it is rewritten with only the live records: written to
// offsets.journal.tmp, synced, renamed over the journal, directory synced —
// so a crash leaves either the old or the new file, never half of one.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::log {

struct offset_key {
    std::string group;
    std::string topic;
    std::int32_t partition = 0;

    friend auto operator<=>(const offset_key&, const offset_key&) = default;
};

struct committed_offset {
    std::int64_t offset = -1;
    std::int32_t leader_epoch = -1;
    std::int64_t commit_timestamp_ms = -1;
    std::optional<std::string> metadata; // null as the client sent it

    friend bool operator==(const committed_offset&, const committed_offset&) = default;
};

struct offset_record {
    offset_key key;
    committed_offset value;
};

struct offset_journal_options {
    std::uint64_t compact_min_bytes = 1u << 20;
    std::uint64_t compact_ratio = 4;
};

// What opening found.
struct offset_journal_report {
    std::uint64_t records = 0;       // valid records read
    std::uint64_t bytes_dropped = 0; // cut off after the last valid record
    std::string drop_reason;         // why, when bytes_dropped > 0
    bool compacted = false;
};

class offset_journal {
public:
    static constexpr std::uint32_t max_record_bytes = 1u << 20;

    // Creates DIR/__consumer_offsets/ when missing; reads, repairs and maybe
    // compacts the journal; `live` receives the last record of every key.
    static std::expected<offset_journal, error> open(const std::filesystem::path& log_dir,
                                                     const offset_journal_options& options,
                                                     std::map<offset_key, committed_offset>& live);

    // Appends the records with one write(2), then fdatasync(2): durable when
    // this returns success.
    std::expected<void, error> append_and_sync(const std::vector<offset_record>& records);

    const offset_journal_report& report() const noexcept { return report_; }
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    offset_journal(std::filesystem::path path, unique_fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

    std::filesystem::path path_;
    unique_fd fd_;
    offset_journal_report report_;
};

// One record's bytes (header and body), and the parse of the records at the
// start of `bytes`: how many bytes are valid records, and why the rest is not.
std::string encode_offset_record(const offset_record& record);
struct offset_journal_scan {
    std::vector<offset_record> records;
    std::uint64_t valid_bytes = 0;
    std::string stop_reason; // empty when every byte was a valid record
};
offset_journal_scan scan_offset_journal(std::string_view bytes);

} // namespace zc::log
