// The message definitions: every field of every API this server speaks, in
// wire order, with the versions it exists in. Written from Kafka's message
// definitions (clients/src/main/resources/common/message/<Name>Request.json
// and Response.json), restricted to the versions advertised below; fields
// only in later versions are left out. A field that Kafka marks "versions":
// "0-3" is between(0, 3) here, "3+" is since(3).
//
// Adding a version: widen `supported` in apis[] and add the fields that
// version brings (protocol_test.cpp round-trips every advertised version).
#include <algorithm>

#include "log/protocol_schema.hpp"

namespace zc::log::protocol {
namespace {

constexpr version_range all = since(0);

// ---- ApiVersions (18) --------------------------------------------------------
constexpr field api_versions_request[] = {
    string("ClientSoftwareName", since(3)),
    string("ClientSoftwareVersion", since(3)),
};
constexpr field api_versions_api_key[] = {
    int16("ApiKey", all),
    int16("MinVersion", all),
    int16("MaxVersion", all),
};
constexpr field api_versions_supported_feature[] = {
    string("Name", since(3)),
    int16("MinVersion", since(3)),
    int16("MaxVersion", since(3)),
};
constexpr field api_versions_finalized_feature[] = {
    string("Name", since(3)),
    int16("MaxVersionLevel", since(3)),
    int16("MinVersionLevel", since(3)),
};
constexpr field api_versions_response[] = {
    int16("ErrorCode", all),
    array_of("ApiKeys", all, api_versions_api_key),
    int32("ThrottleTimeMs", since(1)),
    array_of("SupportedFeatures", since(3), api_versions_supported_feature).tagged(0, since(3)),
    int64("FinalizedFeaturesEpoch", since(3)).defaults_to(-1).tagged(1, since(3)),
    array_of("FinalizedFeatures", since(3), api_versions_finalized_feature).tagged(2, since(3)),
    boolean("ZkMigrationReady", since(3)).tagged(3, since(3)),
};

// ---- Metadata (3) --------------------------------------------------------------
constexpr field metadata_request_topic[] = {
    string("Name", all),
};
constexpr field metadata_request[] = {
    array_of("Topics", all, metadata_request_topic).nullable_in(since(1)),
    boolean("AllowAutoTopicCreation", since(4)).defaults_to(1),
    boolean("IncludeClusterAuthorizedOperations", between(8, 10)),
    boolean("IncludeTopicAuthorizedOperations", since(8)),
};
constexpr field metadata_response_broker[] = {
    int32("NodeId", all),
    string("Host", all),
    int32("Port", all),
    string("Rack", since(1)).nullable_in(since(1)).defaults_to_null(),
};
constexpr field metadata_response_partition[] = {
    int16("ErrorCode", all),
    int32("PartitionIndex", all),
    int32("LeaderId", all),
    int32("LeaderEpoch", since(7)).defaults_to(-1),
    array_of("ReplicaNodes", all, type::int32),
    array_of("IsrNodes", all, type::int32),
    array_of("OfflineReplicas", since(5), type::int32),
};
constexpr field metadata_response_topic[] = {
    int16("ErrorCode", all),
    string("Name", all),
    boolean("IsInternal", since(1)),
    array_of("Partitions", all, metadata_response_partition),
    int32("TopicAuthorizedOperations", since(8)).defaults_to(-2147483648LL),
};
constexpr field metadata_response[] = {
    int32("ThrottleTimeMs", since(3)),
    array_of("Brokers", all, metadata_response_broker),
    string("ClusterId", since(2)).nullable_in(since(2)).defaults_to_null(),
    int32("ControllerId", since(1)).defaults_to(-1),
    array_of("Topics", all, metadata_response_topic),
    int32("ClusterAuthorizedOperations", between(8, 10)).defaults_to(-2147483648LL),
};

// ---- Produce (0) ---------------------------------------------------------------
constexpr field produce_request_partition[] = {
    int32("Index", all),
    records("Records", all).nullable_in(all),
};
constexpr field produce_request_topic[] = {
    string("Name", all),
    array_of("PartitionData", all, produce_request_partition),
};
constexpr field produce_request[] = {
    string("TransactionalId", since(3)).nullable_in(since(3)).defaults_to_null(),
    int16("Acks", all),
    int32("TimeoutMs", all),
    array_of("TopicData", all, produce_request_topic),
};
constexpr field produce_response_partition[] = {
    int32("Index", all),
    int16("ErrorCode", all),
    int64("BaseOffset", all),
    int64("LogAppendTimeMs", since(2)).defaults_to(-1),
    int64("LogStartOffset", since(5)).defaults_to(-1),
};
constexpr field produce_response_topic[] = {
    string("Name", all),
    array_of("PartitionResponses", all, produce_response_partition),
};
constexpr field produce_response[] = {
    array_of("Responses", all, produce_response_topic),
    int32("ThrottleTimeMs", since(1)),
};

// ---- Fetch (1) -------------------------------------------------------------------
constexpr field fetch_request_partition[] = {
    int32("Partition", all),
    int32("CurrentLeaderEpoch", since(9)).defaults_to(-1),
    int64("FetchOffset", all),
    int64("LogStartOffset", since(5)).defaults_to(-1),
    int32("PartitionMaxBytes", all),
};
constexpr field fetch_request_topic[] = {
    string("Topic", between(0, 12)),
    array_of("Partitions", all, fetch_request_partition),
};
constexpr field fetch_request_forgotten_topic[] = {
    string("Topic", between(7, 12)),
    array_of("Partitions", since(7), type::int32),
};
constexpr field fetch_request[] = {
    int32("ReplicaId", between(0, 14)).defaults_to(-1),
    int32("MaxWaitMs", all),
    int32("MinBytes", all),
    int32("MaxBytes", since(3)).defaults_to(0x7fffffff),
    int8("IsolationLevel", since(4)),
    int32("SessionId", since(7)),
    int32("SessionEpoch", since(7)).defaults_to(-1),
    array_of("Topics", all, fetch_request_topic),
    array_of("ForgottenTopicsData", since(7), fetch_request_forgotten_topic),
    string("RackId", since(11)),
};
constexpr field fetch_response_aborted_transaction[] = {
    int64("ProducerId", since(4)),
    int64("FirstOffset", since(4)),
};
constexpr field fetch_response_partition[] = {
    int32("PartitionIndex", all),
    int16("ErrorCode", all),
    int64("HighWatermark", all),
    int64("LastStableOffset", since(4)).defaults_to(-1),
    int64("LogStartOffset", since(5)).defaults_to(-1),
    array_of("AbortedTransactions", since(4), fetch_response_aborted_transaction).nullable_in(since(4)),
    int32("PreferredReadReplica", since(11)).defaults_to(-1),
    records("Records", all).nullable_in(all),
};
constexpr field fetch_response_topic[] = {
    string("Topic", between(0, 12)),
    array_of("Partitions", all, fetch_response_partition),
};
constexpr field fetch_response[] = {
    int32("ThrottleTimeMs", since(1)),
    int16("ErrorCode", since(7)),
    int32("SessionId", since(7)),
    array_of("Responses", all, fetch_response_topic),
};

// ---- ListOffsets (2) ---------------------------------------------------------------
constexpr field list_offsets_request_partition[] = {
    int32("PartitionIndex", all),
    int32("CurrentLeaderEpoch", since(4)).defaults_to(-1),
    int64("Timestamp", all),
    int32("MaxNumOffsets", between(0, 0)).defaults_to(1),
};
constexpr field list_offsets_request_topic[] = {
    string("Name", all),
    array_of("Partitions", all, list_offsets_request_partition),
};
constexpr field list_offsets_request[] = {
    int32("ReplicaId", all),
    int8("IsolationLevel", since(2)),
    array_of("Topics", all, list_offsets_request_topic),
};
constexpr field list_offsets_response_partition[] = {
    int32("PartitionIndex", all),
    int16("ErrorCode", all),
    array_of("OldStyleOffsets", between(0, 0), type::int64),
    int64("Timestamp", since(1)).defaults_to(-1),
    int64("Offset", since(1)).defaults_to(-1),
    int32("LeaderEpoch", since(4)).defaults_to(-1),
};
constexpr field list_offsets_response_topic[] = {
    string("Name", all),
    array_of("Partitions", all, list_offsets_response_partition),
};
constexpr field list_offsets_response[] = {
    int32("ThrottleTimeMs", since(2)),
    array_of("Topics", all, list_offsets_response_topic),
};

// ---- OffsetCommit (8) ----------------------------------------------------------------
constexpr field offset_commit_request_partition[] = {
    int32("PartitionIndex", all),
    int64("CommittedOffset", all),
    int32("CommittedLeaderEpoch", since(6)).defaults_to(-1),
    int64("CommitTimestamp", between(1, 1)).defaults_to(-1),
    string("CommittedMetadata", all).nullable_in(all),
};
constexpr field offset_commit_request_topic[] = {
    string("Name", all),
    array_of("Partitions", all, offset_commit_request_partition),
};
constexpr field offset_commit_request[] = {
    string("GroupId", all),
    int32("GenerationIdOrMemberEpoch", since(1)).defaults_to(-1),
    string("MemberId", since(1)),
    string("GroupInstanceId", since(7)).nullable_in(since(7)).defaults_to_null(),
    int64("RetentionTimeMs", between(2, 4)).defaults_to(-1),
    array_of("Topics", all, offset_commit_request_topic),
};
constexpr field offset_commit_response_partition[] = {
    int32("PartitionIndex", all),
    int16("ErrorCode", all),
};
constexpr field offset_commit_response_topic[] = {
    string("Name", all),
    array_of("Partitions", all, offset_commit_response_partition),
};
constexpr field offset_commit_response[] = {
    int32("ThrottleTimeMs", since(3)),
    array_of("Topics", all, offset_commit_response_topic),
};

// ---- OffsetFetch (9) -----------------------------------------------------------------
constexpr field offset_fetch_request_topic[] = {
    string("Name", between(0, 7)),
    array_of("PartitionIndexes", between(0, 7), type::int32),
};
constexpr field offset_fetch_request[] = {
    string("GroupId", between(0, 7)),
    array_of("Topics", between(0, 7), offset_fetch_request_topic).nullable_in(between(2, 7)),
    boolean("RequireStable", since(7)),
};
constexpr field offset_fetch_response_partition[] = {
    int32("PartitionIndex", between(0, 7)),
    int64("CommittedOffset", between(0, 7)),
    int32("CommittedLeaderEpoch", between(5, 7)).defaults_to(-1),
    string("Metadata", between(0, 7)).nullable_in(between(0, 7)),
    int16("ErrorCode", between(0, 7)),
};
constexpr field offset_fetch_response_topic[] = {
    string("Name", between(0, 7)),
    array_of("Partitions", between(0, 7), offset_fetch_response_partition),
};
constexpr field offset_fetch_response[] = {
    int32("ThrottleTimeMs", since(3)),
    array_of("Topics", between(0, 7), offset_fetch_response_topic),
    int16("ErrorCode", between(2, 7)),
};

// ---- FindCoordinator (10) ------------------------------------------------------------
constexpr field find_coordinator_request[] = {
    string("Key", between(0, 3)),
    int8("KeyType", since(1)),
};
constexpr field find_coordinator_response[] = {
    int32("ThrottleTimeMs", since(1)),
    int16("ErrorCode", between(0, 3)),
    string("ErrorMessage", between(1, 3)).nullable_in(between(1, 3)),
    int32("NodeId", between(0, 3)),
    string("Host", between(0, 3)),
    int32("Port", between(0, 3)),
};

// ---- JoinGroup (11) --------------------------------------------------------------------
constexpr field join_group_request_protocol[] = {
    string("Name", all),
    bytes("Metadata", all),
};
constexpr field join_group_request[] = {
    string("GroupId", all),
    int32("SessionTimeoutMs", all),
    int32("RebalanceTimeoutMs", since(1)).defaults_to(-1),
    string("MemberId", all),
    string("GroupInstanceId", since(5)).nullable_in(since(5)).defaults_to_null(),
    string("ProtocolType", all),
    array_of("Protocols", all, join_group_request_protocol),
};
constexpr field join_group_response_member[] = {
    string("MemberId", all),
    string("GroupInstanceId", since(5)).nullable_in(since(5)).defaults_to_null(),
    bytes("Metadata", all),
};
constexpr field join_group_response[] = {
    int32("ThrottleTimeMs", since(2)),
    int16("ErrorCode", all),
    int32("GenerationId", all).defaults_to(-1),
    string("ProtocolName", all),
    string("Leader", all),
    string("MemberId", all),
    array_of("Members", all, join_group_response_member),
};

// ---- Heartbeat (12) --------------------------------------------------------------------
constexpr field heartbeat_request[] = {
    string("GroupId", all),
    int32("GenerationId", all),
    string("MemberId", all),
    string("GroupInstanceId", since(3)).nullable_in(since(3)).defaults_to_null(),
};
constexpr field heartbeat_response[] = {
    int32("ThrottleTimeMs", since(1)),
    int16("ErrorCode", all),
};

// ---- LeaveGroup (13) -------------------------------------------------------------------
constexpr field leave_group_request[] = {
    string("GroupId", all),
    string("MemberId", between(0, 2)),
};
constexpr field leave_group_response[] = {
    int32("ThrottleTimeMs", since(1)),
    int16("ErrorCode", all),
};

// ---- SyncGroup (14) --------------------------------------------------------------------
constexpr field sync_group_request_assignment[] = {
    string("MemberId", all),
    bytes("Assignment", all),
};
constexpr field sync_group_request[] = {
    string("GroupId", all),
    int32("GenerationId", all),
    string("MemberId", all),
    string("GroupInstanceId", since(3)).nullable_in(since(3)).defaults_to_null(),
    array_of("Assignments", all, sync_group_request_assignment),
};
constexpr field sync_group_response[] = {
    int32("ThrottleTimeMs", since(1)),
    int16("ErrorCode", all),
    bytes("Assignment", all),
};

// ---- CreateTopics (19) -----------------------------------------------------------------
constexpr field create_topics_request_assignment[] = {
    int32("PartitionIndex", all),
    array_of("BrokerIds", all, type::int32),
};
constexpr field create_topics_request_config[] = {
    string("Name", all),
    string("Value", all).nullable_in(all),
};
constexpr field create_topics_request_topic[] = {
    string("Name", all),
    int32("NumPartitions", all),
    int16("ReplicationFactor", all),
    array_of("Assignments", all, create_topics_request_assignment),
    array_of("Configs", all, create_topics_request_config),
};
constexpr field create_topics_request[] = {
    array_of("Topics", all, create_topics_request_topic),
    int32("timeoutMs", all).defaults_to(60000),
    boolean("validateOnly", since(1)),
};
constexpr field create_topics_response_topic[] = {
    string("Name", all),
    int16("ErrorCode", all),
    string("ErrorMessage", since(1)).nullable_in(all),
};
constexpr field create_topics_response[] = {
    int32("ThrottleTimeMs", since(2)),
    array_of("Topics", all, create_topics_response_topic),
};

// What this server speaks and advertises in ApiVersions: key, name, the
// versions supported, Kafka's first flexible version, request, response.
constexpr api_schema api_table[] = {
    {0, "Produce", between(0, 7), 9, produce_request, produce_response},
    {1, "Fetch", between(4, 11), 12, fetch_request, fetch_response},
    {2, "ListOffsets", between(0, 2), 6, list_offsets_request, list_offsets_response},
    {3, "Metadata", between(0, 8), 9, metadata_request, metadata_response},
    {8, "OffsetCommit", between(2, 7), 8, offset_commit_request, offset_commit_response},
    {9, "OffsetFetch", between(1, 5), 6, offset_fetch_request, offset_fetch_response},
    {10, "FindCoordinator", between(0, 2), 3, find_coordinator_request, find_coordinator_response},
    {11, "JoinGroup", between(0, 5), 6, join_group_request, join_group_response},
    {12, "Heartbeat", between(0, 3), 4, heartbeat_request, heartbeat_response},
    {13, "LeaveGroup", between(0, 1), 4, leave_group_request, leave_group_response},
    {14, "SyncGroup", between(0, 3), 4, sync_group_request, sync_group_response},
    {18, "ApiVersions", between(0, 3), 3, api_versions_request, api_versions_response},
    {19, "CreateTopics", between(0, 4), 5, create_topics_request, create_topics_response},
};

constexpr bool sorted_by_key() {
    for (std::size_t i = 1; i < std::size(api_table); ++i)
        if (api_table[i - 1].key >= api_table[i].key) return false;
    return true;
}
static_assert(sorted_by_key(), "find_api searches api_table by key");

} // namespace

std::span<const api_schema> apis() { return api_table; }

const api_schema* find_api(std::int16_t key) {
    auto it = std::lower_bound(std::begin(api_table), std::end(api_table), key,
                               [](const api_schema& api, std::int16_t k) { return api.key < k; });
    return it != std::end(api_table) && it->key == key ? &*it : nullptr;
}

} // namespace zc::log::protocol
