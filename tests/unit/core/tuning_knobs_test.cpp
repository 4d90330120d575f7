// The table of tuning knobs: each knob reaches its zc::tuning member, its
// transfer_options field and its profile-file key, and round-trips.
#include <gtest/gtest.h>

#include <set>

#include "engine/auto_select.hpp"
#include "core/tuning_knobs.hpp"
#include "zerocopy/profile.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {
namespace {

using detail::tuning_knobs;

TEST(tuning_knobs, the_table_names_every_tuning_member_once) {
    std::set<std::string_view> keys;
    tuning all;
    for (const auto& knob : tuning_knobs()) {
        EXPECT_TRUE(keys.insert(knob.key).second) << knob.key;
        EXPECT_EQ(&detail::knob(knob.id), &knob);
        EXPECT_EQ(detail::find_knob(knob.key), &knob);
        EXPECT_FALSE(knob.tuned(all)) << knob.key;
        knob.set_tuned(all, 2);
        EXPECT_EQ(knob.tuned(all), 2u) << knob.key;
    }
    // Every member of zc::tuning is some knob's: none is left unset.
    EXPECT_EQ(all, (tuning{2, 2, 2, 2, 2}));
    EXPECT_EQ(detail::find_knob("up_to"), nullptr);
    EXPECT_EQ(detail::find_knob("strategy"), nullptr);
}

TEST(tuning_knobs, defaults_are_the_transfer_options_defaults) {
    const transfer_options defaults;
    EXPECT_EQ(detail::knob(detail::knob_id::chunk_size).default_value(), defaults.chunk_size);
    EXPECT_EQ(detail::knob(detail::knob_id::buffer_size).default_value(), defaults.buffer_size);
    EXPECT_EQ(detail::knob(detail::knob_id::pipe_size).default_value(), defaults.pipe_size);
    EXPECT_EQ(detail::knob(detail::knob_id::mmap_window).default_value(), defaults.mmap_window);
    EXPECT_EQ(detail::knob(detail::knob_id::uring_depth).default_value(), defaults.uring_depth);
}

TEST(tuning_knobs, every_knob_round_trips_through_profile_json) {
    for (const auto& knob : tuning_knobs()) {
        profile p;
        size_band band{65536, strategy_id::splice, {}};
        const std::uint64_t value = knob.largest == 4096 ? 16 : std::uint64_t{3} << 20;
        knob.set_tuned(band.tune, value);
        p.scenarios[scenario::file_to_pipe] = {band, {std::nullopt, strategy_id::sendfile, {}}};
        const std::string text = p.to_json();
        std::string entry = "\"";
        entry.append(knob.key).append("\": ").append(std::to_string(value));
        EXPECT_NE(text.find(entry), std::string::npos) << text;
        auto back = profile::from_json(text);
        ASSERT_TRUE(back) << back.error().message();
        EXPECT_EQ(back->scenarios, p.scenarios) << knob.key;
        EXPECT_EQ(knob.tuned(back->scenarios.at(scenario::file_to_pipe).front().tune), value) << knob.key;
    }
}

TEST(tuning_knobs, a_profile_value_above_a_knobs_limit_is_rejected) {
    for (const auto& knob : tuning_knobs()) {
        const auto with_value = [&](std::uint64_t value) {
            std::string text = R"({"scenarios": {"file-to-pipe": [{"strategy": "splice", ")";
            text.append(knob.key).append(R"(": )").append(std::to_string(value)).append("}]}}");
            return text;
        };
        EXPECT_TRUE(profile::from_json(with_value(knob.largest))) << knob.key;
        EXPECT_FALSE(profile::from_json(with_value(knob.largest + 1))) << knob.key;
    }
}

TEST(tuning_knobs, apply_tuning_fills_each_field_left_at_its_default_and_keeps_the_callers) {
    for (const auto& knob : tuning_knobs()) {
        tuning tune;
        knob.set_tuned(tune, 12345);
        transfer_options untouched;
        detail::apply_tuning(tune, untouched);
        EXPECT_EQ(knob.option(untouched), 12345u) << knob.key;
        transfer_options chosen;
        knob.set_option(chosen, 777);
        detail::apply_tuning(tune, chosen);
        EXPECT_EQ(knob.option(chosen), 777u) << knob.key;
        // The other fields stay at their defaults.
        for (const auto& other : tuning_knobs())
            if (&other != &knob) {
                EXPECT_EQ(other.option(untouched), other.default_value()) << other.key;
            }
    }
}

} // namespace
} // namespace zc::test
