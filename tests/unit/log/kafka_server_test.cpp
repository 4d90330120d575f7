// The broker behind `zc log serve`, in process, spoken to over loopback by a
// raw client built on the protocol codec (kafka_client.hpp).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "batch_builder.hpp"
#include "kafka_client.hpp"
#include "log/serve.hpp"
#include "support/test_support.hpp"

namespace zc::test {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;
using protocol::message;

constexpr std::int16_t produce = 0, fetch = 1, list_offsets = 2, metadata = 3, api_versions = 18, create_topics = 19;

class kafka_server : public ::testing::Test {
protected:
    void start(log::serve_settings settings = {}) {
        settings.broker.dir = dir_.path() / "log";
        settings.net.host = "127.0.0.1";
        settings.net.port = 0;
        settings.net.workers = 1;
        auto s = log::server::start(settings);
        ASSERT_TRUE(s.has_value()) << s.error().message();
        server_ = std::move(*s);
        const std::string& address = server_->local_address();
        port_ = static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
    }
    void restart(log::serve_settings settings = {}) {
        server_.reset();
        start(settings);
    }

    static message produce_request(const std::string& topic, std::int32_t partition, std::string_view records,
                                   std::int16_t acks = -1) {
        message m = protocol::make_request(produce);
        m.set_int("Acks", acks).set_int("TimeoutMs", 5000);
        message& t = m.add("TopicData");
        t.set_string("Name", topic);
        t.add("PartitionData")
            .set_int("Index", partition)
            .set_records("Records", protocol::record_data::inline_bytes(records));
        return m;
    }
    static message fetch_request(const std::string& topic, std::int32_t partition, std::int64_t offset,
                                 std::int32_t max_wait_ms = 0, std::int32_t min_bytes = 1) {
        message m = protocol::make_request(fetch);
        m.set_int("MaxWaitMs", max_wait_ms).set_int("MinBytes", min_bytes).set_int("MaxBytes", 50 << 20);
        message& t = m.add("Topics");
        t.set_string("Topic", topic);
        t.add("Partitions").set_int("Partition", partition).set_int("FetchOffset", offset).set_int("PartitionMaxBytes",
                                                                                                 1 << 20);
        return m;
    }
    static const message& only_partition(const message& body, const char* topics, const char* partitions) {
        return body.get_array(topics).at(0).get_array(partitions).at(0);
    }

    // Produces one batch; returns its base offset (or -error).
    std::int64_t produce_batch(kafka_client& c, const std::string& topic, std::int32_t partition,
                               const std::vector<std::byte>& batch) {
        std::string keep;
        auto r = c.call(produce, 7, produce_request(topic, partition, as_string(batch)), keep);
        if (!r) return -1000;
        const message& p = only_partition(r->body, "Responses", "PartitionResponses");
        if (p.get_error("ErrorCode") != error_code::none) return -p.get_int16("ErrorCode");
        return p.get_int64("BaseOffset");
    }

    temp_dir dir_;
    std::unique_ptr<log::server> server_;
    std::uint16_t port_ = 0;
};

// The third number of a "min default max" sysctl (tcp_rmem, tcp_wmem).
std::uint64_t sysctl_max(const char* path) {
    std::ifstream in(path);
    std::uint64_t min = 0, initial = 0, max = 0;
    in >> min >> initial >> max;
    return max;
}

std::vector<std::int64_t> api_keys_of(const message& body) {
    std::vector<std::int64_t> keys;
    for (const message& k : body.get_array("ApiKeys")) keys.push_back(k.get_int("ApiKey"));
    return keys;
}

// A frame of `body` bytes, by hand: what the codec would never write.
std::string raw_frame(std::string_view body) {
    std::string framed(4, '\0');
    const std::uint32_t length = htonl(static_cast<std::uint32_t>(body.size()));
    std::memcpy(framed.data(), &length, 4);
    return framed.append(body);
}

TEST_F(kafka_server, api_versions_advertises_exactly_what_is_served) {
    start();
    kafka_client c(port_);
    ASSERT_TRUE(c.connected());
    std::string keep;
    message req = protocol::make_request(api_versions);
    req.set_string("ClientSoftwareName", "test").set_string("ClientSoftwareVersion", "1");
    auto r = c.call(api_versions, 3, req, keep);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body.get_error("ErrorCode"), error_code::none);
    // No group coordinator was given: the group APIs (8-14) are not served, so not advertised.
    EXPECT_EQ(api_keys_of(r->body), (std::vector<std::int64_t>{0, 1, 2, 3, 18, 19}));
}

