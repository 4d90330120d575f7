// The reactor on its own, with a small echo protocol: many connections,
// deadlines, timers on an idle loop, graceful drain, EMFILE, the refusal
// past the connection limit. Every wait here is bounded; none asserts a time.
// Each test runs on every backend (epoll, io-uring); one this kernel refuses
// is skipped with the reason.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "net/server.hpp"

namespace zc::net {
namespace {

using namespace std::chrono_literals;

// Echoes every byte back. "HOLD" makes it busy (it stays open through a
// drain) until "DONE", which it answers "BYE" and closes after. Idle for
// `idle` with nothing buffered: closed by its deadline.
class echo_session final : public session {
public:
    echo_session(unique_fd socket, loop& owner, std::chrono::milliseconds idle)
        : session(std::move(socket), owner), idle_(idle) {
        arm(idle_);
    }

    outcome on_ready(readiness) override {
        if (on_first_ready_) std::exchange(on_first_ready_, {})(*this);
        return pump();
    }
    outcome on_deadline() override { return outcome::closed; }
    outcome on_drain() override { return busy_ ? outcome::open : outcome::closed; }

    // Bytes from elsewhere (loop::resume), sent like an echo.
    outcome say(std::string_view words) {
        pending_.append(words);
        return pump();
    }
    std::function<void(echo_session&)> on_first_ready_;

private:
    outcome pump() {
        for (;;) {
            if (!flush()) return outcome::open; // wait for room
            if (closing_) return outcome::closed;
            char buffer[4096];
            const ssize_t n = ::recv(fd(), buffer, sizeof buffer, 0);
            if (n == 0) return outcome::closed;
            if (n < 0) return errno == EAGAIN ? (arm(idle_), outcome::open) : outcome::closed;
            const std::string_view got(buffer, static_cast<std::size_t>(n));
            if (got == "HOLD") busy_ = true;
            if (got == "DONE") {
                pending_ += "BYE";
                closing_ = true;
                continue;
            }
            pending_.append(got);
        }
    }
    bool flush() {
        while (!pending_.empty()) {
            const ssize_t n = ::send(fd(), pending_.data(), pending_.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            pending_.erase(0, static_cast<std::size_t>(n));
        }
        return true;
    }

    std::chrono::milliseconds idle_;
    std::string pending_;
    bool busy_ = false;
    bool closing_ = false;
};

struct echo_counters {
    std::mutex mutex;
    std::vector<std::pair<loop*, std::uint64_t>> seen; // each session's loop and id, on its first readiness
    std::atomic<int> refused{0};
    std::atomic<int> timer_runs{0};
    std::atomic<int> stopped{0};
};

class echo_worker final : public protocol_worker {
public:
    echo_worker(loop& l, echo_counters& counters, std::chrono::milliseconds idle, std::chrono::milliseconds timer)
        : loop_(l), counters_(counters), idle_(idle) {
        if (timer > 0ms) {
            due_ = steady_clock::now() + timer;
            l.add_timer({[this] { return due_; },
                         [this](steady_clock::time_point) {
                             counters_.timer_runs++;
                             due_.reset();
                         }});
        }
    }
    std::unique_ptr<session> open_session(unique_fd socket, const sockaddr_storage&) override {
        auto s = std::make_unique<echo_session>(std::move(socket), loop_, idle_);
        s->on_first_ready_ = [this](echo_session& me) {
            std::lock_guard lock(counters_.mutex);
            counters_.seen.emplace_back(&me.owner(), me.id());
        };
        return s;
    }
    void refuse(int socket) override {
        counters_.refused++;
        (void)::send(socket, "BUSY", 4, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    void on_stop() override { counters_.stopped++; }

private:
    loop& loop_;
    echo_counters& counters_;
    std::chrono::milliseconds idle_;
    std::optional<steady_clock::time_point> due_;
};

struct echo_server {
    echo_counters counters;
    std::optional<server> running;

    explicit echo_server(server_settings settings, std::chrono::milliseconds idle = 30s,
                         std::chrono::milliseconds timer = 0ms) {
        settings.port = 0;
        settings.backend = ::testing::TestWithParam<backend_kind>::GetParam();
        auto started = server::start(settings, [this, idle, timer](loop& l) {
            return std::expected<std::unique_ptr<protocol_worker>, error>(
                std::make_unique<echo_worker>(l, counters, idle, timer));
        });
        if (!started) ADD_FAILURE() << started.error().message();
        else running.emplace(std::move(*started));
    }
    std::uint16_t port() const {
        const std::string& a = running->local_address();
        return static_cast<std::uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
    }
};

unique_fd connect_to(std::uint16_t port) {
    unique_fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) s.reset();
    return s;
}

// What arrives within `limit`, until `want` bytes or EOF. eof: it ended.
std::string read_some(int fd, std::size_t want, bool* eof = nullptr, std::chrono::milliseconds limit = 10s) {
    std::string got;
    const auto until = steady_clock::now() + limit;
    while (got.size() < want && steady_clock::now() < until) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        char buffer[65536];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            if (eof) *eof = true;
            break;
        }
        got.append(buffer, static_cast<std::size_t>(n));
    }
    return got;
}

bool closed_by_peer(int fd, std::chrono::milliseconds limit = 10s) {
    bool eof = false;
    read_some(fd, SIZE_MAX, &eof, limit);
    return eof;
}

class net_loop : public ::testing::TestWithParam<backend_kind> {
protected:
    void SetUp() override {
        if (auto refused = backend_unavailable(GetParam())) GTEST_SKIP() << refused->message();
    }
};

TEST_P(net_loop, echoes_byte_exact_over_many_connections_and_workers) {
    server_settings settings;
    settings.workers = 2;
    echo_server echo(settings);
    ASSERT_TRUE(echo.running);
    std::vector<unique_fd> clients;
    for (int i = 0; i < 200; ++i) {
        clients.push_back(connect_to(echo.port()));
        ASSERT_TRUE(clients.back()) << i;
    }
    for (std::size_t i = 0; i < clients.size(); ++i) {
        const std::string message = "message " + std::to_string(i) + std::string(i * 37 % 3000, 'x');
        ASSERT_EQ(::send(clients[i].get(), message.data(), message.size(), 0), static_cast<ssize_t>(message.size()));
        EXPECT_EQ(read_some(clients[i].get(), message.size()), message) << i;
    }
}

// Work done on another thread reaches the session through its loop; work for
// a session the loop does not have is dropped, not run on a stranger.
TEST_P(net_loop, resume_runs_on_the_sessions_loop_and_skips_unknown_sessions) {
    server_settings settings;
    settings.workers = 2;
    echo_server echo(settings);
    unique_fd client = connect_to(echo.port());
    ASSERT_TRUE(client);
    ASSERT_EQ(::send(client.get(), "hi", 2, MSG_NOSIGNAL), 2);
    ASSERT_EQ(read_some(client.get(), 2), "hi");
    loop* owner = nullptr;
    std::uint64_t id = 0;
    {
        std::lock_guard lock(echo.counters.mutex);
        ASSERT_EQ(echo.counters.seen.size(), 1u);
        std::tie(owner, id) = echo.counters.seen.front();
    }
    std::atomic<int> strangers{0};
    owner->resume(id + 1000, [&](session&) {
        strangers++;
        return outcome::open;
    });
    std::atomic<bool> posted{false};
    owner->post([&] { posted = true; });
    owner->resume(id, [](session& s) { return static_cast<echo_session&>(s).say("PUSHED"); });
    EXPECT_EQ(read_some(client.get(), 6), "PUSHED");
    EXPECT_TRUE(posted.load());
    EXPECT_EQ(strangers.load(), 0);
}

TEST_P(net_loop, a_large_echo_waits_for_room_and_loses_nothing) {
    echo_server echo(server_settings{});
    ASSERT_TRUE(echo.running);
    auto client = connect_to(echo.port());
    std::string sent(8 << 20, '\0');
    for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>(i * 131 % 251);
    std::thread writer([&] {
        std::size_t off = 0;
        while (off < sent.size()) {
            const ssize_t n = ::send(client.get(), sent.data() + off, sent.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return;
            off += static_cast<std::size_t>(n);
        }
    });
    const std::string back = read_some(client.get(), sent.size(), nullptr, 60s);
    writer.join();
    EXPECT_TRUE(back == sent) << back.size() << " of " << sent.size() << " bytes came back";
}

TEST_P(net_loop, a_session_deadline_closes_an_idle_connection) {
    echo_server echo(server_settings{}, 100ms);
    ASSERT_TRUE(echo.running);
    auto client = connect_to(echo.port());
    EXPECT_TRUE(closed_by_peer(client.get()));
}

// A loop with no connections and no traffic still runs its timers (the
// open-file cache's expiry is one): the wait is bounded by the next timer.
TEST_P(net_loop, timers_run_on_an_idle_loop) {
    server_settings settings;
    settings.workers = 1;
    echo_server echo(settings, 30s, 200ms);
    ASSERT_TRUE(echo.running);
    const auto until = steady_clock::now() + 10s;
    while (echo.counters.timer_runs == 0 && steady_clock::now() < until) std::this_thread::sleep_for(20ms);
    EXPECT_EQ(echo.counters.timer_runs, 1);
}

TEST_P(net_loop, stop_closes_idle_sessions_and_lets_busy_ones_finish) {
    server_settings settings;
    settings.workers = 1;
    echo_server echo(settings);
    ASSERT_TRUE(echo.running);
    auto idle = connect_to(echo.port());
    auto busy = connect_to(echo.port());
    ASSERT_EQ(::send(busy.get(), "HOLD", 4, 0), 4);
    ASSERT_EQ(read_some(busy.get(), 4), "HOLD");
    ASSERT_EQ(::send(idle.get(), "ping", 4, 0), 4);
    ASSERT_EQ(read_some(idle.get(), 4), "ping");
    echo.running->stop();
    EXPECT_TRUE(closed_by_peer(idle.get()));
    // The busy session is still served after the stop.
    ASSERT_EQ(::send(busy.get(), "DONE", 4, MSG_NOSIGNAL), 4);
    bool eof = false;
    EXPECT_EQ(read_some(busy.get(), 16, &eof), "BYE");
    EXPECT_TRUE(eof) << "closed once its work is done, while the server still exists";
    echo.running->wait();
    EXPECT_EQ(echo.counters.stopped, 1);
    EXPECT_FALSE(connect_to(echo.port())) << "the listener is closed after a stop";
}

TEST_P(net_loop, the_drain_timeout_ends_a_session_that_never_finishes) {
    server_settings settings;
    settings.limits.drain_timeout = 200ms;
    echo_server echo(settings);
    ASSERT_TRUE(echo.running);
    auto busy = connect_to(echo.port());
    ASSERT_EQ(::send(busy.get(), "HOLD", 4, 0), 4);
    ASSERT_EQ(read_some(busy.get(), 4), "HOLD");
    echo.running->stop();
    echo.running->wait(); // returns: the drain deadline ends the loop
    echo.running.reset();
    EXPECT_TRUE(closed_by_peer(busy.get()));
}

TEST_P(net_loop, past_the_connection_limit_the_protocol_refuses) {
    server_settings settings;
    settings.workers = 1;
    settings.limits.max_connections = 2;
    echo_server echo(settings);
    ASSERT_TRUE(echo.running);
    auto a = connect_to(echo.port());
    auto b = connect_to(echo.port());
    ASSERT_EQ(::send(a.get(), "a", 1, 0), 1);
    ASSERT_EQ(read_some(a.get(), 1), "a");
    ASSERT_EQ(::send(b.get(), "b", 1, 0), 1);
    ASSERT_EQ(read_some(b.get(), 1), "b");
    auto c = connect_to(echo.port());
    bool eof = false;
    EXPECT_EQ(read_some(c.get(), 16, &eof), "BUSY");
    EXPECT_TRUE(eof);
    EXPECT_EQ(echo.counters.refused, 1);
    a.reset(); // a slot frees up: the next connection is served
    const auto until = steady_clock::now() + 10s;
    std::string got;
    while (got != "d" && steady_clock::now() < until) {
        auto d = connect_to(echo.port());
        (void)::send(d.get(), "d", 1, MSG_NOSIGNAL);
        got = read_some(d.get(), 1, nullptr, 1s);
    }
    EXPECT_EQ(got, "d");
}

// Out of descriptors: the loop gives up its reserve descriptor to accept and
// close the waiting connection (the client sees a close, not a hang), and
// serves again once descriptors are back. The limit is lowered before the
// loop starts and the rest of the table filled, rather than the limit
// lowered under a running loop: io_uring's multishot accept keeps the limit
// it was armed with.
TEST_P(net_loop, out_of_descriptors_closes_the_waiting_connection_and_recovers) {
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    unique_fd probe(::dup(0)); // the lowest free descriptor number
    ASSERT_TRUE(probe);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(probe.get()) + 64; // room for the loop
    probe.reset();
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
    bool connected = false, closed = false;
    {
        server_settings one_loop;
        one_loop.workers = 1; // one listener, one reserve descriptor
        echo_server echo(one_loop);
        ASSERT_TRUE(echo.running);
        unique_fd waiting(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        ASSERT_TRUE(waiting);
        std::vector<unique_fd> filling; // every descriptor left
        for (unique_fd f(::dup(0)); f; f = unique_fd(::dup(0))) filling.push_back(std::move(f));
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(echo.port());
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected = ::connect(waiting.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        closed = connected && closed_by_peer(waiting.get());
        filling.clear();
        ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
        EXPECT_TRUE(connected);
        EXPECT_TRUE(closed);
        // Recovered: a new connection is echoed (the accept pause is short).
        const auto until = steady_clock::now() + 10s;
        std::string got;
        while (got != "ok" && steady_clock::now() < until) {
            auto again = connect_to(echo.port());
            (void)::send(again.get(), "ok", 2, MSG_NOSIGNAL);
            got = read_some(again.get(), 2, nullptr, 1s);
        }
        EXPECT_EQ(got, "ok");
    }
    ::setrlimit(RLIMIT_NOFILE, &saved);
}

INSTANTIATE_TEST_SUITE_P(each, net_loop, ::testing::Values(backend_kind::epoll, backend_kind::io_uring),
                         [](const ::testing::TestParamInfo<backend_kind>& param) {
                             return param.param == backend_kind::epoll ? std::string("epoll") : std::string("io_uring");
                         });

} // namespace
} // namespace zc::net
