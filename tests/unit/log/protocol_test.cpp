// The Kafka wire codec (src/log/protocol*): round trips of every message at
// every advertised version, byte layouts checked by hand against Kafka's
// protocol guide, framing limits, malformed input, truncation at every byte.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "log/protocol.hpp"
#include "support/test_support.hpp"
#include "unit/log/protocol_samples.hpp"

namespace zc::log::protocol {
namespace {

using test::describe;
using test::hex;
using test::sample_message;
using test::sample_options;
using test::unhex;

// A copy: decoded records view the bytes decoded, so a test keeps it in a variable.
std::string frame_body(const encoded_frame& frame) { return frame.bytes.substr(4); }

// ---- the table -------------------------------------------------------------------

TEST(KafkaProtocolTable, AdvertisesExactlyTheListedApis) {
    struct advertised {
        std::int16_t key, min, max;
    };
    const advertised expected[] = {{0, 0, 7},  {1, 4, 11}, {2, 0, 2},  {3, 0, 8},  {8, 2, 7},
                                   {9, 1, 5},  {10, 0, 2}, {11, 0, 5}, {12, 0, 3}, {13, 0, 1},
                                   {14, 0, 3}, {18, 0, 3}, {19, 0, 4}};
    ASSERT_EQ(apis().size(), std::size(expected));
    for (std::size_t i = 0; i < std::size(expected); ++i) {
        EXPECT_EQ(apis()[i].key, expected[i].key);
        EXPECT_EQ(apis()[i].supported.min, expected[i].min) << apis()[i].name;
        EXPECT_EQ(apis()[i].supported.max, expected[i].max) << apis()[i].name;
        EXPECT_EQ(find_api(expected[i].key), &apis()[i]);
    }
    EXPECT_EQ(find_api(4), nullptr);
    EXPECT_EQ(find_api(-1), nullptr);
    EXPECT_FALSE(supported_versions(1000).has_value());
}

TEST(KafkaProtocolTable, OnlyApiVersionsV3IsFlexibleAndItsResponseHeaderStaysV0) {
    for (const api_schema& api : apis())
        for (std::int16_t v = api.supported.min; v <= api.supported.max; ++v)
            EXPECT_EQ(api.is_flexible(v), api.key == 18 && v == 3) << api.name << " v" << v;
    EXPECT_TRUE(request_header_is_flexible(18, 3));
    EXPECT_FALSE(response_header_is_flexible(18, 3));
    EXPECT_FALSE(request_header_is_flexible(3, 8));
}

TEST(KafkaProtocolTable, FieldNamesAreUniqueAndStructArraysHaveFields) {
    std::function<void(std::span<const field>, std::string)> check = [&](std::span<const field> schema,
                                                                        std::string where) {
        std::set<std::string_view> names;
        for (const field& f : schema) {
            EXPECT_TRUE(names.insert(f.name).second) << where << "." << f.name;
            EXPECT_FALSE(f.versions.empty()) << where << "." << f.name;
            if (f.kind == type::array && f.element == type::structure) {
                EXPECT_FALSE(f.fields.empty()) << where << "." << f.name;
                check(f.fields, where + "." + std::string(f.name));
            }
        }
    };
    for (const api_schema& api : apis()) {
        check(api.request, std::string(api.name) + "Request");
        check(api.response, std::string(api.name) + "Response");
    }
}

TEST(KafkaProtocolTable, ApiVersionsResponseListsTheTable) {
    message body = api_versions_response(error_code::unsupported_version);
    EXPECT_EQ(body.get_int16("ErrorCode"), 35);
    EXPECT_EQ(body.get_error("ErrorCode"), error_code::unsupported_version);
    body.set_error("ErrorCode", error_code::none);
    EXPECT_EQ(body.get_int16("ErrorCode"), 0);
    const auto& keys = body.get_array("ApiKeys");
    ASSERT_EQ(keys.size(), apis().size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        EXPECT_EQ(keys[i].get_int16("ApiKey"), apis()[i].key);
        EXPECT_EQ(keys[i].get_int16("MinVersion"), apis()[i].supported.min);
        EXPECT_EQ(keys[i].get_int16("MaxVersion"), apis()[i].supported.max);
    }
    EXPECT_EQ(error_name(error_code::unsupported_version), "UNSUPPORTED_VERSION");
    EXPECT_EQ(error_name(static_cast<error_code>(999)), "UNKNOWN(999)");
}

// ---- round trips -----------------------------------------------------------------

struct version_case {
    const api_schema* api;
    std::int16_t version;
};

std::vector<version_case> every_advertised_version() {
    std::vector<version_case> cases;
    for (const api_schema& api : apis())
        for (std::int16_t v = api.supported.min; v <= api.supported.max; ++v) cases.push_back({&api, v});
    return cases;
}

class KafkaProtocolRoundTrip : public testing::TestWithParam<version_case> {};

TEST_P(KafkaProtocolRoundTrip, RequestDecodesToWhatWasEncoded) {
    const auto [api, version] = GetParam();
    for (bool nulls : {false, true}) {
        message body = sample_message(api->request, version, {.nulls = nulls});
        request_header header{api->key, version, 4242, nulls ? std::nullopt : std::optional<std::string>("zc-test")};
        auto frame = encode_request(header, body);
        ASSERT_TRUE(frame) << frame.error().message();
        auto length = frame_length(frame->bytes);
        ASSERT_TRUE(length && *length);
        EXPECT_EQ(**length, frame->bytes.size() - 4);
        const std::string bytes = frame_body(*frame);
        auto decoded = decode_request(bytes);
        ASSERT_TRUE(decoded) << decoded.error().message();
        EXPECT_EQ(decoded->header, header);
        EXPECT_EQ(decoded->body, body) << describe(decoded->body) << "\n" << describe(body);
        auto again = encode_request(decoded->header, decoded->body);
        ASSERT_TRUE(again);
        EXPECT_EQ(hex(again->bytes), hex(frame->bytes));
    }
}

TEST_P(KafkaProtocolRoundTrip, ResponseDecodesToWhatWasEncoded) {
    const auto [api, version] = GetParam();
    for (bool nulls : {false, true}) {
        message body = sample_message(api->response, version, {.nulls = nulls});
        auto frame = encode_response(api->key, version, -7, body);
        ASSERT_TRUE(frame) << frame.error().message();
        EXPECT_TRUE(frame->gaps.empty());
        const std::string bytes_kept = frame_body(*frame); // decoded records view these bytes
        auto decoded = decode_response(api->key, version, bytes_kept);
        ASSERT_TRUE(decoded) << decoded.error().message();
        EXPECT_EQ(decoded->correlation_id, -7);
        EXPECT_EQ(decoded->body, body) << describe(decoded->body) << "\n" << describe(body);
    }
}

TEST_P(KafkaProtocolRoundTrip, EveryTruncationIsAnErrorNeverACrash) {
    const auto [api, version] = GetParam();
    auto frame = encode_request({api->key, version, 1, "c"}, sample_message(api->request, version));
    ASSERT_TRUE(frame);
    const std::string bytes = frame_body(*frame);
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        auto decoded = decode_request(std::string_view(bytes).substr(0, cut));
        ASSERT_FALSE(decoded) << "cut at " << cut << " of " << bytes.size();
        EXPECT_EQ(decoded.error().code, protocol_errc::truncated) << decoded.error().message();
    }
    auto response = encode_response(api->key, version, 1, sample_message(api->response, version));
    ASSERT_TRUE(response);
    const std::string response_bytes = frame_body(*response);
    for (std::size_t cut = 0; cut < response_bytes.size(); ++cut)
        ASSERT_FALSE(decode_response(api->key, version, std::string_view(response_bytes).substr(0, cut)))
            << "cut at " << cut;
}

TEST_P(KafkaProtocolRoundTrip, FieldsTheVersionLacksKeepTheirDefault) {
    const auto [api, version] = GetParam();
    // Every field set, even those of other versions: only this version's travel.
    message everything = sample_message(api->request, latest_version);
    for (std::int16_t v = 0; v <= 20; ++v) {
        message more = sample_message(api->request, v);
        for (std::size_t i = 0; i < api->request.size(); ++i)
            if (api->request[i].versions.contains(v)) everything.at(i) = more.at(i);
    }
    auto frame = encode_request({api->key, version, 1, {}}, everything);
    ASSERT_TRUE(frame) << frame.error().message();
    const std::string bytes_kept = frame_body(*frame); // decoded records view these bytes
    auto decoded = decode_request(bytes_kept);
    ASSERT_TRUE(decoded) << decoded.error().message();
    for (std::size_t i = 0; i < api->request.size(); ++i) {
        const field& f = api->request[i];
        if (!f.versions.contains(version)) {
            EXPECT_EQ(decoded->body.at(i), default_value(f)) << f.name;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(EveryAdvertisedVersion, KafkaProtocolRoundTrip, testing::ValuesIn(every_advertised_version()),
                         [](const testing::TestParamInfo<version_case>& param_info) {
                             return std::string(param_info.param.api->name) + "_v" +
                                    std::to_string(param_info.param.version);
                         });

// ---- byte layouts, checked by hand -----------------------------------------------------

TEST(KafkaProtocolLayout, ApiVersionsV0Request) {
    auto frame = encode_request({18, 0, 1, "c"}, make_request(18));
    ASSERT_TRUE(frame);
    //                size      key  ver  correlation client_id
    EXPECT_EQ(hex(frame->bytes), "0000000b" "0012" "0000" "00000001" "000163");
}

TEST(KafkaProtocolLayout, ApiVersionsV3RequestIsFlexibleButClientIdKeepsInt16Length) {
    message body = make_request(18);
    body.set_string("ClientSoftwareName", "zc").set_string("ClientSoftwareVersion", "1");
    auto frame = encode_request({18, 3, 0x01020304, "ab"}, body);
    ASSERT_TRUE(frame);
    // header v2: key, version, correlation, int16 client_id, no tags (00);
    // body: compact strings (length + 1), no tags.
    EXPECT_EQ(hex(frame->bytes), "00000013" "0012" "0003" "01020304" "00026162" "00" "037a63" "0231" "00");
    const std::string bytes_kept = frame_body(*frame); // decoded records view these bytes
    auto decoded = decode_request(bytes_kept);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(decoded->body.get_string("ClientSoftwareName"), "zc");
    EXPECT_EQ(decoded->header.client_id, "ab");
}

TEST(KafkaProtocolLayout, ApiVersionsV0Response) {
    message body = make_response(18);
    body.add("ApiKeys").set_int("ApiKey", 3).set_int("MinVersion", 0).set_int("MaxVersion", 8);
    auto frame = encode_response(18, 0, 9, body);
    ASSERT_TRUE(frame);
    EXPECT_EQ(hex(frame->bytes), "00000010" "00000009" "0000" "00000001" "0003" "0000" "0008");
}

TEST(KafkaProtocolLayout, ApiVersionsV3ResponseHasAV0HeaderAndCompactBody) {
    message body = make_response(18);
    body.add("ApiKeys").set_int("ApiKey", 18).set_int("MinVersion", 0).set_int("MaxVersion", 3);
    body.set_int("ThrottleTimeMs", 0);
    auto frame = encode_response(18, 3, 9, body);
    ASSERT_TRUE(frame);
    // correlation (no header tags), error, compact array of 1 (02) with
    // per-element tags (00), throttle, body tags (00: defaults are not sent).
    EXPECT_EQ(hex(frame->bytes), "00000013" "00000009" "0000" "02" "0012" "0000" "0003" "00" "00000000" "00");

    body.set_int("FinalizedFeaturesEpoch", 5);
    frame = encode_response(18, 3, 9, body);
    ASSERT_TRUE(frame);
    // one tagged field: tag 1, size 8, int64 5
    EXPECT_EQ(hex(frame->bytes).substr(8 + 8 + 4 + 2 + 12 + 2 + 8),
              "01" "01" "08" "0000000000000005");
    const std::string bytes_kept = frame_body(*frame); // decoded records view these bytes
    auto decoded = decode_response(18, 3, bytes_kept);
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(decoded->body.get_int64("FinalizedFeaturesEpoch"), 5);
    EXPECT_FALSE(decoded->body.get_bool("ZkMigrationReady"));
}

TEST(KafkaProtocolLayout, MetadataV1RequestNullTopicsMeansAll) {
    message body = make_request(3);
    body.add("Topics").set_string("Name", "a");
    auto frame = encode_request({3, 1, 2, "c"}, body);
    ASSERT_TRUE(frame);
    EXPECT_EQ(hex(frame_body(*frame)), "0003" "0001" "00000002" "000163" "00000001" "000161");
    body.set_null("Topics");
    frame = encode_request({3, 1, 2, "c"}, body);
    ASSERT_TRUE(frame);
    EXPECT_EQ(hex(frame_body(*frame)).substr(22), "ffffffff");
    const std::string bytes_kept = frame_body(*frame); // decoded records view these bytes
    auto decoded = decode_request(bytes_kept);
    ASSERT_TRUE(decoded);
    EXPECT_TRUE(decoded->body.is_null("Topics"));
    // v0 has no null: an empty array asks for every topic there.
    auto v0 = encode_request({3, 0, 2, "c"}, body);
    ASSERT_FALSE(v0);
    EXPECT_EQ(v0.error().code, protocol_errc::unexpected_null);
    EXPECT_NE(v0.error().message().find("Topics"), std::string::npos) << v0.error().message();
}

TEST(KafkaProtocolLayout, MetadataV1Response) {
    message body = make_response(3);
    body.add("Brokers").set_int("NodeId", 1).set_string("Host", "h").set_int("Port", 9092);
    body.set_int("ControllerId", 1);
    message& topic = body.add("Topics");
    topic.set_string("Name", "t");
    message& partition = topic.add("Partitions");
    partition.set_int("LeaderId", 1).set("ReplicaNodes", std::vector<std::int64_t>{1});
    auto frame = encode_response(3, 1, 5, body);
    ASSERT_TRUE(frame);
    EXPECT_EQ(hex(frame_body(*frame)),
              "00000005"                                       // correlation
              "00000001" "00000001" "000168" "00002384" "ffff" // brokers: id, host, port, rack null
              "00000001"                                       // controller
              "00000001" "0000" "000174" "00"                  // topic: error, name, internal
              "00000001" "0000" "00000000" "00000001"          // partition: error, index, leader
              "00000001" "00000001" "00000000");               // replicas [1], isr []
}

TEST(KafkaProtocolLayout, ProduceV3RequestKeepsRecordsAsAViewOfTheFrame) {
    const std::string blob("\x00\x00\x00\x00\x00\x00\x00\x00RB", 10);
    message body = make_request(0);
    body.set_int("Acks", -1).set_int("TimeoutMs", 1000);
    message& topic = body.add("TopicData");
    topic.set_string("Name", "t");
    topic.add("PartitionData").set_int("Index", 0).set_records("Records", record_data::inline_bytes(blob));
    auto frame = encode_request({0, 3, 7, "p"}, body);
    ASSERT_TRUE(frame);
    EXPECT_EQ(hex(frame_body(*frame)),
              "0000" "0003" "00000007" "000170" // header
              "ffff" "ffff" "000003e8"          // transactional id null, acks -1, timeout 1000
              "00000001" "000174"               // topics: "t"
              "00000001" "00000000"             // partitions: index 0
              "0000000a" + hex(blob));          // records: int32 length + bytes
    const std::string bytes = frame_body(*frame);
    auto decoded = decode_request(bytes);
    ASSERT_TRUE(decoded) << decoded.error().message();
    const message& partition = decoded->body.get_array("TopicData")[0].get_array("PartitionData")[0];
    const record_data& records = partition.get_records("Records");
    EXPECT_EQ(records.bytes, blob);
    EXPECT_EQ(records.offset, bytes.size() - blob.size());
    EXPECT_EQ(records.bytes.data(), bytes.data() + records.offset); // a view, not a copy
}

TEST(KafkaProtocolLayout, FetchV4ResponseWithExternalRecordsLeavesAGap) {
    message body = make_response(1);
    message& topic = body.add("Responses");
    topic.set_string("Topic", "t");
    message& partition = topic.add("Partitions");
    partition.set_int("HighWatermark", 2).set_int("LastStableOffset", 2).set_null("AbortedTransactions");
    partition.set_records("Records", record_data::external_range(1000, 42));
    message& second = topic.add("Partitions");
    second.set_int("PartitionIndex", 1).set_records("Records", record_data::inline_bytes("ab"));
    auto frame = encode_response(1, 4, 3, body);
    ASSERT_TRUE(frame) << frame.error().message();
    const std::string head = "00000003" "00000000"        // correlation, throttle
                             "00000001" "000174"           // responses: "t"
                             "00000002" "00000000" "0000"  // partitions: index 0, error
                             "0000000000000002"            // high watermark
                             "0000000000000002"            // last stable offset
                             "ffffffff"                    // aborted transactions: null
                             "000003e8";                   // records length 1000, bytes in the gap
    const std::string tail = "00000001" "0000" "0000000000000000" "ffffffffffffffff" "00000000" "00000002" "6162";
    ASSERT_EQ(frame->gaps.size(), 1u);
    EXPECT_EQ(frame->gaps[0].offset, 4 + head.size() / 2);
    EXPECT_EQ(frame->gaps[0].size, 1000u);
    EXPECT_EQ(frame->gaps[0].id, 42u);
    EXPECT_EQ(hex(frame->bytes.substr(4)), head + tail);
    auto length = frame_length(frame->bytes);
    ASSERT_TRUE(length && *length);
    EXPECT_EQ(**length, frame->bytes.size() - 4 + 1000); // the prefix counts the gap
}

// ---- framing and malformed input ---------------------------------------------------------

TEST(KafkaProtocolFraming, LengthNeedsFourBytesAndIsCapped) {
    auto value_of = [](std::string_view bytes) { return frame_length(bytes).value(); };
    EXPECT_EQ(value_of(std::string_view("\x00\x00\x00", 3)), std::nullopt);
    EXPECT_EQ(value_of(std::string_view("\x00\x00\x00\x05xx", 6)), std::optional<std::uint32_t>{5});
    EXPECT_EQ(value_of(std::string_view("\x06\x40\x00\x00", 4)), std::optional<std::uint32_t>{max_frame_bytes});
    auto too_big = frame_length(std::string_view("\x06\x40\x00\x01", 4));
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error().code, protocol_errc::frame_too_large);
    auto negative = frame_length(std::string_view("\xff\xff\xff\xff", 4));
    ASSERT_FALSE(negative);
    EXPECT_EQ(negative.error().code, protocol_errc::invalid_length);
}

TEST(KafkaProtocolMalformed, UnknownApiAndUnsupportedVersionKeepTheHeader) {
    auto unknown = decode_request(unhex("0004" "0000" "0000002a" "ffff"));
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().code, protocol_errc::unsupported_api);
    ASSERT_TRUE(unknown.error().header);
    EXPECT_EQ(unknown.error().header->correlation_id, 42);

    // ApiVersions v9 from a newer client: the server answers v0 with error 35.
    auto newer = decode_request(unhex("0012" "0009" "0000002b" "0001" "63" "ffffff"));
    ASSERT_FALSE(newer);
    EXPECT_EQ(newer.error().code, protocol_errc::unsupported_version);
    ASSERT_TRUE(newer.error().header);
    EXPECT_EQ(newer.error().header->api_version, 9);
    EXPECT_EQ(newer.error().header->client_id, "c");
    auto answer = encode_response(18, 0, newer.error().header->correlation_id,
                                  api_versions_response(error_code::unsupported_version));
    ASSERT_TRUE(answer);
    EXPECT_EQ(hex(answer->bytes).substr(8, 12), "0000002b" "0023");

    auto fetch_v3 = decode_request(unhex("0001" "0003" "00000001" "ffff"));
    ASSERT_FALSE(fetch_v3);
    EXPECT_EQ(fetch_v3.error().code, protocol_errc::unsupported_version);
}

TEST(KafkaProtocolMalformed, NegativeLengthsOtherThanNullAreRefused) {
    // Heartbeat v0: GroupId string of length -2.
    auto bad = decode_request(unhex("000c" "0000" "00000001" "ffff" "fffe"));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, protocol_errc::invalid_length);
    EXPECT_NE(bad.error().message().find("GroupId"), std::string::npos) << bad.error().message();
    // -1 where null is not allowed.
    auto null = decode_request(unhex("000c" "0000" "00000001" "ffff" "ffff"));
    ASSERT_FALSE(null);
    EXPECT_EQ(null.error().code, protocol_errc::unexpected_null);
    // Metadata v1: topic count -2; a count past the bytes left.
    auto count = decode_request(unhex("0003" "0001" "00000001" "ffff" "fffffffe"));
    ASSERT_FALSE(count);
    EXPECT_EQ(count.error().code, protocol_errc::invalid_length);
    auto huge = decode_request(unhex("0003" "0001" "00000001" "ffff" "7fffffff" "0000"));
    ASSERT_FALSE(huge);
    EXPECT_EQ(huge.error().code, protocol_errc::truncated);
    // Client id of length -3.
    auto client = decode_request(unhex("0003" "0001" "00000001" "fffd"));
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().code, protocol_errc::invalid_length);
    EXPECT_TRUE(client.error().header); // key, version and correlation were read
}

