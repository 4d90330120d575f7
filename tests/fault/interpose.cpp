// The fault-injection seam (docs/fault-injection.md): this test binary defines
// the libc entry points the engine calls, so the static libzerocopy linked
// into it calls these instead of libc's. Each asks the thread's fault plan
// (fault_plan.hpp) and then fails the call, shortens it, or forwards it to the
// next definition (libc, or the sanitizer's interceptor) via dlsym(RTLD_NEXT).
// Without an active plan on the calling thread a call is forwarded unchanged.
//
// liburing enters the kernel with raw syscalls, so io_uring requests are
// faulted through the weak hooks of src/core/uring.hpp instead: before a
// submit, a request may be shortened (a real short splice or send) or
// replaced by a NOP whose completion then reports the chosen error; the
// requests linked after a replaced one are replaced too and report
// -ECANCELED, as the kernel does when a link fails.
#include <dlfcn.h>
#include <fcntl.h>
#include <liburing.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "fault/fault_plan.hpp"

namespace {

using zc::test::call_kind;
using zc::test::call_site;
using zc::test::fault_decision;

template <class F>
F next_definition(const char* name) {
    void* p = ::dlsym(RTLD_NEXT, name);
    if (!p) std::abort(); // the binary cannot forward: nothing sensible to do
    return reinterpret_cast<F>(p);
}

// True when the call must fail (errno is set); may shorten `length`.
bool plan_fails(const call_site& site, std::size_t& length) {
    zc::test::fault_plan* plan = zc::test::active_fault_plan();
    if (!plan) return false;
    const fault_decision d = plan->decide(site);
    if (d.action == fault_decision::fail) {
        errno = d.errno_value;
        return true;
    }
    if (d.action == fault_decision::shorten) length = d.length;
    return false;
}

// A queued SQE becomes a NOP that completes with `res`, keeping its
// user_data and flags (so a link after it is still a link) except buffer
// selection: a failed receive takes no buffer.
void replace_with_nop(zc::test::fault_plan& plan, io_uring* ring, io_uring_sqe* sqe, int res) {
    const std::uint64_t user_data = sqe->user_data;
    const auto flags = static_cast<std::uint8_t>(sqe->flags & ~IOSQE_BUFFER_SELECT);
    io_uring_prep_nop(sqe);
    sqe->user_data = user_data;
    sqe->flags = flags;
    plan.expect_completion(ring, user_data, res);
}

} // namespace

