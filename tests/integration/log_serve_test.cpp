// zc log serve with real Kafka clients: kcat (librdkafka) for metadata and a
// 100,000-message keyed round trip with headers in every codec librdkafka
// has, kafka-python (an independent implementation that checks every
// batch's CRC), confluent-kafka, and a crash test — acks=all under --flush
// sync, kill -9 at a random moment, restart, every acknowledged message
// still there and `zc log verify` clean. A missing client is a skip.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kafka_clients.hpp"
#include "support/test_support.hpp"
#include "zc_process.hpp"

namespace zc::test {
namespace {

using namespace std::chrono_literals;

struct message_line {
    std::string key, value, headers;
    long long offset = 0;
};

TEST(log_serve, listening_on_every_address_without_advertise_is_refused_with_a_reason) {
    temp_dir dir;
    auto r =
        zc_process({"log", "serve", "--dir", (dir / "log").string(), "--listen", "0.0.0.0:0"}, within(30s)).finish();
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_NE(r.err.find("--advertise"), std::string::npos) << r;
}

TEST(log_serve, sigterm_flushes_and_exits_zero) {
    temp_dir dir;
    broker_process broker(dir / "log");
    ASSERT_GT(broker.port(), 0) << broker.stderr_so_far();
    const auto r = broker.stop();
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(std::filesystem::exists(dir / "log" / "meta.properties"));
    EXPECT_NE(read_file(dir / "log" / "meta.properties").find("cluster.id="), std::string::npos);
}

TEST(log_serve, kcat_lists_the_broker_and_its_topics) {
    if (!have_program("kcat")) GTEST_SKIP() << "kcat is not installed";
    temp_dir dir;
    broker_process broker(dir / "log", {"--partitions", "3"});
    ASSERT_GT(broker.port(), 0) << broker.stderr_so_far();
    ASSERT_EQ(shell("echo a:b | kcat -b " + broker.bootstrap() + " -t listed -P -K:").exit_code, 0);
    const auto listed = shell("kcat -b " + broker.bootstrap() + " -L");
    ASSERT_EQ(listed.exit_code, 0) << listed.out;
    EXPECT_NE(listed.out.find("broker 0 at " + broker.bootstrap()), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("topic \"listed\" with 3 partitions"), std::string::npos) << listed.out;
    EXPECT_EQ(broker.stop().exit_code, 0);
}

class kcat_codec : public ::testing::TestWithParam<const char*> {};

// 100,000 keyed messages with two headers through kcat, read back with
// kcat: per partition, every message of the input in input order at
// consecutive offsets from 0, byte for byte.
TEST_P(kcat_codec, round_trip_of_100000_keyed_messages_with_headers_over_3_partitions) {
    if (!have_program("kcat")) GTEST_SKIP() << "kcat is not installed";
    const std::string codec = GetParam();
    temp_dir dir;
    broker_process broker(dir / "log", {"--partitions", "3"});
    ASSERT_GT(broker.port(), 0) << broker.stderr_so_far();
    std::string input;
    std::map<std::string, std::string> value_of;
    for (int i = 0; i < 100'000; ++i) {
        const std::string key = "key" + std::to_string(i);
        const std::string value =
            "value-" + std::to_string(i) + "-" + std::string(static_cast<std::size_t>(i % 50), 'x');
        input += key + ":" + value + "\n";
        value_of[key] = value;
    }
    const auto in_path = dir / "input.txt";
    std::ofstream(in_path) << input;
    const std::string topic = "codec-" + codec;
    const auto produced = shell("kcat -b " + broker.bootstrap() + " -t " + topic +
                                " -P -K: -H h1=v1 -H h2=two -X compression.codec=" + codec + " -l " + in_path.string());
    ASSERT_EQ(produced.exit_code, 0);
    const auto consumed =
        shell("kcat -b " + broker.bootstrap() + " -t " + topic + " -C -e -o beginning -f \"%k %s %h %o %p\\n\"");
    ASSERT_EQ(consumed.exit_code, 0);

    std::map<int, std::vector<message_line>> by_partition;
    std::istringstream lines(consumed.out);
    std::string line;
    std::size_t count = 0;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        message_line m;
        int partition = -1;
        fields >> m.key >> m.value >> m.headers >> m.offset >> partition;
        ASSERT_TRUE(fields && partition >= 0 && partition < 3) << line;
        by_partition[partition].push_back(m);
        ++count;
    }
    ASSERT_EQ(count, 100'000u);
    EXPECT_EQ(by_partition.size(), 3u); // the keys spread over every partition
    for (auto& [partition, messages] : by_partition) {
        std::sort(messages.begin(), messages.end(), [](auto& a, auto& b) { return a.offset < b.offset; });
        long long previous_index = -1;
        for (std::size_t i = 0; i < messages.size(); ++i) {
            const message_line& m = messages[i];
            ASSERT_EQ(m.offset, static_cast<long long>(i)) << "partition " << partition;
            ASSERT_EQ(m.value, value_of.at(m.key)) << "partition " << partition << " offset " << m.offset;
            ASSERT_EQ(m.headers, "h1=v1,h2=two");
            const long long index = std::stoll(m.key.substr(3)); // input order is kept within a partition
            ASSERT_GT(index, previous_index) << "partition " << partition << " offset " << m.offset;
            previous_index = index;
        }
    }
    EXPECT_EQ(broker.stop().exit_code, 0);
    const auto verified = zc_process({"log", "verify", (dir / "log").string()}, within(120s)).finish();
    EXPECT_EQ(verified.exit_code, 0) << verified;
}

INSTANTIATE_TEST_SUITE_P(librdkafka, kcat_codec, ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"),
                         [](const ::testing::TestParamInfo<const char*>& codec) { return std::string(codec.param); });

TEST(log_serve, kafka_python_produces_and_consumes_with_crc_checks) {
    if (!have_python_module("kafka")) GTEST_SKIP() << "python3-kafka is not installed (for " << debian_python << ")";
    temp_dir dir;
    broker_process broker(dir / "log", {"--partitions", "3"});
    ASSERT_GT(broker.port(), 0) << broker.stderr_so_far();
    for (const char* codec : {"none", "gzip"}) {
        const auto r = shell(std::string(debian_python) + " " + kafka_clients_dir + "/kafka_python_roundtrip.py " +
                             broker.bootstrap() + " kp-" + codec + " 20000 " + codec + " 2>&1");
        EXPECT_EQ(r.exit_code, 0) << codec << ": " << r.out;
        EXPECT_NE(r.out.find("ok 20000 messages in 3 partitions"), std::string::npos) << r.out;
    }
    EXPECT_EQ(broker.stop().exit_code, 0);
}

TEST(log_serve, confluent_kafka_round_trip) {
    if (!have_python_module("confluent_kafka"))
        GTEST_SKIP() << "python3-confluent-kafka is not installed (for " << debian_python << ")";
    temp_dir dir;
    broker_process broker(dir / "log", {"--partitions", "3", "--fetch", "splice"});
    ASSERT_GT(broker.port(), 0) << broker.stderr_so_far();
    const auto report = dir / "delivered.txt";
    const std::string script = std::string(debian_python) + " " + kafka_clients_dir + "/confluent_delivered.py ";
    const auto produced = shell(script + "produce " + broker.bootstrap() + " cf 20000 " + report.string() + " 60 2>&1");
    ASSERT_EQ(produced.exit_code, 0) << produced.out;
    const auto checked = shell(script + "check " + broker.bootstrap() + " cf " + report.string() + " 2>&1");
    EXPECT_EQ(checked.exit_code, 0) << checked.out;
    EXPECT_NE(checked.out.find("ok 20000 acknowledged"), std::string::npos) << checked.out;
    EXPECT_EQ(broker.stop().exit_code, 0);
}

// Five rounds: produce with acks=all under --flush sync, kill -9 the broker
// at a random moment of it, restart on the same directory; every message a
// delivery report acknowledged, in any round, must be at its offset.
TEST(log_serve, acknowledged_messages_survive_kill_9_under_flush_sync) {
    if (!have_python_module("confluent_kafka"))
        GTEST_SKIP() << "python3-confluent-kafka is not installed (for " << debian_python << ")";
    temp_dir dir;
    const auto log_dir = dir / "log";
    const auto report = dir / "delivered.txt";
    const std::string script = std::string(debian_python) + " " + kafka_clients_dir + "/confluent_delivered.py ";
    std::mt19937 random(std::random_device{}());
    for (int round = 0; round < 5; ++round) {
        broker_process broker(log_dir, {"--partitions", "3", "--flush", "sync", "--segment-bytes", "256K"});
        ASSERT_GT(broker.port(), 0) << broker.stderr_so_far();
        const std::string command =
            script + "produce " + broker.bootstrap() + " crash 200000 " + report.string() + " 12";
        FILE* producer = ::popen(("timeout -s KILL 60 " + command + " 2>&1").c_str(), "r");
        ASSERT_NE(producer, nullptr);
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 2500)(random)));
        broker.kill_hard();
        const auto killed = broker.finish();
        EXPECT_EQ(killed.term_signal, SIGKILL) << killed;
        char sink[4096];
        while (std::fread(sink, 1, sizeof sink, producer) > 0) {
        }
        ::pclose(producer);
    }
    broker_process broker(log_dir, {"--partitions", "3"});
    ASSERT_GT(broker.port(), 0) << broker.stderr_so_far();
    const auto checked = shell(script + "check " + broker.bootstrap() + " crash " + report.string() + " 2>&1");
    EXPECT_EQ(checked.exit_code, 0) << checked.out;
    EXPECT_NE(checked.out.find("acknowledged messages found"), std::string::npos) << checked.out;
    EXPECT_EQ(checked.out.find("ok 0 "), std::string::npos) << "nothing was acknowledged in five rounds";
    EXPECT_EQ(broker.stop().exit_code, 0);
    const auto verified = zc_process({"log", "verify", log_dir.string()}, within(120s)).finish();
    EXPECT_EQ(verified.exit_code, 0) << verified;
}

} // namespace
} // namespace zc::test
