// group_coordinator: the group state machine driven by requests the codec
// built and decoded, with a fake clock and tick() standing in for the loop.
#include <gtest/gtest.h>

#include <cctype>

#include "log/group_coordinator.hpp"
#include "support/test_support.hpp"
#include "unit/log/group_test_support.hpp"

namespace zc::test {
namespace {

using log::group_coordinator;
using log::group_state;
using log::protocol::error_code;
using log::protocol::make_request;
using log::protocol::message;
using namespace std::chrono_literals;

constexpr std::int16_t offset_commit = 8, offset_fetch = 9, find_coordinator = 10, join_group = 11, heartbeat = 12,
                       leave_group = 13, sync_group = 14;

using protocol_list = std::vector<std::pair<std::string, std::string>>;

// "PREFIX" then xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx in lowercase hex
// (no <regex>: GCC 12's sanitizer builds warn inside it).
bool looks_like_client_id_and_uuid4(const std::string& id, const std::string& prefix) {
    if (!id.starts_with(prefix)) return false;
    const std::string uuid = id.substr(prefix.size());
    if (uuid.size() != 36) return false;
    for (std::size_t i = 0; i < uuid.size(); ++i) {
        const char c = uuid[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return uuid[14] == '4' && std::string_view("89ab").find(uuid[19]) != std::string_view::npos;
}

class GroupCoordinator : public ::testing::Test {
protected:
    void SetUp() override { start(); }

    void start(std::chrono::milliseconds initial_delay = 0ms) {
        coordinator.reset();
        log::group_coordinator_settings settings;
        settings.node_id = 3;
        settings.host = "broker.example";
        settings.port = 19092;
        settings.min_session_timeout = 100ms;
        settings.max_session_timeout = 60000ms;
        settings.initial_rebalance_delay = initial_delay;
        settings.now = [this] { return now; };
        settings.wall_clock_ms = [] { return std::int64_t{1700000000000}; };
        auto opened = group_coordinator::open(dir.path(), settings);
        ASSERT_TRUE(opened) << opened.error().message();
        coordinator = std::move(*opened);
    }

    std::shared_ptr<captured_reply> send(std::int16_t key, std::int16_t version, const message& body,
                                         std::string client_id = "test-client") {
        auto reply = std::make_shared<captured_reply>();
        replies.push_back(reply);
        coordinator->handle(round_trip(key, version, body, std::move(client_id)), reply->callback());
        return reply;
    }

    std::shared_ptr<captured_reply> join(const std::string& member_id, std::int16_t version = 3,
                                         protocol_list protocols = {{"range", "meta"}}, std::int32_t session_ms = 1000,
                                         std::int32_t rebalance_ms = 5000, std::string group = "g") {
        message body = make_request(join_group);
        body.set_string("GroupId", group)
            .set_int("SessionTimeoutMs", session_ms)
            .set_int("RebalanceTimeoutMs", rebalance_ms)
            .set_string("MemberId", member_id)
            .set_string("ProtocolType", "consumer");
        for (auto& [name, metadata] : protocols) body.add("Protocols").set_string("Name", name).set_string("Metadata", metadata);
        return send(join_group, version, body);
    }

    // A brand-new member's JoinGroup (v3: no MEMBER_ID_REQUIRED round), answered at once
    // when it completes a join phase alone.
    std::string join_alone(protocol_list protocols = {{"range", "meta"}}) {
        auto r = join("", 3, std::move(protocols));
        EXPECT_TRUE(r->answered());
        return r->wait().get_string("MemberId");
    }

    error_code beat(const std::string& member, std::int32_t generation, std::int16_t version = 3) {
        message body = make_request(heartbeat);
        body.set_string("GroupId", "g").set_int("GenerationId", generation).set_string("MemberId", member);
        auto r = send(heartbeat, version, body);
        EXPECT_TRUE(r->answered()) << "a heartbeat is answered at once";
        return r->error();
    }

    std::shared_ptr<captured_reply> sync(const std::string& member, std::int32_t generation,
                                         std::vector<std::pair<std::string, std::string>> assignments = {}) {
        message body = make_request(sync_group);
        body.set_string("GroupId", "g").set_int("GenerationId", generation).set_string("MemberId", member);
        for (auto& [id, a] : assignments) body.add("Assignments").set_string("MemberId", id).set_string("Assignment", a);
        return send(sync_group, 2, body);
    }

    error_code leave(const std::string& member) {
        message body = make_request(leave_group);
        body.set_string("GroupId", "g").set_string("MemberId", member);
        auto r = send(leave_group, 1, body);
        return r->error();
    }

    group_coordinator::group_view view(const std::string& group = "g") {
        auto v = coordinator->describe(group);
        EXPECT_TRUE(v) << group;
        return v.value_or(group_coordinator::group_view{});
    }

    // Two members, A the leader, Stable at generation 2 (A alone was generation 1).
    std::pair<std::string, std::string> stable_pair() {
        const std::string a = join_alone();
        EXPECT_EQ(sync(a, 1, {{a, "A1"}})->wait().get_string("Assignment"), "A1");
        auto b_join = join("");
        EXPECT_FALSE(b_join->answered()) << "B waits for A to rejoin";
        EXPECT_EQ(beat(a, 1), error_code::rebalance_in_progress);
        auto a_join = join(a);
        const message a_result = a_join->wait();
        const message b_result = b_join->wait();
        const std::string b = b_result.get_string("MemberId");
        EXPECT_EQ(a_result.get_int32("GenerationId"), 2);
        EXPECT_EQ(b_result.get_int32("GenerationId"), 2);
        auto b_sync = sync(b, 2);
        sync(a, 2, {{a, "A2"}, {b, "B2"}});
        EXPECT_EQ(b_sync->wait().get_string("Assignment"), "B2");
        EXPECT_EQ(view().state, group_state::stable);
        return {a, b};
    }

    void TearDown() override {
        coordinator.reset(); // answers whatever still waits
        for (const auto& r : replies) EXPECT_EQ(r->calls(), 1u) << "every request is answered exactly once";
    }

    temp_dir dir;
    log::async_api::steady_clock::time_point now{std::chrono::seconds(1000)};
    std::unique_ptr<group_coordinator> coordinator;
    std::vector<std::shared_ptr<captured_reply>> replies;
};

TEST_F(GroupCoordinator, HandlesTheGroupApisOnly) {
    for (std::int16_t key : {offset_commit, offset_fetch, find_coordinator, join_group, heartbeat, leave_group, sync_group})
        EXPECT_TRUE(coordinator->handles(key)) << key;
    for (std::int16_t key : {0, 1, 2, 3, 18, 19}) EXPECT_FALSE(coordinator->handles(key)) << key;
}

TEST_F(GroupCoordinator, FindCoordinatorNamesThisNodeAtEveryVersion) {
    for (std::int16_t version = 0; version <= 2; ++version) {
        message body = make_request(find_coordinator);
        body.set_string("Key", "g");
        const message r = send(find_coordinator, version, body)->wait();
        EXPECT_EQ(r.get_error("ErrorCode"), error_code::none);
        EXPECT_EQ(r.get_int32("NodeId"), 3);
        EXPECT_EQ(r.get_string("Host"), "broker.example");
        EXPECT_EQ(r.get_int32("Port"), 19092);
    }
    message txn = make_request(find_coordinator);
    txn.set_string("Key", "tx").set_int("KeyType", 1);
    EXPECT_EQ(send(find_coordinator, 1, txn)->error(), error_code::invalid_request);
}

TEST_F(GroupCoordinator, TwoMembersJoinTogetherOneLeaderOneGenerationAndSyncHandsOutAssignments) {
    start(100ms); // both arrive within the initial rebalance delay
    auto a_join = join("");
    now += 40ms;
    auto b_join = join("", 3, {{"range", "meta-b"}});
    EXPECT_FALSE(a_join->answered());
    EXPECT_EQ(view().state, group_state::preparing_rebalance);
    now += 60ms;
    coordinator->tick(now);
    EXPECT_FALSE(a_join->answered()) << "a member came during the delay: it is extended once";
    ASSERT_TRUE(coordinator->next_due());
    now = *coordinator->next_due();
    coordinator->tick(now);
    const message a = a_join->wait(), b = b_join->wait();
    EXPECT_EQ(a.get_error("ErrorCode"), error_code::none);
    EXPECT_EQ(a.get_int32("GenerationId"), 1);
    EXPECT_EQ(b.get_int32("GenerationId"), 1);
    EXPECT_EQ(a.get_string("Leader"), b.get_string("Leader"));
    EXPECT_EQ(a.get_string("ProtocolName"), "range");
    const std::string a_id = a.get_string("MemberId"), b_id = b.get_string("MemberId");
    EXPECT_NE(a_id, b_id);
    EXPECT_EQ(a.get_string("Leader"), a_id) << "the first to join leads";
    ASSERT_EQ(a.get_array("Members").size(), 2u) << "the leader gets every member's metadata";
    EXPECT_EQ(a.get_array("Members")[1].get_string("Metadata"), "meta-b");
    EXPECT_TRUE(b.get_array("Members").empty());
    EXPECT_EQ(view().state, group_state::completing_rebalance);

    auto b_sync = sync(b_id, 1);
    EXPECT_FALSE(b_sync->answered()) << "a follower waits for the leader's assignments";
    EXPECT_EQ(beat(b_id, 1), error_code::none);
    auto a_sync = sync(a_id, 1, {{a_id, "parts-a"}, {b_id, "parts-b"}});
    EXPECT_EQ(a_sync->wait().get_string("Assignment"), "parts-a");
    EXPECT_EQ(b_sync->wait().get_string("Assignment"), "parts-b");
    EXPECT_EQ(view().state, group_state::stable);
    EXPECT_EQ(sync(b_id, 1)->wait().get_string("Assignment"), "parts-b") << "asked again when Stable";
}

TEST_F(GroupCoordinator, AThirdMemberRebalancesTheGroupIntoTheNextGeneration) {
    auto [a, b] = stable_pair();
    auto c_join = join("");
    EXPECT_EQ(view().state, group_state::preparing_rebalance);
    EXPECT_EQ(beat(a, 2), error_code::rebalance_in_progress);
    EXPECT_EQ(beat(b, 2), error_code::rebalance_in_progress);
    auto a_join = join(a);
    EXPECT_FALSE(c_join->answered()) << "B has not rejoined yet";
    auto b_join = join(b);
    for (auto* r : {&a_join, &b_join, &c_join}) EXPECT_EQ((*r)->wait().get_int32("GenerationId"), 3);
    EXPECT_EQ(a_join->wait().get_array("Members").size(), 3u);
    EXPECT_EQ(view().members, 3u);
    EXPECT_EQ(beat(a, 2), error_code::illegal_generation) << "the old generation is gone";
}

TEST_F(GroupCoordinator, AMemberSilentForItsSessionTimeoutIsRemovedAndTheGroupRebalances) {
    auto [a, b] = stable_pair();
    now += 600ms;
    EXPECT_EQ(beat(a, 2), error_code::none);
    ASSERT_TRUE(coordinator->next_due());
    EXPECT_EQ(*coordinator->next_due(), now - 600ms + 1000ms) << "B's session deadline comes first";
    now += 500ms; // B's last sign of life was 1100 ms ago
    coordinator->tick(now);
    EXPECT_EQ(view().members, 1u);
    EXPECT_EQ(beat(b, 2), error_code::unknown_member_id);
    EXPECT_EQ(beat(a, 2), error_code::rebalance_in_progress);
    const message r = join(a)->wait();
    EXPECT_EQ(r.get_int32("GenerationId"), 3);
    EXPECT_EQ(r.get_string("Leader"), a);
    EXPECT_EQ(r.get_array("Members").size(), 1u);
}

TEST_F(GroupCoordinator, LeaveGroupRebalancesAndALeavingLeaderHandsOverTheLead) {
    auto [a, b] = stable_pair();
    EXPECT_EQ(leave(a), error_code::none);
    EXPECT_EQ(leave(a), error_code::unknown_member_id);
    EXPECT_EQ(view().leader, b);
    EXPECT_EQ(beat(b, 2), error_code::rebalance_in_progress);
    const message r = join(b)->wait();
    EXPECT_EQ(r.get_int32("GenerationId"), 3);
    EXPECT_EQ(r.get_string("Leader"), b);
    EXPECT_EQ(leave(b), error_code::none);
    EXPECT_EQ(view().state, group_state::empty) << "the last member left";
    EXPECT_EQ(view().generation, 4);
}

TEST_F(GroupCoordinator, TheRebalanceTimeoutDropsMembersThatDidNotRejoin) {
    auto [a, b] = stable_pair();
    auto c_join = join("");
    auto a_join = join(a);
    for (int i = 0; i < 9; ++i) { // B stays alive (heartbeats) but does not rejoin
        now += 500ms;
        EXPECT_EQ(beat(b, 2), error_code::rebalance_in_progress);
        coordinator->tick(now);
    }
    now += 499ms;
    coordinator->tick(now);
    EXPECT_FALSE(a_join->answered());
    now += 1ms; // the 5000 ms rebalance timeout
    coordinator->tick(now);
    EXPECT_EQ(a_join->wait().get_int32("GenerationId"), 3);
    EXPECT_EQ(a_join->wait().get_array("Members").size(), 2u);
    EXPECT_EQ(beat(b, 2), error_code::unknown_member_id);
}

TEST_F(GroupCoordinator, IllegalGenerationAndUnknownMember) {
    auto [a, b] = stable_pair();
    EXPECT_EQ(beat(a, 1), error_code::illegal_generation);
    EXPECT_EQ(beat("nobody", 2), error_code::unknown_member_id);
    EXPECT_EQ(sync(b, 7)->error(), error_code::illegal_generation);
    EXPECT_EQ(sync("nobody", 2)->error(), error_code::unknown_member_id);
    EXPECT_EQ(join("nobody")->error(), error_code::unknown_member_id);
    EXPECT_EQ(join("someone", 3, {{"range", ""}}, 1000, 5000, "other-group")->error(), error_code::unknown_member_id);
    message body = make_request(heartbeat);
    body.set_string("GroupId", "no-such-group").set_int("GenerationId", 1).set_string("MemberId", a);
    EXPECT_EQ(send(heartbeat, 0, body)->error(), error_code::unknown_member_id);
    body.set_string("GroupId", "");
    EXPECT_EQ(send(heartbeat, 0, body)->error(), error_code::invalid_group_id);
}

TEST_F(GroupCoordinator, MemberIdRequiredThenJoinWithTheGivenId) {
    auto first = join("", 4);
    const message required = first->wait();
    EXPECT_EQ(required.get_error("ErrorCode"), error_code::member_id_required);
    const std::string id = required.get_string("MemberId");
    EXPECT_TRUE(looks_like_client_id_and_uuid4(id, "test-client-")) << id;
    EXPECT_FALSE(coordinator->describe("g")->members) << "not a member until it joins with the id";
    const message joined = join(id, 5)->wait();
    EXPECT_EQ(joined.get_error("ErrorCode"), error_code::none);
    EXPECT_EQ(joined.get_string("MemberId"), id);
    EXPECT_EQ(joined.get_int32("GenerationId"), 1);

    // An id handed out but never used expires with its session timeout.
    const std::string unused = join("", 4)->wait().get_string("MemberId");
    now += 1001ms;
    coordinator->tick(now);
    EXPECT_EQ(join(unused, 4)->error(), error_code::unknown_member_id);
    EXPECT_NE(unused, id);
}

TEST_F(GroupCoordinator, InconsistentProtocolsAndInvalidSessionTimeouts) {
    join_alone({{"range", ""}});
    EXPECT_EQ(join("", 3, {{"roundrobin", ""}})->error(), error_code::inconsistent_group_protocol);
    EXPECT_EQ(join("", 3, {})->error(), error_code::inconsistent_group_protocol);
    EXPECT_EQ(join("", 3, {{"range", ""}}, 99)->error(), error_code::invalid_session_timeout);
    EXPECT_EQ(join("", 3, {{"range", ""}}, 60001)->error(), error_code::invalid_session_timeout);
    EXPECT_EQ(join("", 3, {{"range", ""}}, 1000, 5000, "")->error(), error_code::invalid_group_id);
}

TEST_F(GroupCoordinator, TheProtocolIsTheMostVotedOneEveryMemberSupportsTiesToTheLeader) {
    start(100ms);
    auto a = join("", 3, {{"roundrobin", "a1"}, {"range", "a2"}});
    auto b = join("", 3, {{"range", "b1"}, {"roundrobin", "b2"}});
    for (int i = 0; i < 3 && !a->answered(); ++i) {
        ASSERT_TRUE(coordinator->next_due());
        now = *coordinator->next_due();
        coordinator->tick(now);
    }
    const message a_result = a->wait();
    EXPECT_EQ(a_result.get_string("ProtocolName"), "roundrobin") << "one vote each: the leader's first choice";
    EXPECT_EQ(a_result.get_array("Members")[1].get_string("Metadata"), "b2") << "the chosen protocol's metadata";
    b->wait();
}

TEST_F(GroupCoordinator, JoinGroupV0UsesTheSessionTimeoutAsRebalanceTimeout) {
    const message x = join("", 0, {{"range", ""}}, 700)->wait();
    const std::string x_id = x.get_string("MemberId");
    auto y_join = join("", 0, {{"range", ""}}, 700);
    now += 400ms;
    EXPECT_EQ(beat(x_id, 1, 0), error_code::rebalance_in_progress);
    now += 299ms;
    coordinator->tick(now);
    EXPECT_FALSE(y_join->answered());
    now += 1ms; // 700 ms: the phase ends without X, which did not rejoin
    coordinator->tick(now);
    const message y = y_join->wait();
    EXPECT_EQ(y.get_int32("GenerationId"), 2);
    EXPECT_EQ(y.get_array("Members").size(), 1u);
}

TEST_F(GroupCoordinator, AStaticMemberRestartingFencesItsOldId) {
    auto static_join = [&](const std::string& member_id) {
        message body = make_request(join_group);
        body.set_string("GroupId", "g")
            .set_int("SessionTimeoutMs", 1000)
            .set_int("RebalanceTimeoutMs", 5000)
            .set_string("MemberId", member_id)
            .set_string("GroupInstanceId", "instance-1")
            .set_string("ProtocolType", "consumer");
        body.add("Protocols").set_string("Name", "range").set_string("Metadata", "");
        return send(join_group, 5, body);
    };
    const message first = static_join("")->wait();
    EXPECT_EQ(first.get_error("ErrorCode"), error_code::none) << "no MEMBER_ID_REQUIRED round with an instance id";
    const std::string old_id = first.get_string("MemberId");
    const message second = static_join("")->wait();
    ASSERT_EQ(second.get_error("ErrorCode"), error_code::none);
    EXPECT_NE(second.get_string("MemberId"), old_id);
    EXPECT_EQ(view().members, 1u);
    message body = make_request(heartbeat);
    body.set_string("GroupId", "g").set_int("GenerationId", 2).set_string("MemberId", old_id).set_string(
        "GroupInstanceId", "instance-1");
    EXPECT_EQ(send(heartbeat, 3, body)->error(), error_code::fenced_instance_id);
}

TEST_F(GroupCoordinator, WaitingRequestsAreAnsweredWhenTheCoordinatorStops) {
    auto [a, b] = stable_pair();
    (void)b;
    auto c_join = join("");
    coordinator.reset();
    EXPECT_EQ(c_join->error(), error_code::not_coordinator);
    (void)a;
}

// ---- offsets ------------------------------------------------------------------------------

message commit_body(const std::string& member, std::int32_t generation, std::int64_t offset,
                    std::string metadata = "md", std::string group = "g") {
    message body = make_request(offset_commit);
    body.set_string("GroupId", group).set_int("GenerationIdOrMemberEpoch", generation).set_string("MemberId", member);
    message& t = body.add("Topics");
    t.set_string("Name", "events");
    for (std::int32_t p = 0; p < 2; ++p)
        t.add("Partitions").set_int("PartitionIndex", p).set_int("CommittedOffset", offset + p).set_string(
            "CommittedMetadata", metadata);
    return body;
}

std::vector<error_code> partition_errors(const message& r) {
    std::vector<error_code> out;
    for (const message& t : r.get_array("Topics"))
        for (const message& p : t.get_array("Partitions")) out.push_back(p.get_error("ErrorCode"));
    return out;
}

message fetch_body(std::vector<std::int64_t> partitions, std::string group = "g") {
    message body = make_request(offset_fetch);
    body.set_string("GroupId", group);
    body.add("Topics").set_string("Name", "events").set("PartitionIndexes", std::move(partitions));
    return body;
}

TEST_F(GroupCoordinator, StandaloneCommitsAreStoredAndFetched) {
    for (std::int16_t version = 2; version <= 7; ++version) {
        const message r = send(offset_commit, version, commit_body("", -1, 10 * version))->wait();
        EXPECT_EQ(partition_errors(r), (std::vector{error_code::none, error_code::none})) << version;
    }
    for (std::int16_t version = 1; version <= 5; ++version) {
        const message r = send(offset_fetch, version, fetch_body({0, 1, 5}))->wait();
        const auto& parts = r.get_array("Topics").at(0).get_array("Partitions");
        ASSERT_EQ(parts.size(), 3u);
        EXPECT_EQ(parts[0].get_int64("CommittedOffset"), 70);
        EXPECT_EQ(parts[1].get_int64("CommittedOffset"), 71);
        EXPECT_EQ(parts[0].get_string("Metadata"), "md");
        EXPECT_EQ(parts[2].get_int64("CommittedOffset"), -1) << "nothing committed";
        EXPECT_EQ(parts[2].get_string("Metadata"), "");
        EXPECT_EQ(parts[2].get_error("ErrorCode"), error_code::none);
    }
    message all = make_request(offset_fetch);
    all.set_string("GroupId", "g").set_null("Topics");
    const message r = send(offset_fetch, 2, all)->wait();
    ASSERT_EQ(r.get_array("Topics").size(), 1u) << "null topics: every offset of the group";
    EXPECT_EQ(r.get_array("Topics")[0].get_array("Partitions").size(), 2u);
}

TEST_F(GroupCoordinator, MemberCommitsAreCheckedAgainstTheGeneration) {
    auto [a, b] = stable_pair();
    EXPECT_EQ(partition_errors(send(offset_commit, 5, commit_body(a, 2, 100))->wait()),
              (std::vector{error_code::none, error_code::none}));
    EXPECT_EQ(partition_errors(send(offset_commit, 5, commit_body(b, 1, 5))->wait())[0], error_code::illegal_generation);
    EXPECT_EQ(partition_errors(send(offset_commit, 5, commit_body("ghost", 2, 5))->wait())[0],
              error_code::unknown_member_id);
    EXPECT_EQ(partition_errors(send(offset_commit, 5, commit_body("", -1, 5))->wait())[0], error_code::unknown_member_id)
        << "a standalone commit to a group with members";
    EXPECT_EQ(partition_errors(send(offset_commit, 5, commit_body("m", 4, 5, "", "nowhere"))->wait())[0],
              error_code::illegal_generation);
    EXPECT_EQ(partition_errors(send(offset_commit, 5, commit_body(a, 2, 5, std::string(4097, 'x')))->wait())[0],
              error_code::offset_metadata_too_large);
    join(""); // PreparingRebalance: commits of the current generation still count
    EXPECT_EQ(partition_errors(send(offset_commit, 5, commit_body(b, 2, 200))->wait())[0], error_code::none);
    const message r = send(offset_fetch, 3, fetch_body({0}))->wait();
    EXPECT_EQ(r.get_array("Topics")[0].get_array("Partitions")[0].get_int64("CommittedOffset"), 200);
}

TEST_F(GroupCoordinator, CommittedOffsetsSurviveARestart) {
    send(offset_commit, 2, commit_body("", -1, 41))->wait();
    start();
    const message r = send(offset_fetch, 1, fetch_body({0, 1}))->wait();
    EXPECT_EQ(r.get_array("Topics")[0].get_array("Partitions")[0].get_int64("CommittedOffset"), 41);
    EXPECT_EQ(r.get_array("Topics")[0].get_array("Partitions")[1].get_int64("CommittedOffset"), 42);
}

} // namespace
} // namespace zc::test