TEST_F(kafka_server, api_versions_in_an_unknown_version_is_answered_in_v0_with_unsupported_version) {
    start();
    kafka_client c(port_);
    // ApiVersions v9 (a flexible header: null client id, no tagged fields), correlation 77, a body
    // this broker cannot know.
    const std::string_view request("\x00\x12\x00\x09\x00\x00\x00\x4d\xff\xff\x00\x07future\x00", 19);
    ASSERT_TRUE(c.send_bytes(raw_frame(request)));
    std::string keep;
    auto r = c.read_response(api_versions, 0, keep);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->correlation_id, 77);
    EXPECT_EQ(r->body.get_error("ErrorCode"), error_code::unsupported_version);
    EXPECT_FALSE(r->body.get_array("ApiKeys").empty());
    // The connection stays open: the client retries in a version both speak.
    auto again = c.call(api_versions, 0, protocol::make_request(api_versions), keep);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->body.get_error("ErrorCode"), error_code::none);
}

// An async_api that answers Heartbeat from its own thread, later: the
// stand-in for the group coordinator.
class delayed_heartbeat final : public log::async_api {
public:
    ~delayed_heartbeat() override {
        for (auto& t : threads_) t.join();
    }
    bool handles(std::int16_t key) const override { return key == 12; }
    void handle(const protocol::request&, reply done) override {
        threads_.emplace_back([done = std::move(done)] {
            std::this_thread::sleep_for(100ms);
            message body = protocol::make_response(12);
            body.set_error("ErrorCode", error_code::rebalance_in_progress);
            done(std::move(body));
        });
    }
    std::optional<steady_clock::time_point> next_due() const override { return std::nullopt; }
    void tick(steady_clock::time_point) override {}

private:
    std::vector<std::thread> threads_;
};

TEST_F(kafka_server, an_async_api_is_advertised_and_its_late_reply_keeps_its_place) {
    delayed_heartbeat coordinator;
    log::serve_settings settings;
    settings.apis = {&coordinator};
    start(settings);
    kafka_client c(port_);
    std::string all;
    message heartbeat = protocol::make_request(12);
    heartbeat.set_string("GroupId", "g").set_int("GenerationId", 1).set_string("MemberId", "m");
    all += kafka_client::frame(12, 3, 1, heartbeat);
    all += kafka_client::frame(api_versions, 2, 2, protocol::make_request(api_versions));
    ASSERT_TRUE(c.send_bytes(all));
    std::string keep;
    // The heartbeat's reply comes 100 ms later from another thread, yet
    // leaves first: ApiVersions, ready at once, waits behind it.
    auto first = c.read_response(12, 3, keep);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->correlation_id, 1);
    EXPECT_EQ(first->body.get_error("ErrorCode"), error_code::rebalance_in_progress);
    std::string keep2;
    auto second = c.read_response(api_versions, 2, keep2);
    ASSERT_TRUE(second);
    EXPECT_EQ(second->correlation_id, 2);
    EXPECT_EQ(api_keys_of(second->body), (std::vector<std::int64_t>{0, 1, 2, 3, 12, 18, 19}));
    server_.reset(); // before the coordinator goes
}

