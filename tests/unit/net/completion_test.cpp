// Completion I/O (backend.hpp: watch_completions, receive, send,
// wait_writable): bytes arrive in the backend's buffers with their tag, a
// send leaves whole however small the peer's window, an unwatched
// descriptor's receive or send never comes out (not even once its number is
// reused) and its send buffer outlives it, more receives at once than the
// backend has buffers are all served, a listener's connections come as
// accepted descriptors (multishot accept). On io_uring with its real rings and
// with tiny ones; epoll has none (completes_io() is false) and the loop
// keeps its sessions on readiness there.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/backend.hpp"
#include "support/test_support.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::net {
namespace {

struct completion_case {
    std::string name;
    std::function<std::expected<std::unique_ptr<backend>, error>()> make;
};

std::vector<completion_case> completion_cases() {
    return {
        {"io_uring", [] { return make_backend(backend_kind::io_uring); }},
        {"io_uring_tiny_rings", [] { return make_io_uring_backend(8, 16); }},
    };
}

struct socket_pair {
    unique_fd watched, peer;
    static socket_pair make() {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) return {};
        return {unique_fd(fds[0]), unique_fd(fds[1])};
    }
};

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

class net_completion : public ::testing::TestWithParam<completion_case> {
protected:
    void SetUp() override {
        if (auto refused = backend_unavailable(backend_kind::io_uring)) GTEST_SKIP() << refused->message();
        auto made = GetParam().make();
        ASSERT_TRUE(made) << made.error().message();
        b = std::move(*made);
        if (!b->completes_io()) GTEST_SKIP() << "this kernel has no provided-buffer rings (Linux 5.19+)";
    }

    // The events of one wait, each received buffer copied out and recycled.
    struct seen {
        const void* tag;
        event_kind kind;
        readiness what;
        bool sent_all;
        std::string bytes;
    };
    std::vector<seen> next_events(int timeout_ms = 5000, std::size_t room = 64) {
        std::vector<ready_event> out(room);
        auto n = b->wait(out, timeout_ms);
        EXPECT_TRUE(n) << n.error().message();
        std::vector<seen> events;
        for (std::size_t i = 0; n && i < *n; ++i) {
            const ready_event& e = out[i];
            events.push_back({e.tag, e.kind, e.what, e.sent_all,
                              std::string(reinterpret_cast<const char*>(e.bytes.data()), e.bytes.size())});
            b->recycle(e);
        }
        return events;
    }

    // Reads the peer's side of p until the backend reports the send of `bytes`
    // done, then what is left: what arrived, and the send's event.
    std::pair<std::string, std::optional<seen>> collect_send(socket_pair& p, send_bytes bytes) {
        b->send(p.watched.get(), std::move(bytes));
        std::string arrived;
        std::optional<seen> done;
        char buffer[65536];
        for (int i = 0; i < 20000 && !done; ++i) {
            const ssize_t n = ::read(p.peer.get(), buffer, sizeof buffer);
            if (n > 0) arrived.append(buffer, static_cast<std::size_t>(n));
            for (const seen& e : next_events(n > 0 ? 0 : 10))
                if (e.tag == &tag_a && e.kind == event_kind::sent) done = e;
        }
        for (ssize_t n; (n = ::read(p.peer.get(), buffer, sizeof buffer)) > 0;) arrived.append(buffer, static_cast<std::size_t>(n));
        return {std::move(arrived), done};
    }

    // Waits until an event of `kind` for `tag` comes (at most `rounds` waits).
    std::optional<seen> wait_for(const void* tag, event_kind kind, int rounds = 20) {
        for (int i = 0; i < rounds; ++i)
            for (const seen& e : next_events(500))
                if (e.tag == tag && e.kind == kind) return e;
        return std::nullopt;
    }

    std::unique_ptr<backend> b;
    char tag_a = 'a', tag_b = 'b', tag_c = 'c';
};

TEST(net_completion_epoll, epoll_does_no_completion_io) {
    auto made = make_backend(backend_kind::epoll);
    ASSERT_TRUE(made);
    EXPECT_FALSE((*made)->completes_io());
    EXPECT_FALSE((*made)->watch_accepts(0, nullptr)) << "epoll has no accept of its own";
}

