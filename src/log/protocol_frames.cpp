// Frames and headers: the 4-byte size prefix and its cap, request headers
// v1/v2 and response headers v0/v1, and the public decode_* / encode_*
// entry points around the schema walkers of protocol_decode.cpp and
// protocol_encode.cpp.
#include "log/protocol_wire.hpp"

namespace zc::log::protocol {
namespace {

using wire::failure;
using wire::length_width;
using wire::reader;
using wire::writer;

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

// Prefixes the 4-byte frame size (which counts the gaps) and shifts the gaps.
std::expected<encoded_frame, protocol_error> finish_frame(writer& w, std::string context) {
    std::uint64_t size = w.out.size() + w.gap_bytes;
    if (size > 0x7fffffff)
        return std::unexpected(protocol_error{protocol_errc::value_out_of_range, std::move(context), {}});
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
        return std::unexpected(
            protocol_error{protocol_errc::invalid_length, "frame length " + std::to_string(length), {}});
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
    if (flexible && !wire::skip_tagged_fields(r))
        return std::unexpected(to_error(r.take_error(), context + " header", header));
    auto body = wire::read_body(r, api->request, header.api_version, flexible);
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
        !wire::skip_tagged_fields(r))
        return std::unexpected(to_error(r.take_error(), context + " header"));
    auto body = wire::read_body(r, api->response, version, api->is_flexible(version));
    if (!body) return std::unexpected(to_error(std::move(body.error()), context));
    out.body = std::move(*body);
    return out;
}

std::expected<message, protocol_error> decode_body(std::span<const field> schema, std::int16_t version, bool flexible,
                                                   std::string_view bytes) {
    reader r(bytes, 0);
    auto body = wire::read_body(r, schema, version, flexible);
    if (!body) return std::unexpected(to_error(std::move(body.error()), body_context(version)));
    return std::move(*body);
}

std::expected<encoded_frame, protocol_error> encode_body(std::span<const field> schema, std::int16_t version,
                                                         bool flexible, const message& body) {
    std::string context = body_context(version);
    if (body.schema().data() != schema.data())
        return std::unexpected(protocol_error{protocol_errc::wrong_type, context, {}});
    writer w;
    if (auto err = wire::write_body(w, body, version, flexible)) return std::unexpected(to_error(*err, context));
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
    if (auto err = wire::write_body(w, body, header.api_version, flexible))
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
    if (auto err = wire::write_body(w, body, version, api->is_flexible(version)))
        return std::unexpected(to_error(*err, context));
    return finish_frame(w, context);
}

} // namespace zc::log::protocol