TEST_F(kafka_server, pipelined_requests_are_answered_in_request_order) {
    start();
    kafka_client c(port_);
    const auto batch = make_batch({.records = 3});
    // One write holding five requests of four APIs; the fetch parks (MinBytes
    // not there yet) while the later requests are already answered behind it.
    std::string all;
    all += kafka_client::frame(produce, 7, 1, produce_request("orders", 0, as_string(batch)));
    all += kafka_client::frame(fetch, 11, 2, fetch_request("orders", 0, 3, 300, 1));
    all += kafka_client::frame(metadata, 8, 3, protocol::make_request(metadata).set_null("Topics"));
    all += kafka_client::frame(api_versions, 2, 4, protocol::make_request(api_versions));
    message list = protocol::make_request(list_offsets);
    list.add("Topics").set_string("Name", "orders").add("Partitions").set_int("PartitionIndex", 0).set_int("Timestamp",
                                                                                                       -1);
    all += kafka_client::frame(list_offsets, 2, 5, list);
    ASSERT_TRUE(c.send_bytes(all));
    const std::int16_t keys[] = {produce, fetch, metadata, api_versions, list_offsets};
    const std::int16_t versions[] = {7, 11, 8, 2, 2};
    for (int i = 0; i < 5; ++i) {
        std::string keep;
        auto r = c.read_response(keys[i], versions[i], keep);
        ASSERT_TRUE(r) << "response " << i;
        EXPECT_EQ(r->correlation_id, i + 1);
        if (keys[i] == list_offsets) {
            EXPECT_EQ(only_partition(r->body, "Topics", "Partitions").get_int64("Offset"), 3);
        }
    }
}

TEST_F(kafka_server, a_request_arriving_byte_by_byte_is_answered) {
    start();
    kafka_client c(port_);
    const std::string frame = kafka_client::frame(api_versions, 1, 9, protocol::make_request(api_versions));
    for (char byte : frame) ASSERT_TRUE(c.send_bytes(std::string_view(&byte, 1)));
    std::string keep;
    auto r = c.read_response(api_versions, 1, keep);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->correlation_id, 9);
}