// A listening TCP socket on 127.0.0.1 and its port.
std::pair<unique_fd, int> listening_socket() {
    unique_fd s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s.get(), 1024) != 0 ||
        ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &length) != 0)
        return {unique_fd{}, 0};
    return {std::move(s), ntohs(a.sin_port)};
}

unique_fd connect_to(int port) {
    unique_fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return {};
    return s;
}

int local_port(int fd) {
    sockaddr_in a{};
    socklen_t length = sizeof a;
    return ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0 ? ntohs(a.sin_port) : -1;
}

int peer_port(int fd) {
    sockaddr_in a{};
    socklen_t length = sizeof a;
    return ::getpeername(fd, reinterpret_cast<sockaddr*>(&a), &length) == 0 ? ntohs(a.sin_port) : -1;
}

TEST_P(net_completion, a_receive_delivers_the_bytes_with_the_tag_and_the_eof_as_none) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch_completions(p.watched.get(), &tag_a));
    b->receive(p.watched.get());
    EXPECT_TRUE(next_events(30).empty()) << "nothing arrived yet";
    ASSERT_EQ(::write(p.peer.get(), "GET / HTTP/1.1\r\n\r\n", 18), 18);
    auto got = wait_for(&tag_a, event_kind::received);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->bytes, "GET / HTTP/1.1\r\n\r\n");
    EXPECT_TRUE(next_events(30).empty()) << "one receive, one event";
    p.peer.reset();
    b->receive(p.watched.get());
    got = wait_for(&tag_a, event_kind::received);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->bytes.empty()) << "EOF: a receive of nothing";
}

// The peer's socket buffer is far smaller than the send: the kernel takes it
// in parts, and the backend submits the rest until every byte left.
TEST_P(net_completion, a_send_larger_than_the_window_leaves_whole_and_in_order) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch_completions(p.watched.get(), &tag_a));
    const std::string message = pattern(4 << 20);
    const auto [arrived, done] = collect_send(p, message);
    ASSERT_TRUE(done) << "no completion of the send";
    EXPECT_TRUE(done->sent_all);
    EXPECT_EQ(arrived.size(), message.size());
    EXPECT_TRUE(arrived == message) << "bytes out of order or lost";
}

// Shared bytes (a cache's ready response) leave the same way, in parts, and
// the backend lets go of them when the send is over.
TEST_P(net_completion, shared_bytes_leave_whole_and_are_let_go_after_the_send) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch_completions(p.watched.get(), &tag_a));
    const auto message = std::make_shared<const std::string>(pattern(4 << 20));
    const auto [arrived, done] = collect_send(p, message);
    ASSERT_TRUE(done) << "no completion of the send";
    EXPECT_TRUE(done->sent_all);
    EXPECT_TRUE(arrived == *message) << "bytes out of order or lost";
    EXPECT_EQ(message.use_count(), 1) << "the backend still holds the bytes after their send";
}

TEST_P(net_completion, a_send_to_a_closed_peer_says_not_all) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch_completions(p.watched.get(), &tag_a));
    p.peer.reset();
    b->send(p.watched.get(), std::string("HTTP/1.1 200 OK\r\n\r\n"));
    const auto got = wait_for(&tag_a, event_kind::sent);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->sent_all);
}

// The loop frees a closed session after its batch and closes its socket: a
// receive or a send still in flight must never report to it, not even once
// its descriptor number is reused; the send's bytes stay the backend's
// until the kernel is done with them (ASan holds this to account).
TEST_P(net_completion, an_unwatched_descriptor_hears_nothing_more_and_its_send_outlives_it) {
    auto first = socket_pair::make();
    auto second = socket_pair::make();
    ASSERT_TRUE(b->watch_completions(first.watched.get(), &tag_a));
    ASSERT_TRUE(b->watch_completions(second.watched.get(), &tag_b));
    b->receive(first.watched.get());
    b->send(second.watched.get(), pattern(4 << 20)); // the peer never reads: it stays in flight
    (void)next_events(30);
    const int first_number = first.watched.get();
    b->unwatch(first_number);
    b->unwatch(second.watched.get());
    first.watched.reset();
    second = socket_pair{};
    ASSERT_EQ(::send(first.peer.get(), "late", 4, MSG_NOSIGNAL), -1) << "the receive let its socket go";
    auto reused = socket_pair::make();
    if (reused.watched.get() != first_number) std::swap(reused.watched, reused.peer);
    ASSERT_EQ(reused.watched.get(), first_number) << "the lowest free number is reused";
    ASSERT_TRUE(b->watch_completions(reused.watched.get(), &tag_c));
    for (int i = 0; i < 3; ++i)
        for (const seen& e : next_events(30)) EXPECT_EQ(e.tag, &tag_c) << "a stale completion came out";
    b->receive(reused.watched.get());
    ASSERT_EQ(::write(reused.peer.get(), "new", 3), 3);
    const auto got = wait_for(&tag_c, event_kind::received);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->bytes, "new");
}

