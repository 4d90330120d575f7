// The generic decoder: walks a schema (protocol_schema.hpp) for one version
// over a reader (protocol_wire.hpp).
//
// Non-flexible versions: strings are int16 length + bytes (-1: null), bytes
// and records int32 length + bytes (-1: null), arrays int32 count (-1: null).
// Flexible versions (KIP-482): strings, bytes, records and arrays carry an
// unsigned varint of length + 1 (0: null), and every structure ends with a
// tagged-field section — a varint count, then per field a varint tag, a
// varint size and the value. Unknown tags are skipped; a known tagged field
// is encoded only when it differs from its default, as Kafka does.
//
// Every length and count is checked against the bytes left before anything
// is allocated or read: an array's count times the fewest bytes one element
// can take must fit in what is left. The memory of a decoded message is then
// bounded by the frame's size times a constant of the schema (an element's
// bytes in the value tree over its fewest bytes on the wire).
#include <algorithm>
#include "log/protocol_wire.hpp"

namespace zc::log::protocol::wire {
namespace {

bool read_length(reader& r, bool flexible, length_width width, bool nullable, std::optional<std::size_t>& out) {
    std::int64_t length = 0;
    if (flexible) {
        std::uint32_t n = 0;
        if (!r.read_unsigned_varint(n)) return false;
        length = static_cast<std::int64_t>(n) - 1;
    } else if (width == length_width::int16) {
        std::int16_t n = 0;
        if (!r.read_big_endian(n)) return false;
        length = n;
    } else {
        std::int32_t n = 0;
        if (!r.read_big_endian(n)) return false;
        length = n;
    }
    if (length == -1) {
        if (!nullable) return r.fail(protocol_errc::unexpected_null);
        out = std::nullopt;
        return true;
    }
    if (length < 0) return r.fail(protocol_errc::invalid_length);
    if (static_cast<std::uint64_t>(length) > r.remaining()) return r.fail(protocol_errc::truncated);
    out = static_cast<std::size_t>(length);
    return true;
}

} // namespace

bool read_string(reader& r, bool flexible, bool nullable, length_width width, value& out) {
    std::optional<std::size_t> length;
    if (!read_length(r, flexible, width, nullable, length)) return false;
    if (!length) {
        out = std::monostate{};
        return true;
    }
    std::string_view raw;
    if (!r.take(*length, raw)) return false;
    out = std::string(raw);
    return true;
}

namespace {

bool read_integer(reader& r, type kind, std::int64_t& out) {
    switch (kind) {
    case type::int8: {
        std::int8_t v = 0;
        if (!r.read_big_endian(v)) return false;
        out = v;
        return true;
    }
    case type::int16: {
        std::int16_t v = 0;
        if (!r.read_big_endian(v)) return false;
        out = v;
        return true;
    }
    case type::int32: {
        std::int32_t v = 0;
        if (!r.read_big_endian(v)) return false;
        out = v;
        return true;
    }
    case type::int64:
        return r.read_big_endian(out);
    default:
        return r.fail(protocol_errc::wrong_type);
    }
}

class decoder {
public:
    decoder(std::int16_t version, bool flexible) : version_(version), flexible_(flexible) {}

    bool read_struct(reader& r, std::span<const field> schema, message& out) const {
        out = message(schema);
        for (std::size_t i = 0; i < schema.size(); ++i) {
            const field& f = schema[i];
            if (!f.versions.contains(version_) || (flexible_ && f.is_tagged_in(version_))) continue;
            if (!read_field(r, f, out.at(i))) return annotate(r, f.name);
        }
        return !flexible_ || read_tagged_fields(r, schema, &out);
    }

    // The tagged-field section; with `out` null every field is skipped.
    bool read_tagged_fields(reader& r, std::span<const field> schema, message* out) const {
        std::uint32_t count = 0;
        if (!r.read_unsigned_varint(count)) return false;
        if (count > r.remaining()) return r.fail(protocol_errc::truncated);
        for (std::uint32_t k = 0; k < count; ++k) {
            std::uint32_t tag = 0, size = 0;
            std::string_view raw;
            if (!r.read_unsigned_varint(tag) || !r.read_unsigned_varint(size)) return false;
            std::size_t start = r.position_in_frame();
            if (!r.take(size, raw)) return false;
            auto known = out ? find_tagged(schema, tag) : schema.size();
            if (known == schema.size()) continue; // unknown tags are skipped
            reader inner(raw, start);
            if (!read_field(inner, schema[known], out->at(known)) || inner.remaining() != 0) {
                if (!inner.failed()) inner.fail(protocol_errc::trailing_bytes);
                r.fail(inner.error()->code);
                return annotate(r, schema[known].name);
            }
        }
        return true;
    }

private:
    std::size_t find_tagged(std::span<const field> schema, std::uint32_t tag) const {
        for (std::size_t i = 0; i < schema.size(); ++i)
            if (schema[i].versions.contains(version_) && schema[i].is_tagged_in(version_) &&
                static_cast<std::uint32_t>(schema[i].tag) == tag)
                return i;
        return schema.size();
    }

