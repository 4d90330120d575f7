// An independent oracle for the codec: kafka-python (Debian's python3-kafka,
// its own hand-written schemas in kafka.protocol) encodes requests of every
// version it knows with a value in every field, and this codec must decode
// each one the server supports and re-encode it to the same bytes; the other
// way, kafka-python decodes this codec's responses, must consume every byte,
// and re-encodes them to the same bytes. Skipped, with the reason, where
// python3-kafka is not installed (make deps installs it).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "log/protocol.hpp"
#include "support/test_support.hpp"
#include "unit/log/protocol_samples.hpp"

namespace zc::log::protocol {
namespace {

using test::hex;
using test::sample_message;
using test::unhex;

// Builds a value for every field of a kafka-python schema, as
// protocol_samples.hpp does for ours, and speaks one of three modes:
//   requests        one line per request class and version: key version hex(header + body)
//   responses FILE  FILE has "key version hex(body)" lines; prints "key version consumed hex(re-encoded)"
//   named           a few requests built by hand: name hex(header + body)
constexpr const char* oracle_script = R"PY(
import io, sys
try:
    from kafka.protocol import admin, commit, fetch, group, metadata, offset, produce, types
    from kafka.protocol.api import Request, RequestHeader, Response
except Exception as e:
    print("SKIP kafka-python is not importable: %s" % e)
    sys.exit(0)

def classes(kind):
    found = {}
    for module in (admin, commit, fetch, group, metadata, offset, produce):
        for name in dir(module):
            v = getattr(module, name)
            if isinstance(v, list) and v and isinstance(v[0], type) and issubclass(v[0], kind):
                found[v[0].API_KEY] = v
    return found

# kafka-python 2.0.2 declares a few fields with the String class instead of an
# instance (FetchRequest v7+ forgotten_topics_data.topic): such a field cannot
# encode a value, so the array holding it is sent empty.
def encodable(t):
    if t is types.String: return False
    if isinstance(t, types.Array): return encodable(t.array_of)
    if isinstance(t, types.Schema): return all(encodable(f) for f in t.fields)
    return True

counter = [0]
def sample(t):
    counter[0] += 1
    n = counter[0]
    if t is types.Int8: return n % 100 + 1
    if t in (types.Int16, types.Int32, types.Int64): return (n % 100 + 1) * 3
    if t is types.Boolean: return True
    if t is types.Bytes: return b"\x01\x02" + str(n).encode()
    if isinstance(t, types.String): return "s%d" % n
    if isinstance(t, types.Array): return [sample(t.array_of) for _ in range(2 if encodable(t) else 0)]
    if isinstance(t, types.Schema): return tuple(sample(f) for f in t.fields)
    raise Exception("no sample for %r" % (t,))

def frame(request):
    # Named, not temporaries: kafka-python binds encode() through a weak reference.
    header = RequestHeader(request, correlation_id=77, client_id="oracle")
    return (header.encode() + request.encode()).hex()

mode = sys.argv[1]
if mode == "requests":
    for key, versions in sorted(classes(Request).items()):
        for v, cls in enumerate(versions):
            request = cls(*[sample(f) for f in cls.SCHEMA.fields])
            try:
                print(key, v, frame(request))
            except Exception as e:  # a few of kafka-python's own schemas cannot encode
                print(key, v, "unencodable:%s" % type(e).__name__)
elif mode == "named":
    named = [
        ("metadata_v1", metadata.MetadataRequest[1](["orders", "audit"])),
        ("metadata_v1_all", metadata.MetadataRequest[1](None)),
        ("produce_v3", produce.ProduceRequest[3](None, -1, 1500, [("t", [(2, b"BATCH")])])),
        ("fetch_v4", fetch.FetchRequest[4](-1, 500, 1, 1048576, 1, [("t", [(0, 42, 65536)])])),
    ]
    for name, request in named:
        print(name, frame(request))
elif mode == "responses":
    responses = classes(Response)
    for line in open(sys.argv[2]):
        key, v, body = line.split()
        data = bytes.fromhex(body)
        buf = io.BytesIO(data)
        decoded = responses[int(key)][int(v)].decode(buf)
        print(key, v, int(buf.tell() == len(data)), decoded.encode().hex())
else:
    sys.exit("unknown mode " + mode)
)PY";

struct oracle {
    std::string interpreter;
    std::string skip_reason; // set when kafka-python cannot run here
};

oracle find_oracle() {
    // python3-kafka installs for Debian's own interpreter, which another
    // python3 earlier on PATH (pyenv, a venv) may not see.
    for (const char* candidate : {"/usr/bin/python3", "python3"}) {
        std::string command = std::string(candidate) + " -c 'import kafka.protocol' 2>/dev/null";
        if (std::system(command.c_str()) == 0) return {candidate, {}};
    }
    return {{}, "python3-kafka (kafka-python) is not installed: make deps, or apt-get install python3-kafka"};
}

std::vector<std::vector<std::string>> run_oracle(const oracle& o, const zc::test::temp_dir& dir,
                                                 const std::string& arguments) {
    std::ofstream(dir / "oracle.py") << oracle_script;
    std::string command = o.interpreter + " " + (dir / "oracle.py").string() + " " + arguments;
    std::vector<std::vector<std::string>> lines;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return lines;
    std::string out;
    char buffer[65536];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    EXPECT_EQ(::pclose(pipe), 0) << command << "\n" << out;
    std::istringstream stream(out);
    for (std::string line; std::getline(stream, line);) {
        std::istringstream words(line);
        std::vector<std::string> fields;
        for (std::string w; words >> w;) fields.push_back(w);
        if (!fields.empty()) lines.push_back(std::move(fields));
    }
    return lines;
}

TEST(KafkaProtocolOracle, DecodesEveryRequestKafkaPythonEncodes) {
    oracle o = find_oracle();
    if (o.interpreter.empty()) GTEST_SKIP() << o.skip_reason;
    zc::test::temp_dir dir;
    int decoded_count = 0, refused_count = 0;
    for (const auto& line : run_oracle(o, dir, "requests")) {
        ASSERT_EQ(line.size(), 3u) << line[0];
        const auto key = static_cast<std::int16_t>(std::stoi(line[0]));
        const auto version = static_cast<std::int16_t>(std::stoi(line[1]));
        auto range = supported_versions(key);
        if (line[2].starts_with("unencodable")) {
            EXPECT_FALSE(range && range->contains(version))
                << "kafka-python cannot encode key " << key << " v" << version;
            continue;
        }
        const std::string bytes = unhex(line[2]);
        auto decoded = decode_request(bytes);
        if (!range || !range->contains(version)) {
            ASSERT_FALSE(decoded) << "key " << key << " v" << version;
            EXPECT_TRUE(decoded.error().code == protocol_errc::unsupported_api ||
                        decoded.error().code == protocol_errc::unsupported_version);
            ++refused_count;
            continue;
        }
        ASSERT_TRUE(decoded) << "key " << key << " v" << version << ": " << decoded.error().message();
        EXPECT_EQ(decoded->header.correlation_id, 77);
        EXPECT_EQ(decoded->header.client_id, "oracle");
        auto again = encode_request(decoded->header, decoded->body);
        ASSERT_TRUE(again) << again.error().message();
        EXPECT_EQ(hex(again->bytes.substr(4)), line[2]) << "key " << key << " v" << version;
        ++decoded_count;
    }
    // kafka-python 2.0.2 knows 37 of the advertised (key, version) pairs.
    EXPECT_GE(decoded_count, 37);
    EXPECT_GT(refused_count, 0);
}

TEST(KafkaProtocolOracle, RequestsBuiltByHandCarryTheirValues) {
    oracle o = find_oracle();
    if (o.interpreter.empty()) GTEST_SKIP() << o.skip_reason;
    zc::test::temp_dir dir;
    std::map<std::string, std::string> frames;
    for (const auto& line : run_oracle(o, dir, "named")) frames[line[0]] = unhex(line[1]);
    ASSERT_EQ(frames.size(), 4u);

    auto metadata = decode_request(frames["metadata_v1"]);
    ASSERT_TRUE(metadata) << metadata.error().message();
    ASSERT_EQ(metadata->body.get_array("Topics").size(), 2u);
    EXPECT_EQ(metadata->body.get_array("Topics")[0].get_string("Name"), "orders");
    EXPECT_EQ(metadata->body.get_array("Topics")[1].get_string("Name"), "audit");
    auto all = decode_request(frames["metadata_v1_all"]);
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->body.is_null("Topics"));

