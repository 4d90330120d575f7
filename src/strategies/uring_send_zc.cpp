// uring-send-zc: io_uring IORING_OP_SEND_ZC (Linux 6.0+) from a mapping of the
// source: the NIC reads the file's page-cache pages directly, no CPU copy.
//
// The file is mapped in windows (transfer_options::mmap_window) and sent in
// pieces of chunk_size, 1 MiB by default: zero-copy only pays above ~10 KiB
// per send (Documentation/networking/msg_zerocopy.rst), each send pins its
// pages until the peer acknowledges them, and 1 MiB keeps that pinned amount
// and the per-send cost (one io_uring_enter, one notification) both small.
// One send is in flight at a time: two sends on one stream socket may
// interleave when the first is short, and resending the rest of a short send
// in order is what keeps the stream byte-exact.
//
// Every send CQE flagged IORING_CQE_F_MORE is followed, once the kernel has
// released the pages (on TCP: when the peer has acknowledged them), by a
// notification CQE (IORING_CQE_F_NOTIF). With IORING_SEND_ZC_REPORT_USAGE
// (6.2+) its res carries IORING_NOTIF_USAGE_ZC_COPIED when the kernel copied
// after all — always on loopback, which copies into the receiving socket.
// stats: zerocopy_sends counts notified sends that moved bytes, and
// zerocopy_copied those of them that were copied.
//
// Bytes are accounted as soon as their send completes; `done` comes only once
// every notification is in and the source still holds the range, and no
// window is unmapped before its notifications are in (the loop, the shrink
// check and the window handling are strategies/mapped_source.hpp's, shared
// with msg-zerocopy). EFAULT from a send means the kernel faulted on the
// mapping — past the end of a truncated file — and is checked the same way.
// An abandoned transfer (error, fallback) does not wait; the ring's teardown
// reaps the late notifications.
//
// Non-blocking sinks, measured on 6.18: IORING_OP_SEND_ZC on a full O_NONBLOCK
// socket is parked (poll-armed) until POLLOUT unless MSG_DONTWAIT is passed,
// which would hang a step(). So non-blocking sinks send with MSG_DONTWAIT: a
// full socket completes at once with -EAGAIN (plus a notification) and the
// step returns sink_blocked. Notifications are reaped without waiting on
// those sinks; when only notifications are left (window change, end), the
// step returns sink_blocked and finishes when called again — the engine
// waits for POLLOUT, which does not track notifications, so that wait may
// spin until the peer has acknowledged the last bytes (see the report about
// letting a mover name the ring fd to wait on).
//
// Probe (core/uring): a ring (EPERM/ENOSYS where io_uring is disabled) and
// IORING_OP_SEND_ZC in io_uring_get_probe.
#include <liburing.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <unordered_set>

#include "core/uring.hpp"
#include "strategies/mapped_source.hpp"
#include "strategies/strategy.hpp"

#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3) // liburing 2.3 predates it (kernel 6.2)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

namespace zc::detail {
namespace {

class uring_send_zc_mover final : public zero_copy_sender {
public:
    explicit uring_send_zc_mover(uring ring) : zero_copy_sender("uring-send-zc"), ring_(std::move(ring)) {}

    ~uring_send_zc_mover() override {
        // Abandoned mid-way: collect what is in, wait for nothing (see top).
        io_uring_cqe* cqe;
        while (pending_notifications_ > 0 && io_uring_peek_cqe(ring_.get(), &cqe) == 0) {
            if (cqe->flags & IORING_CQE_F_NOTIF) --pending_notifications_;
            ring_.seen(cqe);
        }
    }

private:
    // One IORING_OP_SEND_ZC; bytes sent, or -1 when a non-blocking sink is full.
    std::expected<std::int64_t, error> send_zero_copy(transfer_context& ctx, const std::byte* data,
                                                      std::size_t n) override {
        const bool nonblocking = ctx.sink.nonblocking();
        for (;;) {
            io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
            io_uring_prep_send_zc(sqe, ctx.sink.fd, data, n, MSG_NOSIGNAL | (nonblocking ? MSG_DONTWAIT : 0),
                                  IORING_SEND_ZC_REPORT_USAGE);
            sqe->user_data = ++last_send_;
            if (int submitted = ring_.submit_and_wait(1, ctx.stats->syscalls); submitted < 0)
                return std::unexpected(syscall_error(-submitted, "io_uring_submit_and_wait", ctx));
            send_result_.reset();
            while (!send_result_)
                if (auto reaped = reap(ctx, true); !reaped) return std::unexpected(reaped.error());
            const int res = *send_result_;
            if (res >= 0) return res;
            if (res == -EINTR) continue;
            if (res == -EAGAIN && nonblocking) return -1;
            return std::unexpected(send_error(ctx, -res, "IORING_OP_SEND_ZC", n));
        }
    }

