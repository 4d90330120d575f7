// The strategy registry: one line per strategy, best-known order. The
// position in this table is also a strategy's colour in the bench's charts
// (src/bench/svg_chart.cpp) and breaks ties between equal auto ranks.
#include <poll.h>

#include <array>
#include <cerrno>
#include <mutex>
#include <vector>

#include "strategies/strategy.hpp"

namespace zc::detail {

extern const strategy_ops read_write_ops;
extern const strategy_ops mmap_write_ops;
extern const strategy_ops sendfile_ops;
extern const strategy_ops splice_ops;
extern const strategy_ops copy_file_range_ops;
extern const strategy_ops direct_io_ops;
extern const strategy_ops uring_splice_ops;
extern const strategy_ops uring_send_zc_ops;
extern const strategy_ops msg_zerocopy_ops;

namespace {

const std::array table = {
    &read_write_ops,
    &mmap_write_ops,
    &sendfile_ops,
    &splice_ops,
    &copy_file_range_ops,
    &direct_io_ops,
    &uring_splice_ops,
    &uring_send_zc_ops,
    &msg_zerocopy_ops,
};

const std::array<strategy_id, table.size()> ids = [] {
    std::array<strategy_id, table.size()> out{};
    for (std::size_t i = 0; i < table.size(); ++i) out[i] = table[i]->id;
    return out;
}();

std::size_t index_of(strategy_id id) {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (table[i]->id == id) return i;
    return 0; // automatic has no ops; callers never ask for it
}

// Each probe runs the first time its strategy is asked about, once per
// process: a plain file copy never pays for io_uring_setup.
struct probe_cache {
    std::array<std::once_flag, table.size()> once;
    std::array<std::optional<error>, table.size()> results;
};

probe_cache& probes() {
    static probe_cache cache;
    return cache;
}

} // namespace

std::span<const strategy_ops* const> registry() noexcept { return table; }

int auto_ranks::rank(scenario s) const noexcept {
    switch (s) {
    case scenario::file_to_file: return file_to_file;
    case scenario::file_to_socket: return file_to_socket;
    case scenario::file_to_pipe: return file_to_pipe;
    case scenario::file_to_other: return file_to_other;
    case scenario::stream_to_any: return stream_to_any;
    }
    return not_in_auto;
}

bool tuning_trial::applies_to(scenario s) const noexcept {
    switch (scenarios) {
    case trial_scenarios::all: return true;
    case trial_scenarios::except_file_to_pipe: return s != scenario::file_to_pipe;
    case trial_scenarios::only_file_to_pipe: return s == scenario::file_to_pipe;
    }
    return true;
}
const strategy_ops& ops_for(strategy_id id) { return *table[index_of(id)]; }
const std::optional<error>& availability(strategy_id id) {
    const std::size_t i = index_of(id);
    auto& cache = probes();
    std::call_once(cache.once[i], [&] {
        if (table[i]->probe) cache.results[i] = table[i]->probe();
    });
    return cache.results[i];
}

error syscall_error(int errno_value, std::string_view syscall, const transfer_context& ctx) {
    return error::from_errno(errno_value, std::string(syscall) + " (" + ctx.source.describe() + " → " +
                                              ctx.sink.describe() + ", at byte " + std::to_string(ctx.done) + ")");
}

bool would_block(int errno_value) noexcept { return errno_value == EAGAIN || errno_value == EWOULDBLOCK; }

step blocked_side(const transfer_context& ctx) {
    if (!ctx.source.nonblocking() || ctx.seekable_source) return step::sink_blocked;
    pollfd p{ctx.source.fd, POLLIN, 0};
    ctx.stats->syscalls++;
    if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP))) return step::sink_blocked;
    return step::source_blocked;
}

} // namespace zc::detail

namespace zc {

std::span<const strategy_id> all_strategies() noexcept { return detail::ids; }

std::string_view strategy_name(strategy_id id) noexcept {
    if (id == strategy_id::automatic) return "auto";
    return detail::ops_for(id).name;
}

std::optional<strategy_id> parse_strategy(std::string_view name) noexcept {
    if (name == "auto") return strategy_id::automatic;
    for (const auto* ops : detail::table)
        if (ops->name == name) return ops->id;
    return std::nullopt;
}

std::span<const strategy_info> describe_strategies() {
    static const std::vector<strategy_info> infos = [] {
        std::vector<strategy_info> out;
        for (const auto* ops : detail::table) {
            const auto& probe = detail::availability(ops->id);
            out.push_back({ops->id, ops->name, ops->summary, ops->serves, !probe.has_value(),
                           probe ? probe->message() : std::string()});
        }
        return out;
    }();
    return infos;
}

const strategy_info& describe_strategy(strategy_id id) { return describe_strategies()[detail::index_of(id)]; }

} // namespace zc
