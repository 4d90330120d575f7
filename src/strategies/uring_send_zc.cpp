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
// Every notification is in before a window is unmapped and before `done`.
// The bytes of the send that completes the range are accounted only then:
// the engine ends a transfer whose bytes are all accounted without calling
// the mover again, so accounting them at once would skip the last wait and
// the size check (they are accounted before any error is returned: they are
// in the socket). Then the source is fstat'ed: pages a truncation removed from the file may
// have gone out as zeroes, so a file that now ends before the range does is
// errc::source_shrank. EFAULT from a send means the kernel faulted on the
// mapping — past the end of a truncated file — and gets the same check. An
// abandoned transfer (error, fallback) does not wait: the pinned pages hold
// their own references, so unmapping our read-only view under them is safe;
// the ring's teardown reaps the late notifications.
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
// Probe: a ring (EPERM/ENOSYS where io_uring is disabled) and
// IORING_OP_SEND_ZC in io_uring_get_probe.
#include <liburing.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <unordered_set>
#include <utility>

#include "strategies/strategy.hpp"
#include "zerocopy/mapped_file.hpp"

#ifndef IORING_SEND_ZC_REPORT_USAGE
#define IORING_SEND_ZC_REPORT_USAGE (1U << 3) // liburing 2.3 predates it (kernel 6.2)
#endif
#ifndef IORING_NOTIF_USAGE_ZC_COPIED
#define IORING_NOTIF_USAGE_ZC_COPIED (1U << 31)
#endif

namespace zc::detail {
namespace {

constexpr std::size_t default_send = 1u << 20;

error ring_error(int errno_value, std::string_view what) {
    std::string context(what);
    int disabled = 0;
    if (std::ifstream sysctl("/proc/sys/kernel/io_uring_disabled"); sysctl >> disabled && disabled != 0)
        context += " (/proc/sys/kernel/io_uring_disabled = " + std::to_string(disabled) + ")";
    return error::from_errno(errno_value, context);
}

// Owner of an io_uring instance (the same small type as in uring_splice.cpp).
class uring {
public:
    static std::expected<std::unique_ptr<uring>, error> create(unsigned depth) {
        auto ring = std::unique_ptr<uring>(new uring);
        if (int r = io_uring_queue_init(depth, &ring->ring_, 0); r < 0)
            return std::unexpected(ring_error(-r, "io_uring_queue_init"));
        ring->live_ = true;
        return ring;
    }
    uring(const uring&) = delete;
    uring& operator=(const uring&) = delete;
    ~uring() {
        if (live_) io_uring_queue_exit(&ring_);
    }
    io_uring* get() noexcept { return &ring_; }

private:
    uring() = default;
    io_uring ring_{};
    bool live_ = false;
};

class uring_send_zc_mover final : public mover {
public:
    explicit uring_send_zc_mover(std::unique_ptr<uring> ring) : ring_(std::move(ring)) {}

    ~uring_send_zc_mover() override {
        // Abandoned mid-way: collect what is in, wait for nothing (see top).
        io_uring_cqe* cqe;
        while (pending_notifications_ > 0 && io_uring_peek_cqe(ring_->get(), &cqe) == 0) {
            if (cqe->flags & IORING_CQE_F_NOTIF) --pending_notifications_;
            io_uring_cqe_seen(ring_->get(), cqe);
        }
    }