TEST_F(kafka_server, a_frame_whose_body_ends_inside_a_field_closes_the_connection) {
    start();
    kafka_client c(port_);
    // Metadata v1, correlation 1, null client id, then a Topics array of 5 that the frame does not hold.
    const std::string_view request("\x00\x03\x00\x01\x00\x00\x00\x01\xff\xff\x00\x00\x00\x05", 14);
    ASSERT_TRUE(c.send_bytes(raw_frame(request)));
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(kafka_server, a_200_mib_frame_length_closes_the_connection_before_anything_is_buffered) {
    start();
    kafka_client c(port_);
    const std::uint32_t length = htonl(200u << 20);
    std::string prefix(4, '\0');
    std::memcpy(prefix.data(), &length, 4);
    ASSERT_TRUE(c.send_bytes(prefix + std::string(1000, 'x')));
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(kafka_server, an_unknown_api_key_closes_the_connection) {
    start();
    kafka_client c(port_);
    // Key 50 with an empty body, as a request header v1 carries it.
    ASSERT_TRUE(c.send_bytes(raw_frame(std::string_view("\x00\x32\x00\x00\x00\x00\x00\x01\xff\xff", 10))));
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(kafka_server, a_group_api_without_a_coordinator_closes_like_an_unknown_key) {
    start();
    kafka_client c(port_);
    message heartbeat = protocol::make_request(12);
    heartbeat.set_string("GroupId", "g").set_string("MemberId", "m");
    ASSERT_TRUE(c.send(12, 1, 1, heartbeat));
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(kafka_server, an_unsupported_fetch_version_closes_the_connection) {
    start();
    kafka_client c(port_);
    // Fetch v3 is below the advertised 4..11; the codec refuses it.
    ASSERT_TRUE(c.send_bytes(raw_frame(std::string_view("\x00\x01\x00\x03\x00\x00\x00\x01\xff\xff", 10))));
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(kafka_server, a_corrupt_batch_is_refused_and_nothing_is_stored) {
    start();
    kafka_client c(port_);
    auto batch = make_batch({.records = 2});
    batch.back() ^= std::byte{0xff}; // the CRC no longer matches
    EXPECT_EQ(produce_batch(c, "t", 0, batch), -static_cast<std::int64_t>(error_code::corrupt_message));
    std::vector<std::byte> garbage(100, std::byte{0x41});
    EXPECT_EQ(produce_batch(c, "t", 0, garbage), -static_cast<std::int64_t>(error_code::corrupt_message));
    log::partition* p = server_->log().find_partition("t", 0);
    ASSERT_NE(p, nullptr);
    {
        std::lock_guard lock(p->mutex);
        EXPECT_EQ(p->log->log_end_offset(), 0);
        EXPECT_EQ(p->log->size_bytes(), 0u);
    }
    // A sound batch after them is stored from offset 0.
    EXPECT_EQ(produce_batch(c, "t", 0, make_batch({.records = 2})), 0);
}

TEST_F(kafka_server, a_batch_over_the_message_size_limit_is_refused_and_the_connection_goes_on) {
    start();
    kafka_client c(port_);
    // A 3 MiB batch: a frame that arrives in many reads, over the 1 MiB max.message.bytes.
    EXPECT_EQ(produce_batch(c, "big", 0, make_batch({.records = 1, .payload = 3u << 20})),
              -static_cast<std::int64_t>(error_code::message_too_large));
    EXPECT_EQ(produce_batch(c, "big", 0, make_batch({.records = 1, .payload = 900'000})), 0);
}

TEST_F(kafka_server, produce_then_fetch_returns_the_batches_byte_exact) {
    start();
    kafka_client c(port_);
    const auto first = make_batch({.records = 2, .payload = 300});
    const auto second = make_batch({.records = 5, .payload = 7000, .fill = 3});
    ASSERT_EQ(produce_batch(c, "events", 0, first), 0);
    ASSERT_EQ(produce_batch(c, "events", 0, second), 2);
    std::string keep;
    auto r = c.call(fetch, 11, fetch_request("events", 0, 0), keep);
    ASSERT_TRUE(r);
    const message& p = only_partition(r->body, "Responses", "Partitions");
    EXPECT_EQ(p.get_error("ErrorCode"), error_code::none);
    EXPECT_EQ(p.get_int64("HighWatermark"), 7);
    EXPECT_EQ(p.get_int64("LastStableOffset"), 7);
    EXPECT_EQ(p.get_int64("LogStartOffset"), 0);
    EXPECT_EQ(p.get_int32("PreferredReadReplica"), -1);
    EXPECT_EQ(r->body.get_int32("SessionId"), 0);
    const std::string_view records = p.get_records("Records").bytes;
    ASSERT_EQ(records.size(), first.size() + second.size());
    // baseOffset and partitionLeaderEpoch (bytes 0..7 and 12..15, before the CRC range) are the
    // broker's; from magic on the batch is as produced.
    EXPECT_TRUE(records.substr(8, 4) == as_string(first).substr(8, 4));
    EXPECT_TRUE(records.substr(16, first.size() - 16) == as_string(first).substr(16));
    EXPECT_TRUE(records.substr(first.size() + 16) == as_string(second).substr(16));
}

TEST_F(kafka_server, fetch_at_the_high_watermark_is_empty_and_above_it_out_of_range) {
    start();
    kafka_client c(port_);
    ASSERT_EQ(produce_batch(c, "t", 0, make_batch({.records = 4})), 0);
    std::string keep;
    auto at = c.call(fetch, 11, fetch_request("t", 0, 4), keep);
    ASSERT_TRUE(at);
    const message& p = only_partition(at->body, "Responses", "Partitions");
    EXPECT_EQ(p.get_error("ErrorCode"), error_code::none);
    EXPECT_TRUE(p.get_records("Records").bytes.empty());
    EXPECT_EQ(p.get_int64("HighWatermark"), 4);
    std::string keep2;
    auto above = c.call(fetch, 11, fetch_request("t", 0, 5), keep2);
    ASSERT_TRUE(above);
    EXPECT_EQ(only_partition(above->body, "Responses", "Partitions").get_error("ErrorCode"),
              error_code::offset_out_of_range);
    std::string keep3;
    auto unknown = c.call(fetch, 11, fetch_request("nope", 0, 0), keep3);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(only_partition(unknown->body, "Responses", "Partitions").get_error("ErrorCode"),
              error_code::unknown_topic_or_partition);
}

TEST_F(kafka_server, a_long_poll_fetch_wakes_on_a_produce_from_another_connection) {
    log::serve_settings settings;
    start(settings);
    kafka_client consumer(port_), producer(port_);
    ASSERT_EQ(produce_batch(producer, "t", 0, make_batch({.records = 1})), 0);
    // Parked at the high watermark for up to 20 s.
    ASSERT_TRUE(consumer.send(fetch, 11, 5, fetch_request("t", 0, 1, 20'000, 1)));
    std::this_thread::sleep_for(100ms);
    const auto batch = make_batch({.records = 3, .payload = 500});
    ASSERT_EQ(produce_batch(producer, "t", 0, batch), 1);
    std::string keep;
    auto r = consumer.read_response(fetch, 11, keep);
    ASSERT_TRUE(r);
    const message& p = only_partition(r->body, "Responses", "Partitions");
    EXPECT_EQ(p.get_error("ErrorCode"), error_code::none);
    // Woken by the append, not by MaxWaitMs: the new batch is in the response.
    EXPECT_EQ(p.get_records("Records").bytes.size(), batch.size());
}

TEST_F(kafka_server, a_long_poll_fetch_without_data_answers_empty_after_max_wait) {
    start();
    kafka_client c(port_);
    ASSERT_EQ(produce_batch(c, "t", 0, make_batch({.records = 1})), 0);
    const auto before = std::chrono::steady_clock::now();
    std::string keep;
    auto r = c.call(fetch, 11, fetch_request("t", 0, 1, 300, 1), keep);
    const auto waited = std::chrono::steady_clock::now() - before;
    ASSERT_TRUE(r);
    const message& p = only_partition(r->body, "Responses", "Partitions");
    EXPECT_EQ(p.get_error("ErrorCode"), error_code::none);
    EXPECT_TRUE(p.get_records("Records").bytes.empty());
    EXPECT_GE(waited, 300ms); // it did wait: a fetch at the high watermark is not answered at once
}

TEST_F(kafka_server, a_client_that_never_reads_stops_being_read) {
    log::serve_settings settings;
    settings.limits.max_queued_responses = 16;
    start(settings);
    kafka_client c(port_);
    ASSERT_EQ(produce_batch(c, "t", 0, make_batch({.records = 10, .payload = 200'000})), 0);
    // Each fetch asks for the 200 KB batch and carries a 30 KB client id, so
    // that a server reading on regardless would take 150 MB here.
    const std::string one = kafka_client::frame(fetch, 11, 1, fetch_request("t", 0, 0), std::string(30'000, 'c'));
    set_nonblocking(c.fd());
    std::uint64_t written = 0;
    int quiet_polls = 0;
    for (int i = 0; i < 5000 && quiet_polls < 3;) {
        const ssize_t n = ::send(c.fd(), one.data() + written % one.size(), one.size() - written % one.size(),
                                 MSG_NOSIGNAL);
        if (n > 0) {
            written += static_cast<std::uint64_t>(n);
            if (written % one.size() == 0) ++i;
            quiet_polls = 0;
            continue;
        }
        ASSERT_TRUE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) << std::strerror(errno);
        pollfd pfd{c.fd(), POLLOUT, 0};
        if (::poll(&pfd, 1, 1000) == 0) ++quiet_polls;
    }
    EXPECT_EQ(quiet_polls, 3) << "the server kept reading: " << written << " bytes taken";
    // At most what the kernel buffers on both sides (twice the sysctl maxima:
    // the kernel counts overhead) plus the 16 requests the server queued.
    const std::uint64_t kernel =
        2 * (sysctl_max("/proc/sys/net/ipv4/tcp_rmem") + sysctl_max("/proc/sys/net/ipv4/tcp_wmem"));
    const std::uint64_t bound = kernel + 17 * one.size();
    if (bound >= 5000 * one.size())
        GTEST_SKIP() << "this kernel's socket buffers (" << kernel << " bytes) hold every request";
    EXPECT_LT(written, bound);
    // Reading again resumes it: every request sent whole gets its answer, in order.
    set_nonblocking(c.fd(), false);
    const std::uint64_t rest = one.size() - written % one.size();
    if (rest != one.size()) {
        std::thread finish([&] { (void)c.send_bytes(std::string_view(one).substr(one.size() - rest)); });
        const std::uint64_t requests = written / one.size() + 1;
        for (std::uint64_t i = 0; i < requests; ++i) {
            auto frame = c.read_frame();
            ASSERT_TRUE(frame) << "response " << i << " of " << requests;
            EXPECT_GT(frame->size(), 200'000u);
        }
        finish.join();
    }
}

namespace {

// In a child (its own descriptor table, so 10,000 client sockets and the
// server's 10,000 fit the limit): connects `count` sockets to the port,
// says so on `ready`, holds them until `release` closes. Only system calls
// after fork(): the parent has threads.
[[noreturn]] void hold_idle_connections(std::uint16_t port, int count, int ready, int release) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < count; ++i) {
        const int s = ::socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) ::_exit(1);
    }
    if (::write(ready, "r", 1) != 1) ::_exit(2);
    char c;
    while (::read(release, &c, 1) > 0) {}
    ::_exit(0);
}

} // namespace

TEST_F(kafka_server, ten_thousand_idle_connections_and_still_serving) {
    constexpr int idle_count = 10'000;
    constexpr rlim_t needed = idle_count + 300;
    rlimit limit{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (!ensure_descriptor_limit(needed)) GTEST_SKIP() << "the descriptor limit is below " << needed;
    log::serve_settings settings;
    settings.net.limits.max_connections = idle_count + 100;
    start(settings);
    const int before = open_fd_count();
    int ready[2], release[2];
    ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    ASSERT_EQ(::pipe2(release, O_CLOEXEC), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(release[1]);
        hold_idle_connections(port_, idle_count, ready[1], release[0]);
    }
    ::close(ready[1]);
    ::close(release[0]);
    pollfd p{ready[0], POLLIN, 0};
    const bool connected = ::poll(&p, 1, 120'000) == 1;
    char c = 0;
    const bool said_ready = connected && ::read(ready[0], &c, 1) == 1;
    // The server holds them all (its accepted sockets are in this process).
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (said_ready && open_fd_count() < before + idle_count && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(50ms);
    const int held = open_fd_count() - before;
    kafka_client fresh(port_);
    std::string keep;
    auto r = fresh.call(api_versions, 2, protocol::make_request(api_versions), keep);
    ::close(release[1]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(ready[0]);
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ASSERT_TRUE(said_ready) << "the child could not open its connections";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_GE(held, idle_count);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body.get_error("ErrorCode"), error_code::none);
}

TEST_F(kafka_server, an_idle_connection_is_closed_after_the_idle_limit) {
    log::serve_settings settings;
    settings.limits.idle_timeout = 200ms;
    start(settings);
    kafka_client c(port_);
    std::string keep;
    ASSERT_TRUE(c.call(api_versions, 0, protocol::make_request(api_versions), keep));
    EXPECT_TRUE(c.closed_by_server());
}

TEST_F(kafka_server, create_topics_checks_names_and_existence) {
    start();
    kafka_client c(port_);
    message req = protocol::make_request(create_topics);
    const std::vector<std::string> names = {"fresh", "fresh", "bad name!", std::string(250, 'a'), ".."};
    for (const std::string& name : names) {
        message& t = req.add("Topics");
        t.set_string("Name", name).set_int("NumPartitions", 4).set_int("ReplicationFactor", 1);
    }
    std::string keep;
    auto r = c.call(create_topics, 4, req, keep);
    ASSERT_TRUE(r);
    const auto& topics = r->body.get_array("Topics");
    ASSERT_EQ(topics.size(), 5u);
    EXPECT_EQ(topics[0].get_error("ErrorCode"), error_code::none);
    EXPECT_EQ(topics[1].get_error("ErrorCode"), error_code::topic_already_exists);
    EXPECT_EQ(topics[2].get_error("ErrorCode"), error_code::invalid_topic_exception);
    EXPECT_EQ(topics[3].get_error("ErrorCode"), error_code::invalid_topic_exception);
    EXPECT_EQ(topics[4].get_error("ErrorCode"), error_code::invalid_topic_exception);
    ASSERT_NE(server_->log().find_topic("fresh"), nullptr);
    EXPECT_EQ(server_->log().find_topic("fresh")->partitions.size(), 4u);
    EXPECT_TRUE(std::filesystem::is_directory(dir_.path() / "log" / "fresh-3"));
}

TEST_F(kafka_server, metadata_lists_all_none_or_the_named_topics_and_auto_creates) {
    log::serve_settings settings;
    settings.broker.default_partitions = 3;
    start(settings);
    kafka_client c(port_);
    std::string keep;
    message named = protocol::make_request(metadata);
    named.add("Topics").set_string("Name", "auto");
    auto created = c.call(metadata, 8, named, keep);
    ASSERT_TRUE(created);
    ASSERT_EQ(created->body.get_array("Topics").size(), 1u);
    EXPECT_EQ(created->body.get_array("Topics")[0].get_array("Partitions").size(), 3u);
    EXPECT_EQ(created->body.get_array("Brokers").at(0).get_int32("Port"), port_);
    EXPECT_FALSE(created->body.get_string("ClusterId").empty());

    auto none = c.call(metadata, 1, protocol::make_request(metadata).set("Topics", std::vector<message>{}), keep);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->body.get_array("Topics").empty()); // v1+: empty = none
    auto all_v0 = c.call(metadata, 0, protocol::make_request(metadata).set("Topics", std::vector<message>{}), keep);
    ASSERT_TRUE(all_v0);
    EXPECT_EQ(all_v0->body.get_array("Topics").size(), 1u); // v0: empty = all
    auto all = c.call(metadata, 5, protocol::make_request(metadata).set_null("Topics"), keep);
    ASSERT_TRUE(all);
    EXPECT_EQ(all->body.get_array("Topics").size(), 1u);

    message no_create = protocol::make_request(metadata);
    no_create.add("Topics").set_string("Name", "other");
    no_create.set_bool("AllowAutoTopicCreation", false);
    auto refused = c.call(metadata, 8, no_create, keep);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->body.get_array("Topics").at(0).get_error("ErrorCode"), error_code::unknown_topic_or_partition);
}

TEST_F(kafka_server, list_offsets_latest_earliest_and_by_timestamp) {
    start();
    kafka_client c(port_);
    ASSERT_EQ(produce_batch(c, "t", 0, make_batch({.records = 2, .base_timestamp = 1000, .max_timestamp = 1001})), 0);
    ASSERT_EQ(produce_batch(c, "t", 0, make_batch({.records = 3, .base_timestamp = 5000, .max_timestamp = 5002})), 2);
    auto ask = [&](std::int16_t version, std::int64_t timestamp) {
        message m = protocol::make_request(list_offsets);
        m.add("Topics").set_string("Name", "t").add("Partitions").set_int("PartitionIndex", 0).set_int("Timestamp",
                                                                                                      timestamp);
        std::string keep;
        auto r = c.call(list_offsets, version, m, keep);
        EXPECT_TRUE(r);
        const message& p = only_partition(r->body, "Topics", "Partitions");
        const auto& old_style = p.get_int_array("OldStyleOffsets");
        if (version == 0) return old_style.empty() ? std::int64_t{-1} : old_style[0];
        return p.get_int64("Offset");
    };
    EXPECT_EQ(ask(2, -1), 5);
    EXPECT_EQ(ask(2, -2), 0);
    EXPECT_EQ(ask(1, 3000), 2);
    EXPECT_EQ(ask(1, 9000), -1);
    EXPECT_EQ(ask(0, -1), 5);
}

TEST_F(kafka_server, acks_zero_gets_no_response_but_is_stored) {
    start();
    kafka_client c(port_);
    ASSERT_TRUE(c.send(produce, 3, 1, produce_request("t", 0, as_string(make_batch({.records = 2})), 0)));
    std::string keep;
    auto r = c.call(api_versions, 0, protocol::make_request(api_versions), keep); // correlation 1, the next frame
    ASSERT_TRUE(r);
    auto p = c.call(produce, 7, produce_request("t", 0, as_string(make_batch({.records = 1}))), keep);
    ASSERT_TRUE(p);
    EXPECT_EQ(only_partition(p->body, "Responses", "PartitionResponses").get_int64("BaseOffset"), 2);
}

TEST_F(kafka_server, the_retention_timer_deletes_old_segments_while_the_broker_serves) {
    log::serve_settings settings;
    settings.broker.log.segments.segment_bytes = 8192;
    settings.broker.log.retention_bytes = 16384;
    settings.broker.retention_check_interval = 50ms;
    start(settings);
    kafka_client c(port_);
    for (int i = 0; i < 20; ++i) ASSERT_EQ(produce_batch(c, "r", 0, make_batch({.records = 1, .payload = 4000})), i);
    log::partition* p = server_->log().find_partition("r", 0);
    ASSERT_NE(p, nullptr);
    std::int64_t start_offset = 0;
    for (int i = 0; i < 200 && start_offset == 0; ++i) { // the timer runs every 50 ms: 10 s at most
        std::this_thread::sleep_for(50ms);
        std::lock_guard lock(p->mutex);
        start_offset = p->log->log_start_offset();
    }
    EXPECT_GT(start_offset, 0);
    // Below the log start is out of range; from it, the data is there.
    std::string keep;
    auto below = c.call(fetch, 11, fetch_request("r", 0, 0), keep);
    ASSERT_TRUE(below);
    EXPECT_EQ(only_partition(below->body, "Responses", "Partitions").get_error("ErrorCode"),
              error_code::offset_out_of_range);
    auto from = c.call(fetch, 11, fetch_request("r", 0, start_offset), keep);
    ASSERT_TRUE(from);
    const message& part = only_partition(from->body, "Responses", "Partitions");
    EXPECT_EQ(part.get_error("ErrorCode"), error_code::none);
    EXPECT_EQ(part.get_int64("LogStartOffset"), start_offset);
    EXPECT_FALSE(part.get_records("Records").bytes.empty());
}

TEST_F(kafka_server, a_restart_recovers_the_topics_and_keeps_the_cluster_id) {
    start();
    std::string cluster;
    {
        kafka_client c(port_);
        ASSERT_EQ(produce_batch(c, "kept", 0, make_batch({.records = 6})), 0);
        cluster = server_->log().cluster_id();
    }
    restart();
    EXPECT_EQ(server_->log().cluster_id(), cluster);
    kafka_client c(port_);
    EXPECT_EQ(produce_batch(c, "kept", 0, make_batch({.records = 1})), 6);
}

} // namespace
} // namespace zc::test
