// The coordinator's dispatch, and joining: JoinGroup, member ids, the join
// phase and its end. After it (SyncGroup, Heartbeat, LeaveGroup, expiry):
// group_membership.cpp; offsets and FindCoordinator: group_offsets.cpp.
#include "log/group_coordinator.hpp"
#include "log/group_replies.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

namespace zc::log {

using namespace group_replies;
using namespace std::chrono_literals;

namespace {

std::vector<group_protocol> protocols_of(const message& body) {
    std::vector<group_protocol> out;
    for (const message& p : body.get_array("Protocols")) out.push_back({p.get_string("Name"), p.get_string("Metadata")});
    return out;
}

bool same_protocols(const std::vector<group_protocol>& a, const std::vector<group_protocol>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const auto& x, const auto& y) { return x.name == y.name && x.metadata == y.metadata; });
}

// JoinGroup v0 has no rebalance timeout: the session timeout serves (as in Kafka).
std::chrono::milliseconds rebalance_timeout_of(const protocol::request& request) {
    const auto t = request.body.get_int32("RebalanceTimeoutMs");
    return std::chrono::milliseconds(request.header.api_version >= 1 && t > 0 ? t
                                                                              : request.body.get_int32("SessionTimeoutMs"));
}

group_member member_from(const protocol::request& request, const std::string& id) {
    group_member m;
    m.id = id;
    m.instance_id = instance_of(request.body);
    m.client_id = request.header.client_id.value_or("");
    m.session_timeout = std::chrono::milliseconds(request.body.get_int32("SessionTimeoutMs"));
    m.rebalance_timeout = rebalance_timeout_of(request);
    m.protocols = protocols_of(request.body);
    return m;
}

// The answer to one member at the end of a join phase: the leader gets
// every member's metadata for the chosen protocol.
message join_result(const group& g, const group_member& m) {
    message r = protocol::make_response(join_group_key);
    r.set_error("ErrorCode", error_code::none)
        .set_int("GenerationId", g.generation)
        .set_string("ProtocolName", g.protocol_name)
        .set_string("Leader", g.leader)
        .set_string("MemberId", m.id);
    if (m.id == g.leader)
        for (const auto& other : g.members) {
            message& entry = r.add("Members");
            entry.set_string("MemberId", other.id);
            if (other.instance_id) entry.set_string("GroupInstanceId", *other.instance_id);
            const std::string* metadata = other.metadata_for(g.protocol_name);
            entry.set_string("Metadata", metadata ? *metadata : std::string());
        }
    return r;
}
} // namespace

group_coordinator::group_coordinator(group_coordinator_settings settings, std::unique_ptr<offset_store> offsets)
    : settings_(std::move(settings)), offsets_(std::move(offsets)) {
    std::random_device seed;
    id_state_[0] = (std::uint64_t{seed()} << 32) | seed();
    id_state_[1] = (std::uint64_t{seed()} << 32) | seed() | 1;
}

std::expected<std::unique_ptr<group_coordinator>, error> group_coordinator::open(const std::filesystem::path& log_dir,
                                                                                 group_coordinator_settings settings) {
    auto store = offset_store::open(log_dir);
    if (!store) return std::unexpected(store.error());
    return std::make_unique<group_coordinator>(std::move(settings), std::move(*store));
}

group_coordinator::~group_coordinator() {
    outbox out;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, g] : groups_) {
            g.state = group_state::dead;
            for (auto& m : g.members) {
                if (m.join_waiter) out.add(std::exchange(m.join_waiter, nullptr), join_error(error_code::not_coordinator, m.id));
                if (m.sync_waiter) out.add(std::exchange(m.sync_waiter, nullptr), sync_answer(error_code::not_coordinator));
            }
        }
    }
    out.run();
    offsets_.reset(); // answers the commits still being synced
}

bool group_coordinator::handles(std::int16_t api_key) const {
    return api_key >= offset_commit_key && api_key <= sync_group_key;
}

