// zc::unique_fd — move-only owner of a file descriptor.
#pragma once

#include <utility>

#include "zerocopy/export.hpp"

namespace zc {

class ZEROCOPY_API unique_fd {
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept { return std::exchange(fd_, -1); }
    // Closes the current descriptor (EINTR from close is not retried: on Linux
    // the descriptor is gone either way).
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

} // namespace zc
