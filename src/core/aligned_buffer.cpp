#include "core/aligned_buffer.hpp"

#include <unistd.h>

#include <new>

namespace zc::detail {

std::size_t page_size() noexcept {
    static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

aligned_buffer::aligned_buffer(std::size_t size, std::size_t alignment)
    : size_((size + alignment - 1) / alignment * alignment), alignment_(alignment) {
    if (size_ == 0) size_ = alignment;
    data_.reset(static_cast<std::byte*>(std::aligned_alloc(alignment, size_)));
    if (!data_) throw std::bad_alloc();
}

std::span<std::byte> scratch_buffer(std::size_t size, std::size_t alignment) {
    thread_local aligned_buffer buffer;
    if (buffer.size() < size || buffer.alignment() < alignment)
        buffer = aligned_buffer(size, std::max(alignment, page_size()));
    return {buffer.data(), size};
}

} // namespace zc::detail