extern "C" {

ssize_t read(int fd, void* buffer, size_t n) {
    static const auto real = next_definition<decltype(&read)>("read");
    if (plan_fails({call_kind::read, fd, -1, n}, n)) return -1;
    return real(fd, buffer, n);
}

ssize_t write(int fd, const void* buffer, size_t n) {
    static const auto real = next_definition<decltype(&write)>("write");
    if (plan_fails({call_kind::write, -1, fd, n}, n)) return -1;
    return real(fd, buffer, n);
}

ssize_t pread(int fd, void* buffer, size_t n, off_t offset) {
    static const auto real = next_definition<decltype(&pread)>("pread");
    if (plan_fails({call_kind::pread, fd, -1, n}, n)) return -1;
    return real(fd, buffer, n, offset);
}

ssize_t pwrite(int fd, const void* buffer, size_t n, off_t offset) {
    static const auto real = next_definition<decltype(&pwrite)>("pwrite");
    if (plan_fails({call_kind::pwrite, -1, fd, n}, n)) return -1;
    return real(fd, buffer, n, offset);
}

ssize_t send(int fd, const void* buffer, size_t n, int flags) {
    static const auto real = next_definition<decltype(&send)>("send");
    if (plan_fails({call_kind::send, -1, fd, n, (flags & MSG_DONTWAIT) != 0, (flags & MSG_ZEROCOPY) != 0}, n))
        return -1;
    return real(fd, buffer, n, flags);
}

ssize_t recvmsg(int fd, msghdr* message, int flags) {
    static const auto real = next_definition<decltype(&recvmsg)>("recvmsg");
    std::size_t unused = 0;
    if (plan_fails({call_kind::recvmsg, fd, -1, 0, (flags & MSG_DONTWAIT) != 0}, unused)) return -1;
    return real(fd, message, flags);
}

ssize_t sendfile(int out_fd, int in_fd, off_t* offset, size_t n) noexcept {
    static const auto real = next_definition<decltype(&sendfile)>("sendfile");
    if (plan_fails({call_kind::sendfile, in_fd, out_fd, n}, n)) return -1;
    return real(out_fd, in_fd, offset, n);
}

ssize_t splice(int in_fd, loff_t* in_offset, int out_fd, loff_t* out_offset, size_t n, unsigned flags) {
    static const auto real = next_definition<decltype(&splice)>("splice");
    if (plan_fails({call_kind::splice, in_fd, out_fd, n, (flags & SPLICE_F_NONBLOCK) != 0}, n)) return -1;
    return real(in_fd, in_offset, out_fd, out_offset, n, flags);
}

ssize_t copy_file_range(int in_fd, loff_t* in_offset, int out_fd, loff_t* out_offset, size_t n, unsigned flags) {
    static const auto real = next_definition<decltype(&copy_file_range)>("copy_file_range");
    if (plan_fails({call_kind::copy_file_range, in_fd, out_fd, n}, n)) return -1;
    return real(in_fd, in_offset, out_fd, out_offset, n, flags);
}

// The queued, not yet submitted SQEs are sq.sqe_head..sq.sqe_tail.
void zc_fault_uring_before_submit(io_uring* ring) {
    zc::test::fault_plan* plan = zc::test::active_ring_fault_plan();
    if (!plan) return;
    bool cancel_next = false; // the previous request failed and linked to this one
    for (unsigned i = ring->sq.sqe_head; i != ring->sq.sqe_tail; ++i) {
        io_uring_sqe* sqe = &ring->sq.sqes[i & ring->sq.ring_mask];
        const bool linked = (sqe->flags & IOSQE_IO_LINK) != 0;
        if (cancel_next) {
            replace_with_nop(*plan, ring, sqe, -ECANCELED);
            cancel_next = linked;
            continue;
        }
        call_site site{call_kind::uring_splice};
        if (sqe->opcode == IORING_OP_SPLICE) {
            site = {call_kind::uring_splice, sqe->splice_fd_in, sqe->fd, sqe->len,
                    (sqe->splice_flags & SPLICE_F_NONBLOCK) != 0};
        } else if (sqe->opcode == IORING_OP_SEND_ZC) {
            site = {call_kind::uring_send_zc, -1, sqe->fd, sqe->len, (sqe->msg_flags & MSG_DONTWAIT) != 0};
        } else if (sqe->opcode == IORING_OP_SEND) { // the server's responses (net/uring_backend.cpp)
            site = {call_kind::uring_send, -1, sqe->fd, sqe->len, (sqe->msg_flags & MSG_DONTWAIT) != 0};
        } else if (sqe->opcode == IORING_OP_RECV) { // its requests; a shorter len takes part of a buffer
            site = {call_kind::uring_recv, sqe->fd, -1, sqe->len, (sqe->msg_flags & MSG_DONTWAIT) != 0};
        } else {
            continue;
        }
        const fault_decision d = plan->decide(site);
        if (d.action == fault_decision::shorten) sqe->len = static_cast<unsigned>(d.length);
        if (d.action == fault_decision::fail) {
            replace_with_nop(*plan, ring, sqe, -d.errno_value);
            cancel_next = linked;
        }
    }
}

void zc_fault_uring_on_completion(io_uring* ring, io_uring_cqe* cqe) {
    zc::test::fault_plan* plan = zc::test::active_ring_fault_plan();
    if (!plan || (cqe->flags & IORING_CQE_F_NOTIF)) return;
    if (auto res = plan->take_completion(ring, cqe->user_data)) cqe->res = *res;
}

} // extern "C"
