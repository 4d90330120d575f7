// uring-splice: the splice strategy's two hops submitted as one linked pair of
// io_uring IORING_OP_SPLICE requests (Linux 5.7+): file@offset → private pipe,
// IOSQE_IO_LINK, pipe → sink. One io_uring_enter per round instead of two
// splice(2) calls. A pipe sink needs no private pipe: one splice per round.
//
// One ring per transfer (transfer_options::uring_depth entries) and one private
// pipe (core/pipe_pair, sized like splice's). Rules the code relies on:
//   * the kernel fails a link when a splice moves fewer bytes than asked
//     (io_uring/splice.c: `if (ret != sp->len) req_set_fail(req)`), so a short
//     source splice leaves the sink request -ECANCELED and its bytes in the
//     pipe; bytes left in the pipe by a short or blocked sink splice too. The
//     pipe is drained alone before it is filled again, and only bytes that
//     reached the sink are accounted. On error or fallback the pipe is
//     dropped: the source is a regular file, so those bytes are re-read.
//   * io_uring runs splice in an io-wq worker, as a blocking call — except
//     that do_splice() honours O_NONBLOCK on the sink (and SPLICE_F_NONBLOCK,
//     which we pass for non-blocking sinks).
//
// Non-blocking sinks, measured on 6.18 with liburing 2.3: a splice to a full
// O_NONBLOCK TCP socket, or to a full O_NONBLOCK pipe, completes at once with
// -EAGAIN; io_uring does not park it (IORING_OP_SPLICE has no poll support,
// so nothing arms a poll and waits for POLLOUT, unlike IORING_OP_SEND). So no
// poll(POLLOUT, 0) is needed before submitting: -EAGAIN becomes
// step::sink_blocked with the bytes kept in the pipe, and each submission is
// bounded anyway — at most one pipe capacity per round, one round per
// io_uring_enter, and a step never waits for more than that round.
//
// Probe (core/uring): io_uring_queue_init fails with EPERM or ENOSYS where
// io_uring is disabled (containers, /proc/sys/kernel/io_uring_disabled) and
// the opcode is checked with io_uring_get_probe. Under auto, a refusal
// (EINVAL, EPERM, ENOSYS) falls back to the next strategy at the byte reached.
#include <fcntl.h>
#include <liburing.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/pipe_pair.hpp"
#include "core/uring.hpp"
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {

// The sink end of a pipe sink takes at most this per round.
constexpr std::size_t pipe_sink_chunk = 1u << 20;

enum : std::uint64_t { into_pipe = 1, out_of_pipe = 2 };

struct completion {
    std::uint64_t user_data;
    int res;
};

class uring_splice_mover final : public mover {
public:
    uring_splice_mover(uring ring, pipe_pair pipe) : ring_(std::move(ring)), pipe_(std::move(pipe)) {}

    step_result move(transfer_context& ctx) override {
        return pipe_.write_end ? via_pipe(ctx) : into_sink_pipe(ctx);
    }

private:
    static unsigned sink_flags(const transfer_context& ctx) {
        return SPLICE_F_MOVE | (ctx.sink.nonblocking() ? SPLICE_F_NONBLOCK : 0u);
    }

    // The sink is a pipe: one splice file@offset → sink per round.
    step_result into_sink_pipe(transfer_context& ctx) {
        const std::size_t cap = ctx.options->chunk_size ? ctx.options->chunk_size : pipe_sink_chunk;
        while (!ctx.complete()) {
            io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
            io_uring_prep_splice(sqe, ctx.source.fd, static_cast<std::int64_t>(ctx.position), ctx.sink.fd, -1,
                                 static_cast<unsigned>(ctx.next_chunk(cap)), sink_flags(ctx));
            sqe->user_data = out_of_pipe;
            completion done[1];
            if (auto ok = submit_and_reap(ctx, done, 1); !ok) return std::unexpected(ok.error());
            const int res = done[0].res;
            if (res == -EINTR) continue;
            if (res == -EAGAIN) return step::sink_blocked;
            if (res < 0) return std::unexpected(syscall_error(-res, "IORING_OP_SPLICE(source → pipe sink)", ctx));
            if (res == 0) {
                if (auto ended = ctx.source_ended("IORING_OP_SPLICE"); !ended) return std::unexpected(ended.error());
                break;
            }
            ctx.advance(static_cast<std::uint64_t>(res));
        }
        return step::done;
    }

    step_result via_pipe(transfer_context& ctx) {
        const std::size_t cap =
            ctx.options->chunk_size ? std::min(ctx.options->chunk_size, pipe_.capacity) : pipe_.capacity;
        for (;;) {
            if (pipe_.buffered > 0) {
                auto drained = drain(ctx);
                if (!drained) return std::unexpected(drained.error());
                if (!*drained) return step::sink_blocked;
                continue;
            }
            if (ctx.complete()) return step::done;
            if (source_eof_) {
                if (auto ended = ctx.source_ended("IORING_OP_SPLICE"); !ended) return std::unexpected(ended.error());
                return step::done;
            }
            auto blocked = linked_round(ctx, ctx.next_chunk(cap));
            if (!blocked) return std::unexpected(blocked.error());
            if (*blocked) return step::sink_blocked;
        }
    }

    // source → pipe linked with pipe → sink, n bytes each. Returns true when
    // the sink would block (what did not reach it stays in the pipe).
    std::expected<bool, error> linked_round(transfer_context& ctx, std::size_t n) {
        io_uring_sqe* fill = io_uring_get_sqe(ring_.get());
        io_uring_prep_splice(fill, ctx.source.fd, static_cast<std::int64_t>(ctx.position), pipe_.write_end.get(), -1,
                             static_cast<unsigned>(n), SPLICE_F_MOVE);
        fill->flags |= IOSQE_IO_LINK;
        fill->user_data = into_pipe;
        io_uring_sqe* drain_sqe = io_uring_get_sqe(ring_.get());
        io_uring_prep_splice(drain_sqe, pipe_.read_end.get(), -1, ctx.sink.fd, -1, static_cast<unsigned>(n),
                             sink_flags(ctx) | (ctx.remaining() > n ? SPLICE_F_MORE : 0u));
        drain_sqe->user_data = out_of_pipe;
        completion done[2];
        if (auto ok = submit_and_reap(ctx, done, 2); !ok) return std::unexpected(ok.error());
        const int filled = done[0].user_data == into_pipe ? done[0].res : done[1].res;
        const int sent = done[0].user_data == into_pipe ? done[1].res : done[0].res;
        // The fill first: bytes it moved are in the pipe whatever the sink did.
        if (filled < 0 && filled != -EINTR)
            return std::unexpected(syscall_error(-filled, "IORING_OP_SPLICE(source → pipe)", ctx));
        if (filled == 0) source_eof_ = true;
        if (filled > 0) pipe_.buffered += static_cast<std::size_t>(filled);
        if (sent > 0) {
            pipe_.buffered -= static_cast<std::size_t>(sent);
            ctx.advance(static_cast<std::uint64_t>(sent));
            return false;
        }
        if (sent == -EAGAIN) return true;
        // -ECANCELED: a short fill broke the link; -EINTR: retried by the caller.
        if (sent < 0 && sent != -ECANCELED && sent != -EINTR)
            return std::unexpected(syscall_error(-sent, "IORING_OP_SPLICE(pipe → sink)", ctx));
        return false;
    }

    // pipe → sink alone, for bytes a short or blocked round left. Returns
    // false when the sink would block.
    std::expected<bool, error> drain(transfer_context& ctx) {
        for (;;) {
            io_uring_sqe* sqe = io_uring_get_sqe(ring_.get());
            const bool more = ctx.remaining() > pipe_.buffered;
            io_uring_prep_splice(sqe, pipe_.read_end.get(), -1, ctx.sink.fd, -1,
                                 static_cast<unsigned>(pipe_.buffered), sink_flags(ctx) | (more ? SPLICE_F_MORE : 0u));
            sqe->user_data = out_of_pipe;
            completion done[1];
            if (auto ok = submit_and_reap(ctx, done, 1); !ok) return std::unexpected(ok.error());
            const int res = done[0].res;
            if (res == -EINTR) continue;
            if (res == -EAGAIN) return false;
            if (res < 0) return std::unexpected(syscall_error(-res, "IORING_OP_SPLICE(pipe → sink)", ctx));
            if (res == 0)
                return std::unexpected(syscall_error(EIO, "IORING_OP_SPLICE(pipe → sink) moved nothing", ctx));
            pipe_.buffered -= static_cast<std::size_t>(res);
            ctx.advance(static_cast<std::uint64_t>(res));
            return true;
        }
    }

    // Submits what is queued and collects exactly `count` completions.
    std::expected<void, error> submit_and_reap(transfer_context& ctx, completion* out, unsigned count) {
        if (int submitted = ring_.submit_and_wait(count, ctx.stats->syscalls); submitted < 0)
            return std::unexpected(syscall_error(-submitted, "io_uring_submit_and_wait", ctx));
        for (unsigned got = 0; got < count;) {
            io_uring_cqe* cqe = nullptr;
            if (int r = ring_.next_completion(&cqe, true, ctx.stats->syscalls); r < 0)
                return std::unexpected(syscall_error(-r, "io_uring_wait_cqe", ctx));
            out[got++] = {cqe->user_data, cqe->res};
            ring_.seen(cqe);
        }
        return {};
    }

    uring ring_;
    pipe_pair pipe_; // empty when the sink is a pipe
    bool source_eof_ = false;
};

std::optional<std::string> refuses(const endpoint& source, const endpoint& sink) {
    if (source.kind != fd_kind::regular_file) return "uring-splice needs a regular file as its source";
    if (!sink.is_socket() && sink.kind != fd_kind::regular_file && sink.kind != fd_kind::pipe)
        return "uring-splice writes to sockets, regular files and pipes only";
    if (sink.kind == fd_kind::regular_file && sink.appending()) return "splice cannot write to an O_APPEND file";
    return std::nullopt;
}

std::optional<error> probe() { return probe_uring_opcode("uring-splice", IORING_OP_SPLICE, "IORING_OP_SPLICE"); }

std::expected<std::unique_ptr<mover>, error> open(transfer_context& ctx) {
    auto ring = uring::create(std::max(2u, ctx.options->uring_depth));
    ctx.count_syscall();
    if (!ring) return std::unexpected(ring.error());
    if (ctx.sink.kind == fd_kind::pipe) return std::make_unique<uring_splice_mover>(std::move(*ring), pipe_pair{});
    auto pipe = pipe_pair::create(ctx.options->pipe_size);
    ctx.count_syscall(3);
    if (!pipe) return std::unexpected(pipe.error());
    return std::make_unique<uring_splice_mover>(std::move(*ring), std::move(*pipe));
}

} // namespace

constexpr tuning_trial uring_splice_trials[] = {
    {knob_id::uring_depth, {2, 32}},
    // Its own pipe, towards any sink but a pipe.
    {knob_id::pipe_size, {256 * kib}, std::nullopt, trial_scenarios::except_file_to_pipe},
};

extern const strategy_ops uring_splice_ops{
    .id = strategy_id::uring_splice,
    .name = "uring-splice",
    .summary = "io_uring IORING_OP_SPLICE file → private pipe → sink, linked (IOSQE_IO_LINK)",
    .serves = "regular file → socket, file, pipe",
    .refuses = refuses,
    .probe = probe,
    .open = open,
    .tuning_trials = uring_splice_trials,
    .cost_model = "2 copies / 0 by CPU, batched submits",
};

} // namespace zc::detail
