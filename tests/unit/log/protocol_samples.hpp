// Sample messages for the protocol tests: every field a version has, at a
// value other than its default (so a field the codec drops or misplaces is
// seen), optionally null wherever the version allows null.
#pragma once

#include <string>

#include "log/protocol.hpp"

namespace zc::log::protocol::test {

inline constexpr std::string_view sample_record_bytes{"\x00\x00\x00\x00\x00\x00\x00\x07RECORDS", 15};

struct sample_options {
    bool nulls = false; // null in every field nullable in the version
    int elements = 2;   // elements per array
};

inline message sample_message(std::span<const field> schema, std::int16_t version, sample_options options,
                              int& counter) {
    message m(schema);
    for (std::size_t i = 0; i < schema.size(); ++i) {
        const field& f = schema[i];
        if (!f.versions.contains(version)) continue;
        const int n = ++counter;
        if (options.nulls && f.nullable.contains(version)) {
            m.at(i) = std::monostate{};
            continue;
        }
        switch (f.kind) {
        case type::boolean:
            m.at(i) = f.default_int == 0;
            break;
        case type::int8:
        case type::int16:
        case type::int32:
        case type::int64:
            m.at(i) = std::int64_t{n % 100 + 1} * (f.kind == type::int8 ? 1 : 3);
            break;
        case type::string:
            m.at(i) = std::string("s").append(std::to_string(n)); // not "s" + …: GCC 12 -Wrestrict
            break;
        case type::bytes:
            m.at(i) = std::string("\x01\x02", 2) + std::to_string(n);
            break;
        case type::records:
            m.at(i) = record_data::inline_bytes(sample_record_bytes);
            break;
        case type::array:
            if (f.element == type::structure) {
                std::vector<message> elements;
                for (int k = 0; k < options.elements; ++k)
                    elements.push_back(sample_message(f.fields, version, options, counter));
                m.at(i) = std::move(elements);
            } else if (f.element == type::string) {
                m.at(i) = std::vector<std::string>{std::string("x").append(std::to_string(n)), "y"};
            } else {
                m.at(i) = std::vector<std::int64_t>{n, 7, 1};
            }
            break;
        case type::structure:
            break;
        }
    }
    return m;
}

inline message sample_message(std::span<const field> schema, std::int16_t version, sample_options options = {}) {
    int counter = 0;
    return sample_message(schema, version, options, counter);
}

// A readable dump of a value tree, for assertion messages.
inline std::string describe(const message& m);

inline std::string describe(const value& v) {
    struct visitor {
        std::string operator()(std::monostate) const { return "null"; }
        std::string operator()(bool b) const { return b ? "true" : "false"; }
        std::string operator()(std::int64_t i) const { return std::to_string(i); }
        std::string operator()(const std::string& s) const { return "'" + s + "'"; }
        std::string operator()(const record_data& r) const {
            return r.external ? "records<external " + std::to_string(r.external_size) + ">"
                              : "records<" + std::to_string(r.bytes.size()) + " bytes>";
        }
        std::string operator()(const std::vector<std::int64_t>& a) const {
            std::string out = "[";
            for (auto i : a) out += std::to_string(i) + " ";
            return out + "]";
        }
        std::string operator()(const std::vector<std::string>& a) const {
            std::string out = "[";
            for (const auto& s : a) out += "'" + s + "' ";
            return out + "]";
        }
        std::string operator()(const std::vector<message>& a) const {
            std::string out = "[";
            for (const auto& e : a) out += describe(e) + " ";
            return out + "]";
        }
    };
    return std::visit(visitor{}, v);
}

inline std::string describe(const message& m) {
    std::string out = "{";
    for (std::size_t i = 0; i < m.schema().size(); ++i)
        out += std::string(m.schema()[i].name) + "=" + describe(m.at(i)) + (i + 1 < m.schema().size() ? " " : "");
    return out + "}";
}

inline std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (char c : bytes) {
        auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

inline std::string unhex(std::string_view text) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    std::string out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2)
        out.push_back(static_cast<char>(nibble(text[i]) << 4 | nibble(text[i + 1])));
    return out;
}

} // namespace zc::log::protocol::test