// More sockets with bytes waiting than the backend has buffers (128): every
// one is received exactly once, some after the kernel said -ENOBUFS.
TEST_P(net_completion, more_receives_at_once_than_buffers_all_arrive) {
    constexpr std::size_t count = 600;
    if (!test::ensure_descriptor_limit(2 * count + 64, 192)) GTEST_SKIP() << "needs " << 2 * count + 64 << " descriptors";
    std::vector<socket_pair> pairs(count);
    std::vector<char> tags(count);
    std::map<const void*, std::size_t> index;
    for (std::size_t i = 0; i < count; ++i) {
        pairs[i] = socket_pair::make();
        ASSERT_TRUE(pairs[i].watched);
        ASSERT_TRUE(b->watch_completions(pairs[i].watched.get(), &tags[i]));
        index[&tags[i]] = i;
        const std::string message = "request " + std::to_string(i);
        ASSERT_EQ(::write(pairs[i].peer.get(), message.data(), message.size()), static_cast<ssize_t>(message.size()));
    }
    for (auto& p : pairs) b->receive(p.watched.get());
    std::vector<int> received(count, 0);
    std::size_t done = 0;
    for (int pass = 0; pass < 2000 && done < count; ++pass)
        for (const seen& e : next_events(1000, 256)) {
            ASSERT_EQ(e.kind, event_kind::received);
            const std::size_t i = index.at(e.tag);
            EXPECT_EQ(e.bytes, "request " + std::to_string(i));
            if (received[i]++ == 0) ++done;
        }
    EXPECT_EQ(done, count);
    EXPECT_EQ(std::count(received.begin(), received.end(), 1), static_cast<long>(count)) << "each exactly once";
}

TEST_P(net_completion, wait_writable_reports_once_the_peer_makes_room) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch_completions(p.watched.get(), &tag_a));
    const std::string chunk(65536, 'x');
    while (::send(p.watched.get(), chunk.data(), chunk.size(), MSG_DONTWAIT) > 0) {}
    b->wait_writable(p.watched.get());
    EXPECT_TRUE(next_events(30).empty()) << "full: no room yet";
    char buffer[65536];
    for (ssize_t n; (n = ::read(p.peer.get(), buffer, sizeof buffer)) > 0;) {}
    const auto got = wait_for(&tag_a, event_kind::ready);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->what.writable);
}

// A receive stays armed in the kernel (multishot): bytes that come while the
// session has not asked (pipelined requests, a long head) are kept, and each
// later receive() gets the next of them, a buffer's worth (1 KiB) at most,
// in order, none twice, none lost, the peer's EOF only after the last byte.
TEST_P(net_completion, bytes_that_come_unasked_are_kept_in_order_until_asked_for) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch_completions(p.watched.get(), &tag_a));
    b->receive(p.watched.get());
    const std::string first = "GET /a HTTP/1.1\r\n\r\n";
    ASSERT_EQ(::write(p.peer.get(), first.data(), first.size()), static_cast<ssize_t>(first.size()));
    auto got = wait_for(&tag_a, event_kind::received);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->bytes, first);
    // Not asked for: 20 KiB in several writes, then the EOF.
    const std::string rest = pattern(20 * 1024 + 123);
    for (std::size_t at = 0; at < rest.size(); at += 3000) {
        const std::size_t n = std::min<std::size_t>(3000, rest.size() - at);
        ASSERT_EQ(::write(p.peer.get(), rest.data() + at, n), static_cast<ssize_t>(n));
    }
    p.peer.reset();
    for (int i = 0; i < 5; ++i)
        for (const seen& e : next_events(20)) ADD_FAILURE() << "an event nobody asked for: " << e.bytes.size() << " bytes";
    std::string received;
    bool eof = false;
    for (int asks = 0; asks < 200 && !eof; ++asks) {
        b->receive(p.watched.get());
        got = wait_for(&tag_a, event_kind::received);
        ASSERT_TRUE(got) << "a receive() went unanswered after " << received.size() << " bytes";
        EXPECT_LE(got->bytes.size(), 1024u);
        eof = got->bytes.empty();
        received += got->bytes;
        EXPECT_TRUE(next_events(0).empty()) << "one receive, one event";
    }
    EXPECT_TRUE(eof) << "the EOF never came";
    EXPECT_EQ(received.size(), rest.size());
    EXPECT_TRUE(received == rest) << "the bytes came out of order or changed";
}

