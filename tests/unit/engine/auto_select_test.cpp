// auto's built-in chains, derived from the ranks in the strategies' ops
// tables, and its first pick, computed once for the engine and for display.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "engine/auto_select.hpp"
#include "strategies/strategy.hpp"
#include "zerocopy/profile.hpp"

namespace zc::test {
namespace {

using enum strategy_id;

// The chains as measured (docs/auto.md) and as they were written by hand
// before the ops tables held them.
TEST(auto_select, default_chains_are_the_measured_order_of_each_scenario) {
    const std::map<scenario, std::vector<strategy_id>> expected = {
        {scenario::file_to_file, {copy_file_range, sendfile, splice, read_write}},
        {scenario::file_to_socket, {sendfile, splice, read_write}},
        {scenario::file_to_pipe, {splice, sendfile, read_write}},
        {scenario::file_to_other, {sendfile, read_write}},
        {scenario::stream_to_any, {splice, read_write}},
    };
    ASSERT_EQ(expected.size(), all_scenarios().size());
    for (const scenario s : all_scenarios()) {
        const auto chain = detail::default_chain(s);
        EXPECT_EQ(std::vector<strategy_id>(chain.begin(), chain.end()), expected.at(s)) << scenario_name(s);
    }
}

TEST(auto_select, every_chain_ends_in_the_one_strategy_that_serves_any_pair) {
    for (const scenario s : all_scenarios()) {
        const auto chain = detail::default_chain(s);
        ASSERT_FALSE(chain.empty()) << scenario_name(s);
        EXPECT_EQ(chain.back(), read_write) << scenario_name(s);
        EXPECT_EQ(detail::ops_for(read_write).auto_rank.rank(s), detail::last_resort) << scenario_name(s);
        for (std::size_t i = 0; i + 1 < chain.size(); ++i)
            EXPECT_LT(detail::ops_for(chain[i]).auto_rank.rank(s), detail::last_resort) << scenario_name(s);
    }
}

TEST(auto_select, order_is_the_profile_band_then_the_default_chain_without_repeats) {
    profile p;
    p.scenarios[scenario::file_to_file] = {{4096, splice, {}}, {std::nullopt, read_write, {}}};
    auto small = detail::auto_order_for(scenario::file_to_file, 100, p);
    EXPECT_EQ(small.strategies, (std::vector<strategy_id>{splice, copy_file_range, sendfile, read_write}));
    ASSERT_NE(small.band, nullptr);
    EXPECT_EQ(small.band->strategy, splice);
    auto large = detail::auto_order_for(scenario::file_to_file, 1u << 20, p);
    EXPECT_EQ(large.strategies, (std::vector<strategy_id>{read_write, copy_file_range, sendfile, splice}));
    // A scenario the profile leaves out: the built-in profile's band, no band of p.
    auto socket = detail::auto_order_for(scenario::file_to_socket, 1u << 20, p);
    EXPECT_EQ(socket.band, nullptr);
    EXPECT_EQ(socket.strategies, (std::vector<strategy_id>{splice, sendfile, read_write}));
}

// zc::auto_choice (what `zc strategies` shows) is the first available entry of
// the engine's order, for every scenario, size band and profile here.
TEST(auto_select, auto_choice_is_the_first_available_strategy_of_the_engines_order) {
    profile p;
    p.scenarios[scenario::file_to_socket] = {{65536, uring_send_zc, {}}, {std::nullopt, msg_zerocopy, {}}};
    tuning large_buffer;
    large_buffer.buffer_size = 1u << 20;
    p.scenarios[scenario::file_to_file] = {{std::nullopt, direct_io, large_buffer}};
    const profile built_in = profile::built_in();
    const std::map<scenario, std::pair<fd_kind, fd_kind>> kinds = {
        {scenario::file_to_file, {fd_kind::regular_file, fd_kind::regular_file}},
        {scenario::file_to_socket, {fd_kind::regular_file, fd_kind::tcp_socket}},
        {scenario::file_to_pipe, {fd_kind::regular_file, fd_kind::pipe}},
        {scenario::file_to_other, {fd_kind::regular_file, fd_kind::char_device}},
        {scenario::stream_to_any, {fd_kind::pipe, fd_kind::regular_file}},
    };
    for (const profile* each : {static_cast<const profile*>(&p), &built_in})
        for (const auto& [s, pair] : kinds)
            for (const std::optional<std::uint64_t> size : {std::optional<std::uint64_t>(1), std::optional<std::uint64_t>(1u << 20),
                                                            std::optional<std::uint64_t>(1u << 30), std::optional<std::uint64_t>()}) {
                const auto order = detail::auto_order_for(s, size, *each);
                std::size_t first = 0;
                while (detail::availability(order.strategies[first])) ++first;
                const auto pick = auto_choice(pair.first, pair.second, size, each);
                EXPECT_EQ(pick.which, s);
                EXPECT_EQ(pick.strategy, order.strategies[first]) << scenario_name(s);
                EXPECT_EQ(pick.from_profile, first == 0 && order.band != nullptr) << scenario_name(s);
                EXPECT_EQ(pick.tune, pick.from_profile ? order.band->tune : tuning{}) << scenario_name(s);
            }
}

} // namespace
} // namespace zc::test
