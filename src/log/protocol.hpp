// zc::log::protocol — the Kafka wire protocol: framing, request and response
// headers, and every message of the APIs in protocol_messages.cpp, for every
// advertised version, by one generic codec walking the schema table.
//
//   auto length = frame_length(buffer);        // 4-byte size prefix, capped
//   auto req = decode_request(frame_body);     // header + message
//   req->body.get_int32("TimeoutMs"); req->body.get_array("TopicData");
//   message resp = make_response(api_key);     // every field at its default
//   auto frame = encode_response(api_key, version, correlation_id, resp);
//
// Decoding never reads past the input and never throws: a malformed frame,
// an unknown API key or an unsupported version is a protocol_error (with the
// header, when it was read, so the server can still answer). Messages are
// version-independent value trees: a field the version lacks keeps its
// default and is not encoded.
//
// Record data (Produce and Fetch "Records") is never decoded here: a decoded
// request holds a view into the input frame; a response may hold inline bytes
// or an external range (a file slice the transport sends itself), which the
// encoder leaves as a gap in the frame, listed in encoded_frame::gaps.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "log/protocol_schema.hpp"

namespace zc::log::protocol {

// Kafka's error codes (org.apache.kafka.common.protocol.Errors), those the
// APIs here can answer with.
enum class error_code : std::int16_t {
    unknown_server_error = -1,
    none = 0,
    offset_out_of_range = 1,
    corrupt_message = 2,
    unknown_topic_or_partition = 3,
    invalid_fetch_size = 4,
    leader_not_available = 5,
    not_leader_or_follower = 6,
    request_timed_out = 7,
    message_too_large = 10,
    offset_metadata_too_large = 12,
    coordinator_load_in_progress = 14,
    coordinator_not_available = 15,
    not_coordinator = 16,
    invalid_topic_exception = 17,
    record_list_too_large = 18,
    invalid_required_acks = 21,
    illegal_generation = 22,
    inconsistent_group_protocol = 23,
    invalid_group_id = 24,
    unknown_member_id = 25,
    invalid_session_timeout = 26,
    rebalance_in_progress = 27,
    invalid_commit_offset_size = 28,
    invalid_timestamp = 32,
    unsupported_version = 35,
    topic_already_exists = 36,
    invalid_partitions = 37,
    invalid_replication_factor = 38,
    invalid_replica_assignment = 39,
    invalid_config = 40,
    not_controller = 41,
    invalid_request = 42,
    unsupported_for_message_format = 43,
    kafka_storage_error = 56,
    unsupported_compression_type = 76,
    member_id_required = 79,
    group_max_size_reached = 81,
    fenced_instance_id = 82,
    invalid_record = 87,
    unstable_offset_commit = 88,
};
// "UNSUPPORTED_VERSION", as Kafka names it; "UNKNOWN(n)" for others.
std::string error_name(error_code code);

// A frame past this size is refused before it is buffered.
inline constexpr std::uint32_t max_frame_bytes = 100u << 20;

// Why bytes could not be decoded, or a message encoded.
enum class protocol_errc {
    truncated = 1,        // the input ends inside a field
    invalid_length,       // a negative length or count (other than -1 where null is allowed), or overlong varint
    frame_too_large,      // a frame length over max_frame_bytes
    unsupported_api,      // an API key this server does not speak
    unsupported_version,  // a version outside the API's supported range
    trailing_bytes,       // bytes left after the message
    unexpected_null,      // null where the version does not allow it (decoding or encoding)
    value_out_of_range,   // an integer too large for its field, or a frame over 2 GiB (encoding)
    wrong_type,           // a value of another type than its field's (encoding)
};

struct request_header {
    std::int16_t api_key = 0;
    std::int16_t api_version = 0;
    std::int32_t correlation_id = 0;
    std::optional<std::string> client_id; // nullable string; null when absent

    friend bool operator==(const request_header&, const request_header&) = default;
};

struct protocol_error {
    protocol_errc code{};
    std::string detail;                   // where: "Metadata v1 request: Topics[0].Name: truncated"
    std::optional<request_header> header; // set once the request header was read

    std::string message() const;
};

// Undecoded record batches. Decoded: `bytes` views the input frame (valid as
// long as that buffer) and `offset` is where they start in it. To encode,
// either set `bytes` (copied into the frame) or set `external` with a size:
// the frame then has a gap of that size the sender fills (a file range).
struct record_data {
    std::string_view bytes;
    std::size_t offset = 0; // decoded: position in the decoded frame body
    bool external = false;
    std::uint64_t external_size = 0;
    std::uint32_t external_id = 0; // the caller's handle, copied to the gap

    static record_data inline_bytes(std::string_view bytes) {
        record_data r;
        r.bytes = bytes;
        return r;
    }
    static record_data external_range(std::uint64_t size, std::uint32_t id) {
        record_data r;
        r.external = true;
        r.external_size = size;
        r.external_id = id;
        return r;
    }

