#include "log/kafka_handlers.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "log/log_error.hpp"

namespace zc::log::kafka {

namespace {

using protocol::error_code;
using protocol::message;

std::int64_t wall_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

error_code code_of(const error& e) { return static_cast<error_code>(kafka_error_code(e)); }

void describe_topic(message& out, const broker& b, const topic& t) {
    out.set_string("Name", t.name);
    for (const auto& p : t.partitions) {
        message& part = out.add("Partitions");
        part.set_int("PartitionIndex", p->index)
            .set_int("LeaderId", b.config().node_id)
            .set_int("LeaderEpoch", 0)
            .set("ReplicaNodes", std::vector<std::int64_t>{b.config().node_id})
            .set("IsrNodes", std::vector<std::int64_t>{b.config().node_id});
    }
}

} // namespace

bool served_by_broker(std::int16_t api_key) noexcept {
    switch (api_key) {
    case produce_key:
    case fetch_key:
    case list_offsets_key:
    case metadata_key:
    case api_versions_key:
    case create_topics_key: return true;
    default: return false;
    }
}

message api_versions_body(error_code error, std::span<async_api* const> apis) {
    message body = protocol::make_response(api_versions_key);
    body.set_error("ErrorCode", error);
    for (const protocol::api_schema& api : protocol::apis()) {
        const bool served = served_by_broker(api.key) ||
                            std::any_of(apis.begin(), apis.end(), [&](async_api* a) { return a->handles(api.key); });
        if (!served) continue;
        body.add("ApiKeys")
            .set_int("ApiKey", api.key)
            .set_int("MinVersion", api.supported.min)
            .set_int("MaxVersion", api.supported.max);
    }
    return body;
}

// v0: an empty list means every topic; v1+: null means every topic, empty none.
message handle_metadata(broker& b, const protocol::request& request) {
    const message& in = request.body;
    message out = protocol::make_response(metadata_key);
    const broker_config& config = b.config();
    const broker::address advertised = b.advertised();
    out.add("Brokers")
        .set_int("NodeId", config.node_id)
        .set_string("Host", advertised.host)
        .set_int("Port", advertised.port);
    out.set_string("ClusterId", b.cluster_id()).set_int("ControllerId", config.node_id);

    const bool all = in.is_null("Topics") || (request.header.api_version == 0 && in.get_array("Topics").empty());
    if (all) {
        for (topic* t : b.topics()) describe_topic(out.add("Topics"), b, *t);
        return out;
    }
    const bool allow_create = request.header.api_version < 4 || in.get_bool("AllowAutoTopicCreation");
    for (const message& asked : in.get_array("Topics")) {
        const std::string& name = asked.get_string("Name");
        auto t = b.topic_for_use(name, allow_create);
        message& entry = out.add("Topics");
        if (!t) {
            entry.set_string("Name", name).set_error("ErrorCode", t.error());
            continue;
        }
        describe_topic(entry, b, **t);
    }
    return out;
}

message handle_produce(broker& b, const protocol::request& request, std::span<std::byte> frame_body) {
    const message& in = request.body;
    message out = protocol::make_response(produce_key);
    const std::int16_t acks = in.get_int16("Acks");
    const bool acks_valid = acks == 0 || acks == 1 || acks == -1;
    const std::int64_t now_ms = wall_clock_ms();
    for (const message& topic_data : in.get_array("TopicData")) {
        const std::string& name = topic_data.get_string("Name");
        message& topic_out = out.add("Responses");
        topic_out.set_string("Name", name);
        std::expected<topic*, error_code> t = std::unexpected(error_code::invalid_required_acks);
        if (acks_valid) t = b.topic_for_use(name, true);
        for (const message& partition_data : topic_data.get_array("PartitionData")) {
            const std::int32_t index = partition_data.get_int32("Index");
            message& result = topic_out.add("PartitionResponses");
            result.set_int("Index", index);
            if (!t) {
                result.set_error("ErrorCode", t.error());
                continue;
            }
            partition* p = index >= 0 && static_cast<std::size_t>(index) < (*t)->partitions.size()
                               ? (*t)->partitions[static_cast<std::size_t>(index)].get()
                               : nullptr;
            if (!p) {
                result.set_error("ErrorCode", error_code::unknown_topic_or_partition);
                continue;
            }
            if (partition_data.is_null("Records")) {
                result.set_error("ErrorCode", error_code::corrupt_message);
                continue;
            }
            const protocol::record_data& records = partition_data.get_records("Records");
            const auto batches = frame_body.subspan(records.offset, records.bytes.size());
            std::expected<append_result, error> appended;
            std::int64_t log_start = -1;
            {
                std::lock_guard lock(p->mutex);
                appended = p->log->append(batches, now_ms);
                log_start = p->log->log_start_offset();
            }
            if (!appended) {
                result.set_error("ErrorCode", code_of(appended.error())).set_int("BaseOffset", -1);
                continue;
            }
            result.set_int("BaseOffset", appended->base_offset)
                .set_int("LogAppendTimeMs", appended->log_append_time)
                .set_int("LogStartOffset", log_start);
            b.notify_appended(p);
        }
    }
    return out;
}

message handle_list_offsets(broker& b, const protocol::request& request) {
    message out = protocol::make_response(list_offsets_key);
    const bool v0 = request.header.api_version == 0;
    for (const message& asked_topic : request.body.get_array("Topics")) {
        const std::string& name = asked_topic.get_string("Name");
        message& topic_out = out.add("Topics");
        topic_out.set_string("Name", name);
        for (const message& asked : asked_topic.get_array("Partitions")) {
            const std::int32_t index = asked.get_int32("PartitionIndex");
            message& result = topic_out.add("Partitions");
            result.set_int("PartitionIndex", index);
            partition* p = b.find_partition(name, index);
            if (!p) {
                result.set_error("ErrorCode", error_code::unknown_topic_or_partition);
                continue;
            }
            const std::int64_t timestamp = asked.get_int64("Timestamp");
            std::int64_t offset = -1, found_timestamp = -1;
            {
                std::lock_guard lock(p->mutex);
                if (timestamp == -1) {
                    offset = p->log->high_watermark();
                } else if (timestamp == -2) {
                    offset = p->log->log_start_offset();
                } else {
                    auto match = p->log->offset_for_timestamp(timestamp);
                    if (!match) {
                        result.set_error("ErrorCode", code_of(match.error()));
                        continue;
                    }
                    if (*match) {
                        offset = (*match)->base_offset;
                        found_timestamp = (*match)->max_timestamp;
                    }
                }
            }
            if (v0) {
                if (offset >= 0) result.set("OldStyleOffsets", std::vector<std::int64_t>{offset});
            } else {
                result.set_int("Offset", offset).set_int("Timestamp", found_timestamp).set_int("LeaderEpoch", 0);
            }
        }
    }
    return out;
}

message handle_create_topics(broker& b, const protocol::request& request) {
    message out = protocol::make_response(create_topics_key);
    const bool validate_only = request.body.get_bool("validateOnly");
    for (const message& asked : request.body.get_array("Topics")) {
        const std::string& name = asked.get_string("Name");
        message& result = out.add("Topics");
        result.set_string("Name", name);
        const std::int16_t replication = asked.get_int16("ReplicationFactor");
        if (replication != -1 && replication != 1) {
            result.set_error("ErrorCode", error_code::invalid_replication_factor)
                .set_string("ErrorMessage", "Replication factor: " + std::to_string(replication) +
                                                " larger than available brokers: 1.");
            continue;
        }
        const auto& assignments = asked.get_array("Assignments");
        const std::int32_t partitions =
            assignments.empty() ? asked.get_int32("NumPartitions") : static_cast<std::int32_t>(assignments.size());
        auto created = b.create_topic(name, partitions, validate_only);
        result.set_error("ErrorCode", created.error);
        if (created.error != error_code::none) result.set_string("ErrorMessage", created.message);
    }
    return out;
}

fetch_ask parse_fetch(const broker& b, const protocol::request& request) {
    const message& in = request.body;
    fetch_ask ask;
    ask.max_wait_ms = in.get_int32("MaxWaitMs");
    ask.min_bytes = in.get_int32("MinBytes");
    ask.max_bytes = in.get_int32("MaxBytes");
    for (const message& asked_topic : in.get_array("Topics")) {
        fetch_topic_ask& t = ask.topics.emplace_back();
        t.name = asked_topic.get_string("Topic");
        for (const message& asked : asked_topic.get_array("Partitions")) {
            fetch_partition_ask& p = t.partitions.emplace_back();
            p.index = asked.get_int32("Partition");
            p.offset = asked.get_int64("FetchOffset");
            p.max_bytes = asked.get_int32("PartitionMaxBytes");
            p.target = b.find_partition(t.name, p.index);
        }
    }
    return ask;
}

std::vector<const partition*> partitions_of(const fetch_ask& ask) {
    std::vector<const partition*> out;
    for (const auto& t : ask.topics)
        for (const auto& p : t.partitions)
            if (p.target) out.push_back(p.target);
    return out;
}

// Each partition's range is looked up under its mutex and sent later
// without it: the range holds its segment's descriptor (fetch_range::file),
// so retention deleting the segment meanwhile does not cut the send short.
// The response's MaxBytes is shared in request order; like Kafka, the first
// partition with data gets at least one whole batch (read_range's KIP-74 rule).
fetch_answer answer_fetch(const fetch_ask& ask) {
    fetch_answer answer;
    answer.body = protocol::make_response(fetch_key);
    std::int64_t budget = ask.max_bytes > 0 ? ask.max_bytes : 0;
    for (const fetch_topic_ask& t : ask.topics) {
        message& topic_out = answer.body.add("Responses");
        topic_out.set_string("Topic", t.name);
        for (const fetch_partition_ask& asked : t.partitions) {
            message& result = topic_out.add("Partitions");
            result.set_int("PartitionIndex", asked.index)
                .set_null("AbortedTransactions")
                .set_records("Records", protocol::record_data::inline_bytes({}));
            if (!asked.target) {
                result.set_error("ErrorCode", error_code::unknown_topic_or_partition)
                    .set_int("HighWatermark", -1);
                answer.any_error = true;
                continue;
            }
            std::uint64_t limit = static_cast<std::uint64_t>(std::max<std::int64_t>(
                0, std::min<std::int64_t>(asked.max_bytes, budget)));
            if (answer.bytes == 0 && limit == 0) limit = 1; // the first batch goes out whole anyway
            std::expected<fetch_range, error> range;
            std::int64_t high_watermark = 0, log_start = 0;
            {
                std::lock_guard lock(asked.target->mutex);
                high_watermark = asked.target->log->high_watermark();
                log_start = asked.target->log->log_start_offset();
                if (limit > 0) range = asked.target->log->read_range(asked.offset, limit);
            }
            result.set_int("HighWatermark", high_watermark)
                .set_int("LastStableOffset", high_watermark)
                .set_int("LogStartOffset", log_start);
            if (limit == 0) continue; // the response is full: this partition's data waits for the next fetch
            if (!range) {
                result.set_error("ErrorCode", code_of(range.error()));
                answer.any_error = true;
                continue;
            }
            if (range->length == 0) continue;
            const auto id = static_cast<std::uint32_t>(answer.ranges.size());
            result.set_records("Records", protocol::record_data::external_range(range->length, id));
            answer.bytes += range->length;
            budget -= static_cast<std::int64_t>(range->length);
            answer.ranges.push_back(std::move(*range));
        }
    }
    return answer;
}

} // namespace zc::log::kafka