    std::expected<void, error> collect_completions(transfer_context& ctx) override { return reap(ctx, false); }
    std::expected<void, error> wait_for_completion(transfer_context& ctx) override { return reap(ctx, true); }
    bool completions_outstanding() const noexcept override { return pending_notifications_ > 0; }

    // Handles the CQEs that are in (wait: at least one, waiting if need be).
    std::expected<void, error> reap(transfer_context& ctx, bool wait) {
        io_uring_cqe* cqe = nullptr;
        for (;;) {
            const int r = ring_.next_completion(&cqe, wait, ctx.stats->syscalls);
            if (r == -EAGAIN && !wait) return {};
            if (r < 0) return std::unexpected(syscall_error(-r, "io_uring_wait_cqe", ctx));
            wait = false;
            const std::uint64_t id = cqe->user_data;
            if (cqe->flags & IORING_CQE_F_NOTIF) {
                --pending_notifications_;
                if (moved_bytes_.erase(id)) {
                    ++ctx.stats->zerocopy_sends;
                    if (static_cast<std::uint32_t>(cqe->res) & IORING_NOTIF_USAGE_ZC_COPIED)
                        ++ctx.stats->zerocopy_copied;
                }
            } else {
                if (cqe->flags & IORING_CQE_F_MORE) {
                    ++pending_notifications_;
                    if (cqe->res > 0) moved_bytes_.insert(id);
                }
                if (id == last_send_) send_result_ = cqe->res;
            }
            ring_.seen(cqe);
        }
    }

    uring ring_;
    std::uint64_t last_send_ = 0;           // user_data of the latest send
    std::optional<int> send_result_;        // its res, once its CQE is in
    std::unordered_set<std::uint64_t> moved_bytes_; // sends that moved bytes, notification not yet in
    std::int64_t pending_notifications_ = 0;
};

std::optional<std::string> refuses(const endpoint& source, const endpoint& sink) {
    if (source.kind != fd_kind::regular_file) return "uring-send-zc needs a regular file as its source";
    if (sink.kind != fd_kind::tcp_socket) return "uring-send-zc sends to TCP sockets only";
    return std::nullopt;
}

std::optional<error> probe() { return probe_uring_opcode("uring-send-zc", IORING_OP_SEND_ZC, "IORING_OP_SEND_ZC"); }

std::expected<std::unique_ptr<mover>, error> open(transfer_context& ctx) {
    if (auto ok = accept_unsized_source(ctx, "uring-send-zc"); !ok) return std::unexpected(ok.error());
    auto ring = uring::create(std::max(2u, ctx.options->uring_depth));
    ctx.count_syscall();
    if (!ring) return std::unexpected(ring.error());
    return std::make_unique<uring_send_zc_mover>(std::move(*ring));
}

} // namespace

constexpr tuning_trial uring_send_zc_trials[] = {
    {knob_id::uring_depth, {2, 32}},
    {knob_id::chunk_size, {256 * kib}, zero_copy_sender::default_send},
};

extern const strategy_ops uring_send_zc_ops{
    .id = strategy_id::uring_send_zc,
    .name = "uring-send-zc",
    .summary = "io_uring IORING_OP_SEND_ZC from an mmap(2) window, notifications reaped before unmapping",
    .serves = "regular file → TCP socket",
    .refuses = refuses,
    .probe = probe,
    .open = open,
    .tuning_trials = uring_send_zc_trials,
    .cost_model = "2 copies / 0 by CPU (SG-DMA), batched submits",
};

} // namespace zc::detail
