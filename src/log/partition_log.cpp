#include "log/partition_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "core/io.hpp"
#include "log/log_error.hpp"

namespace zc::log {
namespace {

// A new file's name is durable only once its directory is synced (fsync(2)):
// without it a power loss can leave a segment's data on disk but no name
// pointing at it.
std::expected<void, error> sync_directory(const std::filesystem::path& dir) {
    const int fd = zc::detail::retry_on_eintr([&] { return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
    if (fd < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", dir.string())));
    unique_fd owned(fd);
    if (zc::detail::retry_on_eintr([&] { return ::fsync(owned.get()); }) != 0)
        return std::unexpected(error::from_errno(errno, fmt::format("fsync({})", dir.string())));
    return {};
}

} // namespace

std::optional<topic_partition> parse_partition_dir_name(std::string_view name) {
    const auto dash = name.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
    std::int32_t partition = 0;
    const char* first = name.data() + dash + 1;
    const char* last = name.data() + name.size();
    const auto [end, ec] = std::from_chars(first, last, partition);
    if (ec != std::errc() || end != last || partition < 0 || first[0] == '+') return std::nullopt;
    // Kafka's legal topic characters (Topic.java): ASCII letters, digits, '.', '_', '-'.
    const std::string_view topic = name.substr(0, dash);
    if (topic.size() > 249 || topic == "." || topic == "..") return std::nullopt;
    for (const char c : topic)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return std::nullopt;
    return topic_partition{std::string(name.substr(0, dash)), partition};
}

std::expected<std::unique_ptr<partition_log>, error> partition_log::open(const std::filesystem::path& dir,
                                                                         const log_config& config) {
    if (config.segments.segment_bytes < batch_header_size || config.segments.segment_bytes > 0x7FFF'FFFFu)
        return std::unexpected(error(std::make_error_code(std::errc::invalid_argument),
                                     fmt::format("segment size {} (between {} and 2 GiB - 1: index positions are "
                                                 "32-bit)",
                                                 config.segments.segment_bytes, batch_header_size)));
    std::error_code ec;
    const bool created = std::filesystem::create_directories(dir, ec);
    if (ec) return std::unexpected(error(ec, fmt::format("create {}", dir.string())));
    std::unique_ptr<partition_log> log(new partition_log(dir, config));
    log->directory_unsynced_ = true; // the segment files open_segments may create
    if (created && dir.has_parent_path())
        if (auto synced = sync_directory(dir.parent_path()); !synced) return std::unexpected(synced.error());
    if (auto opened = log->open_segments(); !opened) return std::unexpected(opened.error());
    return log;
}

std::expected<void, error> partition_log::open_segments() {
    auto bases = list_segments(dir_);
    if (!bases) return std::unexpected(bases.error());
    if (bases->empty()) {
        auto fresh = segment::create(dir_, 0, config_.segments);
        if (!fresh) return std::unexpected(fresh.error());
        segments_.push_back(std::move(*fresh));
        return {};
    }
    for (std::size_t i = 0; i + 1 < bases->size(); ++i) {
        const std::int64_t base = (*bases)[i], next = (*bases)[i + 1];
        auto sealed = segment::open_sealed(dir_, base, next);
        if (!sealed || !sealed_indexes_look_sane(*sealed)) {
            segment_recovery report;
            if (auto rebuilt = rebuild_sealed_indexes(dir_, base, config_.segments, report); !rebuilt)
                return std::unexpected(rebuilt.error());
            recovery_.push_back(std::move(report));
            sealed = segment::open_sealed(dir_, base, next);
            if (!sealed) return std::unexpected(sealed.error());
        }
        segments_.push_back(std::move(*sealed));
    }
    segment_recovery report;
    auto state = recover_active_segment(dir_, bases->back(), config_.segments, report);
    if (!state) return std::unexpected(state.error());
    if (report.truncated_bytes || report.index_rebuilt || report.time_index_rebuilt) recovery_.push_back(report);
    auto active = segment::open_active(dir_, bases->back(), config_.segments, std::move(*state));
    if (!active) return std::unexpected(active.error());
    segments_.push_back(std::move(*active));
    return {};
}

partition_log::~partition_log() { (void)close(); }

std::uint64_t partition_log::size_bytes() const noexcept {
    std::uint64_t total = 0;
    for (const auto& s : segments_) total += s.size();
    return total;
}

std::expected<append_result, error> partition_log::append(std::span<std::byte> records, std::int64_t now_ms) {
    if (closed_) return std::unexpected(log_error(log_errc::log_failed, fmt::format("{} is closed", dir_.string())));
    if (failed_) return std::unexpected(log_error(log_errc::log_failed, failed_->message()));
    if (records.empty()) return std::unexpected(log_error(log_errc::corrupt_message, "no record batch"));
    headers_.clear();
    for (std::size_t position = 0; position < records.size();) {
        auto header = validate_batch(records.subspan(position), config_.max_message_bytes);
        if (!header) return std::unexpected(header.error().wrap(fmt::format("batch at byte {}", position)));
        headers_.push_back(*header);
        position += header->total_size();
    }

    append_result result{log_end_offset(), 0, -1};
    std::int64_t next = log_end_offset();
    std::size_t position = 0;
    for (auto& header : headers_) {
        const auto batch = records.subspan(position, header.total_size());
        assign_offsets(batch, next, config_.leader_epoch);
        header.base_offset = next;
        header.partition_leader_epoch = config_.leader_epoch;
        if (config_.timestamps == timestamp_type::log_append_time) {
            set_log_append_time(batch, now_ms);
            header = *read_batch_header(batch);
            result.log_append_time = now_ms;
        }
        next = header.last_offset() + 1;
        position += header.total_size();
    }
    result.last_offset = next - 1;

    if (!segments_.back().has_room(records.size(), headers_.size(), result.last_offset, config_.segments.segment_bytes))
        if (auto rolled = roll(result.base_offset); !rolled) return std::unexpected(rolled.error());
    if (auto appended = segments_.back().append(records, headers_); !appended) return std::unexpected(appended.error());
    if (auto flushed = after_append(); !flushed) return std::unexpected(flushed.error());
    return result;
}

std::expected<void, error> partition_log::after_append() {
    switch (config_.flush.when) {
    case flush_policy::kind::sync: return flush();
    case flush_policy::kind::interval:
        if (!unflushed_since_) unflushed_since_ = steady_clock::now();
        return {};
    case flush_policy::kind::async: return {};
    }
    return {};
}

std::expected<void, error> partition_log::roll(std::int64_t next_base) {
    auto& old = segments_.back();
    if (auto sealed = old.seal(); !sealed) return std::unexpected(sealed.error());
    if (config_.flush.when != flush_policy::kind::async)
        if (auto flushed = old.flush(); !flushed) {
            failed_ = flushed.error();
            return std::unexpected(flushed.error());
        }
    auto fresh = segment::create(dir_, next_base, config_.segments);
    if (!fresh) return std::unexpected(fresh.error());
    segments_.push_back(std::move(*fresh));
    directory_unsynced_ = true;
    return {};
}

std::expected<void, error> partition_log::flush() {
    if (directory_unsynced_) {
        if (auto synced = sync_directory(dir_); !synced) {
            failed_ = synced.error();
            return std::unexpected(synced.error());
        }
        directory_unsynced_ = false;
    }
    for (auto& s : segments_)
        if (auto flushed = s.flush(); !flushed) {
            // As in Kafka, a failed flush takes the log offline: what the
            // kernel dropped cannot be told apart from what it kept.
            failed_ = flushed.error();
            return std::unexpected(flushed.error());
        }
    unflushed_since_.reset();
    return {};
}

std::optional<partition_log::steady_clock::time_point> partition_log::needs_flush_by() const noexcept {
    if (config_.flush.when != flush_policy::kind::interval || !unflushed_since_) return std::nullopt;
    return *unflushed_since_ + config_.flush.every;
}

std::expected<void, error> partition_log::flush_if_due(steady_clock::time_point now) {
    const auto due = needs_flush_by();
    if (!due || now < *due) return {};
    return flush();
}

std::expected<void, error> partition_log::close() {
    if (closed_) return {};
    closed_ = true;
    if (auto sealed = segments_.back().seal(); !sealed) return std::unexpected(sealed.error());
    return flush();
}

std::expected<fetch_range, error> partition_log::read_range(std::int64_t offset, std::uint64_t max_bytes) const {
    fetch_range range;
    range.high_watermark = high_watermark();
    range.log_start_offset = log_start_offset();
    if (offset < range.log_start_offset || offset > range.high_watermark)
        return std::unexpected(log_error(log_errc::offset_out_of_range,
                                         fmt::format("offset {} of {} (the log holds {}..{})", offset, dir_.string(),
                                                     range.log_start_offset, range.high_watermark)));
    if (offset == range.high_watermark) return range;

    auto first = std::upper_bound(segments_.begin(), segments_.end(), offset,
                                  [](std::int64_t o, const segment& s) { return o < s.base_offset(); });
    --first; // offset ≥ the log start: some segment starts at or before it
    std::array<std::byte, 27> head{}; // up to lastOffsetDelta
    for (auto s = first; s != segments_.end(); ++s) {
        std::uint64_t position = s == first ? s->lookup(offset) : 0;
        while (position + head.size() <= s->size()) {
            auto got = zc::detail::pread_full(s->log_fd(), head, position);
            if (!got) return std::unexpected(got.error().wrap(s->log_path().string()));
            if (*got != head.size()) break;
            const std::uint64_t size = log_overhead + load_be32(head.data() + 8);
            const std::int64_t last = static_cast<std::int64_t>(load_be64(head.data())) +
                                      static_cast<std::int32_t>(load_be32(head.data() + 23));
            if (last >= offset) {
                range.file = s->log_fd_owner();
                range.position = position;
                range.file_size = s->size();
                range.length = std::max(std::min<std::uint64_t>(size, s->size() - position),
                                        std::min(max_bytes, s->size() - position));
                return range;
            }
            position += size;
        }
    }
    return std::unexpected(log_error(log_errc::corrupt_log, fmt::format("{}: no batch holds offset {} below the high "
                                                                        "watermark {}",
                                                                        dir_.string(), offset, range.high_watermark)));
}

std::expected<std::optional<timestamp_match>, error> partition_log::offset_for_timestamp(std::int64_t timestamp) const {
    std::array<std::byte, max_timestamp_offset + 8> head{};
    for (const auto& s : segments_) {
        if (s.max_timestamp() < timestamp) continue;
        // Time entries say "up to this offset, the largest timestamp is T":
        // every batch up to the last entry with T < timestamp is too early.
        std::uint64_t position = 0;
        const auto& times = s.time_index();
        for (std::size_t low = 0, high = times.entries(); low < high;) {
            const std::size_t mid = low + (high - low) / 2;
            const auto e = decode_time_entry(times.entry(mid).data());
            if (e.timestamp < timestamp) {
                position = s.lookup(s.base_offset() + e.relative_offset);
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        while (position + head.size() <= s.size()) {
            auto got = zc::detail::pread_full(s.log_fd(), head, position);
            if (!got) return std::unexpected(got.error().wrap(s.log_path().string()));
            if (*got != head.size()) break;
            const auto max_timestamp = static_cast<std::int64_t>(load_be64(head.data() + max_timestamp_offset));
            if (max_timestamp >= timestamp)
                return timestamp_match{static_cast<std::int64_t>(load_be64(head.data())), max_timestamp};
            position += log_overhead + load_be32(head.data() + 8);
        }
    }
    return std::nullopt;
}

std::expected<void, error> partition_log::delete_oldest() {
    if (auto removed = segments_.front().remove_files(); !removed) return std::unexpected(removed.error());
    segments_.erase(segments_.begin());
    return {};
}

std::expected<retention_result, error> partition_log::apply_retention(std::int64_t now_ms) {
    retention_result result;
    const auto drop = [&]() -> std::expected<void, error> {
        result.bytes_deleted += segments_.front().size();
        ++result.segments_deleted;
        return delete_oldest();
    };
    if (config_.retention_bytes)
        while (segments_.size() > 1 && size_bytes() - segments_.front().size() >= *config_.retention_bytes)
            if (auto dropped = drop(); !dropped) return std::unexpected(dropped.error());
    if (config_.retention_time)
        while (segments_.size() > 1) {
            const auto& oldest = segments_.front();
            const std::int64_t newest = oldest.max_timestamp() >= 0 ? oldest.max_timestamp() : oldest.modified_ms();
            if (now_ms - newest <= config_.retention_time->count()) break;
            if (auto dropped = drop(); !dropped) return std::unexpected(dropped.error());
        }
    return result;
}

} // namespace zc::log
