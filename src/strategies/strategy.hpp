// The interface every strategy implements (fio's ioengine_ops, nginx's ngx_os_io_t).
//
// A strategy is one file under src/strategies/ that defines one strategy_ops
// table and is listed once in registry.cpp. The engine (src/engine/) owns the
// transfer_context, picks strategies, and falls back between them; a strategy
// only moves bytes and reports exactly how many reached the sink.
//
// Everything else known per strategy is data in its ops table too: where it
// stands in auto's built-in chains, which tuning knobs `zc tune` tries on it,
// the bench's cost model. The engine, `zc tune` and the bench derive their
// lists from the registry, so adding a strategy touches its file, its line in
// registry.cpp and the public zc::strategy_id (docs/design.md).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/endpoint.hpp"
#include "core/tuning_knobs.hpp"
#include "zerocopy/profile.hpp"
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
    // Where this step ends (transfer_options::step_limit); UINT64_MAX = no
    // limit. Unlike stop_at it bounds only what is moved now, not how far a
    // mover maps or reads ahead (remaining()): the next step goes on from it.
    std::uint64_t pause_at = UINT64_MAX;

    // Bytes until the next stop.
    std::uint64_t remaining() const noexcept {
        const std::uint64_t end = std::min(total.value_or(UINT64_MAX), stop_at);
        return end == UINT64_MAX ? UINT64_MAX : end - done;
    }
    // The next request size: at most `cap`, at most what is left, at most what
    // this step may still move.
    std::size_t next_chunk(std::size_t cap) const noexcept {
        const std::uint64_t until_pause = pause_at == UINT64_MAX ? UINT64_MAX : pause_at - std::min(done, pause_at);
        return static_cast<std::size_t>(std::min<std::uint64_t>({cap, remaining(), until_pause}));
    }
    // A mover has nothing more to do now: the range is complete, a stop is
    // reached, or this step moved its limit.
    bool complete() const noexcept { return range_complete() || done == stop_at || paused(); }
    // This step moved its limit (bytes a failed mover left may take it past)
    // and more of the range is left.
    bool paused() const noexcept { return done >= pause_at && !range_complete(); }
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

inline constexpr std::uint64_t kib = 1024, mib = 1024 * kib;

// Where a strategy stands in auto's built-in chain of each scenario: 1 is
// tried first, higher later, ties in registry order; not_in_auto leaves it out
// (it is then used only when named). read-write is last_resort everywhere:
// it serves any pair, so every chain ends in it.
inline constexpr int not_in_auto = 0;
inline constexpr int last_resort = 1000;
struct auto_ranks {
    int file_to_file = not_in_auto;
    int file_to_socket = not_in_auto;
    int file_to_pipe = not_in_auto;
    int file_to_other = not_in_auto;
    int stream_to_any = not_in_auto;

    int rank(scenario s) const noexcept;
};

// A tuning variant `zc tune` times against a strategy's defaults: one knob,
// up to two values (0 = none). A value of a knob that cuts the transfer is
// tried only when it or the default is below the transfer's size: otherwise
// it cannot change the transfer and timing it would let noise pick a winner.
enum class trial_scenarios { all, except_file_to_pipe, only_file_to_pipe };
struct tuning_trial {
    knob_id knob;
    std::array<std::uint64_t, 2> values{};
    // What the strategy uses when the option is at its transfer_options{}
    // default (e.g. chunk_size 0 = its own cap); nullopt = that default.
    std::optional<std::uint64_t> strategy_default{};
    // splice strategies into a pipe sink have no pipe of their own.
    trial_scenarios scenarios = trial_scenarios::all;

    bool applies_to(scenario s) const noexcept;
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
    // Its place in auto's built-in chains (src/engine/auto_select.cpp).
    auto_ranks auto_rank = {};
    // The variants `zc tune` tries, in the order it lists them.
    std::span<const tuning_trial> tuning_trials = {};
    // The textbook cost per transfer (file → socket) that the bench prints
    // beside its measurements: data copies, of which by the CPU, and mode
    // switches. A model, not a measurement; "" for none.
    std::string_view cost_model = {};
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
