// zc::transfer — move a byte range from a source fd to a sink fd.
//
// Callers describe data ("bytes X..Y of this fd to that fd"); the engine picks
// the syscalls. Contract, for every strategy:
//   * byte-exact or an error: a source that ends before the length asked for,
//     or before the size it had when the transfer started, is an error
//     (errc::source_shrank / errc::source_too_short), never a short success;
//   * with an offset, the source is read with pread semantics and its file
//     offset is left untouched; without one, a seekable source is read from its
//     current offset, which is advanced by the bytes moved;
//   * the sink is written at its current position (write semantics);
//   * a peer that vanished is EPIPE/ECONNRESET, never a SIGPIPE death;
//   * nothing leaks: descriptors, pipes, mappings and rings are released on
//     every path.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "zerocopy/error.hpp"
#include "zerocopy/export.hpp"
#include "zerocopy/strategy.hpp"

namespace zc {

class profile; // zerocopy/profile.hpp
namespace detail {
struct endpoint; // src/core/endpoint.hpp
}

struct transfer_options {
    strategy_id strategy = strategy_id::automatic;
    // Position in the source; nullopt = the source fd's own offset (or the
    // stream, for pipes and sockets, where an offset is an error).
    std::optional<std::uint64_t> offset;
    // Bytes to move; nullopt = to the end of the source. A regular file with a
    // non-zero size is read up to the size it had at the start; pipes, sockets
    // and files that report size 0 (/proc) are read until EOF.
    std::optional<std::uint64_t> length;
    // User-space buffer for read-write and direct-io (rounded up to alignment).
    std::size_t buffer_size = 128 * 1024;
    // Most bytes handed to one syscall (sendfile, splice, write from a mapping,
    // copy_file_range). 0 = the strategy's own default.
    std::size_t chunk_size = 0;
    // Most bytes one transfer_job::step() moves; 0 = no limit. A step that
    // reaches it returns state::yielded: an event loop then turns to its other
    // connections before this one goes on, so one fast reader cannot hold the
    // loop for a whole large file (nginx's sendfile_max_chunk). transfer()
    // just goes on.
    std::uint64_t step_limit = 0;
    // Address space one mmap window may take (mmap-write, zero-copy sends).
    std::size_t mmap_window = 64u << 20;
    // Capacity asked for the private pipe of splice strategies (F_SETPIPE_SZ;
    // the kernel caps unprivileged requests at /proc/sys/fs/pipe-max-size).
    std::size_t pipe_size = 1u << 20;
    // io_uring submission queue depth.
    unsigned uring_depth = 8;
    // Under auto: the profile that picks the first strategy and tuning
    // (zerocopy/profile.hpp); nullptr = active_profile(). Tuning fills only the
    // fields above that are still at their default here. Not owned; must
    // outlive transfer_job::start().
    const zc::profile* profile = nullptr;
    // Block SIGPIPE around the syscalls of this transfer (per thread). Turn off
    // only when the process already ignores SIGPIPE: it costs three syscalls.
    bool guard_sigpipe = true;
    // File → file: keep the source's holes as holes in the sink, like cp.
    // When the source and the sink are regular files, the sink is not O_APPEND
    // and holds nothing at or after its offset (new, truncated, or written at
    // its end), ranges the source reports as holes (lseek SEEK_DATA/SEEK_HOLE)
    // are not written: the sink's offset is moved past them, and a range that
    // ends in a hole extends the sink with ftruncate, so its size and bytes are
    // exactly the source's. The strategy moves each data extent in turn. Holes
    // count as moved bytes (transfer_stats::bytes, bytes_done, on_progress).
    // Otherwise — a sink with bytes to overwrite, O_APPEND, a source whose
    // block count shows no hole, a filesystem without SEEK_DATA — every byte
    // is written, zeros included, as with false.
    bool preserve_holes = true;
    // Called from inside the transfer as bytes reach the sink (at most once per
    // syscall; keep it cheap). For progress bars.
    std::function<void(std::uint64_t bytes_done, std::optional<std::uint64_t> bytes_total)> on_progress;
};

// What a caller knows about one descriptor (transfer_job::start's fast form).
struct descriptor_facts {
    fd_kind kind = fd_kind::other;
    // fcntl(F_GETFL) as the caller set them; O_NONBLOCK, O_APPEND and O_DIRECT
    // are the flags the strategies look at.
    int status_flags = 0;
    // Regular files: st_size when the caller looked. The range is checked
    // against it, and a file that then ends early is errc::source_shrank.
    std::uint64_t size = 0;
};

// A strategy that refused and the one the engine moved on to.
struct fallback_record {
    strategy_id from;
    strategy_id to;
    std::uint64_t at_byte; // bytes already in the sink when it happened
    error reason;          // errno + syscall, or why the strategy was unavailable
};

struct transfer_stats {
    std::uint64_t bytes = 0;
    strategy_id strategy_used = strategy_id::automatic; // the one that moved the last bytes
    std::vector<fallback_record> fallbacks;
    std::uint64_t syscalls = 0;        // syscalls the engine issued (io_uring: submits + waits)
    std::chrono::nanoseconds elapsed{0};
    std::uint64_t zerocopy_sends = 0;  // zero-copy sends completed (msg-zerocopy, uring-send-zc)
    std::uint64_t zerocopy_copied = 0; // of those, sends the kernel reported it copied anyway
};

// True when the error means "this strategy cannot serve this pair here"
// (EINVAL, ENOSYS, EOPNOTSUPP, EXDEV, EPERM, errc::unsupported_pair,
// errc::strategy_unavailable) rather than "the transfer failed": the errors
// on which `auto` moves on to the next strategy.
ZEROCOPY_API bool is_refusal(const error& e) noexcept;

// Moves the range in one blocking call. A non-blocking source or sink is
// waited on with poll(2).
ZEROCOPY_API std::expected<transfer_stats, error> transfer(int source_fd, int sink_fd,
                                                           const transfer_options& options = {});

// The resumable form, for event loops.
//
// step() never waits on a non-blocking descriptor: it moves what it can and
// returns would_block (with the descriptor it waits on) or done. Call it again
// when that descriptor is ready; it continues at the exact byte reached. On a
// blocking sink it behaves like transfer(). With options.step_limit, a step
// that moved that many bytes returns yielded: call it again when it is this
// job's turn (both descriptors may still be ready, so do not wait on them).
// Not thread-safe; movable.
class ZEROCOPY_API transfer_job {
public:
    enum class state { done, would_block_on_sink, would_block_on_source, yielded };

