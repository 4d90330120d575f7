// endpoint — what the engine knows about one side of a transfer.
#pragma once

#include <sys/stat.h>

#include <expected>
#include <string>

#include "zerocopy/error.hpp"
#include "zerocopy/strategy.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::detail {

struct endpoint {
    int fd = -1;
    fd_kind kind = fd_kind::other;
    struct stat st {};
    int status_flags = 0; // fcntl(F_GETFL): O_NONBLOCK, O_APPEND, access mode

    bool nonblocking() const noexcept;
    bool appending() const noexcept;
    bool is_socket() const noexcept;
    bool is_stream() const noexcept; // pipe or socket: no offsets, no size
    // "regular file", "pipe", "TCP socket", … for error messages.
    std::string describe() const;
};

// fstat + fcntl + (for sockets) getsockopt(SO_DOMAIN/SO_TYPE).
std::expected<endpoint, error> inspect(int fd, const char* role);
// What the caller said instead (transfer_job::start's fast form): st holds
// only the kind's mode bits and the size.
endpoint endpoint_from_facts(int fd, const descriptor_facts& facts) noexcept;

} // namespace zc::detail
