#include "log/segment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/io.hpp"
#include "log/log_error.hpp"

namespace zc::log {
namespace {

std::expected<unique_fd, error> open_log(const std::filesystem::path& path, int flags) {
    const int fd = zc::detail::retry_on_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, 0644); });
    if (fd < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", path.string())));
    return unique_fd(fd);
}

std::expected<std::uint64_t, error> size_of(int fd, const std::filesystem::path& path) {
    struct stat st{};
    if (::fstat(fd, &st) != 0) return std::unexpected(error::from_errno(errno, fmt::format("fstat({})", path.string())));
    return static_cast<std::uint64_t>(st.st_size);
}

std::expected<void, error> truncate_to(int fd, std::uint64_t size, const std::filesystem::path& path) {
    if (zc::detail::retry_on_eintr([&] { return ::ftruncate(fd, static_cast<off_t>(size)); }) != 0)
        return std::unexpected(error::from_errno(errno, fmt::format("ftruncate({}, {})", path.string(), size)));
    return {};
}

} // namespace

std::expected<append_mode, error> parse_append_mode(std::string_view text) {
    if (text == "write") return append_mode::write;
    if (text == "mmap") return append_mode::mmap;
    return std::unexpected(error(std::make_error_code(std::errc::invalid_argument),
                                 fmt::format("append mode '{}' (one of: write, mmap)", text)));
}

std::string_view append_mode_name(append_mode mode) noexcept { return mode == append_mode::mmap ? "mmap" : "write"; }

std::string segment_file_name(std::int64_t base_offset, std::string_view suffix) {
    return fmt::format("{:020}{}", base_offset, suffix);
}

std::optional<std::int64_t> parse_segment_file_name(std::string_view name, std::string_view suffix) {
    if (name.size() != 20 + suffix.size() || !name.ends_with(suffix)) return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + 20, value);
    if (ec != std::errc() || end != name.data() + 20 || value < 0) return std::nullopt;
    return value;
}

std::expected<segment, error> segment::create(const std::filesystem::path& dir, std::int64_t base_offset,
                                              const segment_options& options) {
    auto log = open_log(dir / segment_file_name(base_offset, ".log"), O_RDWR | O_CREAT | O_TRUNC);
    if (!log) return std::unexpected(log.error());
    log = unique_fd(); // open_active reopens it; the truncation is what was wanted
    for (const char* suffix : {".index", ".timeindex"})
        if (auto cleared = index_file::write_whole(dir / segment_file_name(base_offset, suffix), {}); !cleared)
            return std::unexpected(cleared.error());
    active_state state;
    state.next_offset = base_offset;
    state.builder = index_builder(base_offset, options.index_interval_bytes);
    return open_active(dir, base_offset, options, std::move(state));
}

std::expected<segment, error> segment::open_active(const std::filesystem::path& dir, std::int64_t base_offset,
                                                   const segment_options& options, active_state state) {
    segment s;
    s.dir_ = dir;
    s.base_offset_ = base_offset;
    s.next_offset_ = state.next_offset;
    s.size_ = state.size;
    s.active_ = true;
    s.mode_ = options.mode;
    s.segment_bytes_ = options.segment_bytes;
    s.builder_ = state.builder;
    s.max_timestamp_ = state.builder.max_timestamp();
    auto log = open_log(s.log_path(), O_RDWR | O_CREAT);
    if (!log) return std::unexpected(log.error());
    *s.log_fd_ = std::move(*log);
    if (auto cut = truncate_to(s.log_fd(), s.size_, s.log_path()); !cut) return std::unexpected(cut.error());
    if (s.mode_ == append_mode::mmap)
        if (auto mapped = s.map_for_append(options.segment_bytes); !mapped) return std::unexpected(mapped.error());
    auto offsets = index_file::open_active(s.index_path(), offset_entry_size, state.offset_entries, options.index_max_bytes);
    if (!offsets) return std::unexpected(offsets.error());
    auto times = index_file::open_active(s.time_index_path(), time_entry_size, state.time_entries, options.index_max_bytes);
    if (!times) return std::unexpected(times.error());
    s.offset_index_ = std::move(*offsets);
    s.time_index_ = std::move(*times);
    return s;
}

std::expected<segment, error> segment::open_sealed(const std::filesystem::path& dir, std::int64_t base_offset,
                                                   std::int64_t next_offset) {
    segment s;
    s.dir_ = dir;
    s.base_offset_ = base_offset;
    s.next_offset_ = next_offset;
    auto log = open_log(s.log_path(), O_RDONLY);
    if (!log) return std::unexpected(log.error());
    auto size = size_of(log->get(), s.log_path());
    if (!size) return std::unexpected(size.error());
    s.size_ = *size;
    *s.log_fd_ = std::move(*log);
    auto offsets = index_file::open_sealed(s.index_path(), offset_entry_size);
    if (!offsets) return std::unexpected(offsets.error());
    auto times = index_file::open_sealed(s.time_index_path(), time_entry_size);
    if (!times) return std::unexpected(times.error());
    s.offset_index_ = std::move(*offsets);
    s.time_index_ = std::move(*times);
    if (s.time_index_.entries() > 0)
        s.max_timestamp_ = decode_time_entry(s.time_index_.entry(s.time_index_.entries() - 1).data()).timestamp;
    return s;
}

