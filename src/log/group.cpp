#include "log/group.hpp"

#include <algorithm>
#include <map>

namespace zc::log {

std::string_view group_state_name(group_state state) noexcept {
    switch (state) {
    case group_state::empty: return "Empty";
    case group_state::preparing_rebalance: return "PreparingRebalance";
    case group_state::completing_rebalance: return "CompletingRebalance";
    case group_state::stable: return "Stable";
    case group_state::dead: return "Dead";
    }
    return "Unknown";
}

bool group_member::supports(std::string_view protocol) const { return metadata_for(protocol) != nullptr; }

const std::string* group_member::metadata_for(std::string_view protocol) const {
    for (const auto& p : protocols)
        if (p.name == protocol) return &p.metadata;
    return nullptr;
}

group_member* group::find(std::string_view member_id) {
    for (auto& m : members)
        if (m.id == member_id) return &m;
    return nullptr;
}

group_member* group::find_instance(std::string_view instance_id) {
    for (auto& m : members)
        if (m.instance_id && *m.instance_id == instance_id) return &m;
    return nullptr;
}

bool group::is_pending(std::string_view member_id) const {
    return std::any_of(pending.begin(), pending.end(), [&](const auto& p) { return p.first == member_id; });
}

void group::remove_pending(std::string_view member_id) {
    std::erase_if(pending, [&](const auto& p) { return p.first == member_id; });
}

bool group::all_joined() const {
    return pending.empty() && std::all_of(members.begin(), members.end(), [](const auto& m) { return bool(m.join_waiter); });
}

std::chrono::milliseconds group::max_rebalance_timeout() const {
    std::chrono::milliseconds longest{0};
    for (const auto& m : members) longest = std::max(longest, m.rebalance_timeout);
    return longest;
}

bool group::accepts(std::string_view type, const std::vector<group_protocol>& protocols,
                    std::string_view joining_member) const {
    if (type.empty() || protocols.empty()) return false;
    const bool others = std::any_of(members.begin(), members.end(), [&](const auto& m) { return m.id != joining_member; });
    if (!others) return true;
    if (type != protocol_type) return false;
    return std::any_of(protocols.begin(), protocols.end(), [&](const group_protocol& p) {
        return std::all_of(members.begin(), members.end(),
                           [&](const group_member& m) { return m.id == joining_member || m.supports(p.name); });
    });
}

std::string group::select_protocol() const {
    if (members.empty()) return {};
    const group_member* leader_member = &members.front();
    for (const auto& m : members)
        if (m.id == leader) leader_member = &m;
    auto supported_by_all = [&](const std::string& name) {
        return std::all_of(members.begin(), members.end(), [&](const auto& m) { return m.supports(name); });
    };
    std::map<std::string, int> votes;
    for (const auto& m : members)
        for (const auto& p : m.protocols)
            if (supported_by_all(p.name)) {
                ++votes[p.name];
                break;
            }
    std::string chosen;
    int most = 0;
    for (const auto& p : leader_member->protocols) {
        auto it = votes.find(p.name);
        if (it != votes.end() && it->second > most) {
            most = it->second;
            chosen = p.name;
        }
    }
    return chosen;
}

} // namespace zc::log
