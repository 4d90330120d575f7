// zc recv [--strategy S] [--json] HOST:PORT OUT, and send → recv end to end.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "support/test_support.hpp"
#include "zc_cli_support.hpp"
#include "zc_net_support.hpp"

namespace zc::test {
namespace {

namespace fs = std::filesystem;

// Connects to a receiver, sends `data`, closes.
void send_to(int port, const std::string& data, bool ipv6 = false) {
    auto s = connect_loopback(port, ipv6);
    ASSERT_TRUE(write_all(s.get(), data));
}

std::set<std::string> entries(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

} // namespace

TEST(recv, announces_its_port_and_writes_one_connection_to_a_file) {
    temp_dir dir;
    int port = 0;
    auto receiver = start_receiver("127.0.0.1", {}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    const std::string data = random_bytes((6u << 20) + 1, 1);
    send_to(port, data);
    auto r = receiver->finish();
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.err.find("zc: listening on 127.0.0.1:" + std::to_string(port)), std::string::npos) << r;
    EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(data));
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"out"});
}

TEST(recv, writes_to_stdout_with_json_on_stderr) {
    int port = 0;
    auto receiver = start_receiver("127.0.0.1", {"--json"}, "-", &port);
    ASSERT_NE(port, 0);
    const std::string data = random_bytes(3u << 20, 2); // more than a pipe holds
    send_to(port, data);
    auto r = receiver->finish();
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(hash_bytes(r.out), hash_bytes(data));
    expect_stats_object(last_json_line(r.err), data.size());
}

