// direct-io: O_DIRECT reads into an aligned buffer, bypassing the page cache —
// for copies of files much larger than memory that should not evict everything
// else, and as the baseline fio calls `direct=1`.
//
// The source is reopened through /proc/self/fd/N with O_RDONLY|O_DIRECT, so the
// caller's descriptor and its flags are never touched. The alignment comes from
// statx(STATX_DIOALIGN) (Linux 6.1+): O_DIRECT needs the buffer address aligned
// to stx_dio_mem_align and the file offset and length to stx_dio_offset_align.
// An unaligned start is read from the aligned-down offset and the lead skipped;
// a short read at end of file is normal for O_DIRECT and carries the tail.
//
// When the sink is a regular file that allows it (writable, not O_APPEND,
// statx reports an alignment, the /proc reopen with O_DIRECT succeeds), the
// aligned middle of each chunk is written with pwrite on that second O_DIRECT
// descriptor and the unaligned head and tail go through the caller's fd. The
// caller's sink offset is moved with lseek before every return and before every
// write through its fd, so it always ends where write(2) of the same bytes
// would leave it. An EINVAL from an O_DIRECT pwrite turns direct writes off
// for the rest of the transfer (plain writes carry on) instead of failing.
//
// Refusal (EINVAL, "O_DIRECT refused by this filesystem"): statx reports no
// alignment (tmpfs, /proc, overlayfs on some kernels) or the reopen says
// EINVAL. `auto` then falls back; an explicit request fails with that reason.
// A seekable source keeps nothing across would-block: a socket sink that took
// part of a chunk gets the rest re-read next time.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>

#include "core/aligned_buffer.hpp"
#include "core/io.hpp"
#include "strategies/strategy.hpp"
#include "strategies/write_out.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::detail {
namespace {

struct dio_alignment {
    std::size_t memory = 0; // stx_dio_mem_align
    std::size_t offset = 0; // stx_dio_offset_align
};

// The O_DIRECT alignment of the file behind fd; 0s when the filesystem has none.
std::expected<dio_alignment, error> query_alignment(int fd, transfer_context& ctx, const char* role) {
    struct statx sx {};
    ctx.count_syscall();
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) != 0)
        return std::unexpected(error::from_errno(errno, std::string("statx(") + role + ", STATX_DIOALIGN)"));
    if (!(sx.stx_mask & STATX_DIOALIGN)) return dio_alignment{};
    return dio_alignment{sx.stx_dio_mem_align, sx.stx_dio_offset_align};
}

// A second descriptor for the same open file, with O_DIRECT; the errno of
// open(2) on failure.
std::expected<unique_fd, int> reopen_direct(int fd, int access_mode, transfer_context& ctx) {
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    const int reopened = retry_on_eintr([&] {
        ctx.count_syscall();
        return ::open(path.c_str(), access_mode | O_DIRECT | O_CLOEXEC);
    });
    if (reopened < 0) return std::unexpected(errno);
    return unique_fd(reopened);
}

error refused(int errno_value, std::string_view detail) {
    return error::from_errno(errno_value,
                             "direct-io: O_DIRECT refused by this filesystem (" + std::string(detail) + ")");
}

