// The interface every strategy implements (fio's ioengine_ops, nginx's ngx_os_io_t).
//
// A strategy is one file under src/strategies/ that defines one strategy_ops
// table and is listed once in registry.cpp. The engine (src/engine/) owns the
// transfer_context, picks strategies, and falls back between them; a strategy
// only moves bytes and reports exactly how many reached the sink.
#pragma once

#include <algorithm>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/endpoint.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::detail {

// The state of one transfer, shared by every mover that works on it in turn.
struct transfer_context {
    endpoint source;
    endpoint sink;
    const transfer_options* options = nullptr;
    transfer_stats* stats = nullptr;
    bool seekable_source = false;      // regular file: read at `position`, never at the fd offset
    std::uint64_t position = 0;        // next source offset (seekable sources)
    std::optional<std::uint64_t> total; // bytes to move, when known
    std::uint64_t done = 0;            // bytes that reached the sink
    bool finished = false;             // reached EOF of a source of unknown length
    // Where movers stop for now (a value of `done`): the end of the data
    // extent being copied while the engine skips the source's holes
    // (transfer_options::preserve_holes); UINT64_MAX = the end of the range.
    std::uint64_t stop_at = UINT64_MAX;

    // Bytes until the next stop.
    std::uint64_t remaining() const noexcept {
        const std::uint64_t end = std::min(total.value_or(UINT64_MAX), stop_at);
        return end == UINT64_MAX ? UINT64_MAX : end - done;
    }
    // The next request size: at most `cap`, at most what is left.
    std::size_t next_chunk(std::size_t cap) const noexcept {
        return static_cast<std::size_t>(std::min<std::uint64_t>(cap, remaining()));
    }
    // A mover has nothing more to do now: the range is complete or a stop is reached.
    bool complete() const noexcept { return range_complete() || done == stop_at; }
    // The whole range is in the sink.
    bool range_complete() const noexcept { return finished || (total && done == *total); }
    // n more bytes are in the sink.
    void advance(std::uint64_t n) {
        done += n;
        position += n;
        if (options->on_progress) options->on_progress(done, total);
    }
    void count_syscall(std::uint64_t n = 1) noexcept { stats->syscalls += n; }
    // The source returned EOF: fine when its length was unknown, otherwise the
    // file shrank under us.
    std::expected<void, error> source_ended(std::string_view by);
};

enum class step { done, sink_blocked, source_blocked };
using step_result = std::expected<step, error>;

// Per-transfer state of a strategy (its buffer, pipe, mapping or ring).
class mover {
public:
    virtual ~mover() = default;
    // Moves bytes until the range is complete, a non-blocking descriptor would
    // block, or an error. Must account every byte that reached the sink with
    // ctx.advance() before returning, on every path.
    virtual step_result move(transfer_context& ctx) = 0;
    // After move() failed: bytes already taken from a stream source (held in a
    // buffer or pipe) that never reached the sink, so that a fallback can
    // deliver them first. Seekable sources need nothing: they are re-read.
    virtual std::string take_stranded() { return {}; }
};

struct strategy_ops {
    strategy_id id;
    std::string_view name;
    std::string_view summary;
    std::string_view serves;
    // Why this pair cannot be served (nullopt: it can). Decided from the kinds
    // and flags of the descriptors alone, before any byte moves.
    std::optional<std::string> (*refuses)(const endpoint& source, const endpoint& sink);
    // Run-time probe of the kernel, once per process. nullopt = available.
    std::optional<error> (*probe)();
    // Sets up the per-transfer state.
    std::expected<std::unique_ptr<mover>, error> (*open)(transfer_context& ctx);
};

// The registry, best-known order (src/strategies/registry.cpp).
std::span<const strategy_ops* const> registry() noexcept;
const strategy_ops& ops_for(strategy_id id);
// Probe result, cached: nullopt = available.
const std::optional<error>& availability(strategy_id id);

// Shared helpers for strategies.
error syscall_error(int errno_value, std::string_view syscall, const transfer_context& ctx);
// EAGAIN on a non-blocking pair: which side is not ready (poll with no wait).
step blocked_side(const transfer_context& ctx);
bool would_block(int errno_value) noexcept;

} // namespace zc::detail
