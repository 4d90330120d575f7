// sendfile: sendfile(2) from a regular file, the seeds' answer and nginx's
// `sendfile on` (2 mode switches; with scatter-gather DMA, no CPU copy on a
// real NIC — loopback still copies once into the receiving socket).
//
// Each call moves at most 0x7ffff000 bytes (MAX_RW_COUNT: the kernel caps
// every read/write-family call there since 2.6.16, so a larger request is
// silently short), which is why the range is walked in chunks. The source is
// read at an explicit offset, so its file offset is never touched. Since
// Linux 2.6.33 the sink may be any file; pipes and sockets are the usual ones.
// Falls back (under auto) on EINVAL/ENOSYS, e.g. a sink without splice_write;
// an O_APPEND file sink, which the kernel always refuses, is refused up front.
#include <sys/sendfile.h>

#include <cerrno>

#include "core/io.hpp"
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {

constexpr std::size_t max_per_call = 0x7ffff000;

class sendfile_mover final : public mover {
public:
    step_result move(transfer_context& ctx) override {
        const std::size_t cap = ctx.options->chunk_size ? ctx.options->chunk_size : max_per_call;
        while (!ctx.complete()) {
            off_t offset = static_cast<off_t>(ctx.position);
            const ssize_t n = retry_on_eintr([&] {
                ctx.count_syscall();
                return ::sendfile(ctx.sink.fd, ctx.source.fd, &offset, ctx.next_chunk(std::min(cap, max_per_call)));
            });
            if (n < 0) {
                if (would_block(errno)) return step::sink_blocked;
                return std::unexpected(syscall_error(errno, "sendfile", ctx));
            }
            if (n == 0) {
                if (auto ended = ctx.source_ended("sendfile"); !ended) return std::unexpected(ended.error());
                break;
            }
            ctx.advance(static_cast<std::uint64_t>(n));
        }
        return step::done;
    }
};

std::optional<std::string> refuses(const endpoint& source, const endpoint& sink) {
    if (source.kind != fd_kind::regular_file) return "sendfile needs a regular file as its source";
    // sendfile splices into the sink (do_splice_direct), which refuses O_APPEND with EINVAL.
    if (sink.kind == fd_kind::regular_file && sink.appending()) return "sendfile cannot write to an O_APPEND file";
    return std::nullopt;
}

std::expected<std::unique_ptr<mover>, error> open(transfer_context&) { return std::make_unique<sendfile_mover>(); }

} // namespace

constexpr tuning_trial sendfile_trials[] = {
    {knob_id::chunk_size, {256 * kib, 4 * mib}, max_per_call},
};

extern const strategy_ops sendfile_ops{
    .id = strategy_id::sendfile,
    .name = "sendfile",
    .summary = "sendfile(2) in chunks of at most 0x7ffff000 bytes",
    .serves = "regular file → socket, pipe, file",
    .refuses = refuses,
    .probe = nullptr,
    .open = open,
    .auto_rank = {.file_to_file = 2, .file_to_socket = 1, .file_to_pipe = 2, .file_to_other = 1},
    .tuning_trials = sendfile_trials,
    .cost_model = "2-3 copies / 0 by CPU (SG-DMA), 2 switches",
};

} // namespace zc::detail
