// A seeded, per-thread plan of syscall faults for the fault-injection tests
// (docs/fault-injection.md).
//
// The test binary interposes the libc calls the engine makes (interpose.cpp)
// and the io_uring seam of src/core/uring.hpp (which zc serve's io-uring
// backend passes too). While a fault_scope is alive on
// a thread, each of those calls made by that thread asks the plan whether to
// fail it, and how; on every other thread, and outside a scope, they go
// straight to libc. Only faults the kernel can really return for that call and
// those descriptors are chosen (fault_plan.cpp has the table).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <optional>
#include <string_view>
#include <vector>

namespace zc::test {

// The calls a plan can fail, one per entry point.
enum class call_kind {
    read,
    write,
    pread,
    pwrite,
    send,
    recvmsg,
    sendfile,
    splice,
    copy_file_range,
    uring_splice,  // IORING_OP_SPLICE completions
    uring_send_zc, // IORING_OP_SEND_ZC completions
    uring_send,    // IORING_OP_SEND completions (zc serve's io-uring backend)
    uring_recv,    // IORING_OP_RECV completions (the same, from provided buffers)
    count
};

enum class fault_kind { eintr, eagain, short_count, enospc, eio, econnreset, refusal, enobufs, count };

std::string_view call_name(call_kind c) noexcept;
std::string_view fault_name(fault_kind f) noexcept;
// Faults after which the transfer must still succeed byte-exact.
constexpr bool is_soft(fault_kind f) noexcept {
    return f == fault_kind::eintr || f == fault_kind::eagain || f == fault_kind::short_count;
}

// What the plan knows about one descriptor of a call (fstat + F_GETFL).
struct fd_facts {
    bool regular_file = false;
    bool socket = false;
    bool nonblocking = false;
    bool direct = false; // O_DIRECT: a short count is still a multiple of the block size
    static fd_facts of(int fd) noexcept;
};

// One call as the plan sees it: its kind, the descriptors it reads and writes
// (-1 when none), its length, and whether it was asked not to block.
struct call_site {
    call_kind kind;
    int in_fd = -1;
    int out_fd = -1;
    std::size_t length = 0;
    bool dont_wait = false; // MSG_DONTWAIT, SPLICE_F_NONBLOCK
    bool zero_copy = false; // MSG_ZEROCOPY
};

// The decision for one call: pass it through, fail it with errno_value, or
// pass it through with `length` (shorter than asked).
struct fault_decision {
    enum { pass, fail, shorten } action = pass;
    fault_kind fault = fault_kind::eintr;
    int errno_value = 0;
    std::size_t length = 0;
};

struct fault_counts {
    std::array<std::uint64_t, static_cast<std::size_t>(call_kind::count)> calls{};
    std::array<std::array<std::uint64_t, static_cast<std::size_t>(fault_kind::count)>,
               static_cast<std::size_t>(call_kind::count)>
        faults{};
    std::uint64_t total_faults() const noexcept;
    std::uint64_t hard_faults() const noexcept;
    // ENOSPC, EIO, ECONNRESET: after one of these the transfer must fail.
    std::uint64_t fatal_faults() const noexcept;
    std::uint64_t faults_of(call_kind c) const noexcept;
    fault_counts& operator+=(const fault_counts& other) noexcept;
};

class fault_plan {
public:
    // Each eligible call fails with `probability`; hard faults (ENOSPC, EIO,
    // ECONNRESET, refusals, ENOBUFS) only when `hard` is set.
    fault_plan(std::uint64_t seed, double probability, bool hard) : random_(seed), probability_(probability), hard_(hard) {}

    // Also fail the nth call (1-based) of `kind` with errno_value, whatever
    // the probability: for deterministic regression tests.
    void fail_nth(call_kind kind, std::uint64_t nth, int errno_value);

    fault_decision decide(const call_site& site);
    const fault_counts& counts() const noexcept { return counts_; }

    // io_uring: a request replaced by a NOP completes with `res` instead.
    void expect_completion(const void* ring, std::uint64_t user_data, int res);
    // The res to report for this completion, if it was faked.
    std::optional<int> take_completion(const void* ring, std::uint64_t user_data);

private:
    struct faked_completion {
        const void* ring;
        std::uint64_t user_data;
        int res;
    };
    std::vector<faked_completion> faked_;
    struct scripted_failure {
        call_kind kind;
        std::uint64_t nth;
        int errno_value;
    };
    std::vector<scripted_failure> script_;
    std::mt19937_64 random_;
    double probability_;
    bool hard_;
    fault_counts counts_;
};

// Makes `plan` the active plan of this thread for the scope's lifetime.
class fault_scope {
public:
    explicit fault_scope(fault_plan& plan) noexcept;
    ~fault_scope();
    fault_scope(const fault_scope&) = delete;
    fault_scope& operator=(const fault_scope&) = delete;
};

// Makes `plan` the plan of every thread's io_uring requests (not their libc
// calls) that has no fault_scope of its own: for a server whose worker
// threads the test does not run. The plan is not thread-safe: one thread
// with rings (one worker) at a time.
class ring_fault_scope {
public:
    explicit ring_fault_scope(fault_plan& plan) noexcept;
    ~ring_fault_scope();
    ring_fault_scope(const ring_fault_scope&) = delete;
    ring_fault_scope& operator=(const ring_fault_scope&) = delete;
};

// The plan active on this thread, or nullptr.
fault_plan* active_fault_plan() noexcept;
// For io_uring requests: this thread's plan, else the ring_fault_scope's.
fault_plan* active_ring_fault_plan() noexcept;

} // namespace zc::test
