// pipe_pair — a private pipe for splice strategies, sized with F_SETPIPE_SZ.
#pragma once

#include <cstddef>
#include <expected>

#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::detail {

struct pipe_pair {
    unique_fd read_end;
    unique_fd write_end;
    std::size_t capacity = 0; // what F_GETPIPE_SZ reports after sizing
    std::size_t buffered = 0; // bytes written in and not yet read out (kept by the user)

    // Asks for `wanted` bytes of capacity; settles for less (halving) when the
    // kernel refuses with EPERM (past /proc/sys/fs/pipe-max-size without
    // CAP_SYS_RESOURCE, or past the per-user pipe budget).
    static std::expected<pipe_pair, error> create(std::size_t wanted);
};

} // namespace zc::detail
