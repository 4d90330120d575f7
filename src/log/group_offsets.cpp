// The offsets half of the coordinator: OffsetCommit (checked against the
// group's generation and member, then made durable by the offset_store
// before it is answered), OffsetFetch, and FindCoordinator (this node, for
// every group).
#include <fmt/format.h>

#include "log/group_coordinator.hpp"

namespace zc::log {
namespace {

using protocol::error_code;
using protocol::message;

constexpr std::int16_t offset_commit_key = 8, offset_fetch_key = 9, find_coordinator_key = 10;

// Kafka's checks of a commit against the group (GroupCoordinator.doCommitOffsets).
error_code commit_check(group* g, std::int32_t generation, const std::string& member_id,
                        const std::optional<std::string>& instance) {
    if (!g) return generation < 0 ? error_code::none : error_code::illegal_generation;
    if (g->state == group_state::dead) return error_code::not_coordinator;
    if (instance) {
        const group_member* owner = g->find_instance(*instance);
        if (owner && owner->id != member_id) return error_code::fenced_instance_id;
    }
    // Offsets of a group that only stores them here (no members, no generation).
    if (generation < 0 && g->state == group_state::empty) return error_code::none;
    if (!g->find(member_id)) return error_code::unknown_member_id;
    if (generation != g->generation) return error_code::illegal_generation;
    // The member has its join answer but not yet its assignment.
    if (g->state == group_state::completing_rebalance) return error_code::rebalance_in_progress;
    return error_code::none;
}

message commit_response(const message& request, error_code error) {
    message r = protocol::make_response(offset_commit_key);
    for (const message& topic : request.get_array("Topics")) {
        message& t = r.add("Topics");
        t.set_string("Name", topic.get_string("Name"));
        for (const message& p : topic.get_array("Partitions"))
            t.add("Partitions").set_int("PartitionIndex", p.get_int32("PartitionIndex")).set_error("ErrorCode", error);
    }
    return r;
}

void fill_fetched(message& p, std::int32_t partition, const std::optional<committed_offset>& c) {
    p.set_int("PartitionIndex", partition)
        .set_int("CommittedOffset", c ? c->offset : -1)
        .set_int("CommittedLeaderEpoch", c ? c->leader_epoch : -1)
        .set_string("Metadata", c && c->metadata ? *c->metadata : std::string())
        .set_error("ErrorCode", error_code::none);
}

} // namespace

void group_coordinator::offset_commit(const protocol::request& request, reply done, outbox& out) {
    const message& body = request.body;
    const std::string& group_id = body.get_string("GroupId");
    const std::string& member_id = body.get_string("MemberId");
    auto it = groups_.find(group_id);
    group* g = it == groups_.end() ? nullptr : &it->second;
    const std::optional<std::string> instance =
        body.is_null("GroupInstanceId") ? std::nullopt : std::optional(body.get_string("GroupInstanceId"));
    const error_code checked = commit_check(g, body.get_int32("GenerationIdOrMemberEpoch"), member_id, instance);
    if (checked != error_code::none) return out.add(std::move(done), commit_response(body, checked));
    if (g)
        if (group_member* m = g->find(member_id)) touch(*m); // a commit is a sign of life, as in Kafka

    message response = commit_response(body, error_code::none);
    std::vector<offset_record> records;
    const std::int64_t now_ms = settings_.wall_clock_ms();
    auto& response_topics = std::get<std::vector<message>>(response.get("Topics"));
    const auto& topics = body.get_array("Topics");
    for (std::size_t t = 0; t < topics.size(); ++t) {
        const auto& partitions = topics[t].get_array("Partitions");
        auto& answers = std::get<std::vector<message>>(response_topics[t].get("Partitions"));
        for (std::size_t p = 0; p < partitions.size(); ++p) {
            const message& part = partitions[p];
            const std::string& topic = topics[t].get_string("Name");
            const std::int32_t index = part.get_int32("PartitionIndex");
            std::optional<std::string> metadata;
            if (!part.is_null("CommittedMetadata")) metadata = part.get_string("CommittedMetadata");
            if (metadata && metadata->size() > settings_.max_metadata_bytes) {
                answers[p].set_error("ErrorCode", error_code::offset_metadata_too_large);
            } else if (settings_.partition_exists && !settings_.partition_exists(topic, index)) {
                answers[p].set_error("ErrorCode", error_code::unknown_topic_or_partition);
            } else {
                records.push_back({{group_id, topic, index},
                                   {part.get_int64("CommittedOffset"), part.get_int32("CommittedLeaderEpoch"), now_ms,
                                    std::move(metadata)}});
            }
        }
    }
    // Handed to the store after the lock is released; answered once synced.
    out.later([store = offsets_.get(), records = std::move(records), response = std::move(response),
               done = std::move(done)]() mutable {
        store->commit(std::move(records), [response = std::move(response), done = std::move(done)](
                                              std::expected<void, error> synced) mutable {
            if (!synced)
                for (message& topic : std::get<std::vector<message>>(response.get("Topics")))
                    for (message& p : std::get<std::vector<message>>(topic.get("Partitions")))
                        if (p.get_error("ErrorCode") == error_code::none)
                            p.set_error("ErrorCode", error_code::kafka_storage_error);
            done(std::move(response));
        });
    });
}

message group_coordinator::offset_fetch(const protocol::request& request) const {
    const message& body = request.body;
    const std::string& group_id = body.get_string("GroupId");
    message r = protocol::make_response(offset_fetch_key);
    r.set_error("ErrorCode", error_code::none);
    if (body.is_null("Topics")) {
        // v2+: every offset the group has committed.
        message* current = nullptr;
        for (const offset_record& record : offsets_->fetch_group(group_id)) {
            if (!current || current->get_string("Name") != record.key.topic) {
                current = &r.add("Topics");
                current->set_string("Name", record.key.topic);
            }
            fill_fetched(current->add("Partitions"), record.key.partition, record.value);
        }
        return r;
    }
    for (const message& topic : body.get_array("Topics")) {
        message& t = r.add("Topics");
        t.set_string("Name", topic.get_string("Name"));
        for (const std::int64_t partition : topic.get_int_array("PartitionIndexes")) {
            const auto index = static_cast<std::int32_t>(partition);
            fill_fetched(t.add("Partitions"), index, offsets_->fetch({group_id, topic.get_string("Name"), index}));
        }
    }
    return r;
}

message group_coordinator::find_coordinator(const protocol::request& request) const {
    message r = protocol::make_response(find_coordinator_key);
    const std::int8_t key_type = request.body.get_int8("KeyType");
    if (key_type != 0) {
        // 1 is a transactional id: this broker has no transaction coordinator.
        r.set_error("ErrorCode", error_code::invalid_request)
            .set_string("ErrorMessage", fmt::format("no coordinator for key type {} (only 0, groups)", key_type))
            .set_int("NodeId", -1)
            .set_string("Host", "")
            .set_int("Port", -1);
        return r;
    }
    group_coordinator_settings::node self{settings_.node_id, settings_.host, settings_.port};
    if (settings_.advertised) self = settings_.advertised();
    r.set_error("ErrorCode", error_code::none)
        .set_int("NodeId", self.node_id)
        .set_string("Host", self.host)
        .set_int("Port", self.port);
    return r;
}

} // namespace zc::log