    static std::expected<transfer_job, error> start(int source_fd, int sink_fd,
                                                    const transfer_options& options = {});
    // The same for a caller that already knows what both descriptors are (a
    // server: the file it has just fstat'ed, the socket it accepted and made
    // non-blocking): start() then asks the kernel nothing about them, which
    // saves fstat + fcntl (+ getsockopt) per side on every response. The
    // facts must be true: a wrong kind or size makes strategies refuse or
    // the transfer fail, never move other bytes.
    static std::expected<transfer_job, error> start(int source_fd, const descriptor_facts& source, int sink_fd,
                                                    const descriptor_facts& sink,
                                                    const transfer_options& options = {});
    transfer_job(transfer_job&&) noexcept;
    transfer_job& operator=(transfer_job&&) noexcept;
    ~transfer_job();

    std::expected<state, error> step();

    std::uint64_t bytes_done() const noexcept;
    // Total to move, when known up front.
    std::optional<std::uint64_t> bytes_total() const noexcept;
    const transfer_stats& stats() const noexcept;

    struct ZEROCOPY_LOCAL impl; // src/engine: the library's own, never exported

private:
    explicit transfer_job(std::unique_ptr<impl> p);
    ZEROCOPY_LOCAL static std::expected<transfer_job, error> start_inspected(const detail::endpoint& source,
                                                                             const detail::endpoint& sink,
                                                                             const transfer_options& options);
    std::unique_ptr<impl> impl_;
};

} // namespace zc