    bool annotate(reader& r, std::string_view name, std::optional<std::size_t> index = std::nullopt) const {
        pending_path_.emplace_back(name);
        if (index) pending_path_.back().append("[").append(std::to_string(*index)).append("]");
        return r.fail(protocol_errc::truncated); // keeps the first code
    }

    bool read_field(reader& r, const field& f, value& out) const {
        const bool nullable = f.nullable.contains(version_);
        switch (f.kind) {
        case type::boolean: {
            std::int8_t b = 0;
            if (!r.read_big_endian(b)) return false;
            out = b != 0;
            return true;
        }
        case type::int8:
        case type::int16:
        case type::int32:
        case type::int64: {
            std::int64_t v = 0;
            if (!read_integer(r, f.kind, v)) return false;
            out = v;
            return true;
        }
        case type::string:
            return read_string(r, flexible_, nullable, length_width::int16, out);
        case type::bytes:
            return read_string(r, flexible_, nullable, length_width::int32, out);
        case type::records: {
            std::optional<std::size_t> length;
            if (!read_length(r, flexible_, length_width::int32, nullable, length)) return false;
            if (!length) {
                out = std::monostate{};
                return true;
            }
            record_data records;
            records.offset = r.position_in_frame();
            if (!r.take(*length, records.bytes)) return false;
            out = records;
            return true;
        }
        case type::array:
            return read_array(r, f, nullable, out);
        case type::structure:
            break;
        }
        return r.fail(protocol_errc::wrong_type);
    }

    // The fewest bytes a value of `kind` (an element of `f` when `kind` is
    // structure) takes in this version: fixed widths, the length or count
    // prefix of the rest, and a structure's tagged-field count.
    std::size_t smallest(const field& f, type kind) const {
        switch (kind) {
        case type::boolean:
        case type::int8: return 1;
        case type::int16: return 2;
        case type::int32: return 4;
        case type::int64: return 8;
        case type::string: return flexible_ ? 1 : 2;
        case type::bytes:
        case type::records:
        case type::array: return flexible_ ? 1 : 4;
        case type::structure: {
            std::size_t total = flexible_ ? 1 : 0;
            for (const field& inner : f.fields)
                if (inner.versions.contains(version_) && !(flexible_ && inner.is_tagged_in(version_)))
                    total += smallest(inner, inner.kind);
            return total;
        }
        }
        return 1;
    }
    std::size_t smallest_element(const field& f) const { return std::max<std::size_t>(1, smallest(f, f.element)); }

    bool read_array(reader& r, const field& f, bool nullable, value& out) const {
        std::optional<std::size_t> count;
        if (!read_length(r, flexible_, length_width::int32, nullable, count)) return false;
        if (!count) {
            out = std::monostate{};
            return true;
        }
        // Each element takes at least this many bytes: a count the bytes
        // left cannot hold fails before anything is allocated for it.
        if (*count > r.remaining() / smallest_element(f)) return r.fail(protocol_errc::truncated);
        if (f.element == type::structure) {
            std::vector<message> elements(*count);
            for (std::size_t i = 0; i < *count; ++i)
                if (!read_struct(r, f.fields, elements[i])) return annotate(r, "", i);
            out = std::move(elements);
            return true;
        }
        if (f.element == type::string) {
            std::vector<std::string> elements;
            elements.reserve(*count);
            for (std::size_t i = 0; i < *count; ++i) {
                value element;
                if (!read_string(r, flexible_, false, length_width::int16, element)) return annotate(r, "", i);
                elements.push_back(std::move(std::get<std::string>(element)));
            }
            out = std::move(elements);
            return true;
        }
        std::vector<std::int64_t> elements(*count);
        for (std::size_t i = 0; i < *count; ++i)
            if (!read_integer(r, f.element, elements[i])) return annotate(r, "", i);
        out = std::move(elements);
        return true;
    }

    std::int16_t version_;
    bool flexible_;

public:
    // Field names from the innermost outwards, collected as a failure unwinds.
    mutable std::vector<std::string> pending_path_;
};

std::string joined_path(const std::vector<std::string>& innermost_first) {
    std::string path;
    for (auto it = innermost_first.rbegin(); it != innermost_first.rend(); ++it) {
        if (it->empty()) continue;
        if (!path.empty() && it->front() != '[') path += '.';
        path += *it;
    }
    return path;
}


} // namespace

// Decodes a body of `schema` from `r` up to the end of its input.
std::expected<message, failure> read_body(reader& r, std::span<const field> schema, std::int16_t version,
                                          bool flexible) {
    decoder d(version, flexible);
    message body;
    if (!d.read_struct(r, schema, body)) {
        failure f = r.take_error();
        f.where = joined_path(d.pending_path_);
        return std::unexpected(std::move(f));
    }
    if (r.remaining() != 0) return std::unexpected(failure{protocol_errc::trailing_bytes, {}});
    return body;
}

bool skip_tagged_fields(reader& r) { return decoder(0, true).read_tagged_fields(r, {}, nullptr); }

} // namespace zc::log::protocol::wire
