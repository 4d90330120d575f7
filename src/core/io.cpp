#include "core/io.hpp"

#include <unistd.h>

#include <string>
#include <utility>

namespace zc::detail {

namespace {

error call_error(int errno_value, const char* syscall, int fd) {
    return error::from_errno(errno_value, std::string(syscall) + "(fd=" + std::to_string(fd) + ")");
}

bool would_block_errno(int errno_value) noexcept { return errno_value == EAGAIN || errno_value == EWOULDBLOCK; }

// The loop of write_some and send_some; `write_once` is one attempt.
template <class WriteOnce>
std::expected<void, error> write_until_blocked(int fd, std::span<const std::byte> bytes, std::size_t& done,
                                               std::uint64_t* syscalls, const char* syscall, WriteOnce write_once) {
    while (done < bytes.size()) {
        const std::span<const std::byte> left = bytes.subspan(done);
        const ssize_t n = retry_on_eintr([&] {
            if (syscalls) ++*syscalls;
            return write_once(left);
        });
        if (n < 0) {
            const int saved = errno;
            if (would_block_errno(saved)) return {};
            return std::unexpected(call_error(saved, syscall, fd));
        }
        if (n == 0) return std::unexpected(call_error(EIO, syscall, fd));
        done += static_cast<std::size_t>(n);
    }
    return {};
}

// Turns "would block" into the EAGAIN error that blocking callers expect.
std::expected<void, error> all_or_eagain(std::expected<void, error> wrote, bool all_written, const char* syscall,
                                         int fd) {
    if (wrote && !all_written) return std::unexpected(call_error(EAGAIN, syscall, fd));
    return wrote;
}

template <class ReadOnce>
std::expected<std::size_t, error> read_until_full(int fd, std::span<std::byte> buffer, const char* syscall,
                                                  ReadOnce read_once) {
    std::size_t got = 0;
    while (got < buffer.size()) {
        const ssize_t n = retry_on_eintr([&] { return read_once(buffer.subspan(got), got); });
        if (n < 0) return std::unexpected(call_error(errno, syscall, fd));
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    return got;
}

} // namespace

std::expected<void, error> write_some(int fd, std::span<const std::byte> bytes, std::size_t& done,
                                      std::uint64_t* syscalls) {
    return write_until_blocked(fd, bytes, done, syscalls, "write", [fd](std::span<const std::byte> left) {
        return ::write(fd, left.data(), left.size());
    });
}

std::expected<void, error> send_some(int fd, std::span<const std::byte> bytes, std::size_t& done, int flags,
                                     std::uint64_t* syscalls) {
    return write_until_blocked(fd, bytes, done, syscalls, "send", [fd, flags](std::span<const std::byte> left) {
        return ::send(fd, left.data(), left.size(), flags);
    });
}

std::expected<void, error> write_all(int fd, std::span<const std::byte> bytes) {
    std::size_t done = 0;
    auto wrote = write_some(fd, bytes, done);
    return all_or_eagain(std::move(wrote), done == bytes.size(), "write", fd);
}

std::expected<void, error> send_all(int fd, std::span<const std::byte> bytes, int flags) {
    std::size_t done = 0;
    auto sent = send_some(fd, bytes, done, flags);
    return all_or_eagain(std::move(sent), done == bytes.size(), "send", fd);
}

std::expected<std::size_t, error> read_full(int fd, std::span<std::byte> buffer) {
    return read_until_full(fd, buffer, "read", [fd](std::span<std::byte> left, std::size_t) {
        return ::read(fd, left.data(), left.size());
    });
}

std::expected<std::size_t, error> pread_full(int fd, std::span<std::byte> buffer, std::uint64_t offset) {
    return read_until_full(fd, buffer, "pread", [fd, offset](std::span<std::byte> left, std::size_t got) {
        return ::pread(fd, left.data(), left.size(), static_cast<off_t>(offset + got));
    });
}

} // namespace zc::detail