TEST(KafkaProtocolMalformed, TrailingBytesAndOverlongVarintsAreRefused) {
    auto trailing = decode_request(unhex("0012" "0000" "00000001" "ffff" "00"));
    ASSERT_FALSE(trailing);
    EXPECT_EQ(trailing.error().code, protocol_errc::trailing_bytes);
    // ApiVersions v3, ClientSoftwareName length as a 6-byte varint.
    auto varint = decode_request(unhex("0012" "0003" "00000001" "ffff" "00" "ffffffffff01"));
    ASSERT_FALSE(varint);
    EXPECT_EQ(varint.error().code, protocol_errc::invalid_length);
    // A 5-byte varint whose last byte has more than 4 bits.
    auto wide = decode_request(unhex("0012" "0003" "00000001" "ffff" "00" "ffffffff1f"));
    ASSERT_FALSE(wide);
    EXPECT_EQ(wide.error().code, protocol_errc::invalid_length);
}

TEST(KafkaProtocolMalformed, UnknownTaggedFieldsAreSkipped) {
    // ApiVersions v3 request: header tag 7 (2 bytes), body strings, body tag 9 (1 byte).
    auto decoded = decode_request(
        unhex("0012" "0003" "00000001" "ffff" "01" "07" "02" "abcd" "037a63" "0231" "01" "09" "01" "ee"));
    ASSERT_TRUE(decoded) << decoded.error().message();
    EXPECT_EQ(decoded->body.get_string("ClientSoftwareName"), "zc");
    // A tag whose size runs past the frame.
    auto past = decode_request(unhex("0012" "0003" "00000001" "ffff" "01" "07" "05" "abcd"));
    ASSERT_FALSE(past);
    EXPECT_EQ(past.error().code, protocol_errc::truncated);
}

