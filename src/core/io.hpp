// io — read(2)/write(2)-family wrappers that retry EINTR and short transfers,
// so that no caller writes that loop by hand.
//
// Two kinds of caller:
//   - blocking code (profiles, charts, the bench's children, test helpers)
//     wants "all of it or an error": write_all, send_all, read_full,
//     pread_full;
//   - non-blocking code (the engine's bytes held across a fallback, a
//     server's response) keeps its own position and wants "this much went,
//     then the descriptor would block": write_some and send_some treat EAGAIN
//     as a state, never as an error.
// Code that handles each call's result itself (the strategies: every call
// counted, every byte accounted as it moves, errors named in the strategy's
// words) wraps that one call in retry_on_eintr instead.
//
// Every function saves errno right after the failing call; the error names
// the syscall and the descriptor ("write(fd=5): Broken pipe"). A call that
// moves nothing although asked for bytes (never expected from the kernel on a
// write) is EIO rather than a loop that never ends.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "zerocopy/error.hpp"

namespace zc::detail {

// Calls `call` (one syscall returning -1 and setting errno on failure) until
// it fails with something other than EINTR or succeeds; returns its last
// result, with errno still that of the last attempt. A signal handler
// installed without SA_RESTART makes blocking calls fail with EINTR before
// any byte moved: repeating the same call is always right.
//
// Not for close(2) (on Linux the descriptor is gone even after EINTR), nor
// for connect(2) (EINTR means the connection goes on in the background).
template <class Call>
auto retry_on_eintr(Call&& call) -> decltype(call()) {
    for (;;) {
        auto result = call();
        if (!(result < 0 && errno == EINTR)) return result;
    }
}

// Blocking: writes every byte with write(2), retrying EINTR and short
// writes. On a non-blocking descriptor that would block, the error is EAGAIN.
std::expected<void, error> write_all(int fd, std::span<const std::byte> bytes);
// The same with send(2) and `flags` (MSG_NOSIGNAL: EPIPE instead of SIGPIPE).
std::expected<void, error> send_all(int fd, std::span<const std::byte> bytes, int flags = MSG_NOSIGNAL);

// Non-blocking: writes bytes[done..] with write(2), advancing `done` past
// every byte the descriptor takes, until all are written or it would block
// (EAGAIN/EWOULDBLOCK): success with done < bytes.size() means "wait for
// POLLOUT, then call again". On error, `done` still counts the bytes written
// before it. Every attempt, EINTR ones too, is added to *syscalls when given.
std::expected<void, error> write_some(int fd, std::span<const std::byte> bytes, std::size_t& done,
                                      std::uint64_t* syscalls = nullptr);
// The same with send(2) and `flags`.
std::expected<void, error> send_some(int fd, std::span<const std::byte> bytes, std::size_t& done,
                                     int flags = MSG_NOSIGNAL, std::uint64_t* syscalls = nullptr);

// Blocking: reads until `buffer` is full or end of file; the bytes read,
// fewer than buffer.size() only at EOF. On a non-blocking descriptor with
// nothing to read the error is EAGAIN.
std::expected<std::size_t, error> read_full(int fd, std::span<std::byte> buffer);
// The same with pread(2) from `offset` (the descriptor's offset is untouched).
std::expected<std::size_t, error> pread_full(int fd, std::span<std::byte> buffer, std::uint64_t offset);

// Text as bytes, for the callers that hold std::string.
inline std::span<const std::byte> as_bytes(std::string_view text) noexcept {
    return std::as_bytes(std::span(text.data(), text.size()));
}

} // namespace zc::detail
