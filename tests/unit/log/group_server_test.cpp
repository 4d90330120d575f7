// The coordinator behind a real log::server (made by its api factory) and a
// raw codec client on loopback: ApiVersions lists the group APIs,
// FindCoordinator names the bound port, a JoinGroup answered later keeps
// its place, and stopping the server with a JoinGroup still waiting is
// clean (the reply goes through a stopped loop that still exists).
#include <gtest/gtest.h>

#include <algorithm>

#include "log/group_coordinator.hpp"
#include "log/serve.hpp"
#include "support/test_support.hpp"
#include "unit/log/kafka_client.hpp"

namespace zc::test {
namespace {

using protocol::error_code;
using protocol::message;

constexpr std::int16_t find_coordinator = 10, join_group = 11, api_versions = 18;

message join_body(const std::string& member_id) {
    message body = protocol::make_request(join_group);
    body.set_string("GroupId", "g")
        .set_int("SessionTimeoutMs", 10000)
        .set_int("RebalanceTimeoutMs", 60000)
        .set_string("MemberId", member_id)
        .set_string("ProtocolType", "consumer");
    body.add("Protocols").set_string("Name", "range").set_string("Metadata", "m");
    return body;
}

TEST(GroupServer, TheCoordinatorAnswersThroughTheBroker) {
    temp_dir dir;
    log::serve_settings settings;
    settings.broker.dir = dir.path() / "log";
    settings.net.host = "127.0.0.1";
    settings.net.port = 0;
    settings.net.workers = 1;
    settings.api_factories.push_back([](log::broker& b) -> std::expected<std::unique_ptr<log::async_api>, error> {
        log::group_coordinator_settings groups;
        groups.advertised = [&b] {
            const auto a = b.advertised();
            return log::group_coordinator_settings::node{b.config().node_id, a.host, a.port};
        };
        auto made = log::group_coordinator::open(b.config().dir, std::move(groups));
        if (!made) return std::unexpected(made.error());
        return std::unique_ptr<log::async_api>(std::move(*made));
    });
    auto server = log::server::start(settings);
    ASSERT_TRUE(server) << server.error().message();
    const std::string& address = (*server)->local_address();
    const auto port = static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));

    kafka_client a(port), b(port);
    ASSERT_TRUE(a.connected() && b.connected());
    std::string keep_a;
    auto versions = a.call(api_versions, 3, protocol::make_request(api_versions), keep_a);
    ASSERT_TRUE(versions);
    std::vector<std::int64_t> keys;
    for (const message& k : versions->body.get_array("ApiKeys")) keys.push_back(k.get_int("ApiKey"));
    for (std::int64_t key : {8, 9, 10, 11, 12, 13, 14})
        EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;

    message find = protocol::make_request(find_coordinator);
    find.set_string("Key", "g");
    auto found = a.call(find_coordinator, 2, find, keep_a);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->body.get_error("ErrorCode"), error_code::none);
    EXPECT_EQ(found->body.get_int32("Port"), port);
    EXPECT_EQ(found->body.get_string("Host"), "127.0.0.1");

    auto joined = a.call(join_group, 3, join_body(""), keep_a);
    ASSERT_TRUE(joined);
    EXPECT_EQ(joined->body.get_int32("GenerationId"), 1);
    // B's JoinGroup waits for A to rejoin; a FindCoordinator sent after it on
    // the same connection is answered after it, in order.
    ASSERT_TRUE(b.send(join_group, 3, 41, join_body("")));
    ASSERT_TRUE(b.send(find_coordinator, 2, 42, find));
    const std::string a_id = joined->body.get_string("MemberId");
    // B's JoinGroup reached the coordinator once A's heartbeat is told to rejoin.
    auto until_rebalance = [&](std::int32_t generation) {
        message beat = protocol::make_request(12);
        beat.set_string("GroupId", "g").set_int("GenerationId", generation).set_string("MemberId", a_id);
        for (int i = 0; i < 200; ++i) {
            auto answer = a.call(12, 3, beat, keep_a);
            if (!answer) return false;
            if (answer->body.get_error("ErrorCode") == error_code::rebalance_in_progress) return true;
        }
        return false;
    };
    ASSERT_TRUE(until_rebalance(1));
    auto rejoined = a.call(join_group, 3, join_body(a_id), keep_a);
    ASSERT_TRUE(rejoined);
    EXPECT_EQ(rejoined->body.get_int32("GenerationId"), 2);
    std::string keep;
    auto b_joined = b.read_response(join_group, 3, keep);
    ASSERT_TRUE(b_joined);
    EXPECT_EQ(b_joined->correlation_id, 41);
    EXPECT_EQ(b_joined->body.get_int32("GenerationId"), 2);
    auto b_found = b.read_response(find_coordinator, 2, keep);
    ASSERT_TRUE(b_found);
    EXPECT_EQ(b_found->correlation_id, 42);

    // A third member's JoinGroup waits (A and B have not rejoined) while the server stops.
    kafka_client c(port);
    ASSERT_TRUE(c.send(join_group, 3, 43, join_body("")));
    ASSERT_TRUE(until_rebalance(2));
    server->reset();
}

} // namespace
} // namespace zc::test
