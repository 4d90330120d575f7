// zc send [--strategy S] [--offset N] [--length N] [--json] FILE HOST:PORT
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "support/test_support.hpp"
#include "zc_cli_support.hpp"
#include "zc_net_support.hpp"

namespace zc::test {
namespace {

std::string at(int port, bool ipv6 = false) {
    return (ipv6 ? "[::1]:" : "127.0.0.1:") + std::to_string(port);
}

// Why "localhost" cannot stand for the loopback here, or nullopt when it can:
// getaddrinfo fails, answers with a non-loopback address, or takes more than
// 3 s (a resolver that times out because /etc/hosts lacks the name). The
// look-up runs on a detached thread so that a slow resolver cannot hold the
// test up beyond that.
std::optional<std::string> localhost_unusable() {
    struct outcome {
        std::mutex mutex;
        std::condition_variable done_changed;
        bool done = false;
        std::optional<std::string> problem;
    };
    auto state = std::make_shared<outcome>();
    std::thread([state] {
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        std::optional<std::string> problem;
        if (const int rc = ::getaddrinfo("localhost", "9", &hints, &found); rc != 0) {
            problem = std::string("getaddrinfo(\"localhost\"): ") + ::gai_strerror(rc);
        } else {
            for (const addrinfo* a = found; a && !problem; a = a->ai_next) {
                const bool loopback =
                    (a->ai_family == AF_INET &&
                     (ntohl(reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr.s_addr) >> 24) == 127) ||
                    (a->ai_family == AF_INET6 &&
                     IN6_IS_ADDR_LOOPBACK(&reinterpret_cast<const sockaddr_in6*>(a->ai_addr)->sin6_addr));
                if (!loopback) problem = "\"localhost\" resolves to an address that is not loopback";
            }
            ::freeaddrinfo(found);
        }
        std::lock_guard lock(state->mutex);
        state->problem = std::move(problem);
        state->done = true;
        state->done_changed.notify_all();
    }).detach();
    std::unique_lock lock(state->mutex);
    if (!state->done_changed.wait_for(lock, 3s, [&] { return state->done; }))
        return "getaddrinfo(\"localhost\") takes more than 3 s here (no localhost in /etc/hosts?)";
    return state->problem;
}

// Accepts one connection and reads it to EOF, on a thread.
std::future<std::string> receive_one(const test_listener& listener) {
    return std::async(std::launch::async, [&listener] {
        auto s = listener.accept_one();
        return s ? read_all(s.get()) : std::string("<no connection>");
    });
}

} // namespace

TEST(send, sends_a_multi_mib_file_byte_exact) {
    temp_dir dir;
    const auto data = write_random_file(dir / "a", (9u << 20) + 5, 1);
    test_listener listener;
    auto received = receive_one(listener);
    auto r = run_zc({"send", (dir / "a").string(), at(listener.port)});
    ASSERT_EQ(r.exit_code, 0) << r;
    const auto got = received.get();
    ASSERT_EQ(got.size(), data.size());
    EXPECT_EQ(hash_bytes(got), hash_bytes(data));
}

TEST(send, sends_a_range_given_with_offset_and_length) {
    temp_dir dir;
    const auto data = write_random_file(dir / "a", 2u << 20, 2);
    test_listener listener;
    auto received = receive_one(listener);
    auto r = run_zc({"send", "--offset", "1M", "--length", "100001", (dir / "a").string(), at(listener.port)});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(received.get(), data.substr(1 << 20, 100001));
}

TEST(send, sends_over_ipv6_loopback) {
    if (!ipv6_loopback_usable()) {
        GTEST_SKIP() << "no IPv6 loopback (::1) here";
    }
    temp_dir dir;
    const auto data = write_random_file(dir / "a", 1u << 20, 3);
    test_listener listener(true);
    auto received = receive_one(listener);
    auto r = run_zc({"send", (dir / "a").string(), at(listener.port, true)});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(received.get(), data);
}

TEST(send, resolves_localhost) {
    if (const auto why = localhost_unusable()) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    const auto data = write_random_file(dir / "a", 1000, 4);
    test_listener listener;
    auto received = receive_one(listener);
    auto r = run_zc({"send", (dir / "a").string(), "localhost:" + std::to_string(listener.port)});
    // localhost may resolve to ::1 first; zc tries each address in turn.
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(received.get(), data);
}

TEST(send, json_reports_the_transfer_on_stdout) {
    temp_dir dir;
    write_random_file(dir / "a", 500000, 5);
    test_listener listener;
    auto received = receive_one(listener);
    auto r = run_zc({"send", "--json", (dir / "a").string(), at(listener.port)});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(received.get().size(), 500000u);
    expect_stats_object(nlohmann::json::parse(r.out), 500000);
}

TEST(send, waits_for_the_peer_to_close_after_shutdown) {
    temp_dir dir;
    const auto data = write_random_file(dir / "a", 10000, 6);
    test_listener listener;
    auto peer = std::async(std::launch::async, [&] {
        auto s = listener.accept_one();
        auto got = read_all(s.get()); // ends at zc's shutdown(SHUT_WR)
        std::this_thread::sleep_for(300ms);
        return got;
    });
    const auto started = std::chrono::steady_clock::now();
    auto r = run_zc({"send", (dir / "a").string(), at(listener.port)});
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(peer.get(), data);
    EXPECT_GE(took, 250ms) << "send returned before the peer closed";
}

TEST(send, gives_up_waiting_for_a_peer_that_never_closes) {
    temp_dir dir;
    write_random_file(dir / "a", 1000, 7);
    test_listener listener;
    std::promise<void> done;
    auto peer = std::async(std::launch::async, [&] {
        auto s = listener.accept_one();
        auto got = read_all(s.get());
        done.get_future().wait_for(20s); // keeps the connection open
        return got;
    });
    auto r = run_zc({"send", "--close-timeout", "0.2", (dir / "a").string(), at(listener.port)});
    done.set_value();
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.err.find("zc: warning:"), std::string::npos) << r;
    EXPECT_EQ(peer.get().size(), 1000u);
}

