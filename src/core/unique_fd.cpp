#include "zerocopy/unique_fd.hpp"

#include <unistd.h>

namespace zc {

void unique_fd::reset(int fd) noexcept {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
}

} // namespace zc
