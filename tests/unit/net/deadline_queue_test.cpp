// deadline_queue: soonest first, at most one deadline per owner, and a
// deadline moved later never expires at its old time (the entry is put back).
#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "net/deadline_queue.hpp"

namespace zc::net {
namespace {

using namespace std::chrono_literals;

struct owner {
    deadline_state slot;
    deadline_state& deadline_slot() noexcept { return slot; }
};

const steady_clock::time_point t0 = steady_clock::now();

std::vector<owner*> expired_by(deadline_queue<owner>& q, steady_clock::time_point now) {
    std::vector<owner*> out;
    while (owner* o = q.pop_expired(now)) out.push_back(o);
    return out;
}

TEST(net_deadline_queue, expires_owners_soonest_first_and_only_when_due) {
    deadline_queue<owner> q;
    owner a, b, c;
    q.set(&b, t0 + 20ms);
    q.set(&a, t0 + 10ms);
    q.set(&c, t0 + 30ms);
    EXPECT_EQ(q.next(), t0 + 10ms);
    EXPECT_TRUE(expired_by(q, t0 + 9ms).empty());
    EXPECT_EQ(expired_by(q, t0 + 20ms), (std::vector<owner*>{&a, &b}));
    EXPECT_EQ(a.slot.due, steady_clock::time_point{});
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(expired_by(q, t0 + 1s), (std::vector<owner*>{&c}));
    EXPECT_FALSE(q.next());
}

TEST(net_deadline_queue, a_deadline_moved_later_does_not_expire_at_its_old_time) {
    deadline_queue<owner> q;
    owner a;
    q.set(&a, t0 + 10ms);
    q.set(&a, t0 + 50ms); // lazy: the entry stays at 10 ms
    EXPECT_EQ(q.next(), t0 + 10ms);
    EXPECT_TRUE(expired_by(q, t0 + 10ms).empty()) << "expired at the deadline it no longer has";
    EXPECT_EQ(q.next(), t0 + 50ms) << "not put back at its real deadline";
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(expired_by(q, t0 + 50ms), (std::vector<owner*>{&a}));
}

TEST(net_deadline_queue, a_deadline_moved_sooner_expires_at_the_sooner_time) {
    deadline_queue<owner> q;
    owner a, b;
    q.set(&a, t0 + 50ms);
    q.set(&b, t0 + 30ms);
    q.set(&a, t0 + 10ms);
    EXPECT_EQ(q.next(), t0 + 10ms);
    EXPECT_EQ(q.size(), 2u) << "one entry each: the old one was removed";
    EXPECT_EQ(expired_by(q, t0 + 10ms), (std::vector<owner*>{&a}));
    EXPECT_EQ(expired_by(q, t0 + 50ms), (std::vector<owner*>{&b}));
}

TEST(net_deadline_queue, a_cleared_owner_never_expires_and_leaves_no_entry) {
    deadline_queue<owner> q;
    owner a, b;
    q.set(&a, t0 + 10ms);
    q.set(&a, t0 + 40ms);
    q.set(&b, t0 + 20ms);
    q.clear(&a);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(a.slot.queued, steady_clock::time_point{});
    EXPECT_EQ(expired_by(q, t0 + 1s), (std::vector<owner*>{&b}));
    q.clear(&a); // twice: nothing
    EXPECT_FALSE(q.next());
}

TEST(net_deadline_queue, many_moves_later_keep_one_entry_and_expire_once) {
    deadline_queue<owner> q;
    owner a;
    for (int i = 1; i <= 1000; ++i) q.set(&a, t0 + std::chrono::milliseconds(i));
    EXPECT_EQ(q.size(), 1u);
    EXPECT_TRUE(expired_by(q, t0 + 999ms).empty());
    EXPECT_EQ(expired_by(q, t0 + 1000ms), (std::vector<owner*>{&a}));
}

} // namespace
} // namespace zc::net
