// mapped_source — what the strategies that send from a mapping of the source
// share (mmap-write, uring-send-zc, msg-zerocopy): the "did the file shrink?"
// check, and for the two zero-copy ones the whole send loop.
//
// Header-only: the library's source list in CMakeLists.txt stays one line per
// strategy and core file.
#pragma once

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "strategies/strategy.hpp"
#include "zerocopy/mapped_file.hpp"

namespace zc::detail {

// After a fault on the mapping (EFAULT from the kernel) or at the end of a
// transfer: does the source still reach `end`? errc::source_shrank when it
// ends before it (pages a truncation removed may have gone out as zeroes or
// not at all), the fstat error when fstat fails, nullopt when it does.
inline std::optional<error> source_shrank_below(transfer_context& ctx, std::uint64_t end, std::string_view who) {
    struct stat now {};
    ctx.count_syscall();
    if (::fstat(ctx.source.fd, &now) != 0) return syscall_error(errno, "fstat(source)", ctx);
    if (static_cast<std::uint64_t>(now.st_size) >= end) return std::nullopt;
    return error::from(errc::source_shrank, std::string(who) + ": the file is now " + std::to_string(now.st_size) +
                                                " bytes, the range needs " + std::to_string(end) + "; " +
                                                std::to_string(ctx.done) + " bytes sent");
}

// open() of a strategy that maps the source, when the source reported size 0
// (ctx.total unknown): empty means nothing to do (ctx.finished); a /proc-like
// file that has data anyway cannot be mapped (errc::unsupported_pair).
inline std::expected<void, error> accept_unsized_source(transfer_context& ctx, std::string_view who) {
    if (ctx.total) return {};
    char one;
    ssize_t r = ::pread(ctx.source.fd, &one, 1, static_cast<off_t>(ctx.position));
    ctx.count_syscall();
    if (r != 0)
        return std::unexpected(
            error::from(errc::unsupported_pair, std::string(who) + ": the file reports size 0 but has data"));
    ctx.finished = true;
    return {};
}

// The mover of a zero-copy sender (uring-send-zc, msg-zerocopy): the source is
// mapped in windows (transfer_options::mmap_window) and sent in pieces of
// chunk_size, 1 MiB by default. Each send pins its pages until the kernel
// reports a completion for it (a notification), so:
//   * bytes are accounted as soon as a send returns (they are in the socket);
//   * every completion is in before a window is unmapped, and before `done`;
//   * then the source is fstat'ed: a file that now ends before the range did
//     may have sent zeroes, so that is errc::source_shrank, not `done`;
//   * an abandoned transfer (error, fallback) does not wait: the pinned pages
//     hold their own references, so unmapping our read-only view is safe.
// On a non-blocking sink, outstanding completions make the step return
// sink_blocked; the engine keeps calling move() until it says done.
class zero_copy_sender : public mover {
public:
    step_result move(transfer_context& ctx) final {
        const std::size_t cap = ctx.options->chunk_size ? ctx.options->chunk_size : default_send;
        for (;;) {
            if (auto collected = collect_completions(ctx); !collected) return std::unexpected(collected.error());
            if (ctx.paused()) return step::done; // the window and the sends in flight stay for the next step
            if (ctx.complete()) return finish(ctx);
            if (ctx.position < window_start_ || ctx.position >= window_start_ + window_.size()) {
                auto settled = settle(ctx);
                if (!settled) return std::unexpected(settled.error());
                if (!*settled) return step::sink_blocked;
                if (auto mapped = map_window(ctx); !mapped) return std::unexpected(mapped.error());
            }
            const std::size_t offset = static_cast<std::size_t>(ctx.position - window_start_);
            const std::size_t n = std::min(window_.size() - offset, ctx.next_chunk(cap));
            auto sent = send_zero_copy(ctx, window_.bytes().data() + offset, n);
            if (!sent) return std::unexpected(sent.error());
            if (*sent < 0) return step::sink_blocked;
            if (*sent > 0) ctx.advance(static_cast<std::uint64_t>(*sent)); // 0: room was made, send again
        }
    }

public:
    // Zero-copy only pays above ~10 KiB per send
    // (Documentation/networking/msg_zerocopy.rst); 1 MiB keeps the pinned
    // amount and the per-send cost (one syscall, one completion) both small.
    static constexpr std::size_t default_send = 1u << 20;

protected:

    explicit zero_copy_sender(std::string_view name) : name_(name) {}

    // One zero-copy send of [data, data + n): bytes sent; 0 to send again;
    // -1 when a non-blocking sink is full.
    virtual std::expected<std::int64_t, error> send_zero_copy(transfer_context& ctx, const std::byte* data,
                                                              std::size_t n) = 0;
    // Takes in the completions that have arrived, without waiting.
    virtual std::expected<void, error> collect_completions(transfer_context& ctx) = 0;
    // Blocks until at least one more completion is in.
    virtual std::expected<void, error> wait_for_completion(transfer_context& ctx) = 0;
    virtual bool completions_outstanding() const noexcept = 0;

    // All completions in? Waits for them on a blocking sink; on a non-blocking
    // one returns false while some are still out.
    std::expected<bool, error> settle(transfer_context& ctx) {
        while (completions_outstanding()) {
            if (ctx.sink.nonblocking()) return false;
            if (auto waited = wait_for_completion(ctx); !waited) return std::unexpected(waited.error());
        }
        return true;
    }

    // The error for a send of n bytes that failed with errno_value. EFAULT
    // means the kernel faulted on the mapping: source_shrank when the file
    // shrank under it.
    error send_error(transfer_context& ctx, int errno_value, std::string_view syscall, std::size_t n) const {
        error e = syscall_error(errno_value, syscall, ctx);
        if (errno_value != EFAULT) return e;
        const std::uint64_t end = ctx.total ? ctx.position + ctx.remaining() : ctx.position + n;
        if (auto shrank = source_shrank_below(ctx, end, name_)) return *shrank;
        return e;
    }

private:
    // Every byte is with the kernel: done once every completion is in and the
    // source still holds the range.
    step_result finish(transfer_context& ctx) {
        auto settled = settle(ctx);
        if (!settled) return std::unexpected(settled.error());
        if (!*settled) return step::sink_blocked; // completions outstanding
        window_ = mapped_file();
        if (auto shrank = source_shrank_below(ctx, ctx.position, name_)) return std::unexpected(*shrank);
        return step::done;
    }

    std::expected<void, error> map_window(transfer_context& ctx) {
        window_ = mapped_file();
        const std::size_t length =
            static_cast<std::size_t>(std::min<std::uint64_t>(ctx.options->mmap_window, ctx.remaining()));
        auto mapped = mapped_file::map(ctx.source.fd, ctx.position, length);
        ctx.count_syscall(2);
        if (!mapped) return std::unexpected(mapped.error().wrap(std::string(name_) + " window"));
        window_ = std::move(*mapped);
        window_.advise(POSIX_MADV_SEQUENTIAL);
        window_start_ = ctx.position;
        return {};
    }

    std::string_view name_;
    mapped_file window_;
    std::uint64_t window_start_ = 0;
};

} // namespace zc::detail
