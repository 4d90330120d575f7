// The registry: every strategy listed once, with the facts the engine, `zc
// tune` and the bench read from its ops table.
#include <gtest/gtest.h>

#include <set>

#include "strategies/strategy.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::test {
namespace {

TEST(registry, lists_every_strategy_once_under_its_own_id_and_name) {
    std::set<strategy_id> ids;
    std::set<std::string_view> names;
    for (const auto* ops : detail::registry()) {
        EXPECT_NE(ops->id, strategy_id::automatic);
        EXPECT_TRUE(ids.insert(ops->id).second) << ops->name;
        EXPECT_TRUE(names.insert(ops->name).second) << ops->name;
        EXPECT_EQ(&detail::ops_for(ops->id), ops);
        EXPECT_EQ(parse_strategy(ops->name), ops->id);
        EXPECT_EQ(strategy_name(ops->id), ops->name);
    }
    EXPECT_EQ(all_strategies().size(), detail::registry().size());
}

TEST(registry, every_strategy_has_a_cost_model_and_something_to_tune) {
    for (const auto* ops : detail::registry()) {
        EXPECT_FALSE(ops->cost_model.empty()) << ops->name;
        EXPECT_FALSE(ops->tuning_trials.empty()) << ops->name;
        for (const auto& trial : ops->tuning_trials) EXPECT_NE(trial.values[0], 0u) << ops->name;
    }
}

} // namespace
} // namespace zc::test