class send_strategy : public testing::TestWithParam<std::string> {};

TEST_P(send_strategy, sends_byte_exact_to_a_tcp_socket) {
    const std::string strategy = GetParam();
    if (auto why = why_untestable(strategy, endpoint_kind::file, endpoint_kind::socket)) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    const auto data = write_random_file(dir / "a", (4u << 20) + 99, 8);
    test_listener listener;
    auto received = receive_one(listener);
    auto r = run_zc({"send", "--strategy", strategy, "--json", (dir / "a").string(), at(listener.port)});
    const auto got = received.get();
    if (refused_pair(r)) {
        GTEST_SKIP() << strategy << " refuses file → TCP socket: " << r.err;
    }
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(hash_bytes(got), hash_bytes(data));
    EXPECT_EQ(got.size(), data.size());
    const auto stats = nlohmann::json::parse(r.out);
    expect_stats_object(stats, data.size());
    if (strategy != "auto") {
        EXPECT_EQ(stats.at("strategy"), strategy);
    }
}

INSTANTIATE_TEST_SUITE_P(every, send_strategy, testing::ValuesIn(strategy_names_under_test()), param_name);

// ---- errors ------------------------------------------------------------------

TEST(send, refused_connection_names_the_peer) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 9);
    const int port = free_port();
    auto r = run_zc({"send", (dir / "a").string(), at(port)});
    expect_failure(r, {at(port), "Connection refused"});
}

TEST(send, missing_file_fails_before_connecting) {
    temp_dir dir;
    test_listener listener;
    auto r = run_zc({"send", (dir / "missing.bin").string(), at(listener.port)});
    expect_failure(r, {"missing.bin", "No such file or directory"});
    pollfd p{listener.fd.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 0), 0) << "no connection was made";
}

TEST(send, directory_is_an_error) {
    temp_dir dir;
    auto r = run_zc({"send", dir.path().string(), at(free_port())});
    expect_failure(r, {"Is a directory"});
}

TEST(send, malformed_addresses_are_usage_errors) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 10);
    for (const char* address : {"localhost", "127.0.0.1:", ":9000", "127.0.0.1:99999", "127.0.0.1:-1",
                                "127.0.0.1:http", "::1:9000", "[::1]9000", "[::1", "[]:9000", "127.0.0.1:0", ""}) {
        auto r = run_zc({"send", (dir / "a").string(), address});
        expect_usage_error(r, "HOST:PORT", "send");
    }
}

TEST(send, unknown_host_is_a_clear_error) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 11);
    run_options bounded;
    bounded.timeout = 30s;
    auto r = run_zc({"send", (dir / "a").string(), "no-such-host.invalid:9"}, bounded);
    expect_failure(r, {"no-such-host.invalid"});
}

TEST(send, a_peer_that_hangs_up_is_an_error_not_a_crash) {
    temp_dir dir;
    write_random_file(dir / "a", 32u << 20, 12);
    test_listener listener;
    auto peer = std::async(std::launch::async, [&] {
        auto s = listener.accept_one();
        char some[1000];
        (void)::read(s.get(), some, sizeof some);
        linger reset{1, 0}; // close with RST
        ::setsockopt(s.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    });
    auto r = run_zc({"send", (dir / "a").string(), at(listener.port)});
    peer.get();
    EXPECT_EQ(r.term_signal, 0) << "killed by a signal: " << r;
    expect_failure(r, {at(listener.port)});
    EXPECT_TRUE(r.err.find("Connection reset") != std::string::npos || r.err.find("Broken pipe") != std::string::npos)
        << r;
}

TEST(send, negative_and_malformed_sizes_are_usage_errors) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 13);
    expect_usage_error(run_zc({"send", "--offset", "-1", (dir / "a").string(), at(9)}), "--offset", "send");
    expect_usage_error(run_zc({"send", "--length", "ten", (dir / "a").string(), at(9)}), "--length", "send");
}

TEST(send, unknown_strategy_is_a_usage_error) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 14);
    expect_usage_error(run_zc({"send", "--strategy", "pigeon", (dir / "a").string(), at(9)}), "pigeon", "send");
}

} // namespace zc::test