    const std::string& produce_bytes = frames["produce_v3"];
    auto produce = decode_request(produce_bytes);
    ASSERT_TRUE(produce) << produce.error().message();
    EXPECT_TRUE(produce->body.is_null("TransactionalId"));
    EXPECT_EQ(produce->body.get_int16("Acks"), -1);
    EXPECT_EQ(produce->body.get_int32("TimeoutMs"), 1500);
    const message& topic = produce->body.get_array("TopicData").at(0);
    EXPECT_EQ(topic.get_string("Name"), "t");
    const message& partition = topic.get_array("PartitionData").at(0);
    EXPECT_EQ(partition.get_int32("Index"), 2);
    const record_data& records = partition.get_records("Records");
    EXPECT_EQ(records.bytes, "BATCH");
    EXPECT_EQ(produce_bytes.substr(records.offset, 5), "BATCH");

    auto fetch = decode_request(frames["fetch_v4"]);
    ASSERT_TRUE(fetch) << fetch.error().message();
    EXPECT_EQ(fetch->body.get_int32("MaxWaitMs"), 500);
    EXPECT_EQ(fetch->body.get_int32("MaxBytes"), 1048576);
    EXPECT_EQ(fetch->body.get_int8("IsolationLevel"), 1);
    const message& fetch_partition = fetch->body.get_array("Topics").at(0).get_array("Partitions").at(0);
    EXPECT_EQ(fetch_partition.get_int64("FetchOffset"), 42);
    EXPECT_EQ(fetch_partition.get_int32("PartitionMaxBytes"), 65536);
}

