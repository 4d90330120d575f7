// The generic encoder: walks a message's schema for one version into a
// writer (protocol_wire.hpp), in the forms protocol_decode.cpp reads. A
// tagged field is written only when it differs from its default, as Kafka
// does; records given as external leave a gap (frame_gap).
#include <algorithm>
#include <limits>

#include "log/protocol_wire.hpp"

namespace zc::log::protocol::wire {
namespace {

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
        std::sort(tagged.begin(), tagged.end(),
                  [&](std::size_t a, std::size_t b) { return schema[a].tag < schema[b].tag; });
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


} // namespace

std::optional<failure> write_body(writer& w, const message& body, std::int16_t version, bool flexible) {
    return encoder(version, flexible).write_struct(w, body);
}

} // namespace zc::log::protocol::wire
