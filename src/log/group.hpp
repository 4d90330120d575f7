// group — one consumer group as the coordinator keeps it: its state, its
// generation, its members and what each supports, and the rules that depend
// only on that data (which protocols a joining member may bring, which one
// the group uses). The state machine that moves it is group_coordinator.
//
// States (Kafka's GroupState):
//   Empty                no members (offsets may still be committed);
//   PreparingRebalance   a join phase: members are (re)joining; it ends when
//                        every member rejoined or the rebalance timeout passed;
//   CompletingRebalance  the join phase ended: a generation and a leader are
//                        chosen, the leader's SyncGroup with assignments is awaited;
//   Stable               assignments were handed out;
//   Dead                 the coordinator is shutting down.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/async_api.hpp"

namespace zc::log {

enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };
std::string_view group_state_name(group_state state) noexcept;

struct group_protocol {
    std::string name;
    std::string metadata;
};

struct group_member {
    using time_point = async_api::steady_clock::time_point;

    std::string id;
    std::optional<std::string> instance_id; // static membership (KIP-345)
    std::string client_id;
    std::chrono::milliseconds session_timeout{0};
    std::chrono::milliseconds rebalance_timeout{0};
    std::vector<group_protocol> protocols; // the member's preference order
    std::string assignment;                // from the leader's SyncGroup
    async_api::reply join_waiter;          // a JoinGroup waiting for the join phase to end
    async_api::reply sync_waiter;          // a SyncGroup waiting for the leader's assignments
    time_point session_deadline{};         // no heartbeat by then: the member is gone

    bool supports(std::string_view protocol) const;
    const std::string* metadata_for(std::string_view protocol) const;
    // A member waiting in a join or sync phase is not expected to heartbeat:
    // the phase itself is bounded (rebalance timeout; the leader's session).
    bool awaiting() const { return join_waiter || sync_waiter; }
};

struct group {
    using time_point = async_api::steady_clock::time_point;

    std::string id;
    group_state state = group_state::empty;
    std::int32_t generation = 0;
    std::string protocol_type;
    std::string protocol_name; // chosen at the end of each join phase; "" when none
    std::string leader;        // "" when none
    std::vector<group_member> members; // in join order
    // Members told MEMBER_ID_REQUIRED (KIP-394), until they join with that id
    // or their session timeout passes.
    std::vector<std::pair<std::string, time_point>> pending;

    // The join phase: when it ends at the latest. With the initial delay
    // (a group that was Empty), it ends only at the deadline, which moves on
    // while new members keep coming, up to the rebalance timeout.
    std::optional<time_point> join_deadline;
    bool initial_delay = false;
    bool new_member_added = false;
    std::chrono::milliseconds delay_remaining{0};

    group_member* find(std::string_view member_id);
    group_member* find_instance(std::string_view instance_id);
    bool is_pending(std::string_view member_id) const;
    void remove_pending(std::string_view member_id);
    bool all_joined() const;
    std::chrono::milliseconds max_rebalance_timeout() const;

    // Kafka's supportsProtocols: into an Empty group any non-empty protocol
    // type and list; otherwise the same type and at least one protocol every
    // other member supports too.
    bool accepts(std::string_view type, const std::vector<group_protocol>& protocols,
                 std::string_view joining_member) const;
    // Kafka's selectProtocol: of the protocols every member supports, each
    // member votes for its first; the most votes win, ties going to the
    // leader's preference order.
    std::string select_protocol() const;
};

} // namespace zc::log
