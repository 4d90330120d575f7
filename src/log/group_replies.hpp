// Replies and request fields shared by the coordinator's files
// (group_coordinator.cpp, group_membership.cpp): internal to src/log.
#pragma once

#include <optional>
#include <string>

#include "log/group.hpp"
#include "log/protocol.hpp"

namespace zc::log::group_replies {

using protocol::error_code;
using protocol::message;

inline constexpr std::int16_t offset_commit_key = 8, offset_fetch_key = 9, find_coordinator_key = 10,
                              join_group_key = 11, heartbeat_key = 12, leave_group_key = 13, sync_group_key = 14;

inline message join_error(error_code error, const std::string& member_id) {
    message m = protocol::make_response(join_group_key);
    m.set_error("ErrorCode", error).set_int("GenerationId", -1).set_string("MemberId", member_id);
    return m;
}

inline message sync_answer(error_code error, std::string assignment = {}) {
    message m = protocol::make_response(sync_group_key);
    m.set_error("ErrorCode", error).set_string("Assignment", std::move(assignment));
    return m;
}

inline message error_only(std::int16_t api_key, error_code error) {
    message m = protocol::make_response(api_key);
    m.set_error("ErrorCode", error);
    return m;
}

inline std::optional<std::string> instance_of(const message& body) {
    if (!body.has_field("GroupInstanceId") || body.is_null("GroupInstanceId")) return std::nullopt;
    return body.get_string("GroupInstanceId");
}

// Another member holds this static instance id (KIP-345).
inline bool fenced(group& g, const std::optional<std::string>& instance, const std::string& member_id) {
    if (!instance) return false;
    const group_member* owner = g.find_instance(*instance);
    return owner && owner->id != member_id;
}

} // namespace zc::log::group_replies
