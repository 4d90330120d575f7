#include "log/index_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/io.hpp"
#include "log/log_error.hpp"

namespace zc::log {
namespace {

std::expected<unique_fd, error> open_file(const std::filesystem::path& path, int flags) {
    const int fd = zc::detail::retry_on_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC, 0644); });
    if (fd < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", path.string())));
    return unique_fd(fd);
}

std::expected<std::uint64_t, error> file_size(int fd, const std::filesystem::path& path) {
    struct stat st{};
    if (::fstat(fd, &st) != 0) return std::unexpected(error::from_errno(errno, fmt::format("fstat({})", path.string())));
    return static_cast<std::uint64_t>(st.st_size);
}

std::expected<void, error> resize(int fd, std::uint64_t size, const std::filesystem::path& path) {
    if (zc::detail::retry_on_eintr([&] { return ::ftruncate(fd, static_cast<off_t>(size)); }) != 0)
        return std::unexpected(error::from_errno(errno, fmt::format("ftruncate({}, {})", path.string(), size)));
    return {};
}

} // namespace

void encode(const offset_entry& e, std::byte* out) noexcept {
    store_be32(out, e.relative_offset);
    store_be32(out + 4, e.position);
}
void encode(const time_entry& e, std::byte* out) noexcept {
    store_be64(out, static_cast<std::uint64_t>(e.timestamp));
    store_be32(out + 8, e.relative_offset);
}
offset_entry decode_offset_entry(const std::byte* in) noexcept { return {load_be32(in), load_be32(in + 4)}; }
time_entry decode_time_entry(const std::byte* in) noexcept {
    return {static_cast<std::int64_t>(load_be64(in)), load_be32(in + 8)};
}

std::expected<index_file, error> index_file::open_active(const std::filesystem::path& path, std::size_t entry_size,
                                                         std::size_t entries_in_use, std::uint64_t max_bytes) {
    auto fd = open_file(path, O_RDWR | O_CREAT);
    if (!fd) return std::unexpected(fd.error());
    index_file index;
    index.path_ = path;
    index.entry_size_ = entry_size;
    index.capacity_ = std::max<std::size_t>(max_bytes / entry_size, entries_in_use + 1);
    index.entries_ = entries_in_use;
    index.writable_ = true;
    const std::uint64_t bytes = index.capacity_ * entry_size;
    if (auto sized = resize(fd->get(), bytes, path); !sized) return std::unexpected(sized.error());
    auto map = mapped_file::map(fd->get(), 0, bytes, mapped_file::access::read_write_shared);
    if (!map) return std::unexpected(map.error().wrap(path.string()));
    index.map_ = std::move(*map);
    index.fd_ = std::move(*fd);
    return index;
}

std::expected<index_file, error> index_file::open_sealed(const std::filesystem::path& path, std::size_t entry_size) {
    auto fd = open_file(path, O_RDONLY);
    if (!fd) return std::unexpected(fd.error());
    auto size = file_size(fd->get(), path);
    if (!size) return std::unexpected(size.error());
    if (*size % entry_size != 0)
        return std::unexpected(log_error(log_errc::corrupt_log, fmt::format("{}: {} bytes is not a whole number of "
                                                                            "{}-byte entries",
                                                                            path.string(), *size, entry_size)));
    auto map = mapped_file::map(fd->get(), 0, *size);
    if (!map) return std::unexpected(map.error().wrap(path.string()));
    index_file index;
    index.path_ = path;
    index.entry_size_ = entry_size;
    index.entries_ = *size / entry_size;
    index.capacity_ = index.entries_;
    index.map_ = std::move(*map);
    index.fd_ = std::move(*fd);
    return index;
}

std::expected<void, error> index_file::write_whole(const std::filesystem::path& path, std::span<const std::byte> bytes) {
    auto fd = open_file(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (!fd) return std::unexpected(fd.error());
    if (auto written = zc::detail::write_all(fd->get(), bytes); !written) return std::unexpected(written.error().wrap(path.string()));
    return {};
}

void index_file::append(std::span<const std::byte> bytes) noexcept {
    std::memcpy(map_.writable_bytes().data() + entries_ * entry_size_, bytes.data(), entry_size_);
    ++entries_;
}

std::expected<void, error> index_file::sync() const {
    // fdatasync writes back the pages stored through the mapping too.
    if (zc::detail::retry_on_eintr([&] { return ::fdatasync(fd_.get()); }) != 0)
        return std::unexpected(error::from_errno(errno, fmt::format("fdatasync({})", path_.string())));
    return {};
}

std::expected<void, error> index_file::seal() {
    if (!writable_) return {};
    map_ = mapped_file();
    const std::uint64_t bytes = entries_ * entry_size_;
    if (auto sized = resize(fd_.get(), bytes, path_); !sized) return std::unexpected(sized.error());
    auto map = mapped_file::map(fd_.get(), 0, bytes);
    if (!map) return std::unexpected(map.error().wrap(path_.string()));
    map_ = std::move(*map);
    writable_ = false;
    capacity_ = entries_;
    return {};
}

index_builder::entries_for_batch index_builder::add(std::uint64_t position, const batch_header& batch) noexcept {
    if (batch.max_timestamp > max_timestamp_) {
        max_timestamp_ = batch.max_timestamp;
        offset_of_max_timestamp_ = batch.last_offset();
    }
    entries_for_batch out;
    if (position - last_entry_position_ > interval_bytes_) {
        out.offset = offset_entry{static_cast<std::uint32_t>(batch.last_offset() - base_offset_),
                                  static_cast<std::uint32_t>(position)};
        last_entry_position_ = position;
        if (max_timestamp_ > last_time_entry_timestamp_) {
            out.time = time_entry{max_timestamp_, static_cast<std::uint32_t>(offset_of_max_timestamp_ - base_offset_)};
            last_time_entry_timestamp_ = max_timestamp_;
        }
    }
    return out;
}

std::optional<time_entry> index_builder::final_time_entry() const noexcept {
    if (max_timestamp_ <= last_time_entry_timestamp_) return std::nullopt;
    return time_entry{max_timestamp_, static_cast<std::uint32_t>(offset_of_max_timestamp_ - base_offset_)};
}

} // namespace zc::log
