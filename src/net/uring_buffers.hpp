// uring_buffers — a ring of provided buffers (io_uring_register_buf_ring,
// Linux 5.19) for the io_uring backend's receives: a receive names the
// group, not a buffer, and the kernel picks one only when bytes arrive, so an
// idle connection waiting for its next request holds no memory of ours.
//
// One mapping holds the ring's entries and the buffers; pages are touched
// only as buffers are used. A buffer goes back (give_back) once the session
// has copied what it keeps; until then the kernel cannot pick it. When all
// are out, a receive completes with -ENOBUFS and is asked again.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>

#include "zerocopy/error.hpp"

namespace zc::net {

class uring_buffers {
public:
    // `count` buffers (a power of two) of `size` bytes each, registered on
    // `ring` as buffer group `group`.
    static std::expected<uring_buffers, error> create(io_uring* ring, std::uint16_t group, unsigned count,
                                                      unsigned size);
    uring_buffers(uring_buffers&& other) noexcept;
    uring_buffers& operator=(uring_buffers&&) = delete;
    uring_buffers(const uring_buffers&) = delete;
    ~uring_buffers();

    std::uint16_t group() const noexcept { return group_; }
    unsigned size() const noexcept { return size_; }
    // The first `length` bytes of buffer `id`.
    std::span<const std::byte> view(std::uint16_t id, std::size_t length) const noexcept {
        return {base_ + std::size_t{id} * size_, length};
    }
    void give_back(std::uint16_t id) noexcept;

private:
    uring_buffers(io_uring* ring, std::uint16_t group, unsigned count, unsigned size, void* mapping,
                  std::size_t mapping_size) noexcept;

    io_uring* ring_;
    std::uint16_t group_;
    unsigned count_;
    unsigned size_;
    void* mapping_;
    std::size_t mapping_size_;
    io_uring_buf_ring* entries_;
    std::byte* base_;
};

} // namespace zc::net