TEST(KafkaProtocolMalformed, EncoderRefusesValuesThatDoNotFit) {
    message body = make_request(12);
    body.set_int("GenerationId", std::int64_t{1} << 40);
    auto big = encode_request({12, 0, 1, {}}, body);
    ASSERT_FALSE(big);
    EXPECT_EQ(big.error().code, protocol_errc::value_out_of_range);
    body.set_int("GenerationId", 1).set_int("GroupId", 5);
    auto wrong = encode_request({12, 0, 1, {}}, body);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, protocol_errc::wrong_type);
    // A response body given for a request.
    auto swapped = encode_request({12, 0, 1, {}}, make_response(12));
    ASSERT_FALSE(swapped);
    auto unsupported = encode_response(12, 4, 1, make_response(12));
    ASSERT_FALSE(unsupported);
    EXPECT_EQ(unsupported.error().code, protocol_errc::unsupported_version);
}

TEST(KafkaProtocolMessage, TypedAccessorsReadDefaultsAndNulls) {
    message body = make_request(1);
    EXPECT_EQ(body.get_int32("MaxBytes"), 0x7fffffff);
    EXPECT_EQ(body.get_int32("SessionEpoch"), -1);
    EXPECT_EQ(body.get_int32("ReplicaId"), -1);
    EXPECT_TRUE(body.get_array("Topics").empty());
    EXPECT_TRUE(body.has_field("RackId"));
    EXPECT_FALSE(body.has_field("rackid"));
    message produce = make_request(0);
    EXPECT_TRUE(produce.is_null("TransactionalId"));
    EXPECT_EQ(produce.get_string("TransactionalId"), "");
    EXPECT_TRUE(make_request(3).get_bool("AllowAutoTopicCreation"));
}

