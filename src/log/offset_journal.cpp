#include "log/offset_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "core/io.hpp"
#include "log/crc32c.hpp"

namespace zc::log {
namespace {

constexpr std::uint8_t record_version = 1;
constexpr std::size_t header_bytes = 8;

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }
void put_u16(std::string& out, std::uint16_t v) {
    put_u8(out, static_cast<std::uint8_t>(v >> 8));
    put_u8(out, static_cast<std::uint8_t>(v));
}
void put_u32(std::string& out, std::uint32_t v) {
    put_u16(out, static_cast<std::uint16_t>(v >> 16));
    put_u16(out, static_cast<std::uint16_t>(v));
}
void put_u64(std::string& out, std::uint64_t v) {
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
    put_u32(out, static_cast<std::uint32_t>(v));
}

// Reads the body fields in order; any read past the end fails the record.
class body_reader {
public:
    explicit body_reader(std::string_view bytes) : bytes_(bytes) {}
    bool ok() const noexcept { return ok_; }
    bool at_end() const noexcept { return pos_ == bytes_.size(); }

    std::uint64_t uint(std::size_t width) {
        if (!take(width)) return 0;
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<std::uint8_t>(bytes_[pos_ - width + i]);
        return v;
    }
    std::string text(std::size_t length) {
        if (!take(length)) return {};
        return std::string(bytes_.substr(pos_ - length, length));
    }

private:
    bool take(std::size_t n) {
        if (!ok_ || bytes_.size() - pos_ < n) return ok_ = false;
        pos_ += n;
        return true;
    }
    std::string_view bytes_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

std::optional<offset_record> decode_body(std::string_view body) {
    body_reader in(body);
    if (in.uint(1) != record_version) return std::nullopt;
    offset_record r;
    r.key.group = in.text(in.uint(2));
    r.key.topic = in.text(in.uint(2));
    r.key.partition = static_cast<std::int32_t>(in.uint(4));
    r.value.offset = static_cast<std::int64_t>(in.uint(8));
    r.value.leader_epoch = static_cast<std::int32_t>(in.uint(4));
    r.value.commit_timestamp_ms = static_cast<std::int64_t>(in.uint(8));
    const bool null_metadata = in.uint(1) != 0;
    std::string metadata = in.text(in.uint(4));
    if (!null_metadata) r.value.metadata = std::move(metadata);
    if (!in.ok() || !in.at_end()) return std::nullopt;
    return r;
}

std::expected<unique_fd, error> open_file(const std::filesystem::path& path, int flags) {
    const int fd = zc::detail::retry_on_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, 0644); });
    if (fd < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", path.string())));
    return unique_fd(fd);
}

std::expected<void, error> sync_fd(int fd, const std::filesystem::path& path) {
    if (zc::detail::retry_on_eintr([&] { return ::fdatasync(fd); }) != 0)
        return std::unexpected(error::from_errno(errno, fmt::format("fdatasync({})", path.string())));
    return {};
}

// A new or renamed file's name is durable only once its directory is synced.
std::expected<void, error> sync_directory(const std::filesystem::path& dir) {
    auto fd = open_file(dir, O_RDONLY | O_DIRECTORY);
    if (!fd) return std::unexpected(fd.error());
    if (zc::detail::retry_on_eintr([&] { return ::fsync(fd->get()); }) != 0)
        return std::unexpected(error::from_errno(errno, fmt::format("fsync({})", dir.string())));
    return {};
}

std::expected<std::string, error> read_whole(int fd, const std::filesystem::path& path) {
    struct stat st{};
    if (::fstat(fd, &st) != 0) return std::unexpected(error::from_errno(errno, fmt::format("fstat({})", path.string())));
    std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
    auto got = zc::detail::pread_full(fd, std::as_writable_bytes(std::span(bytes)), 0);
    if (!got) return std::unexpected(got.error());
    bytes.resize(*got);
    return bytes;
}

std::expected<void, error> write_compacted(const std::filesystem::path& dir, const std::filesystem::path& path,
                                           const std::map<offset_key, committed_offset>& live) {
    std::string bytes;
    for (const auto& [key, value] : live) bytes += encode_offset_record({key, value});
    const auto tmp = dir / "offsets.journal.tmp";
    auto fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) return std::unexpected(fd.error());
    if (auto written = zc::detail::write_all(fd->get(), zc::detail::as_bytes(bytes)); !written)
        return std::unexpected(written.error());
    if (auto synced = sync_fd(fd->get(), tmp); !synced) return synced;
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return std::unexpected(error::from_errno(errno, fmt::format("rename({}, {})", tmp.string(), path.string())));
    return sync_directory(dir);
}

} // namespace

