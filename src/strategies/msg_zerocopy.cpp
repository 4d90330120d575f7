// msg-zerocopy: send(2) with MSG_ZEROCOPY (Linux 4.14+ for TCP) from a mapping
// of the source, completions read from the socket's error queue
// (Documentation/networking/msg_zerocopy.rst). The NIC reads the file's
// page-cache pages; the kernel tells us when it no longer needs them.
//
// Needs SO_ZEROCOPY on the sink, which open() sets on the caller's socket (it
// stays set: it only permits MSG_ZEROCOPY, plain sends are unchanged). A
// kernel or socket without it says ENOPROTOOPT or EOPNOTSUPP, both reported
// as EOPNOTSUPP, a refusal `auto` answers with the next strategy.
//
// The file is mapped in windows (transfer_options::mmap_window) and sent in
// pieces of chunk_size, 1 MiB by default: zero-copy only pays above ~10 KiB
// per send, and every byte in flight is pinned and charged to RLIMIT_MEMLOCK
// (8 MiB by default; past it sends fail with ENOBUFS), so 1 MiB sends keep a
// few of them in flight without running into that limit.
//
// Each successful send gets the next 32-bit id; the error queue returns
// sock_extended_err entries with ee_origin SO_EE_ORIGIN_ZEROCOPY covering ids
// ee_info..ee_data, with ee_code SO_EE_CODE_ZEROCOPY_COPIED when the kernel
// copied after all (always on loopback). stats: zerocopy_sends counts
// completed sends, zerocopy_copied those of them copied. Completions are read
// with recvmsg(MSG_ERRQUEUE | MSG_DONTWAIT) and waited for with poll(2),
// which reports POLLERR while the error queue holds an entry. Entries that are
// not zero-copy completions (the caller's IP_RECVERR errors) are consumed too.
//
// Bytes are accounted as soon as send(2) returns; `done` comes only once
// every completion is in and the source still holds the range, and no window
// is unmapped before its completions are in (the loop, the shrink check and
// the window handling are strategies/mapped_source.hpp's, shared with
// uring-send-zc). EFAULT from send means the kernel faulted on the mapping
// and gets the same check. An abandoned transfer does not wait: the kernel
// holds its own references to the pages it pinned.
//
// Non-blocking sinks: EAGAIN is step::sink_blocked. ENOBUFS (optmem_max for
// the notifications, or RLIMIT_MEMLOCK) means too much is in flight: wait for
// completions (a non-blocking sink returns sink_blocked when none are in) and
// send again. When only completions are left, a non-blocking step returns
// sink_blocked; poll(POLLOUT) on the sink also wakes on POLLERR, but may wake
// before the completions arrive and spin until they do.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h> // before <linux/errqueue.h>, which uses struct timespec
#include <unistd.h>

#include <linux/errqueue.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/io.hpp"
#include "strategies/mapped_source.hpp"
#include "strategies/strategy.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::detail {
namespace {

class msg_zerocopy_mover final : public zero_copy_sender {
public:
    msg_zerocopy_mover() : zero_copy_sender("msg-zerocopy") {}

private:
    std::uint32_t outstanding() const noexcept { return issued_ - completed_; }

    // One send(MSG_ZEROCOPY): bytes sent; 0 after ENOBUFS once completions
    // made room; -1 when a non-blocking sink is full.
    std::expected<std::int64_t, error> send_zero_copy(transfer_context& ctx, const std::byte* data,
                                                      std::size_t n) override {
        const int flags = MSG_ZEROCOPY | MSG_NOSIGNAL | (ctx.sink.nonblocking() ? MSG_DONTWAIT : 0);
        const ssize_t r = retry_on_eintr([&] {
            ctx.count_syscall();
            return ::send(ctx.sink.fd, data, n, flags);
        });
        if (r > 0) {
            ++issued_;
            return r;
        }
        const int e = r < 0 ? errno : EIO;
        if (would_block(e)) return -1;
        if (e == ENOBUFS && outstanding() > 0) {
            const std::uint32_t before = completed_;
            if (ctx.sink.nonblocking()) {
                if (auto read = collect_completions(ctx); !read) return std::unexpected(read.error());
            } else if (auto waited = wait_for_completion(ctx); !waited) {
                return std::unexpected(waited.error());
            }
            if (completed_ == before) return -1; // wait for POLLERR/POLLOUT
            return 0;
        }
        return std::unexpected(send_error(ctx, e, "send(MSG_ZEROCOPY)", n));
    }

    bool completions_outstanding() const noexcept override { return outstanding() > 0; }