// ---- fuzz seeds --------------------------------------------------------------------

// The seed corpus of tests/fuzz/kafka_request_fuzz.cpp: one request frame body
// per API at its lowest and highest version. ZC_KAFKA_SEED_DIR=<dir> writes them
// there (tests/fuzz/corpus/kafka_request); every run checks they decode.
TEST(KafkaProtocolSeeds, EveryApiHasDecodableSeeds) {
    zc::test::temp_dir scratch;
    const char* env = std::getenv("ZC_KAFKA_SEED_DIR");
    const std::filesystem::path dir = env ? std::filesystem::path(env) : scratch.path();
    std::filesystem::create_directories(dir);
    int written = 0;
    for (const api_schema& api : apis()) {
        for (std::int16_t v : {api.supported.min, api.supported.max}) {
            auto frame = encode_request({api.key, v, 1, "seed"}, sample_message(api.request, v, {.elements = 1}));
            ASSERT_TRUE(frame);
            const std::string body = frame_body(*frame);
            ASSERT_TRUE(decode_request(body));
            std::ofstream(dir / (std::string(api.name) + "_v" + std::to_string(v)), std::ios::binary) << body;
            ++written;
        }
    }
    EXPECT_EQ(written, static_cast<int>(2 * apis().size()));
}

} // namespace
} // namespace zc::log::protocol