std::string encode_offset_record(const offset_record& record) {
    std::string body;
    put_u8(body, record_version);
    put_u16(body, static_cast<std::uint16_t>(record.key.group.size()));
    body += record.key.group;
    put_u16(body, static_cast<std::uint16_t>(record.key.topic.size()));
    body += record.key.topic;
    put_u32(body, static_cast<std::uint32_t>(record.key.partition));
    put_u64(body, static_cast<std::uint64_t>(record.value.offset));
    put_u32(body, static_cast<std::uint32_t>(record.value.leader_epoch));
    put_u64(body, static_cast<std::uint64_t>(record.value.commit_timestamp_ms));
    put_u8(body, record.value.metadata ? 0 : 1);
    const std::string_view metadata = record.value.metadata ? std::string_view(*record.value.metadata) : "";
    put_u32(body, static_cast<std::uint32_t>(metadata.size()));
    body += metadata;
    std::string out;
    out.reserve(header_bytes + body.size());
    put_u32(out, static_cast<std::uint32_t>(body.size()));
    put_u32(out, crc32c(std::as_bytes(std::span(body.data(), body.size()))));
    return out + body;
}

offset_journal_scan scan_offset_journal(std::string_view bytes) {
    offset_journal_scan scan;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        body_reader header(bytes.substr(pos, header_bytes));
        const auto length = static_cast<std::uint32_t>(header.uint(4));
        const auto crc = static_cast<std::uint32_t>(header.uint(4));
        if (!header.ok()) {
            scan.stop_reason = "a truncated record header";
            break;
        }
        if (length > offset_journal::max_record_bytes || length > bytes.size() - pos - header_bytes) {
            scan.stop_reason = fmt::format("a record of {} bytes with {} left", length, bytes.size() - pos - header_bytes);
            break;
        }
        const std::string_view body = bytes.substr(pos + header_bytes, length);
        if (crc32c(std::as_bytes(std::span(body.data(), body.size()))) != crc) {
            scan.stop_reason = "a CRC-32C mismatch";
            break;
        }
        auto record = decode_body(body);
        if (!record) {
            scan.stop_reason = "a malformed record";
            break;
        }
        scan.records.push_back(std::move(*record));
        pos += header_bytes + length;
    }
    scan.valid_bytes = pos;
    return scan;
}

std::expected<offset_journal, error> offset_journal::open(const std::filesystem::path& log_dir,
                                                          const offset_journal_options& options,
                                                          std::map<offset_key, committed_offset>& live) {
    const auto dir = log_dir / "__consumer_offsets";
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec)) {
        if (auto synced = sync_directory(log_dir); !synced) return std::unexpected(synced.error());
    } else if (ec) {
        return std::unexpected(error(ec, fmt::format("create {}", dir.string())));
    }
    const auto path = dir / "offsets.journal";
    auto fd = open_file(path, O_RDWR | O_CREAT);
    if (!fd) return std::unexpected(fd.error());
    auto bytes = read_whole(fd->get(), path);
    if (!bytes) return std::unexpected(bytes.error());

    offset_journal_scan scan = scan_offset_journal(*bytes);
    offset_journal_report report;
    report.records = scan.records.size();
    report.bytes_dropped = bytes->size() - scan.valid_bytes;
    report.drop_reason = scan.stop_reason;
    std::uint64_t live_bytes = 0;
    for (auto& record : scan.records) live[record.key] = std::move(record.value);
    for (const auto& [key, value] : live) live_bytes += encode_offset_record({key, value}).size();

    if (report.bytes_dropped > 0) {
        if (zc::detail::retry_on_eintr([&] { return ::ftruncate(fd->get(), static_cast<off_t>(scan.valid_bytes)); }) != 0)
            return std::unexpected(error::from_errno(errno, fmt::format("ftruncate({})", path.string())));
        if (auto synced = sync_fd(fd->get(), path); !synced) return std::unexpected(synced.error());
    }
    if (scan.valid_bytes >= options.compact_min_bytes && scan.valid_bytes > options.compact_ratio * live_bytes) {
        if (auto compacted = write_compacted(dir, path, live); !compacted) return std::unexpected(compacted.error());
        report.compacted = true;
    }
    // Appends go to the end whatever the file is now (the compacted one, after a rename).
    auto appender = open_file(path, O_WRONLY | O_APPEND);
    if (!appender) return std::unexpected(appender.error());
    offset_journal journal(path, std::move(*appender));
    journal.report_ = std::move(report);
    return journal;
}

std::expected<void, error> offset_journal::append_and_sync(const std::vector<offset_record>& records) {
    std::string bytes;
    for (const auto& record : records) bytes += encode_offset_record(record);
    if (auto written = zc::detail::write_all(fd_.get(), zc::detail::as_bytes(bytes)); !written)
        return std::unexpected(written.error());
    return sync_fd(fd_.get(), path_);
}

} // namespace zc::log
