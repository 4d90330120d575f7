// The shape of Kafka's messages as data: one table of field definitions per
// API (protocol_messages.cpp), walked by one generic decoder and encoder
// (protocol_decode.cpp, protocol_encode.cpp) for every version — Kafka's own
// approach, where clients/src/main/resources/common/message/*.json drives
// generated code.
//
// A field says in which versions it exists, in which it may be null, its
// default (what a decoded message holds when the version lacks the field),
// and, for flexible versions, whether it travels in the tagged-field section
// instead of in place. Versions are absolute, as in Kafka's definitions:
// "3+" is since(3), "1-3" is between(1, 3).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace zc::log::protocol {

enum class type : std::uint8_t {
    boolean,
    int8,
    int16,
    int32,
    int64,
    string,
    bytes,
    records,   // nullable bytes holding record batches, kept undecoded
    array,     // of `element`: int32, int64, string, or structure
    structure, // only as an array element: the element's fields
};

inline constexpr std::int16_t latest_version = 0x7fff;

struct version_range {
    std::int16_t min = 0;
    std::int16_t max = -1; // empty when max < min

    constexpr bool contains(std::int16_t v) const { return v >= min && v <= max; }
    constexpr bool empty() const { return max < min; }
};

constexpr version_range since(std::int16_t v) { return {v, latest_version}; }
constexpr version_range between(std::int16_t first, std::int16_t last) { return {first, last}; }
inline constexpr version_range never{};

struct field {
    std::string_view name;
    type kind = type::int32;
    version_range versions = never;
    version_range nullable = never;
    type element = type::int32;      // arrays: the element's type
    std::span<const field> fields{}; // arrays of structures: the element's fields
    std::int64_t default_int = 0;    // integers and booleans
    bool default_null = false;       // strings, bytes, records, arrays whose default is null
    std::int32_t tag = -1;           // >= 0: a tagged field in tagged_versions
    version_range tagged_versions = never;

    constexpr field nullable_in(version_range r) const {
        field f = *this;
        f.nullable = r;
        return f;
    }
    constexpr field defaults_to(std::int64_t v) const {
        field f = *this;
        f.default_int = v;
        return f;
    }
    constexpr field defaults_to_null() const {
        field f = *this;
        f.default_null = true;
        return f;
    }
    constexpr field tagged(std::int32_t number, version_range r) const {
        field f = *this;
        f.tag = number;
        f.tagged_versions = r;
        return f;
    }
    constexpr bool is_tagged_in(std::int16_t v) const { return tag >= 0 && tagged_versions.contains(v); }
};

constexpr field scalar(std::string_view name, type kind, version_range versions) {
    return field{.name = name, .kind = kind, .versions = versions};
}
constexpr field boolean(std::string_view name, version_range v) { return scalar(name, type::boolean, v); }
constexpr field int8(std::string_view name, version_range v) { return scalar(name, type::int8, v); }
constexpr field int16(std::string_view name, version_range v) { return scalar(name, type::int16, v); }
constexpr field int32(std::string_view name, version_range v) { return scalar(name, type::int32, v); }
constexpr field int64(std::string_view name, version_range v) { return scalar(name, type::int64, v); }
constexpr field string(std::string_view name, version_range v) { return scalar(name, type::string, v); }
constexpr field bytes(std::string_view name, version_range v) { return scalar(name, type::bytes, v); }
constexpr field records(std::string_view name, version_range v) { return scalar(name, type::records, v); }
constexpr field array_of(std::string_view name, version_range v, type element) {
    return field{.name = name, .kind = type::array, .versions = v, .element = element};
}
constexpr field array_of(std::string_view name, version_range v, std::span<const field> fields) {
    return field{.name = name, .kind = type::array, .versions = v, .element = type::structure, .fields = fields};
}

// One API: its key, the versions this server supports (and advertises in
// ApiVersions), the first flexible version (compact encodings and tagged
// fields, request header v2 and response header v1), and both messages.
struct api_schema {
    std::int16_t key;
    std::string_view name;
    version_range supported;
    std::int16_t first_flexible;
    std::span<const field> request;
    std::span<const field> response;

    constexpr bool is_flexible(std::int16_t v) const { return v >= first_flexible; }
};

// Every API this server speaks, in key order.
std::span<const api_schema> apis();
// The schema of one API key, or nullptr.
const api_schema* find_api(std::int16_t key);

} // namespace zc::log::protocol
