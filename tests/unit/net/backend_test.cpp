// Every backend against one readiness contract (backend.hpp): edge reports
// per change, level while readable, nothing for an unwatched descriptor even
// when its report was already waiting, thousands of descriptors through
// small rings. The io_uring backend runs twice: with its real rings and with
// tiny ones (a full submission queue, an overflowing completion queue).
// io_uring cases this kernel refuses are skipped with the reason.
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/backend.hpp"
#include "support/test_support.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::net {
namespace {

struct backend_case {
    std::string name;
    backend_kind kind;
    std::function<std::expected<std::unique_ptr<backend>, error>()> make;
};

std::vector<backend_case> backend_cases() {
    return {
        {"epoll", backend_kind::epoll, [] { return make_backend(backend_kind::epoll); }},
        {"io_uring", backend_kind::io_uring, [] { return make_backend(backend_kind::io_uring); }},
        {"io_uring_tiny_rings", backend_kind::io_uring, [] { return make_io_uring_backend(8, 16); }},
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

class net_backend : public ::testing::TestWithParam<backend_case> {
protected:
    void SetUp() override {
        if (auto refused = backend_unavailable(GetParam().kind)) GTEST_SKIP() << refused->message();
        auto made = GetParam().make();
        ASSERT_TRUE(made) << made.error().message();
        b = std::move(*made);
    }

    // What the next waits report (at most `rounds` waits of `timeout_ms`,
    // stopping at the first that reports something).
    std::vector<ready_event> next_events(int timeout_ms = 5000, std::size_t room = 64) {
        std::vector<ready_event> out(room);
        auto n = b->wait(out, timeout_ms);
        EXPECT_TRUE(n) << n.error().message();
        out.resize(n ? *n : 0);
        return out;
    }
    static const ready_event* find(const std::vector<ready_event>& events, const void* tag) {
        for (const auto& e : events)
            if (e.tag == tag) return &e;
        return nullptr;
    }

    std::unique_ptr<backend> b;
    char tag_a = 'a', tag_b = 'b', tag_c = 'c';
};

TEST_P(net_backend, reports_a_readable_descriptor_with_its_tag) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch(p.watched.get(), &tag_a, watch_mode::edge_read));
    ASSERT_EQ(::write(p.peer.get(), "x", 1), 1);
    const auto events = next_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].tag, &tag_a);
    EXPECT_TRUE(events[0].what.readable);
    EXPECT_FALSE(events[0].what.hung_up);
}

TEST_P(net_backend, a_session_socket_is_writable_at_once_and_hears_the_hang_up) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch(p.watched.get(), &tag_a, watch_mode::edge_read_write));
    auto events = next_events();
    ASSERT_NE(find(events, &tag_a), nullptr);
    EXPECT_TRUE(find(events, &tag_a)->what.writable);
    p.peer.reset();
    bool hung_up = false;
    for (int i = 0; i < 10 && !hung_up; ++i) {
        const auto events_now = next_events(); // find() points into it: it must outlive e
        if (const auto* e = find(events_now, &tag_a)) hung_up = e->what.hung_up;
    }
    EXPECT_TRUE(hung_up);
}

TEST_P(net_backend, edge_reports_once_per_change_not_while_readable) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch(p.watched.get(), &tag_a, watch_mode::edge_read));
    ASSERT_EQ(::write(p.peer.get(), "x", 1), 1);
    ASSERT_EQ(next_events().size(), 1u);
    EXPECT_TRUE(next_events(50).empty()) << "no new bytes, no new report";
    ASSERT_EQ(::write(p.peer.get(), "y", 1), 1);
    EXPECT_EQ(next_events().size(), 1u) << "new bytes, a new report, though the first byte was never read";
}

// HTTP's "drained" read: a recv shorter than the buffer means the socket is
// empty, so the session waits without the recv that would say EAGAIN. The
// next bytes must still be reported, round after round.
TEST_P(net_backend, a_short_read_that_stops_before_eagain_still_hears_of_the_next_bytes) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch(p.watched.get(), &tag_a, watch_mode::edge_read_write));
    (void)next_events(); // writable at once
    for (int round = 0; round < 300; ++round) {
        const std::string message = "request " + std::to_string(round);
        ASSERT_EQ(::write(p.peer.get(), message.data(), message.size()), static_cast<ssize_t>(message.size()));
        const ready_event* e = nullptr;
        std::vector<ready_event> events;
        for (int attempt = 0; attempt < 5 && !e; ++attempt) {
            events = next_events();
            e = find(events, &tag_a);
            if (e && !e->what.readable) e = nullptr; // a report of room to write only
        }
        ASSERT_NE(e, nullptr) << "round " << round;
        char buffer[4096];
        ASSERT_EQ(::read(p.watched.get(), buffer, sizeof buffer), static_cast<ssize_t>(message.size())) << round;
    }
}

TEST_P(net_backend, level_reports_on_every_wait_until_read) {
    unique_fd stop(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    ASSERT_TRUE(b->watch(stop.get(), &tag_a, watch_mode::level_read));
    EXPECT_TRUE(next_events(20).empty());
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(stop.get(), &one, sizeof one), 8);
    for (int i = 0; i < 3; ++i) {
        const auto events = next_events();
        ASSERT_EQ(events.size(), 1u) << i;
        EXPECT_EQ(events[0].tag, &tag_a);
    }
    std::uint64_t count = 0;
    ASSERT_EQ(::read(stop.get(), &count, sizeof count), 8);
    EXPECT_TRUE(next_events(50).empty());
    ASSERT_EQ(::write(stop.get(), &one, sizeof one), 8);
    EXPECT_EQ(next_events().size(), 1u);
}

