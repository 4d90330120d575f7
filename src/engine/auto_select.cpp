// auto: pick by source/sink kind and size, best first.
//
// The profile (zerocopy/profile.hpp, docs/auto.md) names the first strategy
// per scenario and size band; the rest of the chain is the built-in measured
// order, which each strategy's ops table states as its rank per scenario.
// Every chain ends in read-write, which serves any pair, so a refusal
// anywhere above it still completes the transfer.
#include "engine/auto_select.hpp"

#include <algorithm>
#include <memory>

#include "core/tuning_knobs.hpp"
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {

// The chain of one scenario from the ranks in the ops tables.
std::vector<strategy_id> ranked_chain(scenario s) {
    // (rank, registry position): equal ranks keep the registry's order. Not
    // std::stable_sort: libstdc++ 12's uses get_temporary_buffer, which
    // clang (make fuzz-ci) rejects as deprecated in C++23.
    std::vector<std::pair<int, std::size_t>> ranked;
    const auto table = registry();
    for (std::size_t i = 0; i < table.size(); ++i)
        if (table[i]->auto_rank.rank(s) != not_in_auto) ranked.push_back({table[i]->auto_rank.rank(s), i});
    std::sort(ranked.begin(), ranked.end());
    std::vector<strategy_id> chain;
    for (const auto& [rank, index] : ranked) chain.push_back(table[index]->id);
    return chain;
}

// "Not set" is the transfer_options{} default: a caller who wants exactly the
// default and no profile tuning names a strategy instead of auto.
void fill(const tuning_knob& knob, const tuning& tune, transfer_options& options) {
    const auto tuned = knob.tuned(tune);
    if (tuned && knob.option(options) == knob.default_value()) knob.set_option(options, *tuned);
}

} // namespace

std::span<const strategy_id> default_chain(scenario s) noexcept {
    static const auto chains = [] {
        std::vector<std::vector<strategy_id>> out(all_scenarios().size());
        for (scenario each : all_scenarios()) out.at(static_cast<std::size_t>(each)) = ranked_chain(each);
        return out;
    }();
    return chains[static_cast<std::size_t>(s)];
}

const size_band* built_in_band(scenario s, std::optional<std::uint64_t> size) {
    static const profile built_in = profile::built_in();
    return built_in.choose(s, size);
}

void apply_tuning(const tuning& tune, transfer_options& options) noexcept {
    for (const auto& knob : tuning_knobs()) fill(knob, tune, options);
}

auto_order auto_order_for(scenario s, std::optional<std::uint64_t> size, const profile& p) {
    auto_order order;
    order.band = p.choose(s, size);
    // What the profile leaves out, the built-in profile decides.
    order.strategies.push_back(order.band ? order.band->strategy : built_in_band(s, size)->strategy);
    for (strategy_id id : default_chain(s))
        if (std::find(order.strategies.begin(), order.strategies.end(), id) == order.strategies.end())
            order.strategies.push_back(id);
    return order;
}

std::vector<strategy_id> auto_chain(const endpoint& source, const endpoint& sink,
                                    std::optional<std::uint64_t> total, transfer_options& options) {
    std::shared_ptr<const profile> active;
    const profile* chosen = options.profile;
    if (!chosen) {
        active = active_profile();
        chosen = active.get();
    }
    const auto order = auto_order_for(scenario_for(source.kind, sink.kind), total, *chosen);
    // The tuning was measured for this strategy; it only applies when the
    // strategy can serve the pair at all.
    if (order.band && !ops_for(order.band->strategy).refuses(source, sink)) apply_tuning(order.band->tune, options);

    std::vector<strategy_id> chain;
    for (strategy_id id : order.strategies)
        if (!ops_for(id).refuses(source, sink)) chain.push_back(id);
    return chain;
}

} // namespace zc::detail
