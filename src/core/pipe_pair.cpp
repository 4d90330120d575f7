#include "core/pipe_pair.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace zc::detail {

std::expected<pipe_pair, error> pipe_pair::create(std::size_t wanted) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::unexpected(error::from_errno(errno, "pipe2"));
    pipe_pair p;
    p.read_end.reset(fds[0]);
    p.write_end.reset(fds[1]);
    constexpr std::size_t default_capacity = 64 * 1024;
    for (std::size_t ask = wanted; ask > default_capacity; ask /= 2) {
        if (::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(ask)) >= 0) break;
        if (errno != EPERM && errno != EBUSY) break; // keep the default pipe
    }
    int capacity = ::fcntl(fds[1], F_GETPIPE_SZ);
    p.capacity = capacity > 0 ? static_cast<std::size_t>(capacity) : default_capacity;
    return p;
}

} // namespace zc::detail
