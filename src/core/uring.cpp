#include "core/uring.hpp"

#include <cerrno>
#include <fstream>
#include <string>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace zc::detail {
namespace {

// liburing maps and unmaps its rings with raw syscalls, which ThreadSanitizer
// does not see: when one thread's ring is unmapped and another thread's new
// ring lands at the same address, TSan takes the new ring's first writes for
// a race with the dead one's (make test-tsan, serve.every_file_to_socket_strategy).
// The kernel orders that munmap before that mmap; these tell TSan so. No-ops
// outside TSan builds.
[[maybe_unused]] char ring_mappings;
void ring_unmapping() noexcept {
#if defined(__SANITIZE_THREAD__)
    __tsan_release(&ring_mappings);
#endif
}
void ring_mapped() noexcept {
#if defined(__SANITIZE_THREAD__)
    __tsan_acquire(&ring_mappings);
#endif
}

// Why io_uring_queue_init said no, with the sysctl that usually explains it.
error ring_error(int errno_value) {
    std::string context = "io_uring_queue_init";
    int disabled = 0;
    if (std::ifstream sysctl("/proc/sys/kernel/io_uring_disabled"); sysctl >> disabled && disabled != 0)
        context += " (/proc/sys/kernel/io_uring_disabled = " + std::to_string(disabled) + ")";
    return error::from_errno(errno_value, context);
}

} // namespace

void uring::queue_exit::operator()(io_uring* ring) const noexcept {
    ring_unmapping();
    io_uring_queue_exit(ring);
    delete ring;
}

std::expected<uring, error> uring::create(unsigned entries) {
    auto ring = std::make_unique<io_uring>();
    if (int r = io_uring_queue_init(entries, ring.get(), 0); r < 0) return std::unexpected(ring_error(-r));
    ring_mapped();
    return uring(std::unique_ptr<io_uring, queue_exit>(ring.release()));
}

std::expected<uring, error> uring::create(unsigned entries, io_uring_params& params) {
    auto ring = std::make_unique<io_uring>();
    if (int r = io_uring_queue_init_params(entries, ring.get(), &params); r < 0) return std::unexpected(ring_error(-r));
    ring_mapped();
    return uring(std::unique_ptr<io_uring, queue_exit>(ring.release()));
}

int uring::submit_and_wait(unsigned wait_for, std::uint64_t& syscalls) noexcept {
    if (zc_fault_uring_before_submit) zc_fault_uring_before_submit(ring_.get());
    int submitted;
    do {
        submitted = io_uring_submit_and_wait(ring_.get(), wait_for);
        ++syscalls;
    } while (submitted == -EINTR);
    return submitted;
}

int uring::next_completion(io_uring_cqe** cqe, bool wait, std::uint64_t& syscalls) noexcept {
    for (;;) {
        int r = io_uring_peek_cqe(ring_.get(), cqe);
        if (r == -EAGAIN && wait) {
            r = io_uring_wait_cqe(ring_.get(), cqe);
            ++syscalls;
            if (r == -EINTR) continue;
        }
        if (r == 0 && zc_fault_uring_on_completion) zc_fault_uring_on_completion(ring_.get(), *cqe);
        return r;
    }
}

std::optional<error> probe_uring_opcode(std::string_view who, io_uring_op opcode, std::string_view opcode_name) {
    auto ring = uring::create(2);
    if (!ring) return ring.error().wrap(who);
    // io_uring_get_probe_ring is 5.6+; an older kernel lacks the opcodes we need too.
    io_uring_probe* ops = io_uring_get_probe_ring(ring->get());
    const bool supported = ops && io_uring_opcode_supported(ops, opcode);
    if (ops) io_uring_free_probe(ops);
    if (!supported)
        return error::from_errno(EOPNOTSUPP, std::string(who) + ": this kernel's io_uring has no " +
                                                 std::string(opcode_name));
    return std::nullopt;
}

} // namespace zc::detail
