// The value tree of decoded and to-be-encoded messages: construction at the
// schema's defaults, access by field name, equality; and the small tables
// that go with it (error names, the advertised ApiVersions answer).
#include <cstdio>
#include <cstdlib>

#include "log/protocol.hpp"

namespace zc::log::protocol {
namespace {

// A field name the schema lacks is a bug in the caller, found by the first
// test that runs the line: say which name and stop.
[[noreturn]] void unknown_field(std::string_view name) {
    std::fprintf(stderr, "zc::log::protocol: no field '%.*s' in this message\n", static_cast<int>(name.size()),
                 name.data());
    std::abort();
}

template <class T>
const T& empty_of() {
    static const T empty{};
    return empty;
}

} // namespace

value default_value(const field& f) {
    if (f.default_null) return std::monostate{};
    switch (f.kind) {
    case type::boolean:
        return f.default_int != 0;
    case type::int8:
    case type::int16:
    case type::int32:
    case type::int64:
        return f.default_int;
    case type::string:
    case type::bytes:
        return std::string{};
    case type::records:
        return record_data{};
    case type::array:
        if (f.element == type::structure) return std::vector<message>{};
        if (f.element == type::string) return std::vector<std::string>{};
        return std::vector<std::int64_t>{};
    case type::structure:
        break;
    }
    return std::monostate{};
}

message::message(std::span<const field> schema) : schema_(schema) {
    values_.reserve(schema.size());
    for (const field& f : schema) values_.push_back(default_value(f));
}

std::size_t message::index_of(std::string_view name) const {
    for (std::size_t i = 0; i < schema_.size(); ++i)
        if (schema_[i].name == name) return i;
    unknown_field(name);
}

bool message::has_field(std::string_view name) const {
    for (const field& f : schema_)
        if (f.name == name) return true;
    return false;
}

bool message::is_null(std::string_view name) const { return std::holds_alternative<std::monostate>(get(name)); }

std::int64_t message::get_int(std::string_view name) const {
    const value& v = get(name);
    if (auto* i = std::get_if<std::int64_t>(&v)) return *i;
    if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
    return 0;
}

bool message::get_bool(std::string_view name) const { return get_int(name) != 0; }

const std::string& message::get_string(std::string_view name) const {
    auto* s = std::get_if<std::string>(&get(name));
    return s ? *s : empty_of<std::string>();
}

const record_data& message::get_records(std::string_view name) const {
    auto* r = std::get_if<record_data>(&get(name));
    return r ? *r : empty_of<record_data>();
}

const std::vector<message>& message::get_array(std::string_view name) const {
    auto* a = std::get_if<std::vector<message>>(&get(name));
    return a ? *a : empty_of<std::vector<message>>();
}

const std::vector<std::int64_t>& message::get_int_array(std::string_view name) const {
    auto* a = std::get_if<std::vector<std::int64_t>>(&get(name));
    return a ? *a : empty_of<std::vector<std::int64_t>>();
}

const std::vector<std::string>& message::get_string_array(std::string_view name) const {
    auto* a = std::get_if<std::vector<std::string>>(&get(name));
    return a ? *a : empty_of<std::vector<std::string>>();
}

message& message::set(std::string_view name, value v) {
    values_[index_of(name)] = std::move(v);
    return *this;
}

message& message::add(std::string_view name) {
    std::size_t i = index_of(name);
    const field& f = schema_[i];
    if (f.kind != type::array || f.element != type::structure) unknown_field(name);
    if (!std::holds_alternative<std::vector<message>>(values_[i])) values_[i] = std::vector<message>{};
    auto& elements = std::get<std::vector<message>>(values_[i]);
    elements.emplace_back(f.fields);
    return elements.back();
}

bool operator==(const message& a, const message& b) {
    return a.schema_.data() == b.schema_.data() && a.schema_.size() == b.schema_.size() && a.values_ == b.values_;
}

std::optional<version_range> supported_versions(std::int16_t api_key) {
    const api_schema* api = find_api(api_key);
    if (!api) return std::nullopt;
    return api->supported;
}

message make_request(std::int16_t api_key) {
    const api_schema* api = find_api(api_key);
    if (!api) unknown_field("<api key " + std::to_string(api_key) + ">");
    return message(api->request);
}

message make_response(std::int16_t api_key) {
    const api_schema* api = find_api(api_key);
    if (!api) unknown_field("<api key " + std::to_string(api_key) + ">");
    return message(api->response);
}

message api_versions_response(error_code error) {
    message body = make_response(18);
    body.set_error("ErrorCode", error);
    for (const api_schema& api : apis()) {
        body.add("ApiKeys")
            .set_int("ApiKey", api.key)
            .set_int("MinVersion", api.supported.min)
            .set_int("MaxVersion", api.supported.max);
    }
    return body;
}

std::string error_name(error_code code) {
    switch (code) {
    case error_code::unknown_server_error: return "UNKNOWN_SERVER_ERROR";
    case error_code::none: return "NONE";
    case error_code::offset_out_of_range: return "OFFSET_OUT_OF_RANGE";
    case error_code::corrupt_message: return "CORRUPT_MESSAGE";
    case error_code::unknown_topic_or_partition: return "UNKNOWN_TOPIC_OR_PARTITION";
    case error_code::invalid_fetch_size: return "INVALID_FETCH_SIZE";
    case error_code::leader_not_available: return "LEADER_NOT_AVAILABLE";
    case error_code::not_leader_or_follower: return "NOT_LEADER_OR_FOLLOWER";
    case error_code::request_timed_out: return "REQUEST_TIMED_OUT";
    case error_code::message_too_large: return "MESSAGE_TOO_LARGE";
    case error_code::offset_metadata_too_large: return "OFFSET_METADATA_TOO_LARGE";
    case error_code::coordinator_load_in_progress: return "COORDINATOR_LOAD_IN_PROGRESS";
    case error_code::coordinator_not_available: return "COORDINATOR_NOT_AVAILABLE";
    case error_code::not_coordinator: return "NOT_COORDINATOR";
    case error_code::invalid_topic_exception: return "INVALID_TOPIC_EXCEPTION";
    case error_code::record_list_too_large: return "RECORD_LIST_TOO_LARGE";
    case error_code::invalid_required_acks: return "INVALID_REQUIRED_ACKS";
    case error_code::illegal_generation: return "ILLEGAL_GENERATION";
    case error_code::inconsistent_group_protocol: return "INCONSISTENT_GROUP_PROTOCOL";
    case error_code::invalid_group_id: return "INVALID_GROUP_ID";
    case error_code::unknown_member_id: return "UNKNOWN_MEMBER_ID";
    case error_code::invalid_session_timeout: return "INVALID_SESSION_TIMEOUT";
    case error_code::rebalance_in_progress: return "REBALANCE_IN_PROGRESS";
    case error_code::invalid_commit_offset_size: return "INVALID_COMMIT_OFFSET_SIZE";
    case error_code::invalid_timestamp: return "INVALID_TIMESTAMP";
    case error_code::unsupported_version: return "UNSUPPORTED_VERSION";
    case error_code::topic_already_exists: return "TOPIC_ALREADY_EXISTS";
    case error_code::invalid_partitions: return "INVALID_PARTITIONS";
    case error_code::invalid_replication_factor: return "INVALID_REPLICATION_FACTOR";
    case error_code::invalid_replica_assignment: return "INVALID_REPLICA_ASSIGNMENT";
    case error_code::invalid_config: return "INVALID_CONFIG";
    case error_code::not_controller: return "NOT_CONTROLLER";
    case error_code::invalid_request: return "INVALID_REQUEST";
    case error_code::unsupported_for_message_format: return "UNSUPPORTED_FOR_MESSAGE_FORMAT";
    case error_code::kafka_storage_error: return "KAFKA_STORAGE_ERROR";
    case error_code::unsupported_compression_type: return "UNSUPPORTED_COMPRESSION_TYPE";
    case error_code::member_id_required: return "MEMBER_ID_REQUIRED";
    case error_code::group_max_size_reached: return "GROUP_MAX_SIZE_REACHED";
    case error_code::fenced_instance_id: return "FENCED_INSTANCE_ID";
    case error_code::invalid_record: return "INVALID_RECORD";
    case error_code::unstable_offset_commit: return "UNSTABLE_OFFSET_COMMIT";
    }
    return "UNKNOWN(" + std::to_string(static_cast<int>(code)) + ")";
}

std::string protocol_error::message() const {
    const char* what = "malformed";
    switch (code) {
    case protocol_errc::truncated: what = "truncated"; break;
    case protocol_errc::invalid_length: what = "invalid length"; break;
    case protocol_errc::frame_too_large: what = "frame too large"; break;
    case protocol_errc::unsupported_api: what = "unsupported API key"; break;
    case protocol_errc::unsupported_version: what = "unsupported version"; break;
    case protocol_errc::trailing_bytes: what = "trailing bytes"; break;
    case protocol_errc::unexpected_null: what = "null not allowed"; break;
    case protocol_errc::value_out_of_range: what = "value out of range"; break;
    case protocol_errc::wrong_type: what = "value of the wrong type"; break;
    }
    return detail.empty() ? std::string(what) : detail + ": " + what;
}

} // namespace zc::log::protocol