    step_result move(transfer_context& ctx) override {
        const std::size_t cap = ctx.options->chunk_size ? ctx.options->chunk_size : default_send;
        for (;;) {
            if (auto reaped = reap(ctx, false); !reaped) return fail(ctx, reaped.error());
            if (held_ > 0 || ctx.complete()) { // everything is with the kernel
                auto settled = settle(ctx);
                if (!settled) return fail(ctx, settled.error());
                if (!*settled) return step::sink_blocked; // notifications outstanding
                window_ = mapped_file();
                release_held(ctx);
                if (auto ok = check_source_size(ctx, ctx.position, nullptr); !ok) return std::unexpected(ok.error());
                return step::done;
            }
            if (ctx.position < window_start_ || ctx.position >= window_start_ + window_.size()) {
                auto settled = settle(ctx);
                if (!settled) return std::unexpected(settled.error());
                if (!*settled) return step::sink_blocked;
                if (auto mapped = map_window(ctx); !mapped) return std::unexpected(mapped.error());
            }
            const std::size_t offset = static_cast<std::size_t>(ctx.position - window_start_);
            const std::size_t n = std::min(window_.size() - offset, ctx.next_chunk(cap));
            auto sent = send(ctx, window_.bytes().data() + offset, n);
            if (!sent) return std::unexpected(sent.error());
            if (*sent < 0) return step::sink_blocked;
            // The send that completes the range is accounted only once every
            // notification is in: the engine ends a transfer whose bytes are
            // all accounted without asking the mover again.
            if (static_cast<std::uint64_t>(*sent) == ctx.remaining())
                held_ = static_cast<std::uint64_t>(*sent);
            else
                ctx.advance(static_cast<std::uint64_t>(*sent));
        }
    }

private:
    void release_held(transfer_context& ctx) {
        if (held_ > 0) ctx.advance(std::exchange(held_, 0));
    }

    step_result fail(transfer_context& ctx, error e) {
        release_held(ctx); // those bytes are in the socket
        return std::unexpected(std::move(e));
    }

    // One IORING_OP_SEND_ZC; bytes sent, or -1 when a non-blocking sink is full.
    std::expected<int, error> send(transfer_context& ctx, const std::byte* data, std::size_t n) {
        const bool nonblocking = ctx.sink.nonblocking();
        for (;;) {
            io_uring_sqe* sqe = io_uring_get_sqe(ring_->get());
            io_uring_prep_send_zc(sqe, ctx.sink.fd, data, n, MSG_NOSIGNAL | (nonblocking ? MSG_DONTWAIT : 0),
                                  IORING_SEND_ZC_REPORT_USAGE);
            sqe->user_data = ++last_send_;
            int submitted;
            do {
                submitted = io_uring_submit_and_wait(ring_->get(), 1);
                ctx.count_syscall();
            } while (submitted == -EINTR);
            if (submitted < 0) return std::unexpected(syscall_error(-submitted, "io_uring_submit_and_wait", ctx));
            send_result_.reset();
            while (!send_result_)
                if (auto reaped = reap(ctx, true); !reaped) return std::unexpected(reaped.error());
            const int res = *send_result_;
            if (res >= 0) return res;
            if (res == -EINTR) continue;
            if (res == -EAGAIN && nonblocking) return -1;
            error e = syscall_error(-res, "IORING_OP_SEND_ZC", ctx);
            if (res == -EFAULT) { // the kernel faulted on the mapping: did the file shrink?
                const std::uint64_t end = ctx.total ? ctx.position + ctx.remaining() : ctx.position + n;
                if (auto ok = check_source_size(ctx, end, &e); !ok) return std::unexpected(ok.error());
            }
            return std::unexpected(e);
        }
    }

    // Handles the CQEs that are in (wait: at least one, waiting if need be).
    std::expected<void, error> reap(transfer_context& ctx, bool wait) {
        io_uring_cqe* cqe = nullptr;
        for (;;) {
            int r = io_uring_peek_cqe(ring_->get(), &cqe);
            if (r == -EAGAIN) {
                if (!wait) return {};
                r = io_uring_wait_cqe(ring_->get(), &cqe);
                ctx.count_syscall();
                if (r == -EINTR) continue;
            }
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
            io_uring_cqe_seen(ring_->get(), cqe);
        }
    }

    // All notifications in? Waits for them on a blocking sink; on a
    // non-blocking one returns false when some are still out.
    std::expected<bool, error> settle(transfer_context& ctx) {
        while (pending_notifications_ > 0) {
            if (ctx.sink.nonblocking()) return false;
            if (auto reaped = reap(ctx, true); !reaped) return std::unexpected(reaped.error());
        }
        return true;
    }

