// read-write: the traditional path, and the baseline every other strategy is
// measured against (seeds: 4 copies, 2 of them by the CPU, 4 mode switches).
//
// read(2)/pread(2) into a buffer, write(2) it out. Serves any pair, so every
// `auto` chain ends here. A seekable source uses one per-thread scratch buffer
// and re-reads whatever a non-blocking sink did not take; a stream source gets
// a private buffer that keeps those bytes until the sink is ready.
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/aligned_buffer.hpp"
#include "core/io.hpp"
#include "strategies/strategy.hpp"
#include "strategies/write_out.hpp"

namespace zc::detail {
namespace {

class read_write_mover final : public mover {
public:
    explicit read_write_mover(const transfer_context& ctx) {
        if (!ctx.seekable_source) own_ = aligned_buffer(ctx.options->buffer_size, page_size());
    }

    step_result move(transfer_context& ctx) override {
        for (;;) {
            if (pending_ < filled_) {
                auto sent = write_out(ctx, own_.data() + pending_, filled_ - pending_);
                if (!sent) return std::unexpected(sent.error());
                pending_ += sent->written;
                if (sent->sink_blocked) return blocked_side(ctx);
            }
            if (ctx.complete()) return step::done;
            auto buffer = own_ ? std::span<std::byte>(own_.data(), own_.size())
                               : scratch_buffer(ctx.options->buffer_size, page_size());
            const std::size_t want = ctx.next_chunk(buffer.size());
            const ssize_t r = retry_on_eintr([&] {
                ctx.count_syscall();
                return ctx.seekable_source
                           ? ::pread(ctx.source.fd, buffer.data(), want, static_cast<off_t>(ctx.position))
                           : ::read(ctx.source.fd, buffer.data(), want);
            });
            if (r < 0) {
                if (would_block(errno)) return step::source_blocked;
                return std::unexpected(syscall_error(errno, ctx.seekable_source ? "pread" : "read", ctx));
            }
            if (r == 0) {
                if (auto ended = ctx.source_ended("read"); !ended) return std::unexpected(ended.error());
                return step::done;
            }
            if (own_) {
                filled_ = static_cast<std::size_t>(r);
                pending_ = 0;
                continue;
            }
            auto sent = write_out(ctx, buffer.data(), static_cast<std::size_t>(r));
            if (!sent) return std::unexpected(sent.error());
            if (sent->sink_blocked) return step::sink_blocked; // the rest is re-read next time
        }
    }

    std::string take_stranded() override {
        if (pending_ == filled_) return {};
        std::string held(reinterpret_cast<const char*>(own_.data()) + pending_, filled_ - pending_);
        pending_ = filled_ = 0;
        return held;
    }

private:
    aligned_buffer own_; // stream sources only
    std::size_t filled_ = 0;
    std::size_t pending_ = 0; // first byte of own_ not yet in the sink
};

std::optional<std::string> refuses(const endpoint&, const endpoint&) { return std::nullopt; }

std::expected<std::unique_ptr<mover>, error> open(transfer_context& ctx) {
    return std::make_unique<read_write_mover>(ctx);
}

} // namespace

constexpr tuning_trial read_write_trials[] = {
    {knob_id::buffer_size, {32 * kib, 1 * mib}},
};

extern const strategy_ops read_write_ops{
    .id = strategy_id::read_write,
    .name = "read-write",
    .summary = "read(2) into a reusable buffer, write(2) out",
    .serves = "any → any",
    .refuses = refuses,
    .probe = nullptr,
    .open = open,
    .auto_rank = {.file_to_file = last_resort,
                  .file_to_socket = last_resort,
                  .file_to_pipe = last_resort,
                  .file_to_other = last_resort,
                  .stream_to_any = last_resort},
    .tuning_trials = read_write_trials,
    .cost_model = "4 copies / 2 by CPU, 4 switches",
};

} // namespace zc::detail
