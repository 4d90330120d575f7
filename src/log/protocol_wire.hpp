// Internal to src/log: the byte-level reader and writer the schema walkers
// (protocol_decode.cpp, protocol_encode.cpp) and the frame functions
// (protocol_frames.cpp) share. Not part of the codec's interface.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "log/protocol.hpp"

namespace zc::log::protocol::wire {

struct failure {
    protocol_errc code;
    std::string where; // "Topics[0].Name", built while unwinding
};

inline void prepend_path(failure& f, std::string_view name, std::optional<std::size_t> index = std::nullopt) {
    std::string part(name);
    // append, not "[" + …: GCC 12 warns falsely (-Wrestrict) on the latter
    if (index) part.append("[").append(std::to_string(*index)).append("]");
    f.where = f.where.empty() ? part : part + (f.where.front() == '[' ? "" : ".") + f.where;
}


// ---- reading -------------------------------------------------------------------

class reader {
public:
    reader(std::string_view in, std::size_t base) : in_(in), base_(base) {}

    std::size_t remaining() const { return in_.size() - pos_; }
    std::size_t position_in_frame() const { return base_ + pos_; }
    const std::optional<failure>& error() const { return error_; }
    bool failed() const { return error_.has_value(); }

    bool fail(protocol_errc code) {
        if (!error_) error_ = failure{code, {}};
        return false;
    }
    failure take_error() { return std::move(*error_); }

    bool take(std::size_t n, std::string_view& out) {
        if (n > remaining()) return fail(protocol_errc::truncated);
        out = in_.substr(pos_, n);
        pos_ += n;
        return true;
    }

    template <class T>
    bool read_big_endian(T& out) {
        std::string_view raw;
        if (!take(sizeof(T), raw)) return false;
        std::make_unsigned_t<T> u = 0;
        for (char c : raw) u = static_cast<std::make_unsigned_t<T>>((u << 8) | static_cast<unsigned char>(c));
        out = static_cast<T>(u);
        return true;
    }

    // Kafka's unsigned varint of a 32-bit value: at most 5 bytes, the last
    // holding at most 4 bits.
    bool read_unsigned_varint(std::uint32_t& out) {
        std::uint32_t result = 0;
        for (int i = 0; i < 5; ++i) {
            std::string_view raw;
            if (!take(1, raw)) return false;
            auto byte = static_cast<unsigned char>(raw[0]);
            if (i == 4 && byte > 0x0f) return fail(protocol_errc::invalid_length);
            result |= static_cast<std::uint32_t>(byte & 0x7f) << (7 * i);
            if ((byte & 0x80) == 0) {
                out = result;
                return true;
            }
        }
        return fail(protocol_errc::invalid_length);
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
    std::size_t base_ = 0; // where in_ starts in the frame body
    std::optional<failure> error_;
};

// A length or count: std::nullopt for null. Non-flexible: int16 (strings)
// or int32 (bytes, arrays), -1 null; flexible: varint of length + 1.
enum class length_width { int16, int32 };

// A string in the version's form; std::monostate for null.
bool read_string(reader& r, bool flexible, bool nullable, length_width width, value& out);
// A whole body of `schema`, up to the end of the reader's input.
std::expected<message, failure> read_body(reader& r, std::span<const field> schema, std::int16_t version,
                                          bool flexible);
// Skips a tagged-field section (a flexible header's).
bool skip_tagged_fields(reader& r);

// ---- writing -------------------------------------------------------------------

class writer {
public:
    std::string out;
    std::vector<frame_gap> gaps;
    std::uint64_t gap_bytes = 0;

    template <class T>
    void write_big_endian(T v) {
        auto u = static_cast<std::make_unsigned_t<T>>(v);
        for (int shift = 8 * (static_cast<int>(sizeof(T)) - 1); shift >= 0; shift -= 8)
            out.push_back(static_cast<char>((u >> shift) & 0xff));
    }
    void write_unsigned_varint(std::uint32_t v) {
        while (v >= 0x80) {
            out.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out.push_back(static_cast<char>(v));
    }
};


// Appends `body` in the form of `version`.
std::optional<failure> write_body(writer& w, const message& body, std::int16_t version, bool flexible);

} // namespace zc::log::protocol::wire