std::int64_t segment::modified_ms() const {
    struct stat st{};
    if (::fstat(log_fd(), &st) != 0) return 0;
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

bool segment::has_room(std::uint64_t bytes, std::size_t batches, std::int64_t last_offset,
                       std::uint64_t segment_bytes) const noexcept {
    if (size_ == 0) return true;
    if (size_ + bytes > segment_bytes) return false;
    // Each batch may add one entry to each index (Kafka rolls on a full index too).
    if (offset_index_.room() < batches || time_index_.room() < batches + 1) return false;
    return last_offset - base_offset_ <= std::numeric_limits<std::int32_t>::max();
}

std::expected<void, error> segment::map_for_append(std::uint64_t at_least) {
    const std::uint64_t capacity = std::max<std::uint64_t>(at_least, segment_bytes_);
    log_map_ = mapped_file();
    if (auto sized = truncate_to(log_fd(), capacity, log_path()); !sized) return std::unexpected(sized.error());
    auto map = mapped_file::map(log_fd(), 0, capacity, mapped_file::access::read_write_shared);
    if (!map) return std::unexpected(map.error().wrap(log_path().string()));
    log_map_ = std::move(*map);
    return {};
}

std::expected<void, error> segment::write_bytes(std::span<const std::byte> bytes) {
    if (mode_ == append_mode::mmap) {
        if (size_ + bytes.size() > log_map_.size())
            if (auto grown = map_for_append(size_ + bytes.size()); !grown) return std::unexpected(grown.error());
        std::memcpy(log_map_.writable_bytes().data() + size_, bytes.data(), bytes.size());
        return {};
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = zc::detail::retry_on_eintr([&] {
            return ::pwrite(log_fd(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(size_ + done));
        });
        if (n <= 0) {
            const int saved = n < 0 ? errno : EIO;
            // A partial batch must not stay behind for the next append to land after.
            (void)::ftruncate(log_fd(), static_cast<off_t>(size_));
            return std::unexpected(error::from_errno(saved, fmt::format("pwrite({}, at {})", log_path().string(), size_ + done)));
        }
        done += static_cast<std::size_t>(n);
    }
    return {};
}

std::expected<void, error> segment::append(std::span<const std::byte> batches, std::span<const batch_header> headers) {
    if (!active_) return std::unexpected(log_error(log_errc::corrupt_log, fmt::format("{} is sealed", log_path().string())));
    if (auto written = write_bytes(batches); !written) return std::unexpected(written.error());
    std::uint64_t position = size_;
    std::byte entry[time_entry_size];
    for (const auto& header : headers) {
        const auto entries = builder_.add(position, header);
        if (entries.offset && offset_index_.room() > 0) {
            encode(*entries.offset, entry);
            offset_index_.append({entry, offset_entry_size});
        }
        if (entries.time && time_index_.room() > 1) { // one kept for sealing
            encode(*entries.time, entry);
            time_index_.append({entry, time_entry_size});
        }
        position += header.total_size();
    }
    size_ = position;
    next_offset_ = headers.back().last_offset() + 1;
    max_timestamp_ = builder_.max_timestamp();
    dirty_ = true;
    return {};
}

std::uint32_t segment::lookup(std::int64_t offset) const noexcept {
    // The last entry with base + relative ≤ offset (entries are sorted).
    std::size_t low = 0, high = offset_index_.entries();
    while (low < high) {
        const std::size_t mid = low + (high - low) / 2;
        const auto e = decode_offset_entry(offset_index_.entry(mid).data());
        if (base_offset_ + e.relative_offset <= offset) low = mid + 1;
        else high = mid;
    }
    return low == 0 ? 0 : decode_offset_entry(offset_index_.entry(low - 1).data()).position;
}

std::expected<void, error> segment::flush() {
    if (dirty_) {
        if (zc::detail::retry_on_eintr([&] { return ::fdatasync(log_fd()); }) != 0)
            return std::unexpected(error::from_errno(errno, fmt::format("fdatasync({})", log_path().string())));
        dirty_ = false;
    }
    // The active segment's indexes are rebuilt from its log on every open,
    // so syncing them per append would buy nothing; a sealed segment's are
    // trusted (sanity-checked) on open, so they are synced once, sealed.
    if (!active_ && indexes_unsynced_) {
        if (auto synced = offset_index_.sync(); !synced) return std::unexpected(synced.error());
        if (auto synced = time_index_.sync(); !synced) return std::unexpected(synced.error());
        indexes_unsynced_ = false;
    }
    return {};
}

std::expected<void, error> segment::seal() {
    if (!active_) return {};
    if (auto last = builder_.final_time_entry(); last && time_index_.room() > 0) {
        std::byte entry[time_entry_size];
        encode(*last, entry);
        time_index_.append({entry, time_entry_size});
    }
    if (mode_ == append_mode::mmap) {
        log_map_ = mapped_file();
        if (auto cut = truncate_to(log_fd(), size_, log_path()); !cut) return std::unexpected(cut.error());
    }
    if (auto sealed = offset_index_.seal(); !sealed) return std::unexpected(sealed.error());
    if (auto sealed = time_index_.seal(); !sealed) return std::unexpected(sealed.error());
    active_ = false;
    indexes_unsynced_ = true;
    return {};
}

std::expected<void, error> segment::remove_files() {
    for (const auto& path : {log_path(), index_path(), time_index_path()}) {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        if (ec) return std::unexpected(error(ec, fmt::format("remove({})", path.string())));
    }
    return {};
}

} // namespace zc::log
