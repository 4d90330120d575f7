// group_coordinator — the consumer-group coordinator of a single-node
// broker: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// OffsetCommit and OffsetFetch, after Kafka's GroupCoordinator
// (core/src/main/scala/kafka/coordinator/group/GroupCoordinator.scala).
//
// Membership (group.hpp has the states): a JoinGroup starts or joins a join
// phase and is answered when the phase ends — when every known member
// rejoined, or when the rebalance timeout (the longest of the members') has
// passed, dropping those that did not. The phase of a group that was Empty
// is held open for the initial rebalance delay (Kafka's
// group.initial.rebalance.delay.ms), extended while new members keep
// coming. The end of a phase bumps the generation, picks a protocol every
// member supports and answers every member; the leader also gets every
// member's metadata. The leader's SyncGroup hands out the assignments;
// the followers' SyncGroups wait for it. Heartbeats keep members alive and
// tell them of a rebalance; a member silent for its session timeout is
// removed by tick() and the group rebalances, as after a LeaveGroup.
//
// Offsets: OffsetCommit from a member of the current generation, or a
// standalone commit (generation -1) to a group without members, goes to the
// offset_store and is answered once it is synced to disk.
//
// Thread-safety: one mutex around every group; replies are collected under
// it and called after it is released, so a reply may call back in.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "log/async_api.hpp"
#include "log/group.hpp"
#include "log/offset_store.hpp"

namespace zc::log {

struct group_coordinator_settings {
    // This node, as FindCoordinator names it: the advertised address.
    std::int32_t node_id = 0;
    std::string host = "127.0.0.1";
    std::int32_t port = 9092;
    // When set, asked at every FindCoordinator instead (the broker's
    // advertised address, known only once it listens). Thread-safe.
    struct node {
        std::int32_t node_id = 0;
        std::string host;
        std::int32_t port = 0;
    };
    std::function<node()> advertised;
    // Kafka's group.min.session.timeout.ms and group.max.session.timeout.ms.
    std::chrono::milliseconds min_session_timeout{6000};
    std::chrono::milliseconds max_session_timeout{1800000};
    // Kafka's group.initial.rebalance.delay.ms defaults to 3000 so that a
    // fleet of consumers starting together rebalances once. Here 0 (what
    // Kafka's own config/server.properties sets for development): a single
    // node mostly serves development and tests, where a first consumer that
    // waits three seconds for its first record looks broken, and the cost of
    // 0 — one more rebalance when several consumers start at once — is a few
    // round trips on one node.
    std::chrono::milliseconds initial_rebalance_delay{0};
    // Kafka's offset.metadata.max.bytes.
    std::size_t max_metadata_bytes = 4096;
    // Whether a commit names a partition of this broker (empty: any);
    // otherwise UNKNOWN_TOPIC_OR_PARTITION, as Kafka answers.
    std::function<bool(const std::string& topic, std::int32_t partition)> partition_exists;
    // Tests drive time themselves.
    std::function<async_api::steady_clock::time_point()> now = [] { return async_api::steady_clock::now(); };
    std::function<std::int64_t()> wall_clock_ms = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
    };
};

class group_coordinator final : public async_api {
public:
    group_coordinator(group_coordinator_settings settings, std::unique_ptr<offset_store> offsets);
    // Opens DIR/__consumer_offsets/ for the offsets.
    static std::expected<std::unique_ptr<group_coordinator>, error> open(const std::filesystem::path& log_dir,
                                                                         group_coordinator_settings settings);
    // Answers every request still waiting (NOT_COORDINATOR, as Kafka does
    // when a coordinator gives a group up: a client looks for it again).
    ~group_coordinator() override;

    bool handles(std::int16_t api_key) const override;
    void handle(const protocol::request& request, reply done) override;
    std::optional<steady_clock::time_point> next_due() const override;
    void tick(steady_clock::time_point now) override;

    // For tests and diagnostics: a group's state and generation.
    struct group_view {
        group_state state = group_state::dead;
        std::int32_t generation = 0;
        std::string leader;
        std::string protocol;
        std::size_t members = 0;
    };
    std::optional<group_view> describe(const std::string& group_id) const;

    const offset_store& offsets() const { return *offsets_; }

private:
    // Replies (and commits handed to the store) collected under the mutex,
    // run after it is released.
    class outbox {
    public:
        void add(reply to, protocol::message body) {
            actions_.push_back([to = std::move(to), body = std::move(body)]() mutable { to(std::move(body)); });
        }
        void later(std::function<void()> action) { actions_.push_back(std::move(action)); }
        void run() {
            for (auto& action : actions_) action();
            actions_.clear();
        }

    private:
        std::vector<std::function<void()>> actions_;
    };

    void join_group(const protocol::request& request, reply done, outbox& out);
    void sync_group(const protocol::request& request, reply done, outbox& out);
    protocol::message heartbeat(const protocol::request& request);
    protocol::message leave_group(const protocol::request& request, outbox& out);
    void offset_commit(const protocol::request& request, reply done, outbox& out);
    protocol::message offset_fetch(const protocol::request& request) const;
    protocol::message find_coordinator(const protocol::request& request) const;

    void join_new_member(group& g, const protocol::request& request, reply done, outbox& out);
    void add_member_and_rebalance(group& g, group_member member, reply done, outbox& out);
    void update_member_and_rebalance(group& g, group_member& m, const protocol::request& request, reply done,
                                     outbox& out);
    void prepare_rebalance(group& g, outbox& out);
    void try_complete_join(group& g, outbox& out);
    void complete_join(group& g, outbox& out);
    // Answers the member's waiting requests with `why`; no rebalance yet
    // (after_member_removed decides).
    void remove_member(group& g, const std::string& member_id, protocol::error_code why, outbox& out);
    void after_member_removed(group& g, outbox& out);
    void expire(group& g, steady_clock::time_point now, outbox& out);
    void touch(group_member& m) const;
    std::string new_member_id(const std::optional<std::string>& client_id);

    group_coordinator_settings settings_;
    std::unique_ptr<offset_store> offsets_;
    mutable std::mutex mutex_;
    std::map<std::string, group, std::less<>> groups_;
    std::uint64_t id_state_[2]{};
};

} // namespace zc::log