    friend bool operator==(const record_data& a, const record_data& b) {
        return a.external == b.external && (a.external ? a.external_size == b.external_size &&
                                                             a.external_id == b.external_id
                                                       : a.bytes == b.bytes);
    }
};

class message;

// One field's value; std::monostate is null. Integers of every width are
// int64; strings and bytes are std::string; arrays of int32/int64 are
// vector<int64_t>, of strings vector<string>, of structures vector<message>.
using value = std::variant<std::monostate, bool, std::int64_t, std::string, record_data, std::vector<std::int64_t>,
                           std::vector<std::string>, std::vector<message>>;

// A structure of fields (a request or response body, or an array element),
// by position in its schema or by name. Looking up a name the schema does not
// have is a programming error and aborts with the name.
class message {
public:
    message() = default;
    // Every field at its default.
    explicit message(std::span<const field> schema);

    std::span<const field> schema() const { return schema_; }
    std::size_t index_of(std::string_view name) const;
    bool has_field(std::string_view name) const;

    const value& at(std::size_t index) const { return values_[index]; }
    value& at(std::size_t index) { return values_[index]; }
    const value& get(std::string_view name) const { return values_[index_of(name)]; }
    value& get(std::string_view name) { return values_[index_of(name)]; }

    // Typed reads: a null or a value of another type reads as 0 / "" / empty.
    bool is_null(std::string_view name) const;
    std::int64_t get_int(std::string_view name) const;
    std::int8_t get_int8(std::string_view name) const { return static_cast<std::int8_t>(get_int(name)); }
    std::int16_t get_int16(std::string_view name) const { return static_cast<std::int16_t>(get_int(name)); }
    std::int32_t get_int32(std::string_view name) const { return static_cast<std::int32_t>(get_int(name)); }
    std::int64_t get_int64(std::string_view name) const { return get_int(name); }
    bool get_bool(std::string_view name) const;
    const std::string& get_string(std::string_view name) const; // strings and bytes
    const record_data& get_records(std::string_view name) const;
    const std::vector<message>& get_array(std::string_view name) const;
    const std::vector<std::int64_t>& get_int_array(std::string_view name) const;
    const std::vector<std::string>& get_string_array(std::string_view name) const;

    // Writes; each returns *this to chain.
    message& set(std::string_view name, value v);
    message& set_int(std::string_view name, std::int64_t v) { return set(name, v); }
    message& set_bool(std::string_view name, bool v) { return set(name, v); }
    message& set_string(std::string_view name, std::string v) { return set(name, std::move(v)); }
    message& set_null(std::string_view name) { return set(name, std::monostate{}); }
    message& set_records(std::string_view name, record_data r) { return set(name, r); }
    message& set_error(std::string_view name, error_code e) {
        return set(name, std::int64_t{static_cast<std::int16_t>(e)});
    }
    error_code get_error(std::string_view name) const { return static_cast<error_code>(get_int16(name)); }
    // Appends an element (all defaults) to an array of structures, and returns it.
    message& add(std::string_view name);

    friend bool operator==(const message& a, const message& b);

private:
    std::span<const field> schema_;
    std::vector<value> values_;
};

// The default of one field, as a decoded message holds it when the version
// lacks the field.
value default_value(const field& f);

struct request {
    request_header header;
    message body;
};

struct response {
    std::int32_t correlation_id = 0;
    message body;
};

// A gap in an encoded frame: `size` bytes of the external records marked
// `id` belong at `offset` (counted in the frame as encoded, before the gap).
struct frame_gap {
    std::size_t offset = 0;
    std::uint64_t size = 0;
    std::uint32_t id = 0;
};

// A whole frame: 4-byte size prefix, header, body. The prefix counts the
// gaps; the bytes between gaps are sent in order with each gap's range.
struct encoded_frame {
    std::string bytes;
    std::vector<frame_gap> gaps;
};

// The size of the frame at the start of `bytes` (not counting the 4-byte
// prefix), std::nullopt while fewer than 4 bytes are there; a negative size
// or one over max_frame_bytes is an error.
std::expected<std::optional<std::uint32_t>, protocol_error> frame_length(std::string_view bytes);

// The versions an API supports, or std::nullopt for an unknown key.
std::optional<version_range> supported_versions(std::int16_t api_key);
// Request header v2 / response header v1 when the API version is flexible;
// an ApiVersions response header is always v0 (its clients read it before
// they know the broker's versions).
bool request_header_is_flexible(std::int16_t api_key, std::int16_t version);
bool response_header_is_flexible(std::int16_t api_key, std::int16_t version);

message make_request(std::int16_t api_key);  // aborts for an unknown key
message make_response(std::int16_t api_key); // aborts for an unknown key

// A frame body (after the size prefix) → header + message.
std::expected<request, protocol_error> decode_request(std::string_view frame_body);
// A response frame body of a known API and version.
std::expected<response, protocol_error> decode_response(std::int16_t api_key, std::int16_t version,
                                                        std::string_view frame_body);

std::expected<encoded_frame, protocol_error> encode_request(const request_header& header, const message& body);
std::expected<encoded_frame, protocol_error> encode_response(std::int16_t api_key, std::int16_t version,
                                                             std::int32_t correlation_id, const message& body);

// Bodies alone, for a given schema, version and flexibility.
std::expected<message, protocol_error> decode_body(std::span<const field> schema, std::int16_t version, bool flexible,
                                                   std::string_view bytes);
std::expected<encoded_frame, protocol_error> encode_body(std::span<const field> schema, std::int16_t version,
                                                         bool flexible, const message& body);

// The ApiVersions response body listing every API of apis() with its
// supported range — what this server advertises — and `error`.
message api_versions_response(error_code error = error_code::none);

} // namespace zc::log::protocol
