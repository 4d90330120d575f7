// copy-file-range: copy_file_range(2), a file-to-file copy that never leaves
// the kernel; filesystems that can share extents (Btrfs, XFS with reflink,
// NFS 4.2 server-side copy) do it without moving data at all.
//
// Linux 5.3–5.18 also accepted files on different filesystems; 5.19 went back
// to EXDEV for most of those, and older kernels say ENOSYS or EINVAL for
// unsupported files — all refusals that `auto` answers with the next strategy.
// An O_APPEND sink is refused up front (the kernel says EBADF).
// The sink is written at its own file offset, which the call advances.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "core/io.hpp"
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {

// Large enough that the per-call cost vanishes, small enough that progress is
// reported and a signal is not held off for seconds.
constexpr std::size_t default_chunk = 256u << 20;

class copy_file_range_mover final : public mover {
public:
    step_result move(transfer_context& ctx) override {
        const std::size_t cap = ctx.options->chunk_size ? ctx.options->chunk_size : default_chunk;
        while (!ctx.complete()) {
            loff_t offset = static_cast<loff_t>(ctx.position);
            const ssize_t n = retry_on_eintr([&] {
                ctx.count_syscall();
                return ::copy_file_range(ctx.source.fd, &offset, ctx.sink.fd, nullptr, ctx.next_chunk(cap), 0);
            });
            if (n < 0) return std::unexpected(syscall_error(errno, "copy_file_range", ctx));
            if (n == 0) {
                if (auto ended = ctx.source_ended("copy_file_range"); !ended) return std::unexpected(ended.error());
                break;
            }
            ctx.advance(static_cast<std::uint64_t>(n));
        }
        return step::done;
    }
};

std::optional<std::string> refuses(const endpoint& source, const endpoint& sink) {
    if (source.kind != fd_kind::regular_file || sink.kind != fd_kind::regular_file)
        return "copy_file_range copies between regular files only";
    if (sink.appending()) return "copy_file_range cannot write to an O_APPEND file";
    return std::nullopt;
}

std::expected<std::unique_ptr<mover>, error> open(transfer_context&) {
    return std::make_unique<copy_file_range_mover>();
}

} // namespace

constexpr tuning_trial copy_file_range_trials[] = {
    {knob_id::chunk_size, {1 * mib, 16 * mib}, default_chunk},
};

extern const strategy_ops copy_file_range_ops{
    .id = strategy_id::copy_file_range,
    .name = "copy-file-range",
    .summary = "copy_file_range(2), in-kernel copy (reflink where the filesystem can)",
    .serves = "regular file → regular file",
    .refuses = refuses,
    .probe = nullptr,
    .open = open,
    .auto_rank = {.file_to_file = 1},
    .tuning_trials = copy_file_range_trials,
    .cost_model = "0-2 copies / 0 by CPU, 2 switches",
};

} // namespace zc::detail
