// uring — what the io_uring strategies share: a move-only ring and the run-time
// probe "can this process create a ring, and does the kernel know opcode X?".
//
// io_uring can be missing (before 5.1), disabled by the administrator
// (/proc/sys/kernel/io_uring_disabled, 6.6+: 1 = unprivileged users may not,
// 2 = nobody may) or blocked by a seccomp profile (containers): ring creation
// then fails with EPERM or ENOSYS, and the error says which sysctl value was
// in force so the user sees why.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "zerocopy/error.hpp"

// Test-only seam for fault injection (docs/fault-injection.md). liburing
// enters the kernel with raw syscalls, so these cannot be interposed like the
// libc calls: the fault-injection test binary defines them, nothing else does.
// Weak and undefined everywhere else, so in the library and in zc each costs
// one comparison with null. before_submit may rewrite the SQEs queued on the
// ring (shorter lengths, a NOP in place of a request); on_completion may
// rewrite the res of a CQE before a strategy reads it.
extern "C" {
[[gnu::weak]] void zc_fault_uring_before_submit(io_uring* ring);
[[gnu::weak]] void zc_fault_uring_on_completion(io_uring* ring, io_uring_cqe* cqe);
}

namespace zc::detail {

// Move-only owner of an io_uring instance (io_uring_queue_init, closed with
// io_uring_queue_exit). The io_uring struct lives on the heap, so a move never
// relocates what liburing set up.
class uring {
public:
    // A ring with `entries` submission entries. On failure: the errno of
    // io_uring_queue_init, with the io_uring_disabled sysctl when it is set.
    static std::expected<uring, error> create(unsigned entries);
    // The same with io_uring_queue_init_params (flags, CQ size); `params` is
    // filled with what the kernel set up (features, real sizes).
    static std::expected<uring, error> create(unsigned entries, io_uring_params& params);

    io_uring* get() const noexcept { return ring_.get(); }

    // Submits what is queued and waits for `wait_for` completions, retrying
    // EINTR. Returns what io_uring_submit_and_wait returns (negative errno on
    // failure); every attempt is added to `syscalls`.
    int submit_and_wait(unsigned wait_for, std::uint64_t& syscalls) noexcept;

    // The next completion into *cqe (release it with seen()): 0, or -EAGAIN
    // when none is in and `wait` is false, or another negative errno. Waits
    // (io_uring_wait_cqe, added to `syscalls`) only when `wait`; EINTR retried.
    int next_completion(io_uring_cqe** cqe, bool wait, std::uint64_t& syscalls) noexcept;

    void seen(io_uring_cqe* cqe) noexcept { io_uring_cqe_seen(ring_.get(), cqe); }

private:
    struct queue_exit {
        void operator()(io_uring* ring) const noexcept;
    };
    explicit uring(std::unique_ptr<io_uring, queue_exit> ring) noexcept : ring_(std::move(ring)) {}

    std::unique_ptr<io_uring, queue_exit> ring_;
};

// Run-time probe for a strategy named `who` that needs `opcode` (spelled
// `opcode_name` in messages): nullopt when a ring can be created and the
// kernel supports the opcode; otherwise why not — the ring's errno with the
// io_uring_disabled sysctl, or EOPNOTSUPP naming the missing opcode.
std::optional<error> probe_uring_opcode(std::string_view who, io_uring_op opcode, std::string_view opcode_name);

} // namespace zc::detail
