// auto: pick by source/sink kind and size, best first.
//
// The profile (zerocopy/profile.hpp, docs/auto.md) names the first strategy
// per scenario and size band; the rest of the chain is the built-in measured
// order. Every chain ends in read-write, which serves any pair, so a refusal
// anywhere above it still completes the transfer.
#include "engine/auto_select.hpp"

#include <algorithm>
#include <memory>

#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {

using enum strategy_id;

constexpr strategy_id file_to_file_chain[] = {copy_file_range, sendfile, splice, read_write};
constexpr strategy_id file_to_socket_chain[] = {sendfile, splice, read_write};
constexpr strategy_id file_to_pipe_chain[] = {splice, sendfile, read_write};
constexpr strategy_id file_to_other_chain[] = {sendfile, read_write};
constexpr strategy_id stream_to_any_chain[] = {splice, read_write};

// "Not set" is the transfer_options{} default: a caller who wants exactly the
// default and no profile tuning names a strategy instead of auto.
template <typename T>
void fill(T& field, T default_value, const std::optional<T>& tuned) {
    if (tuned && field == default_value) field = *tuned;
}

} // namespace

std::span<const strategy_id> default_chain(scenario s) noexcept {
    switch (s) {
    case scenario::file_to_file: return file_to_file_chain;
    case scenario::file_to_socket: return file_to_socket_chain;
    case scenario::file_to_pipe: return file_to_pipe_chain;
    case scenario::file_to_other: return file_to_other_chain;
    case scenario::stream_to_any: return stream_to_any_chain;
    }
    return stream_to_any_chain;
}

const size_band* built_in_band(scenario s, std::optional<std::uint64_t> size) {
    static const profile built_in = profile::built_in();
    return built_in.choose(s, size);
}

void apply_tuning(const tuning& tune, transfer_options& options) noexcept {
    static const transfer_options defaults;
    fill(options.chunk_size, defaults.chunk_size, tune.chunk_size);
    fill(options.buffer_size, defaults.buffer_size, tune.buffer_size);
    fill(options.pipe_size, defaults.pipe_size, tune.pipe_size);
    fill(options.mmap_window, defaults.mmap_window, tune.mmap_window);
    fill(options.uring_depth, defaults.uring_depth, tune.uring_depth);
}

std::vector<strategy_id> auto_chain(const endpoint& source, const endpoint& sink,
                                    std::optional<std::uint64_t> total, transfer_options& options) {
    const scenario s = scenario_for(source.kind, sink.kind);
    std::shared_ptr<const profile> active;
    const profile* chosen = options.profile;
    if (!chosen) {
        active = active_profile();
        chosen = active.get();
    }
    std::vector<strategy_id> order;
    if (const size_band* band = chosen->choose(s, total)) {
        order.push_back(band->strategy);
        // The tuning was measured for this strategy; it only applies when the
        // strategy can serve the pair at all.
        if (!ops_for(band->strategy).refuses(source, sink)) apply_tuning(band->tune, options);
    } else {
        order.push_back(built_in_band(s, total)->strategy); // what the profile leaves out
    }
    for (strategy_id id : default_chain(s))
        if (std::find(order.begin(), order.end(), id) == order.end()) order.push_back(id);

    std::vector<strategy_id> chain;
    for (strategy_id id : order)
        if (!ops_for(id).refuses(source, sink)) chain.push_back(id);
    return chain;
}

} // namespace zc::detail
