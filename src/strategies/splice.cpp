// splice: splice(2) moves page references through a pipe, never through user
// space. One end of every splice must be a pipe: when the source or the sink
// already is one, a single splice moves the bytes; otherwise they go
// source → private pipe → sink, the pipe grown with F_SETPIPE_SZ (capped by
// /proc/sys/fs/pipe-max-size, 1 MiB by default, without CAP_SYS_RESOURCE).
//
// Accounting: only bytes that reached the sink count. Bytes still in the
// private pipe when the transfer stops are re-read (seekable source) or handed
// to the engine as stranded bytes (stream source), so a fallback neither loses
// nor repeats them. The private pipe is filled only while empty and never past
// its capacity, so filling it cannot block on the pipe itself. An O_APPEND
// file sink is refused up front: the kernel says EINVAL to any splice into one.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/io.hpp"
#include "core/pipe_pair.hpp"
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {

constexpr std::size_t direct_chunk = 1u << 20;

unsigned nonblock_flag(const endpoint& e) { return e.nonblocking() ? SPLICE_F_NONBLOCK : 0; }

class splice_mover final : public mover {
public:
    splice_mover(pipe_pair pipe, bool stream_source) : pipe_(std::move(pipe)), stream_source_(stream_source) {}
    splice_mover() = default;

    step_result move(transfer_context& ctx) override { return pipe_.write_end ? via_pipe(ctx) : direct(ctx); }

    std::string take_stranded() override {
        std::string held;
        // A seekable source re-reads from the last byte the sink took instead.
        if (!stream_source_ || pipe_.buffered == 0) return held;
        held.resize(pipe_.buffered);
        const auto got = read_full(pipe_.read_end.get(), std::as_writable_bytes(std::span(held.data(), held.size())));
        held.resize(got.value_or(0));
        pipe_.buffered = 0;
        return held;
    }

private:
    // One side is a pipe already: splice straight across.
    step_result direct(transfer_context& ctx) {
        const std::size_t cap = ctx.options->chunk_size ? ctx.options->chunk_size : direct_chunk;
        const unsigned flags = SPLICE_F_MOVE | nonblock_flag(ctx.source) | nonblock_flag(ctx.sink);
        while (!ctx.complete()) {
            loff_t offset = static_cast<loff_t>(ctx.position);
            const ssize_t n = retry_on_eintr([&] {
                ctx.count_syscall();
                return ::splice(ctx.source.fd, ctx.seekable_source ? &offset : nullptr, ctx.sink.fd, nullptr,
                                ctx.next_chunk(cap), flags);
            });
            if (n < 0) {
                if (would_block(errno)) return blocked_side(ctx);
                return std::unexpected(syscall_error(errno, "splice", ctx));
            }
            if (n == 0) {
                if (auto ended = ctx.source_ended("splice"); !ended) return std::unexpected(ended.error());
                break;
            }
            ctx.advance(static_cast<std::uint64_t>(n));
        }
        return step::done;
    }

    step_result via_pipe(transfer_context& ctx) {
        for (;;) {
            if (pipe_.buffered > 0) {
                auto drained = drain(ctx);
                if (!drained) return std::unexpected(drained.error());
                if (pipe_.buffered > 0) return blocked_side(ctx);
            }
            if (ctx.complete() || source_eof_) break;
            auto filled = fill(ctx);
            if (!filled) return std::unexpected(filled.error());
            if (*filled == 0 && !source_eof_) return step::source_blocked;
        }
        if (source_eof_ && !ctx.complete())
            if (auto ended = ctx.source_ended("splice"); !ended) return std::unexpected(ended.error());
        return step::done;
    }

    // source → pipe, while the pipe is empty. Returns bytes taken (0 on EOF
    // or when a non-blocking source has nothing).
    std::expected<std::size_t, error> fill(transfer_context& ctx) {
        for (;;) {
            loff_t offset = static_cast<loff_t>(ctx.position);
            const ssize_t n = retry_on_eintr([&] {
                ctx.count_syscall();
                return ::splice(ctx.source.fd, ctx.seekable_source ? &offset : nullptr, pipe_.write_end.get(), nullptr,
                                ctx.next_chunk(pipe_.capacity), SPLICE_F_MOVE | nonblock_flag(ctx.source));
            });
            if (n < 0) {
                if (would_block(errno)) return 0;
                return std::unexpected(syscall_error(errno, "splice(source → pipe)", ctx));
            }
            if (n == 0) source_eof_ = true;
            pipe_.buffered = static_cast<std::size_t>(n);
            return pipe_.buffered;
        }
    }

    // pipe → sink until the pipe is empty or the sink would block.
    std::expected<void, error> drain(transfer_context& ctx) {
        while (pipe_.buffered > 0) {
            const bool more = ctx.remaining() > pipe_.buffered;
            const ssize_t n = retry_on_eintr([&] {
                ctx.count_syscall();
                return ::splice(pipe_.read_end.get(), nullptr, ctx.sink.fd, nullptr, pipe_.buffered,
                                SPLICE_F_MOVE | nonblock_flag(ctx.sink) | (more ? SPLICE_F_MORE : 0));
            });
            if (n < 0) {
                if (would_block(errno)) return {};
                return std::unexpected(syscall_error(errno, "splice(pipe → sink)", ctx));
            }
            if (n == 0) return std::unexpected(syscall_error(EIO, "splice(pipe → sink) moved nothing", ctx));
            pipe_.buffered -= static_cast<std::size_t>(n);
            ctx.advance(static_cast<std::uint64_t>(n));
        }
        return {};
    }

    pipe_pair pipe_;
    bool stream_source_ = false;
    bool source_eof_ = false;
};

std::optional<std::string> refuses(const endpoint& source, const endpoint& sink) {
    if (source.kind == fd_kind::directory || sink.kind == fd_kind::directory) return "splice cannot use a directory";
    // fs/splice.c refuses every splice into an O_APPEND file with EINVAL.
    if (sink.kind == fd_kind::regular_file && sink.appending()) return "splice cannot write to an O_APPEND file";
    return std::nullopt;
}

std::expected<std::unique_ptr<mover>, error> open(transfer_context& ctx) {
    if (ctx.source.kind == fd_kind::pipe || ctx.sink.kind == fd_kind::pipe) return std::make_unique<splice_mover>();
    auto pipe = pipe_pair::create(ctx.options->pipe_size);
    ctx.count_syscall(3);
    if (!pipe) return std::unexpected(pipe.error());
    return std::make_unique<splice_mover>(std::move(*pipe), !ctx.seekable_source);
}

} // namespace

constexpr tuning_trial splice_trials[] = {
    // Its own pipe, towards any sink but a pipe.
    {knob_id::pipe_size, {64 * kib, 256 * kib}, std::nullopt, trial_scenarios::except_file_to_pipe},
    {knob_id::chunk_size, {256 * kib, 4 * mib}, direct_chunk, trial_scenarios::only_file_to_pipe},
};

extern const strategy_ops splice_ops{
    .id = strategy_id::splice,
    .name = "splice",
    .summary = "splice(2) through a private pipe (F_SETPIPE_SZ); direct when one side is a pipe",
    .serves = "any → any but an O_APPEND file",
    .refuses = refuses,
    .probe = nullptr,
    .open = open,
    .auto_rank = {.file_to_file = 3, .file_to_socket = 2, .file_to_pipe = 1, .stream_to_any = 1},
    .tuning_trials = splice_trials,
    .cost_model = "2 copies / 0 by CPU, 2 switches per splice",
};

} // namespace zc::detail