void group_coordinator::handle(const protocol::request& request, reply done) {
    outbox out;
    switch (request.header.api_key) {
    case offset_fetch_key: out.add(std::move(done), offset_fetch(request)); break;
    default: {
        std::lock_guard lock(mutex_);
        switch (request.header.api_key) {
        case find_coordinator_key: out.add(std::move(done), find_coordinator(request)); break;
        case join_group_key: join_group(request, std::move(done), out); break;
        case sync_group_key: sync_group(request, std::move(done), out); break;
        case heartbeat_key: out.add(std::move(done), heartbeat(request)); break;
        case leave_group_key: out.add(std::move(done), leave_group(request, out)); break;
        case offset_commit_key: offset_commit(request, std::move(done), out); break;
        default: out.add(std::move(done), protocol::make_response(request.header.api_key)); // handles() says no
        }
    }
    }
    out.run();
}

std::string group_coordinator::new_member_id(const std::optional<std::string>& client_id) {
    // xorshift128+: unpredictable enough for ids (seeded from random_device),
    // and cheap under the lock. Formatted as a version-4 UUID, like Kafka's.
    auto next = [this] {
        std::uint64_t x = id_state_[0];
        const std::uint64_t y = id_state_[1];
        id_state_[0] = y;
        x ^= x << 23;
        id_state_[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
        return id_state_[1] + y;
    };
    const std::uint64_t hi = (next() & ~0xf000ull) | 0x4000ull;
    const std::uint64_t lo = (next() & ~(3ull << 62)) | (2ull << 62);
    return fmt::format("{}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", client_id.value_or(""), hi >> 32, (hi >> 16) & 0xffff,
                       hi & 0xffff, lo >> 48, lo & 0xffffffffffffull);
}

void group_coordinator::touch(group_member& m) const { m.session_deadline = settings_.now() + m.session_timeout; }

void group_coordinator::join_group(const protocol::request& request, reply done, outbox& out) {
    const message& body = request.body;
    const std::string& group_id = body.get_string("GroupId");
    const std::string& member_id = body.get_string("MemberId");
    auto fail = [&](error_code e) { out.add(std::move(done), join_error(e, member_id)); };
    if (group_id.empty()) return fail(error_code::invalid_group_id);
    const std::chrono::milliseconds session(body.get_int32("SessionTimeoutMs"));
    if (session < settings_.min_session_timeout || session > settings_.max_session_timeout)
        return fail(error_code::invalid_session_timeout);
    auto it = groups_.find(group_id);
    if (it == groups_.end()) {
        if (!member_id.empty()) return fail(error_code::unknown_member_id);
        group fresh;
        fresh.id = group_id;
        it = groups_.emplace(group_id, std::move(fresh)).first;
    }
    group& g = it->second;
    if (g.state == group_state::dead) return fail(error_code::not_coordinator);
    if (!g.accepts(body.get_string("ProtocolType"), protocols_of(body), member_id))
        return fail(error_code::inconsistent_group_protocol);
    // The protocol type is the first member's; accepts() checks the others against it.
    if (g.members.empty()) g.protocol_type = body.get_string("ProtocolType");
    if (member_id.empty()) return join_new_member(g, request, std::move(done), out);

    if (g.is_pending(member_id)) {
        g.remove_pending(member_id);
        return add_member_and_rebalance(g, member_from(request, member_id), std::move(done), out);
    }
    group_member* m = g.find(member_id);
    if (!m) return fail(error_code::unknown_member_id);
    if (fenced(g, instance_of(body), member_id)) return fail(error_code::fenced_instance_id);
    switch (g.state) {
    case group_state::preparing_rebalance:
        return update_member_and_rebalance(g, *m, request, std::move(done), out);
    case group_state::completing_rebalance:
        // A member that missed its join answer asks again: the same answer.
        if (same_protocols(m->protocols, protocols_of(body))) return out.add(std::move(done), join_result(g, *m));
        return update_member_and_rebalance(g, *m, request, std::move(done), out);
    case group_state::stable:
        // The leader rejoining, or a member whose subscription changed, starts a rebalance.
        if (m->id == g.leader || !same_protocols(m->protocols, protocols_of(body)))
            return update_member_and_rebalance(g, *m, request, std::move(done), out);
        touch(*m);
        {
            message r = join_result(g, *m);
            r.get("Members") = std::vector<message>{};
            return out.add(std::move(done), std::move(r));
        }
    case group_state::empty:
    case group_state::dead: return fail(error_code::unknown_member_id);
    }
}

void group_coordinator::join_new_member(group& g, const protocol::request& request, reply done, outbox& out) {
    const message& body = request.body;
    const std::string id = new_member_id(request.header.client_id);
    const std::chrono::milliseconds session(body.get_int32("SessionTimeoutMs"));
    const auto instance = instance_of(body);
    if (!instance && request.header.api_version >= 4) {
        // KIP-394: the member learns its id first, so that a client that
        // times out and retries rejoins as itself instead of leaving a ghost
        // member behind for a session timeout.
        g.pending.emplace_back(id, settings_.now() + session);
        return out.add(std::move(done), join_error(error_code::member_id_required, id));
    }
    if (instance)
        if (const group_member* old = g.find_instance(*instance)) {
            // Static membership: the instance restarted; its new id fences the old one.
            const std::string old_id = old->id;
            remove_member(g, old_id, error_code::fenced_instance_id, out);
        }
    add_member_and_rebalance(g, member_from(request, id), std::move(done), out);
}

void group_coordinator::add_member_and_rebalance(group& g, group_member member, reply done, outbox& out) {
    member.join_waiter = std::move(done);
    touch(member);
    if (g.state == group_state::preparing_rebalance && g.initial_delay) g.new_member_added = true;
    if (g.leader.empty()) g.leader = member.id;
    g.members.push_back(std::move(member));
    if (g.state == group_state::preparing_rebalance) return try_complete_join(g, out);
    prepare_rebalance(g, out);
}

void group_coordinator::update_member_and_rebalance(group& g, group_member& m, const protocol::request& request,
                                                    reply done, outbox& out) {
    m.protocols = protocols_of(request.body);
    m.session_timeout = std::chrono::milliseconds(request.body.get_int32("SessionTimeoutMs"));
    m.rebalance_timeout = rebalance_timeout_of(request);
    // A JoinGroup sent again while the first waits: the first is answered
    // (every request gets exactly one answer), the second waits.
    if (m.join_waiter) out.add(std::exchange(m.join_waiter, nullptr), join_error(error_code::rebalance_in_progress, m.id));
    m.join_waiter = std::move(done);
    touch(m);
    if (g.state == group_state::preparing_rebalance) return try_complete_join(g, out);
    prepare_rebalance(g, out);
}

void group_coordinator::prepare_rebalance(group& g, outbox& out) {
    if (g.state == group_state::completing_rebalance)
        for (auto& m : g.members) {
            m.assignment.clear();
            if (m.sync_waiter) out.add(std::exchange(m.sync_waiter, nullptr), sync_answer(error_code::rebalance_in_progress));
        }
    const auto now = settings_.now();
    const auto rebalance = g.max_rebalance_timeout();
    const auto delay = settings_.initial_rebalance_delay;
    if (g.state == group_state::empty && delay > 0ms) {
        g.initial_delay = true;
        g.new_member_added = false;
        g.join_deadline = now + delay;
        g.delay_remaining = std::max(rebalance - delay, std::chrono::milliseconds(0));
    } else {
        g.initial_delay = false;
        g.join_deadline = now + rebalance;
    }
    g.state = group_state::preparing_rebalance;
    try_complete_join(g, out);
}

void group_coordinator::try_complete_join(group& g, outbox& out) {
    if (g.state == group_state::preparing_rebalance && !g.initial_delay && g.all_joined()) complete_join(g, out);
}

void group_coordinator::complete_join(group& g, outbox& out) {
    std::vector<std::string> gone;
    for (const auto& m : g.members)
        if (!m.join_waiter) gone.push_back(m.id);
    for (const auto& id : gone) remove_member(g, id, error_code::unknown_member_id, out);
    g.join_deadline.reset();
    g.initial_delay = false;
    ++g.generation;
    if (g.members.empty()) {
        g.state = group_state::empty;
        g.protocol_name.clear();
        g.leader.clear();
        return;
    }
    g.protocol_name = g.select_protocol();
    g.state = group_state::completing_rebalance;
    for (auto& m : g.members) {
        out.add(std::exchange(m.join_waiter, nullptr), join_result(g, m));
        touch(m);
    }
}

} // namespace zc::log
