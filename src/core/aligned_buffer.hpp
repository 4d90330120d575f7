// aligned_buffer — heap memory with a chosen alignment (page, or the O_DIRECT
// alignment statx reports), the off-heap "direct buffer" of the seeds.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <span>

namespace zc::detail {

class aligned_buffer {
public:
    aligned_buffer() = default;
    // size is rounded up to a multiple of alignment; alignment must be a power of two.
    aligned_buffer(std::size_t size, std::size_t alignment);

    std::byte* data() const noexcept { return data_.get(); }
    std::size_t size() const noexcept { return size_; }
    std::size_t alignment() const noexcept { return alignment_; }
    explicit operator bool() const noexcept { return data_ != nullptr; }

private:
    struct free_deleter {
        void operator()(std::byte* p) const noexcept { std::free(p); }
    };
    std::unique_ptr<std::byte, free_deleter> data_;
    std::size_t size_ = 0;
    std::size_t alignment_ = 0;
};

// A per-thread buffer reused by every transfer on that thread that does not
// need to keep bytes across calls (seekable sources re-read what the sink did
// not take). Grows to the largest size asked for.
std::span<std::byte> scratch_buffer(std::size_t size, std::size_t alignment);

std::size_t page_size() noexcept;

} // namespace zc::detail