TEST(KafkaProtocolOracle, KafkaPythonDecodesEveryResponseWeEncode) {
    oracle o = find_oracle();
    if (o.interpreter.empty()) GTEST_SKIP() << o.skip_reason;
    // The versions kafka-python 2.0.2 has response classes for.
    const std::map<std::int16_t, std::int16_t> python_max = {{0, 8}, {1, 11}, {2, 5},  {3, 5},  {8, 3},
                                                             {9, 3}, {10, 1}, {11, 2}, {12, 1}, {13, 1},
                                                             {14, 1}, {18, 2}, {19, 3}};
    zc::test::temp_dir dir;
    std::map<std::string, std::string> ours;
    {
        std::ofstream input(dir / "responses.txt");
        for (const api_schema& api : apis()) {
            for (std::int16_t v = api.supported.min; v <= std::min(api.supported.max, python_max.at(api.key)); ++v) {
                auto frame = encode_response(api.key, v, 5, sample_message(api.response, v));
                ASSERT_TRUE(frame) << frame.error().message();
                const std::string body = hex(frame->bytes.substr(8)); // after size and correlation id
                const std::string id = std::to_string(api.key) + " " + std::to_string(v);
                ours[id] = body;
                input << id << " " << body << "\n";
            }
        }
    }
    int checked = 0;
    for (const auto& line : run_oracle(o, dir, "responses " + (dir / "responses.txt").string())) {
        ASSERT_EQ(line.size(), 4u) << line[0];
        const std::string id = line[0] + " " + line[1];
        EXPECT_EQ(line[2], "1") << id << ": kafka-python left bytes unread";
        EXPECT_EQ(line[3], ours[id]) << id;
        ++checked;
    }
    EXPECT_EQ(checked, static_cast<int>(ours.size()));
    EXPECT_GE(checked, 37);
}

} // namespace
} // namespace zc::log::protocol
