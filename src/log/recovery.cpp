#include "log/recovery.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/io.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::log {
namespace {

std::expected<unique_fd, error> open_path(const std::filesystem::path& path, int flags) {
    const int fd = zc::detail::retry_on_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC); });
    if (fd < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", path.string())));
    return unique_fd(fd);
}

std::expected<std::uint64_t, error> size_of(int fd, const std::filesystem::path& path) {
    struct stat st{};
    if (::fstat(fd, &st) != 0) return std::unexpected(error::from_errno(errno, fmt::format("fstat({})", path.string())));
    return static_cast<std::uint64_t>(st.st_size);
}

// The file's bytes, or nullopt when it does not exist (or is not readable).
std::optional<std::vector<std::byte>> read_whole(const std::filesystem::path& path) {
    auto fd = open_path(path, O_RDONLY);
    if (!fd) return std::nullopt;
    auto size = size_of(fd->get(), path);
    if (!size) return std::nullopt;
    std::vector<std::byte> bytes(*size);
    auto got = zc::detail::pread_full(fd->get(), bytes, 0);
    if (!got || *got != bytes.size()) return std::nullopt;
    return bytes;
}

} // namespace

std::expected<expected_indexes, error> compute_indexes(int log_fd, std::uint64_t log_size, std::int64_t base_offset,
                                                       std::uint64_t index_interval_bytes) {
    expected_indexes out;
    out.builder = index_builder(base_offset, index_interval_bytes);
    std::byte entry[time_entry_size];
    auto scanned = scan_log(log_fd, log_size, base_offset, [&](const scanned_batch& batch) {
        const auto entries = out.builder.add(batch.position, batch.header);
        if (entries.offset) {
            encode(*entries.offset, entry);
            out.offsets.insert(out.offsets.end(), entry, entry + offset_entry_size);
        }
        if (entries.time) {
            encode(*entries.time, entry);
            out.times.insert(out.times.end(), entry, entry + time_entry_size);
        }
        return true;
    });
    if (!scanned) return std::unexpected(scanned.error());
    out.scan = std::move(*scanned);
    out.final_time = out.builder.final_time_entry();
    return out;
}

std::expected<active_state, error> recover_active_segment(const std::filesystem::path& dir, std::int64_t base_offset,
                                                          const segment_options& options, segment_recovery& report) {
    const auto log_path = dir / segment_file_name(base_offset, ".log");
    report.log = log_path;
    auto fd = open_path(log_path, O_RDWR);
    if (!fd) return std::unexpected(fd.error());
    auto size = size_of(fd->get(), log_path);
    if (!size) return std::unexpected(size.error());
    auto wanted = compute_indexes(fd->get(), *size, base_offset, options.index_interval_bytes);
    if (!wanted) return std::unexpected(wanted.error().wrap(log_path.string()));
    if (wanted->scan.valid_bytes < *size) {
        report.truncated_bytes = *size - wanted->scan.valid_bytes;
        if (wanted->scan.problem) report.problem = wanted->scan.problem;
        if (zc::detail::retry_on_eintr([&] { return ::ftruncate(fd->get(), static_cast<off_t>(wanted->scan.valid_bytes)); }) != 0)
            return std::unexpected(error::from_errno(errno, fmt::format("ftruncate({})", log_path.string())));
    }

    const auto index_path = dir / segment_file_name(base_offset, ".index");
    if (read_whole(index_path) != wanted->offsets) {
        if (auto written = index_file::write_whole(index_path, wanted->offsets); !written) return std::unexpected(written.error());
        report.index_rebuilt = true;
    }
    // A segment closed cleanly carries its sealing time entry; appends go on
    // without it (the builder would not have written it there).
    const auto time_path = dir / segment_file_name(base_offset, ".timeindex");
    auto times = read_whole(time_path);
    std::vector<std::byte> sealed = wanted->times;
    if (wanted->final_time) {
        std::byte entry[time_entry_size];
        encode(*wanted->final_time, entry);
        sealed.insert(sealed.end(), entry, entry + time_entry_size);
    }
    if (times != wanted->times) {
        if (times != sealed) report.time_index_rebuilt = true;
        if (auto written = index_file::write_whole(time_path, wanted->times); !written) return std::unexpected(written.error());
    }

    active_state state;
    state.size = wanted->scan.valid_bytes;
    state.next_offset = wanted->scan.next_offset;
    state.builder = wanted->builder;
    state.offset_entries = wanted->offsets.size() / offset_entry_size;
    state.time_entries = wanted->times.size() / time_entry_size;
    return state;
}

std::expected<void, error> rebuild_sealed_indexes(const std::filesystem::path& dir, std::int64_t base_offset,
                                                  const segment_options& options, segment_recovery& report) {
    const auto log_path = dir / segment_file_name(base_offset, ".log");
    report.log = log_path;
    auto fd = open_path(log_path, O_RDONLY);
    if (!fd) return std::unexpected(fd.error());
    auto size = size_of(fd->get(), log_path);
    if (!size) return std::unexpected(size.error());
    auto wanted = compute_indexes(fd->get(), *size, base_offset, options.index_interval_bytes);
    if (!wanted) return std::unexpected(wanted.error().wrap(log_path.string()));
    if (wanted->scan.problem) report.problem = wanted->scan.problem; // an older segment is reported, never cut
    if (wanted->final_time) {
        std::byte entry[time_entry_size];
        encode(*wanted->final_time, entry);
        wanted->times.insert(wanted->times.end(), entry, entry + time_entry_size);
    }
    if (auto written = index_file::write_whole(dir / segment_file_name(base_offset, ".index"), wanted->offsets); !written)
        return std::unexpected(written.error());
    if (auto written = index_file::write_whole(dir / segment_file_name(base_offset, ".timeindex"), wanted->times); !written)
        return std::unexpected(written.error());
    report.index_rebuilt = report.time_index_rebuilt = true;
    return {};
}

bool sealed_indexes_look_sane(const segment& s) noexcept {
    const auto& index = s.offset_index();
    std::uint32_t previous_position = 0;
    for (std::size_t i = 0; i < index.entries(); ++i) {
        const auto e = decode_offset_entry(index.entry(i).data());
        if (e.position >= s.size() || (i > 0 && e.position <= previous_position)) return false;
        if (s.base_offset() + e.relative_offset >= s.next_offset()) return false;
        previous_position = e.position;
    }
    const auto& times = s.time_index();
    for (std::size_t i = 0; i < times.entries(); ++i)
        if (s.base_offset() + decode_time_entry(times.entry(i).data()).relative_offset >= s.next_offset()) return false;
    return true;
}

std::expected<std::vector<std::int64_t>, error> list_segments(const std::filesystem::path& dir) {
    std::vector<std::int64_t> bases;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (auto base = parse_segment_file_name(it->path().filename().string(), ".log")) bases.push_back(*base);
    if (ec) return std::unexpected(error(ec, fmt::format("list {}", dir.string())));
    std::sort(bases.begin(), bases.end());
    return bases;
}

} // namespace zc::log
