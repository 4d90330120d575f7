// The access log of zc serve: one line per response in the common log format
//   host ident authuser [date] "request line" status bytes
// e.g. 127.0.0.1 - - [22/Nov/2026:03:59:22 +0000] "GET /a.txt HTTP/1.1" 200 1234
//
// One writer for the whole server (access_log: the fd and a mutex), and one
// buffer per worker (access_log_buffer) so that the hot path only appends to a
// string. A buffer is flushed as whole lines, under the mutex, when it passes
// 32 KiB, when its worker has been idle or busy for a second, and at exit:
// lines of different workers never interleave, and at most a second of lines
// waits in memory. Write errors are counted, not fatal: a full disk must not
// stop the server.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::http {

class access_log {
public:
    // "-" = standard output (not owned); anything else is opened
    // O_WRONLY|O_APPEND|O_CREAT, 0644.
    static std::expected<access_log, error> open(const std::string& path);
    access_log(access_log&&) noexcept;
    access_log& operator=(access_log&&) noexcept;
    ~access_log();

    // Writes whole lines at once (retrying short writes, EINTR), under the lock.
    void write_lines(std::string_view lines);
    std::uint64_t write_errors() const noexcept { return write_errors_; }

private:
    access_log() = default;
    unique_fd owned_;
    int fd_ = -1;
    std::mutex* lock_ = nullptr; // heap-allocated so that access_log stays movable
    std::uint64_t write_errors_ = 0;
};

// One worker's pending lines. Not thread-safe: one per event loop.
class access_log_buffer {
public:
    explicit access_log_buffer(access_log* log) : log_(log) {}
    access_log_buffer(const access_log_buffer&) = delete;
    access_log_buffer& operator=(const access_log_buffer&) = delete;
    ~access_log_buffer() { flush(); }

    bool enabled() const noexcept { return log_ != nullptr; }
    // host: the peer's address without port; request_line: "-" when the
    // request never parsed; bytes: body bytes sent.
    void add(std::string_view host, std::string_view request_line, int status, std::uint64_t bytes);
    // Flushes when a second has passed since the last flush (or always).
    void flush_if_due(std::chrono::steady_clock::time_point now);
    // When flush_if_due() next has lines to write (nullopt: none pending).
    std::optional<std::chrono::steady_clock::time_point> next_flush() const;
    void flush();
    bool pending() const noexcept { return !lines_.empty(); }

private:
    const std::string& date_now();

    access_log* log_;
    std::string lines_;
    std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
    std::int64_t date_second_ = -1;
    std::string date_; // "[22/Nov/2026:03:59:22 +0000]", cached for one second
};

} // namespace zc::http