TEST(recv, json_goes_to_stdout_when_out_is_a_file) {
    temp_dir dir;
    int port = 0;
    auto receiver = start_receiver("127.0.0.1", {"--json"}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    send_to(port, "hello");
    auto r = receiver->finish();
    ASSERT_EQ(r.exit_code, 0) << r;
    expect_stats_object(nlohmann::json::parse(r.out), 5);
    EXPECT_EQ(read_file(dir / "out"), "hello");
}

TEST(recv, empty_connection_gives_an_empty_file) {
    temp_dir dir;
    int port = 0;
    auto receiver = start_receiver("127.0.0.1", {}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    send_to(port, "");
    auto r = receiver->finish();
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_TRUE(fs::exists(dir / "out"));
    EXPECT_EQ(fs::file_size(dir / "out"), 0u);
}

TEST(recv, listens_on_ipv6_loopback) {
    if (!ipv6_loopback_usable()) {
        GTEST_SKIP() << "no IPv6 loopback (::1) here";
    }
    temp_dir dir;
    int port = 0;
    auto receiver = start_receiver("[::1]", {}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    EXPECT_NE(receiver->stderr_so_far().find("[::1]:"), std::string::npos);
    const std::string data = random_bytes(1u << 20, 3);
    send_to(port, data, true);
    auto r = receiver->finish();
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "out"), data);
}

class recv_strategy : public testing::TestWithParam<std::string> {};

TEST_P(recv_strategy, writes_a_tcp_stream_byte_exact_to_a_file) {
    const std::string strategy = GetParam();
    if (auto why = why_untestable(strategy, endpoint_kind::socket, endpoint_kind::file)) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    int port = 0;
    auto receiver = start_receiver("127.0.0.1", {"--strategy", strategy, "--json"}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    const std::string data = random_bytes((4u << 20) + 3, 4);
    auto s = connect_loopback(port);
    write_all(s.get(), data); // may fail if zc refused the pair and hung up
    s.reset();
    auto r = receiver->finish();
    if (refused_pair(r)) {
        GTEST_SKIP() << strategy << " refuses TCP socket → file: " << r.err;
    }
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(data));
    const auto stats = nlohmann::json::parse(r.out);
    expect_stats_object(stats, data.size());
    if (strategy != "auto") {
        EXPECT_EQ(stats.at("strategy"), strategy);
    }
}

INSTANTIATE_TEST_SUITE_P(every, recv_strategy, testing::ValuesIn(strategy_names_under_test()), param_name);

// zc send → zc recv, both ends the real binary.
class send_to_recv : public testing::TestWithParam<bool> {};

TEST_P(send_to_recv, round_trips_byte_exact) {
    const bool ipv6 = GetParam();
    if (ipv6 && !ipv6_loopback_usable()) {
        GTEST_SKIP() << "no IPv6 loopback (::1) here";
    }
    temp_dir dir;
    const auto data = write_random_file(dir / "in", (16u << 20) + 12345, 5);
    int port = 0;
    auto receiver = start_receiver(ipv6 ? "[::1]" : "127.0.0.1", {"--json"}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    const std::string peer = (ipv6 ? "[::1]:" : "127.0.0.1:") + std::to_string(port);
    auto sent = run_zc({"send", "--json", (dir / "in").string(), peer});
    auto received = receiver->finish();
    ASSERT_EQ(sent.exit_code, 0) << sent;
    ASSERT_EQ(received.exit_code, 0) << received;
    expect_stats_object(nlohmann::json::parse(sent.out), data.size());
    expect_stats_object(nlohmann::json::parse(received.out), data.size());
    EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(data));
}

TEST_P(send_to_recv, round_trips_a_range) {
    const bool ipv6 = GetParam();
    if (ipv6 && !ipv6_loopback_usable()) {
        GTEST_SKIP() << "no IPv6 loopback (::1) here";
    }
    temp_dir dir;
    const auto data = write_random_file(dir / "in", 3u << 20, 6);
    int port = 0;
    auto receiver = start_receiver(ipv6 ? "[::1]" : "127.0.0.1", {}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    const std::string peer = (ipv6 ? "[::1]:" : "127.0.0.1:") + std::to_string(port);
    auto sent = run_zc({"send", "--offset", "4095", "--length", "2M", (dir / "in").string(), peer});
    auto received = receiver->finish();
    ASSERT_EQ(sent.exit_code, 0) << sent;
    ASSERT_EQ(received.exit_code, 0) << received;
    EXPECT_EQ(read_file(dir / "out"), data.substr(4095, 2u << 20));
}

INSTANTIATE_TEST_SUITE_P(loopback, send_to_recv, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool>& p) { return p.param ? "ipv6" : "ipv4"; });

// ---- errors ------------------------------------------------------------------

TEST(recv, unwritable_output_fails_before_listening) {
    temp_dir dir;
    auto r = run_zc({"recv", "127.0.0.1:0", (dir / "nowhere" / "out").string()}, within(10s));
    expect_failure(r, {"nowhere/out", "No such file or directory"});
    EXPECT_EQ(r.err.find("listening"), std::string::npos) << r;
}

TEST(recv, directory_as_output_is_an_error) {
    temp_dir dir;
    auto r = run_zc({"recv", "127.0.0.1:0", dir.path().string()}, within(10s));
    expect_failure(r, {"Is a directory"});
}

TEST(recv, address_in_use_is_an_error) {
    temp_dir dir;
    test_listener busy;
    auto r = run_zc({"recv", "127.0.0.1:" + std::to_string(busy.port), (dir / "out").string()}, within(10s));
    expect_failure(r, {"127.0.0.1:" + std::to_string(busy.port), "Address already in use"});
    EXPECT_TRUE(entries(dir.path()).empty()) << "no OUT, no temporary file";
}

TEST(recv, a_reset_connection_leaves_no_output_file) {
    temp_dir dir;
    const auto old = write_random_file(dir / "out", 100, 7);
    int port = 0;
    auto receiver = start_receiver("127.0.0.1", {}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    {
        auto s = connect_loopback(port);
        write_all(s.get(), random_bytes(100000, 8));
        linger reset{1, 0}; // close with RST: not an orderly end of data
        ::setsockopt(s.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
    auto r = receiver->finish();
    expect_failure(r, {"out", "Connection reset"});
    EXPECT_EQ(read_file(dir / "out"), old) << "the previous OUT is untouched";
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"out"});
}

TEST(recv, malformed_addresses_are_usage_errors) {
    for (const char* address : {"9000", "127.0.0.1:", "127.0.0.1:65536", "::1:0", "[::1]", "host name:1"}) {
        auto r = run_zc({"recv", address, "-"}, within(10s));
        expect_usage_error(r, "HOST:PORT", "recv");
    }
}

TEST(recv, unknown_strategy_is_a_usage_error) {
    expect_usage_error(run_zc({"recv", "--strategy", "carrier-pigeon", "127.0.0.1:0", "-"}), "carrier-pigeon", "recv");
}

TEST(recv, range_options_are_not_accepted) {
    expect_usage_error(run_zc({"recv", "--length=5", "127.0.0.1:0", "-"}), "--length", "recv");
}

} // namespace zc::test