// The loop frees a closed session after its batch: a report for it that was
// already waiting (left over because `out` was full) must never come out,
// not even once its descriptor number is reused by the next connection.
TEST_P(net_backend, an_unwatched_descriptor_is_never_reported_again) {
    auto first = socket_pair::make();
    auto second = socket_pair::make();
    ASSERT_TRUE(b->watch(first.watched.get(), &tag_a, watch_mode::edge_read));
    ASSERT_TRUE(b->watch(second.watched.get(), &tag_b, watch_mode::edge_read));
    ASSERT_EQ(::write(first.peer.get(), "x", 1), 1);
    ASSERT_EQ(::write(second.peer.get(), "x", 1), 1);
    auto reported = next_events(5000, 1);
    ASSERT_EQ(reported.size(), 1u);
    // Unwatch and close the one not reported yet; its number goes to a new socket.
    socket_pair& left = reported[0].tag == &tag_a ? second : first;
    const void* left_tag = reported[0].tag == &tag_a ? &tag_b : &tag_a;
    const int number = left.watched.get();
    b->unwatch(number);
    left = socket_pair{};
    auto reused = socket_pair::make();
    if (reused.watched.get() != number) std::swap(reused.watched, reused.peer);
    ASSERT_EQ(reused.watched.get(), number) << "the lowest free number is reused";
    ASSERT_TRUE(b->watch(reused.watched.get(), &tag_c, watch_mode::edge_read));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(find(next_events(30), left_tag), nullptr) << "a stale report came out";
    ASSERT_EQ(::write(reused.peer.get(), "y", 1), 1);
    const auto events = next_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].tag, &tag_c);
}

TEST_P(net_backend, a_paused_listener_watched_again_reports_what_waits) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch(p.watched.get(), &tag_a, watch_mode::edge_read));
    b->unwatch(p.watched.get());
    ASSERT_EQ(::write(p.peer.get(), "x", 1), 1);
    EXPECT_TRUE(next_events(30).empty());
    ASSERT_TRUE(b->watch(p.watched.get(), &tag_b, watch_mode::edge_read));
    const auto events = next_events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].tag, &tag_b);
}

// 2,500 descriptors, all ready at once, reaped 256 at a time: each reported,
// twice (the second round after the tiny rings' overflow re-armed polls).
TEST_P(net_backend, thousands_of_descriptors_all_reported_in_batches) {
    constexpr std::size_t count = 2500;
    if (!test::ensure_descriptor_limit(2 * count + 64, 192)) GTEST_SKIP() << "needs " << 2 * count + 64 << " descriptors";
    std::vector<socket_pair> pairs(count);
    std::vector<char> tags(count);
    for (std::size_t i = 0; i < count; ++i) {
        pairs[i] = socket_pair::make();
        ASSERT_TRUE(pairs[i].watched) << i;
        ASSERT_TRUE(b->watch(pairs[i].watched.get(), &tags[i], watch_mode::edge_read)) << i;
    }
    for (int round = 0; round < 2; ++round) {
        for (auto& p : pairs) ASSERT_EQ(::write(p.peer.get(), "x", 1), 1);
        std::set<const void*> seen;
        for (int pass = 0; pass < 1000 && seen.size() < count; ++pass)
            for (const auto& e : next_events(1000, 256)) seen.insert(e.tag);
        EXPECT_EQ(seen.size(), count) << "round " << round;
        char byte;
        for (auto& p : pairs) ASSERT_EQ(::read(p.watched.get(), &byte, 1), 1);
    }
}

TEST_P(net_backend, a_wait_with_nothing_ready_returns_nothing_after_its_timeout) {
    auto p = socket_pair::make();
    ASSERT_TRUE(b->watch(p.watched.get(), &tag_a, watch_mode::edge_read));
    EXPECT_TRUE(next_events(0).empty());
    EXPECT_TRUE(next_events(10).empty());
}

INSTANTIATE_TEST_SUITE_P(each, net_backend, ::testing::ValuesIn(backend_cases()),
                         [](const ::testing::TestParamInfo<backend_case>& param) { return param.param.name; });

TEST(net_backend_selector, names_round_trip_and_auto_resolves_to_an_available_backend) {
    for (backend_kind kind : {backend_kind::automatic, backend_kind::epoll, backend_kind::io_uring})
        EXPECT_EQ(backend_from_name(backend_name(kind)), kind);
    EXPECT_FALSE(backend_from_name("kqueue"));
    auto chosen = choose_backend(backend_kind::automatic);
    ASSERT_TRUE(chosen) << chosen.error().message();
    EXPECT_NE(chosen->kind, backend_kind::automatic);
    EXPECT_FALSE(backend_unavailable(chosen->kind));
    auto made = make_backend(backend_kind::automatic);
    ASSERT_TRUE(made);
    EXPECT_EQ((*made)->name(), backend_name(chosen->kind));
}

TEST(net_backend_selector, an_explicit_backend_this_kernel_refuses_fails_with_the_reason) {
    auto refused = backend_unavailable(backend_kind::io_uring);
    auto made = make_backend(backend_kind::io_uring);
    if (!refused) {
        ASSERT_TRUE(made) << made.error().message();
        EXPECT_EQ((*made)->name(), "io-uring");
        GTEST_SKIP() << "io_uring works here: the refusal cannot be seen";
    }
    ASSERT_FALSE(made);
    EXPECT_NE(made.error().message().find("io-uring"), std::string::npos) << made.error().message();
}

} // namespace
} // namespace zc::net