    std::expected<void, error> map_window(transfer_context& ctx) {
        window_ = mapped_file();
        const std::size_t length =
            static_cast<std::size_t>(std::min<std::uint64_t>(ctx.options->mmap_window, ctx.remaining()));
        auto mapped = mapped_file::map(ctx.source.fd, ctx.position, length);
        ctx.count_syscall(2);
        if (!mapped) return std::unexpected(mapped.error().wrap("uring-send-zc window"));
        window_ = std::move(*mapped);
        window_.advise(POSIX_MADV_SEQUENTIAL);
        window_start_ = ctx.position;
        return {};
    }

    // source_shrank when the file now ends before `end`; otherwise `otherwise`
    // (nullptr: fine).
    static std::expected<void, error> check_source_size(transfer_context& ctx, std::uint64_t end,
                                                        const error* otherwise) {
        struct stat now {};
        ctx.count_syscall();
        if (::fstat(ctx.source.fd, &now) != 0) return std::unexpected(syscall_error(errno, "fstat(source)", ctx));
        if (static_cast<std::uint64_t>(now.st_size) < end)
            return std::unexpected(error::from(
                errc::source_shrank, "uring-send-zc: the file is now " + std::to_string(now.st_size) +
                                         " bytes, the range ends at " + std::to_string(end) + "; " +
                                         std::to_string(ctx.done) + " bytes sent"));
        if (otherwise) return std::unexpected(*otherwise);
        return {};
    }

    std::unique_ptr<uring> ring_;
    mapped_file window_;
    std::uint64_t window_start_ = 0;
    std::uint64_t last_send_ = 0;           // user_data of the latest send
    std::optional<int> send_result_;        // its res, once its CQE is in
    std::unordered_set<std::uint64_t> moved_bytes_; // sends that moved bytes, notification not yet in
    std::int64_t pending_notifications_ = 0;
    std::uint64_t held_ = 0; // bytes of the final send, accounted once it is notified
};

std::optional<std::string> refuses(const endpoint& source, const endpoint& sink) {
    if (source.kind != fd_kind::regular_file) return "uring-send-zc needs a regular file as its source";
    if (sink.kind != fd_kind::tcp_socket) return "uring-send-zc sends to TCP sockets only";
    return std::nullopt;
}

std::optional<error> probe() {
    io_uring ring{};
    if (int r = io_uring_queue_init(2, &ring, 0); r < 0) return ring_error(-r, "uring-send-zc: io_uring_queue_init");
    io_uring_probe* ops = io_uring_get_probe_ring(&ring);
    const bool supported = ops && io_uring_opcode_supported(ops, IORING_OP_SEND_ZC);
    if (ops) io_uring_free_probe(ops);
    io_uring_queue_exit(&ring);
    if (!supported)
        return error::from_errno(EOPNOTSUPP, "uring-send-zc: this kernel's io_uring has no IORING_OP_SEND_ZC");
    return std::nullopt;
}

std::expected<std::unique_ptr<mover>, error> open(transfer_context& ctx) {
    if (!ctx.total) {
        // Size 0 at the start: empty (nothing to do) or /proc-like (cannot be mapped).
        char one;
        ssize_t r = ::pread(ctx.source.fd, &one, 1, static_cast<off_t>(ctx.position));
        ctx.count_syscall();
        if (r != 0)
            return std::unexpected(
                error::from(errc::unsupported_pair, "uring-send-zc: the file reports size 0 but has data"));
        ctx.finished = true;
    }
    auto ring = uring::create(std::max(2u, ctx.options->uring_depth));
    ctx.count_syscall();
    if (!ring) return std::unexpected(ring.error());
    return std::make_unique<uring_send_zc_mover>(std::move(*ring));
}

} // namespace

extern const strategy_ops uring_send_zc_ops{
    .id = strategy_id::uring_send_zc,
    .name = "uring-send-zc",
    .summary = "io_uring IORING_OP_SEND_ZC from an mmap(2) window, notifications reaped before unmapping",
    .serves = "regular file → TCP socket",
    .refuses = refuses,
    .probe = probe,
    .open = open,
};

} // namespace zc::detail