// A session that asks again at once, as HTTP does between requests, gets
// every write of the peer as it comes (the receive stays armed across them).
TEST_P(net_completion, a_session_that_keeps_asking_gets_every_message) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch_completions(p.watched.get(), &tag_a));
    for (int i = 0; i < 300; ++i) {
        b->receive(p.watched.get());
        const std::string message = "request " + std::to_string(i) + "\r\n";
        ASSERT_EQ(::write(p.peer.get(), message.data(), message.size()), static_cast<ssize_t>(message.size()));
        const auto got = wait_for(&tag_a, event_kind::received);
        ASSERT_TRUE(got) << "message " << i;
        ASSERT_EQ(got->bytes, message);
    }
}

// Multishot accept: each connection once, as a non-blocking descriptor of
// the backend's; after unwatch() no connection is taken, and none of those
// the kernel may still have accepted for the ended request stays open.
TEST_P(net_completion, a_watched_listener_hands_over_each_connection_once) {
    if (!test::ensure_descriptor_limit(700, 192)) GTEST_SKIP() << "needs 700 descriptors";
    auto [listener, port] = listening_socket();
    ASSERT_TRUE(listener);
    ASSERT_TRUE(b->watch_accepts(listener.get(), &tag_a));
    std::set<int> client_ports;
    std::vector<unique_fd> clients;
    for (int i = 0; i < 300; ++i) {
        clients.push_back(connect_to(port));
        ASSERT_TRUE(clients.back());
        client_ports.insert(local_port(clients.back().get()));
    }
    std::set<int> accepted_ports;
    std::vector<unique_fd> accepted;
    for (int pass = 0; pass < 200 && accepted.size() < clients.size(); ++pass) {
        std::vector<ready_event> out(64);
        auto n = b->wait(out, 1000);
        ASSERT_TRUE(n) << n.error().message();
        for (std::size_t i = 0; i < *n; ++i) {
            ASSERT_EQ(out[i].kind, event_kind::accepted);
            ASSERT_EQ(out[i].tag, &tag_a);
            ASSERT_GE(out[i].accepted, 0) << std::strerror(-out[i].accepted);
            accepted.emplace_back(out[i].accepted);
            EXPECT_TRUE(::fcntl(out[i].accepted, F_GETFL) & O_NONBLOCK);
            EXPECT_TRUE(::fcntl(out[i].accepted, F_GETFD) & FD_CLOEXEC);
            EXPECT_TRUE(accepted_ports.insert(peer_port(out[i].accepted)).second) << "a connection handed over twice";
        }
    }
    EXPECT_EQ(accepted_ports, client_ports);
    accepted.clear();
    const int descriptors = test::open_fd_count();
    b->unwatch(listener.get());
    auto late = connect_to(port); // queued in the kernel, for nobody
    ASSERT_TRUE(late);
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(next_events(20).empty()) << "an event after unwatch()";
    EXPECT_EQ(test::open_fd_count(), descriptors + 1) << "only the late client's own socket is new";
}

INSTANTIATE_TEST_SUITE_P(each, net_completion, ::testing::ValuesIn(completion_cases()),
                         [](const ::testing::TestParamInfo<completion_case>& param) { return param.param.name; });

} // namespace
} // namespace zc::net