    // Reads every completion in the error queue, without waiting.
    std::expected<void, error> collect_completions(transfer_context& ctx) override {
        if (outstanding() == 0) return {};
        for (;;) {
            alignas(cmsghdr) char control[128];
            msghdr msg{};
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            const ssize_t r = retry_on_eintr([&] {
                ctx.count_syscall();
                return ::recvmsg(ctx.sink.fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
            });
            if (r < 0) {
                if (would_block(errno)) return {};
                return std::unexpected(syscall_error(errno, "recvmsg(MSG_ERRQUEUE)", ctx));
            }
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                const bool recverr = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                                     (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
                if (!recverr) continue;
                sock_extended_err err;
                std::memcpy(&err, CMSG_DATA(c), sizeof err);
                if (err.ee_origin != SO_EE_ORIGIN_ZEROCOPY || err.ee_errno != 0) continue;
                const std::uint32_t count = err.ee_data - err.ee_info + 1; // ids lo..hi, mod 2^32
                completed_ += count;
                ctx.stats->zerocopy_sends += count;
                if (err.ee_code & SO_EE_CODE_ZEROCOPY_COPIED) ctx.stats->zerocopy_copied += count;
            }
        }
    }

    // Blocks until at least one more completion is in.
    std::expected<void, error> wait_for_completion(transfer_context& ctx) override {
        const std::uint32_t before = completed_;
        bool hung_up = false;
        while (completed_ == before && outstanding() > 0) {
            // events 0: poll still reports POLLERR (error queue not empty).
            // After POLLHUP it would report that at once forever: nap instead.
            pollfd p{ctx.sink.fd, 0, 0};
            const int r = retry_on_eintr([&] {
                ctx.count_syscall();
                return ::poll(&p, 1, hung_up ? 10 : -1);
            });
            if (r < 0) return std::unexpected(syscall_error(errno, "poll(POLLERR)", ctx));
            if (p.revents & POLLNVAL) return std::unexpected(syscall_error(EBADF, "poll(POLLERR)", ctx));
            if (p.revents & POLLHUP) hung_up = true;
            if (auto read = collect_completions(ctx); !read) return std::unexpected(read.error());
        }
        return {};
    }

    std::uint32_t issued_ = 0;    // successful MSG_ZEROCOPY sends (ids, mod 2^32)
    std::uint32_t completed_ = 0; // of those, completions read
};

std::expected<void, error> enable_zerocopy(int fd, const char* what) {
    const int on = 1;
    if (::setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &on, sizeof on) == 0) return {};
    const int e = errno;
    const std::string context = std::string("msg-zerocopy: setsockopt(") + what + ", SO_ZEROCOPY)";
    if (e == ENOPROTOOPT || e == EOPNOTSUPP)
        return std::unexpected(
            error::from_errno(EOPNOTSUPP, context + ": " + std::error_code(e, std::system_category()).message()));
    return std::unexpected(error::from_errno(e, context));
}

std::optional<std::string> refuses(const endpoint& source, const endpoint& sink) {
    if (source.kind != fd_kind::regular_file) return "msg-zerocopy needs a regular file as its source";
    if (sink.kind != fd_kind::tcp_socket) return "msg-zerocopy sends to TCP sockets only";
    return std::nullopt;
}

std::optional<error> probe() {
    unique_fd throwaway(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!throwaway) return error::from_errno(errno, "msg-zerocopy: socket(AF_INET, SOCK_STREAM)");
    if (auto ok = enable_zerocopy(throwaway.get(), "probe socket"); !ok) return ok.error();
    return std::nullopt;
}

std::expected<std::unique_ptr<mover>, error> open(transfer_context& ctx) {
    if (auto ok = accept_unsized_source(ctx, "msg-zerocopy"); !ok) return std::unexpected(ok.error());
    ctx.count_syscall();
    if (auto ok = enable_zerocopy(ctx.sink.fd, "sink"); !ok) return std::unexpected(ok.error());
    return std::make_unique<msg_zerocopy_mover>();
}

} // namespace

constexpr tuning_trial msg_zerocopy_trials[] = {
    {knob_id::chunk_size, {256 * kib, 4 * mib}, zero_copy_sender::default_send},
};

extern const strategy_ops msg_zerocopy_ops{
    .id = strategy_id::msg_zerocopy,
    .name = "msg-zerocopy",
    .summary = "send(2) MSG_ZEROCOPY from an mmap(2) window, completions from the error queue (MSG_ERRQUEUE)",
    .serves = "regular file → TCP socket",
    .refuses = refuses,
    .probe = probe,
    .open = open,
    .tuning_trials = msg_zerocopy_trials,
    .cost_model = "2 copies / 0 by CPU (SG-DMA), 2 switches + completions",
};

} // namespace zc::detail
