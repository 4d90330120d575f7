// The membership half of the coordinator after a join phase: SyncGroup,
// Heartbeat, LeaveGroup, removing members, session expiry and the timer.
// Joining and the join phase are in group_coordinator.cpp.
#include "log/group_coordinator.hpp"
#include "log/group_replies.hpp"

#include <algorithm>

namespace zc::log {

using namespace group_replies;
using namespace std::chrono_literals;

void group_coordinator::remove_member(group& g, const std::string& member_id, error_code why, outbox& out) {
    auto it = std::find_if(g.members.begin(), g.members.end(), [&](const auto& m) { return m.id == member_id; });
    if (it == g.members.end()) return;
    if (it->join_waiter) out.add(std::exchange(it->join_waiter, nullptr), join_error(why, it->id));
    if (it->sync_waiter) out.add(std::exchange(it->sync_waiter, nullptr), sync_answer(why));
    g.members.erase(it);
    if (g.leader == member_id) g.leader = g.members.empty() ? std::string() : g.members.front().id;
}

void group_coordinator::after_member_removed(group& g, outbox& out) {
    switch (g.state) {
    case group_state::preparing_rebalance: return try_complete_join(g, out);
    case group_state::stable:
    case group_state::completing_rebalance: return prepare_rebalance(g, out);
    case group_state::empty:
    case group_state::dead: return;
    }
}

void group_coordinator::sync_group(const protocol::request& request, reply done, outbox& out) {
    const message& body = request.body;
    auto fail = [&](error_code e) { out.add(std::move(done), sync_answer(e)); };
    if (body.get_string("GroupId").empty()) return fail(error_code::invalid_group_id);
    auto it = groups_.find(body.get_string("GroupId"));
    if (it == groups_.end()) return fail(error_code::unknown_member_id);
    group& g = it->second;
    const std::string& member_id = body.get_string("MemberId");
    if (fenced(g, instance_of(body), member_id)) return fail(error_code::fenced_instance_id);
    group_member* m = g.find(member_id);
    if (!m) return fail(error_code::unknown_member_id);
    if (body.get_int32("GenerationId") != g.generation) return fail(error_code::illegal_generation);
    switch (g.state) {
    case group_state::empty:
    case group_state::dead: return fail(error_code::unknown_member_id);
    case group_state::preparing_rebalance: return fail(error_code::rebalance_in_progress);
    case group_state::stable:
        touch(*m);
        return out.add(std::move(done), sync_answer(error_code::none, m->assignment));
    case group_state::completing_rebalance: break;
    }
    if (m->sync_waiter) out.add(std::exchange(m->sync_waiter, nullptr), sync_answer(error_code::rebalance_in_progress));
    m->sync_waiter = std::move(done);
    touch(*m);
    if (m->id != g.leader) return; // a follower waits for the leader's assignments
    for (auto& member : g.members) member.assignment.clear();
    for (const message& a : body.get_array("Assignments"))
        if (group_member* target = g.find(a.get_string("MemberId"))) target->assignment = a.get_string("Assignment");
    g.state = group_state::stable;
    for (auto& member : g.members)
        if (member.sync_waiter)
            out.add(std::exchange(member.sync_waiter, nullptr), sync_answer(error_code::none, member.assignment));
}

message group_coordinator::heartbeat(const protocol::request& request) {
    const message& body = request.body;
    auto answer = [](error_code e) { return error_only(heartbeat_key, e); };
    if (body.get_string("GroupId").empty()) return answer(error_code::invalid_group_id);
    auto it = groups_.find(body.get_string("GroupId"));
    if (it == groups_.end()) return answer(error_code::unknown_member_id);
    group& g = it->second;
    const std::string& member_id = body.get_string("MemberId");
    if (fenced(g, instance_of(body), member_id)) return answer(error_code::fenced_instance_id);
    group_member* m = g.find(member_id);
    if (!m) return answer(error_code::unknown_member_id);
    if (body.get_int32("GenerationId") != g.generation) return answer(error_code::illegal_generation);
    switch (g.state) {
    case group_state::empty:
    case group_state::dead: return answer(error_code::unknown_member_id);
    case group_state::preparing_rebalance: touch(*m); return answer(error_code::rebalance_in_progress);
    case group_state::completing_rebalance: // heartbeats may come between JoinGroup and SyncGroup
    case group_state::stable: touch(*m); return answer(error_code::none);
    }
    return answer(error_code::unknown_server_error);
}

message group_coordinator::leave_group(const protocol::request& request, outbox& out) {
    const message& body = request.body;
    auto answer = [](error_code e) { return error_only(leave_group_key, e); };
    if (body.get_string("GroupId").empty()) return answer(error_code::invalid_group_id);
    auto it = groups_.find(body.get_string("GroupId"));
    if (it == groups_.end()) return answer(error_code::unknown_member_id);
    group& g = it->second;
    const std::string& member_id = body.get_string("MemberId");
    if (g.is_pending(member_id)) {
        g.remove_pending(member_id);
        try_complete_join(g, out);
        return answer(error_code::none);
    }
    if (!g.find(member_id)) return answer(error_code::unknown_member_id);
    remove_member(g, member_id, error_code::unknown_member_id, out);
    after_member_removed(g, out);
    return answer(error_code::none);
}

void group_coordinator::expire(group& g, steady_clock::time_point now, outbox& out) {
    const auto pending_before = g.pending.size();
    std::erase_if(g.pending, [&](const auto& p) { return p.second <= now; });
    if (g.pending.size() != pending_before) try_complete_join(g, out);

    std::vector<std::string> silent;
    for (const auto& m : g.members)
        if (!m.awaiting() && m.session_deadline <= now) silent.push_back(m.id);
    for (const auto& id : silent) remove_member(g, id, error_code::unknown_member_id, out);
    if (!silent.empty()) after_member_removed(g, out);

    if (g.state != group_state::preparing_rebalance || !g.join_deadline || now < *g.join_deadline) return;
    if (g.initial_delay && g.new_member_added && g.delay_remaining > 0ms) {
        // New members came during the delay: wait once more, within the rebalance timeout.
        const auto step = std::min(settings_.initial_rebalance_delay, g.delay_remaining);
        g.new_member_added = false;
        g.delay_remaining -= step;
        g.join_deadline = now + step;
        return;
    }
    complete_join(g, out);
}

void group_coordinator::tick(steady_clock::time_point now) {
    outbox out;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, g] : groups_) expire(g, now, out);
    }
    out.run();
}

std::optional<async_api::steady_clock::time_point> group_coordinator::next_due() const {
    std::lock_guard lock(mutex_);
    std::optional<steady_clock::time_point> due;
    auto consider = [&](steady_clock::time_point t) { due = due ? std::min(*due, t) : t; };
    for (const auto& [id, g] : groups_) {
        for (const auto& p : g.pending) consider(p.second);
        for (const auto& m : g.members)
            if (!m.awaiting()) consider(m.session_deadline);
        if (g.state == group_state::preparing_rebalance && g.join_deadline) consider(*g.join_deadline);
    }
    return due;
}

std::optional<group_coordinator::group_view> group_coordinator::describe(const std::string& group_id) const {
    std::lock_guard lock(mutex_);
    auto it = groups_.find(group_id);
    if (it == groups_.end()) return std::nullopt;
    const group& g = it->second;
    return group_view{g.state, g.generation, g.leader, g.protocol_name, g.members.size()};
}


} // namespace zc::log
