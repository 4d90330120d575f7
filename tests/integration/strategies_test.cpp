// zc strategies [--json]
#include <gtest/gtest.h>

#include <set>

#include "zc_cli_support.hpp"

namespace zc::test {

TEST(strategies, json_lists_every_strategy_with_availability_and_reason) {
    auto r = run_zc({"strategies", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r;
    const auto list = nlohmann::json::parse(r.out);
    ASSERT_TRUE(list.is_array());
    std::set<std::string> listed;
    for (const auto& entry : list) {
        ASSERT_TRUE(entry.at("name").is_string()) << entry.dump();
        ASSERT_TRUE(entry.at("available").is_boolean()) << entry.dump();
        ASSERT_TRUE(entry.at("reason").is_string()) << entry.dump();
        ASSERT_TRUE(entry.at("summary").is_string()) << entry.dump();
        ASSERT_TRUE(entry.at("serves").is_string()) << entry.dump();
        if (!entry.at("available").get<bool>()) {
            EXPECT_FALSE(entry.at("reason").get<std::string>().empty()) << "unavailable without a reason: " << entry.dump();
        }
        EXPECT_TRUE(listed.insert(entry.at("name").get<std::string>()).second) << "listed twice: " << entry.dump();
    }
    // The per-strategy tests cover exactly what zc knows.
    std::set<std::string> expected(strategy_names_under_test().begin(), strategy_names_under_test().end());
    expected.erase("auto");
    EXPECT_EQ(listed, expected);
}

TEST(strategies, plain_output_names_every_strategy_and_why_unavailable) {
    auto r = run_zc({"strategies"});
    ASSERT_EQ(r.exit_code, 0) << r;
    for (const auto& entry : strategy_catalog()) {
        EXPECT_NE(r.out.find(entry.at("name").get<std::string>()), std::string::npos) << r;
        if (!entry.at("available").get<bool>()) {
            EXPECT_NE(r.out.find(entry.at("reason").get<std::string>()), std::string::npos) << r;
        }
    }
}

TEST(strategies, basic_strategies_are_available_everywhere) {
    // read-write serves any pair and needs nothing from the kernel; auto's
    // fallback chains end in it.
    for (const auto& entry : strategy_catalog())
        if (entry.at("name") == "read-write") {
            EXPECT_TRUE(entry.at("available").get<bool>());
        }
}

TEST(strategies, rejects_unknown_options_with_usage) {
    expect_usage_error(run_zc({"strategies", "--bogus"}), "--bogus", "strategies");
}

} // namespace zc::test