bool aligned_to(const std::byte* p, std::size_t alignment) {
    return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

class direct_io_mover final : public mover {
public:
    direct_io_mover(unique_fd source, std::size_t read_align, aligned_buffer buffer)
        : source_(std::move(source)), read_align_(read_align), buffer_(std::move(buffer)) {}

    void use_direct_sink(unique_fd sink, dio_alignment alignment) {
        sink_direct_ = std::move(sink);
        sink_align_ = alignment;
    }

    step_result move(transfer_context& ctx) override {
        if (sink_direct_) {
            off_t here = ::lseek(ctx.sink.fd, 0, SEEK_CUR);
            ctx.count_syscall();
            if (here < 0) return std::unexpected(syscall_error(errno, "lseek(sink)", ctx));
            sink_offset_ = static_cast<std::uint64_t>(here);
        }
        auto result = move_chunks(ctx);
        if (auto synced = sync_sink_offset(ctx); !synced && result) return std::unexpected(synced.error());
        return result;
    }

private:
    step_result move_chunks(transfer_context& ctx) {
        while (!ctx.complete()) {
            const std::uint64_t aligned_position = ctx.position - ctx.position % read_align_;
            const std::size_t lead = static_cast<std::size_t>(ctx.position - aligned_position);
            std::size_t want = buffer_.size();
            if (ctx.total) {
                const std::uint64_t needed = lead + ctx.remaining();
                const std::uint64_t rounded = (needed + read_align_ - 1) / read_align_ * read_align_;
                want = static_cast<std::size_t>(std::min<std::uint64_t>(want, rounded));
            }
            const ssize_t r = retry_on_eintr([&] {
                ctx.count_syscall();
                return ::pread(source_.get(), buffer_.data(), want, static_cast<off_t>(aligned_position));
            });
            if (r < 0) return std::unexpected(syscall_error(errno, "pread(O_DIRECT source)", ctx));
            if (static_cast<std::size_t>(r) <= lead) {
                if (auto ended = ctx.source_ended("pread(O_DIRECT)"); !ended) return std::unexpected(ended.error());
                return step::done;
            }
            const std::size_t count = ctx.next_chunk(static_cast<std::size_t>(r) - lead);
            auto written = write_chunk(ctx, buffer_.data() + lead, count);
            if (!written) return std::unexpected(written.error());
            if (!*written) return step::sink_blocked; // the rest is re-read next time
        }
        return step::done;
    }

    // Writes [data, data + n) to the sink. false: a non-blocking sink took only
    // part of it (what it took is accounted).
    std::expected<bool, error> write_chunk(transfer_context& ctx, const std::byte* data, std::size_t n) {
        std::size_t sent = 0;
        while (sent < n) {
            const std::byte* from = data + sent;
            const std::size_t left = n - sent;
            const std::size_t align = sink_align_.offset;
            const std::size_t head = sink_direct_ ? (align - sink_offset_ % align) % align : 0;
            if (sink_direct_ && head == 0 && left >= align && aligned_to(from, sink_align_.memory)) {
                auto direct = write_direct(ctx, from, left - left % align);
                if (!direct) return std::unexpected(direct.error());
                sent += *direct;
                continue;
            }
            // Through the caller's fd: the head that brings the sink offset to
            // an aligned one (when the bytes after it are aligned in memory
            // too), else everything left.
            const std::size_t piece =
                sink_direct_ && head > 0 && head < left && aligned_to(from + head, sink_align_.memory) ? head : left;
            if (auto synced = sync_sink_offset(ctx); !synced) return std::unexpected(synced.error());
            auto out = write_out(ctx, from, piece);
            if (!out) return std::unexpected(out.error());
            sent += out->written;
            sink_offset_ += out->written;
            if (out->sink_blocked) return false;
        }
        return true;
    }

    // pwrite on the O_DIRECT sink descriptor; returns bytes written (0 when
    // direct writes were just turned off and the caller should write plainly).
    std::expected<std::size_t, error> write_direct(transfer_context& ctx, const std::byte* data, std::size_t n) {
        const ssize_t w = retry_on_eintr([&] {
            ctx.count_syscall();
            return ::pwrite(sink_direct_.get(), data, n, static_cast<off_t>(sink_offset_));
        });
        if (w < 0) {
            if (errno == EINVAL) { // the filesystem changed its mind: write plainly from now on
                sink_direct_.reset();
                return 0;
            }
            return std::unexpected(syscall_error(errno, "pwrite(O_DIRECT sink)", ctx));
        }
        if (w == 0) return std::unexpected(syscall_error(EIO, "pwrite(O_DIRECT sink) wrote nothing", ctx));
        sink_offset_ += static_cast<std::uint64_t>(w);
        offset_moved_ = true;
        ctx.advance(static_cast<std::uint64_t>(w));
        return static_cast<std::size_t>(w);
    }

    // pwrite does not move the caller's offset: put it where write(2) would.
    std::expected<void, error> sync_sink_offset(transfer_context& ctx) {
        if (!offset_moved_) return {};
        ctx.count_syscall();
        if (::lseek(ctx.sink.fd, static_cast<off_t>(sink_offset_), SEEK_SET) < 0)
            return std::unexpected(syscall_error(errno, "lseek(sink) after O_DIRECT writes", ctx));
        offset_moved_ = false;
        return {};
    }

    unique_fd source_;       // the source reopened with O_DIRECT
    std::size_t read_align_; // offset and length alignment of source reads
    aligned_buffer buffer_;
    unique_fd sink_direct_;  // the sink reopened with O_DIRECT, when it allows it
    dio_alignment sink_align_;
    std::uint64_t sink_offset_ = 0; // the caller's sink offset, as write(2) would have moved it
    bool offset_moved_ = false;     // sink_offset_ is ahead of the caller's fd offset
};

// The sink reopened with O_DIRECT, when it is a regular file that allows it;
// an empty fd means "write through the caller's fd".
unique_fd direct_sink(transfer_context& ctx, dio_alignment& alignment) {
    const endpoint& sink = ctx.sink;
    const int access = sink.status_flags & O_ACCMODE;
    if (sink.kind != fd_kind::regular_file || sink.appending() || (access != O_WRONLY && access != O_RDWR))
        return {};
    auto queried = query_alignment(sink.fd, ctx, "sink");
    if (!queried || queried->memory == 0 || queried->offset == 0) return {};
    auto reopened = reopen_direct(sink.fd, O_WRONLY, ctx);
    if (!reopened) return {}; // EINVAL, EACCES, no /proc: plain writes do
    alignment = *queried;
    return std::move(*reopened);
}

std::optional<std::string> refuses(const endpoint& source, const endpoint&) {
    if (source.kind != fd_kind::regular_file) return "direct-io needs a regular file as its source";
    return std::nullopt;
}

std::expected<std::unique_ptr<mover>, error> open(transfer_context& ctx) {
    auto alignment = query_alignment(ctx.source.fd, ctx, "source");
    if (!alignment) {
        const int e = alignment.error().errno_value();
        // statx or STATX_DIOALIGN unknown to this kernel: a refusal, not a failure.
        if (e == ENOSYS || e == EINVAL) return std::unexpected(refused(EINVAL, alignment.error().message()));
        return std::unexpected(alignment.error());
    }
    if (alignment->memory == 0 || alignment->offset == 0)
        return std::unexpected(refused(EINVAL, "statx reports no STATX_DIOALIGN"));
    auto source = reopen_direct(ctx.source.fd, O_RDONLY, ctx);
    if (!source) {
        const int e = source.error();
        if (e == EINVAL) return std::unexpected(refused(EINVAL, "open(O_DIRECT) said EINVAL"));
        // No /proc (ENOENT) or no permission to reopen: cannot do it here.
        return std::unexpected(error::from_errno(
            e == ENOENT ? EOPNOTSUPP : e, "direct-io: reopen of the source through /proc/self/fd: " +
                                              std::error_code(e, std::system_category()).message()));
    }
    const std::size_t read_align = alignment->offset;
    const std::size_t buffer_align = std::max({alignment->memory, read_align, page_size()});
    auto mover = std::make_unique<direct_io_mover>(std::move(*source), read_align,
                                                   aligned_buffer(ctx.options->buffer_size, buffer_align));
    dio_alignment sink_alignment;
    if (unique_fd sink = direct_sink(ctx, sink_alignment)) mover->use_direct_sink(std::move(sink), sink_alignment);
    return mover;
}

} // namespace

constexpr tuning_trial direct_io_trials[] = {
    {knob_id::buffer_size, {1 * mib, 4 * mib}},
};

extern const strategy_ops direct_io_ops{
    .id = strategy_id::direct_io,
    .name = "direct-io",
    .summary = "pread(2) with O_DIRECT into an aligned buffer (statx STATX_DIOALIGN); O_DIRECT pwrite to file sinks",
    .serves = "regular file → any",
    .refuses = refuses,
    .probe = nullptr,
    .open = open,
    .tuning_trials = direct_io_trials,
    .cost_model = "2 copies / 1 by CPU, no page cache",
};

} // namespace zc::detail
