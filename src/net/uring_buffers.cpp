#include "net/uring_buffers.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace zc::net {

namespace {

std::size_t round_up_to_page(std::size_t n) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return (n + page - 1) / page * page;
}

} // namespace

std::expected<uring_buffers, error> uring_buffers::create(io_uring* ring, std::uint16_t group, unsigned count,
                                                          unsigned size) {
    if (count == 0 || (count & (count - 1)) != 0 || count > 32768)
        return std::unexpected(error::from_errno(EINVAL, "provided buffers: count must be a power of two"));
    // The ring's entries first (page aligned, as the kernel wants), then the buffers.
    const std::size_t ring_bytes = round_up_to_page(sizeof(io_uring_buf) * count);
    const std::size_t total = ring_bytes + std::size_t{count} * size;
    void* mapping = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return std::unexpected(error::from_errno(errno, "mmap (provided buffers)"));
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(mapping);
    reg.ring_entries = count;
    reg.bgid = group;
    if (const int r = io_uring_register_buf_ring(ring, &reg, 0); r < 0) {
        ::munmap(mapping, total);
        return std::unexpected(error::from_errno(-r, "io_uring_register_buf_ring (Linux 5.19+)"));
    }
    uring_buffers out(ring, group, count, size, mapping, total);
    io_uring_buf_ring_init(out.entries_);
    const int mask = io_uring_buf_ring_mask(count);
    for (unsigned id = 0; id < count; ++id)
        io_uring_buf_ring_add(out.entries_, out.base_ + std::size_t{id} * size, size, static_cast<unsigned short>(id),
                              mask, static_cast<int>(id));
    io_uring_buf_ring_advance(out.entries_, static_cast<int>(count));
    return out;
}

uring_buffers::uring_buffers(io_uring* ring, std::uint16_t group, unsigned count, unsigned size, void* mapping,
                             std::size_t mapping_size) noexcept
    : ring_(ring), group_(group), count_(count), size_(size), mapping_(mapping), mapping_size_(mapping_size),
      entries_(static_cast<io_uring_buf_ring*>(mapping)),
      base_(static_cast<std::byte*>(mapping) + round_up_to_page(sizeof(io_uring_buf) * count)) {}

uring_buffers::uring_buffers(uring_buffers&& other) noexcept
    : ring_(other.ring_), group_(other.group_), count_(other.count_), size_(other.size_),
      mapping_(std::exchange(other.mapping_, nullptr)), mapping_size_(other.mapping_size_), entries_(other.entries_),
      base_(other.base_) {}

uring_buffers::~uring_buffers() {
    if (!mapping_) return;
    io_uring_unregister_buf_ring(ring_, group_);
    ::munmap(mapping_, mapping_size_);
}

void uring_buffers::give_back(std::uint16_t id) noexcept {
    io_uring_buf_ring_add(entries_, base_ + std::size_t{id} * size_, size_, id, io_uring_buf_ring_mask(count_), 0);
    io_uring_buf_ring_advance(entries_, 1);
}

} // namespace zc::net
