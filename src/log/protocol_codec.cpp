// The generic codec: one decoder and one encoder that walk a schema
// (protocol_schema.hpp) for any version.
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
// is allocated or read: a count is at most the bytes left (an element takes
// at least one byte in every schema here, as Kafka's generated readers
// assume), so no input can make the decoder allocate more than a small
// multiple of its own size.
#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#include "log/protocol.hpp"

namespace zc::log::protocol {
namespace {

struct failure {
    protocol_errc code;
    std::string where; // "Topics[0].Name", built while unwinding
};

void prepend_path(failure& f, std::string_view name, std::optional<std::size_t> index = std::nullopt) {
    std::string part(name);
    if (index) part += "[" + std::to_string(*index) + "]";
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
        pending_path_.emplace_back(std::string(name) + (index ? "[" + std::to_string(*index) + "]" : ""));
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

    bool read_array(reader& r, const field& f, bool nullable, value& out) const {
        std::optional<std::size_t> count;
        if (!read_length(r, flexible_, length_width::int32, nullable, count)) return false;
        if (!count) {
            out = std::monostate{};
            return true;
        }
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

class encoder {
public:
    encoder(std::int16_t version, bool flexible) : version_(version), flexible_(flexible) {}

    std::optional<failure> write_struct(writer& w, const message& m) const {
        std::span<const field> schema = m.schema();
        std::vector<std::size_t> tagged;
        for (std::size_t i = 0; i < schema.size(); ++i) {
            const field& f = schema[i];
            if (!f.versions.contains(version_)) continue;
            if (flexible_ && f.is_tagged_in(version_)) {
                if (m.at(i) != default_value(f)) tagged.push_back(i);
                continue;
            }
            if (auto err = write_field(w, f, m.at(i))) {
                prepend_path(*err, f.name);
                return err;
            }
        }
        if (!flexible_) return std::nullopt;
        std::sort(tagged.begin(), tagged.end(), [&](std::size_t a, std::size_t b) { return schema[a].tag < schema[b].tag; });
        w.write_unsigned_varint(static_cast<std::uint32_t>(tagged.size()));
        for (std::size_t i : tagged) {
            writer inner;
            if (auto err = write_field(inner, schema[i], m.at(i))) {
                prepend_path(*err, schema[i].name);
                return err;
            }
            // A gap inside a tagged field would need relocating; no schema has records there.
            if (!inner.gaps.empty()) return failure{protocol_errc::wrong_type, std::string(schema[i].name)};
            w.write_unsigned_varint(static_cast<std::uint32_t>(schema[i].tag));
            w.write_unsigned_varint(static_cast<std::uint32_t>(inner.out.size()));
            w.out += inner.out;
        }
        return std::nullopt;
    }

private:
    // Null marker or length, in the version's form.
    std::optional<failure> write_length(writer& w, length_width width, std::optional<std::uint64_t> length) const {
        if (flexible_) {
            std::uint64_t n = length ? *length + 1 : 0;
            if (n > std::numeric_limits<std::uint32_t>::max()) return failure{protocol_errc::value_out_of_range, {}};
            w.write_unsigned_varint(static_cast<std::uint32_t>(n));
        } else if (width == length_width::int16) {
            if (length && *length > 0x7fff) return failure{protocol_errc::value_out_of_range, {}};
            w.write_big_endian(static_cast<std::int16_t>(length ? static_cast<std::int16_t>(*length) : -1));
        } else {
            if (length && *length > 0x7fffffff) return failure{protocol_errc::value_out_of_range, {}};
            w.write_big_endian(length ? static_cast<std::int32_t>(*length) : std::int32_t{-1});
        }
        return std::nullopt;
    }

    std::optional<failure> write_integer(writer& w, type kind, std::int64_t v) const {
        auto fits = [v](auto limit_type) {
            using T = decltype(limit_type);
            return v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max();
        };
        switch (kind) {
        case type::int8:
            if (!fits(std::int8_t{})) break;
            w.write_big_endian(static_cast<std::int8_t>(v));
            return std::nullopt;
        case type::int16:
            if (!fits(std::int16_t{})) break;
            w.write_big_endian(static_cast<std::int16_t>(v));
            return std::nullopt;
        case type::int32:
            if (!fits(std::int32_t{})) break;
            w.write_big_endian(static_cast<std::int32_t>(v));
            return std::nullopt;
        case type::int64:
            w.write_big_endian(v);
            return std::nullopt;
        default:
            return failure{protocol_errc::wrong_type, {}};
        }
        return failure{protocol_errc::value_out_of_range, {}};
    }

    std::optional<failure> write_string(writer& w, length_width width, const std::string& s) const {
        if (auto err = write_length(w, width, s.size())) return err;
        w.out += s;
        return std::nullopt;
    }

    std::optional<failure> write_field(writer& w, const field& f, const value& v) const {
        if (std::holds_alternative<std::monostate>(v)) {
            if (!f.nullable.contains(version_)) return failure{protocol_errc::unexpected_null, {}};
            return write_length(w, f.kind == type::string ? length_width::int16 : length_width::int32, std::nullopt);
        }
        switch (f.kind) {
        case type::boolean:
        case type::int8:
        case type::int16:
        case type::int32:
        case type::int64: {
            std::int64_t n = 0;
            if (auto* b = std::get_if<bool>(&v)) n = *b ? 1 : 0;
            else if (auto* i = std::get_if<std::int64_t>(&v)) n = *i;
            else return failure{protocol_errc::wrong_type, {}};
            if (f.kind == type::boolean) {
                w.out.push_back(n != 0 ? 1 : 0);
                return std::nullopt;
            }
            return write_integer(w, f.kind, n);
        }
        case type::string:
        case type::bytes: {
            auto* s = std::get_if<std::string>(&v);
            if (!s) return failure{protocol_errc::wrong_type, {}};
            return write_string(w, f.kind == type::string ? length_width::int16 : length_width::int32, *s);
        }
        case type::records:
            return write_records(w, v);
        case type::array:
            return write_array(w, f, v);
        case type::structure:
            break;
        }
        return failure{protocol_errc::wrong_type, {}};
    }

    std::optional<failure> write_records(writer& w, const value& v) const {
        auto* r = std::get_if<record_data>(&v);
        if (!r) return failure{protocol_errc::wrong_type, {}};
        if (!r->external) {
            if (auto err = write_length(w, length_width::int32, r->bytes.size())) return err;
            w.out.append(r->bytes);
            return std::nullopt;
        }
        if (auto err = write_length(w, length_width::int32, r->external_size)) return err;
        w.gaps.push_back(frame_gap{.offset = w.out.size(), .size = r->external_size, .id = r->external_id});
        w.gap_bytes += r->external_size;
        return std::nullopt;
    }

    std::optional<failure> write_array(writer& w, const field& f, const value& v) const {
        if (f.element == type::structure) {
            auto* elements = std::get_if<std::vector<message>>(&v);
            if (!elements) return failure{protocol_errc::wrong_type, {}};
            if (auto err = write_length(w, length_width::int32, elements->size())) return err;
            for (std::size_t i = 0; i < elements->size(); ++i) {
                const message& element = (*elements)[i];
                if (element.schema().data() != f.fields.data()) return failure{protocol_errc::wrong_type, {}};
                if (auto err = write_struct(w, element)) {
                    prepend_path(*err, "", i);
                    return err;
                }
            }
            return std::nullopt;
        }
        if (f.element == type::string) {
            auto* elements = std::get_if<std::vector<std::string>>(&v);
            if (!elements) return failure{protocol_errc::wrong_type, {}};
            if (auto err = write_length(w, length_width::int32, elements->size())) return err;
            for (const std::string& s : *elements)
                if (auto err = write_string(w, length_width::int16, s)) return err;
            return std::nullopt;
        }
        auto* elements = std::get_if<std::vector<std::int64_t>>(&v);
        if (!elements) return failure{protocol_errc::wrong_type, {}};
        if (auto err = write_length(w, length_width::int32, elements->size())) return err;
        for (std::int64_t n : *elements)
            if (auto err = write_integer(w, f.element, n)) return err;
        return std::nullopt;
    }

    std::int16_t version_;
    bool flexible_;
};

// ---- frames and headers -------------------------------------------------------

std::string describe(const api_schema* api, std::int16_t key, std::int16_t version, std::string_view direction) {
    std::string name = api ? std::string(api->name) : "API key " + std::to_string(key);
    return name + " v" + std::to_string(version) + " " + std::string(direction);
}

protocol_error to_error(failure f, std::string context, std::optional<request_header> header = std::nullopt) {
    if (!f.where.empty()) context += ": " + f.where;
    return protocol_error{f.code, std::move(context), std::move(header)};
}

// Built with append: GCC 12 warns falsely (-Wrestrict) on "v" + to_string(...).
std::string body_context(std::int16_t version) {
    std::string context = "v";
    context += std::to_string(version);
    context += " body";
    return context;
}

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

// Prefixes the 4-byte frame size (which counts the gaps) and shifts the gaps.
std::expected<encoded_frame, protocol_error> finish_frame(writer& w, std::string context) {
    std::uint64_t size = w.out.size() + w.gap_bytes;
    if (size > 0x7fffffff) return std::unexpected(protocol_error{protocol_errc::value_out_of_range, std::move(context), {}});
    writer prefix;
    prefix.write_big_endian(static_cast<std::int32_t>(size));
    encoded_frame frame{prefix.out + w.out, std::move(w.gaps)};
    for (frame_gap& gap : frame.gaps) gap.offset += 4;
    return frame;
}

} // namespace

bool request_header_is_flexible(std::int16_t api_key, std::int16_t version) {
    const api_schema* api = find_api(api_key);
    return api && api->is_flexible(version);
}

bool response_header_is_flexible(std::int16_t api_key, std::int16_t version) {
    return api_key != 18 && request_header_is_flexible(api_key, version);
}

std::expected<std::optional<std::uint32_t>, protocol_error> frame_length(std::string_view bytes) {
    if (bytes.size() < 4) return std::optional<std::uint32_t>{};
    std::int32_t length = 0;
    reader r(bytes.substr(0, 4), 0);
    r.read_big_endian(length);
    if (length < 0)
        return std::unexpected(protocol_error{protocol_errc::invalid_length, "frame length " + std::to_string(length), {}});
    if (static_cast<std::uint32_t>(length) > max_frame_bytes)
        return std::unexpected(
            protocol_error{protocol_errc::frame_too_large, "frame length " + std::to_string(length), {}});
    return std::optional<std::uint32_t>(static_cast<std::uint32_t>(length));
}

std::expected<request, protocol_error> decode_request(std::string_view frame_body) {
    reader r(frame_body, 0);
    request_header header;
    value client_id;
    if (!r.read_big_endian(header.api_key) || !r.read_big_endian(header.api_version) ||
        !r.read_big_endian(header.correlation_id))
        return std::unexpected(to_error(r.take_error(), "request header"));
    // ClientId keeps the int16 length in every header version, so that any
    // broker can read the header of an ApiVersions request of any version.
    if (!read_string(r, false, true, length_width::int16, client_id)) {
        failure f = r.take_error();
        f.where = "ClientId";
        return std::unexpected(to_error(std::move(f), "request header", header));
    }
    if (auto* s = std::get_if<std::string>(&client_id)) header.client_id = std::move(*s);

    const api_schema* api = find_api(header.api_key);
    std::string context = describe(api, header.api_key, header.api_version, "request");
    if (!api) return std::unexpected(protocol_error{protocol_errc::unsupported_api, context, header});
    if (!api->supported.contains(header.api_version))
        return std::unexpected(protocol_error{protocol_errc::unsupported_version, context, header});
    const bool flexible = api->is_flexible(header.api_version);
    if (flexible && !decoder(header.api_version, true).read_tagged_fields(r, {}, nullptr))
        return std::unexpected(to_error(r.take_error(), context + " header", header));
    auto body = read_body(r, api->request, header.api_version, flexible);
    if (!body) return std::unexpected(to_error(std::move(body.error()), context, header));
    return request{std::move(header), std::move(*body)};
}

std::expected<response, protocol_error> decode_response(std::int16_t api_key, std::int16_t version,
                                                        std::string_view frame_body) {
    const api_schema* api = find_api(api_key);
    std::string context = describe(api, api_key, version, "response");
    if (!api) return std::unexpected(protocol_error{protocol_errc::unsupported_api, context, {}});
    if (!api->supported.contains(version))
        return std::unexpected(protocol_error{protocol_errc::unsupported_version, context, {}});
    reader r(frame_body, 0);
    response out;
    if (!r.read_big_endian(out.correlation_id)) return std::unexpected(to_error(r.take_error(), context + " header"));
    if (response_header_is_flexible(api_key, version) &&
        !decoder(version, true).read_tagged_fields(r, {}, nullptr))
        return std::unexpected(to_error(r.take_error(), context + " header"));
    auto body = read_body(r, api->response, version, api->is_flexible(version));
    if (!body) return std::unexpected(to_error(std::move(body.error()), context));
    out.body = std::move(*body);
    return out;
}

std::expected<message, protocol_error> decode_body(std::span<const field> schema, std::int16_t version, bool flexible,
                                                   std::string_view bytes) {
    reader r(bytes, 0);
    auto body = read_body(r, schema, version, flexible);
    if (!body) return std::unexpected(to_error(std::move(body.error()), body_context(version)));
    return std::move(*body);
}

std::expected<encoded_frame, protocol_error> encode_body(std::span<const field> schema, std::int16_t version,
                                                         bool flexible, const message& body) {
    std::string context = body_context(version);
    if (body.schema().data() != schema.data())
        return std::unexpected(protocol_error{protocol_errc::wrong_type, context, {}});
    writer w;
    if (auto err = encoder(version, flexible).write_struct(w, body)) return std::unexpected(to_error(*err, context));
    return encoded_frame{std::move(w.out), std::move(w.gaps)};
}

std::expected<encoded_frame, protocol_error> encode_request(const request_header& header, const message& body) {
    const api_schema* api = find_api(header.api_key);
    std::string context = describe(api, header.api_key, header.api_version, "request");
    if (!api) return std::unexpected(protocol_error{protocol_errc::unsupported_api, context, header});
    if (!api->supported.contains(header.api_version))
        return std::unexpected(protocol_error{protocol_errc::unsupported_version, context, header});
    if (body.schema().data() != api->request.data())
        return std::unexpected(protocol_error{protocol_errc::wrong_type, context, header});
    if (header.client_id && header.client_id->size() > 0x7fff)
        return std::unexpected(protocol_error{protocol_errc::value_out_of_range, context + ": ClientId", header});
    writer w;
    w.write_big_endian(header.api_key);
    w.write_big_endian(header.api_version);
    w.write_big_endian(header.correlation_id);
    if (header.client_id) {
        w.write_big_endian(static_cast<std::int16_t>(header.client_id->size()));
        w.out += *header.client_id;
    } else {
        w.write_big_endian(std::int16_t{-1});
    }
    const bool flexible = api->is_flexible(header.api_version);
    if (flexible) w.write_unsigned_varint(0); // no tagged header fields
    if (auto err = encoder(header.api_version, flexible).write_struct(w, body))
        return std::unexpected(to_error(*err, context, header));
    return finish_frame(w, context);
}

std::expected<encoded_frame, protocol_error> encode_response(std::int16_t api_key, std::int16_t version,
                                                             std::int32_t correlation_id, const message& body) {
    const api_schema* api = find_api(api_key);
    std::string context = describe(api, api_key, version, "response");
    if (!api) return std::unexpected(protocol_error{protocol_errc::unsupported_api, context, {}});
    if (!api->supported.contains(version))
        return std::unexpected(protocol_error{protocol_errc::unsupported_version, context, {}});
    if (body.schema().data() != api->response.data())
        return std::unexpected(protocol_error{protocol_errc::wrong_type, context, {}});
    writer w;
    w.write_big_endian(correlation_id);
    if (response_header_is_flexible(api_key, version)) w.write_unsigned_varint(0);
    if (auto err = encoder(version, api->is_flexible(version)).write_struct(w, body))
        return std::unexpected(to_error(*err, context));
    return finish_frame(w, context);
}

} // namespace zc::log::protocol
