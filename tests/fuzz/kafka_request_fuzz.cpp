// The Kafka request path of zc log: a frame body → decode_request (header,
// then the generic schema walker). Properties:
//   * decoding never crashes or reads past the input (ASan), and an error
//     past the first 8 bytes keeps the header (the server answers with it);
//   * an unknown key or version is reported as such, never decoded;
//   * record data is a view of the input, at the offset it names;
//   * a decoded request re-encodes, and decodes again to the same request
//     (decode(encode(decode(x))) == decode(x)); encoding is then stable;
//   * frame_length of the first 4 bytes is the big-endian size, or refused
//     past the 100 MiB cap or when negative.
#include <string>

#include "fuzz_check.hpp"
#include "log/protocol.hpp"

namespace {

using namespace zc::log::protocol;

void check_records_are_views(const message& m, std::string_view input) {
    for (std::size_t i = 0; i < m.schema().size(); ++i) {
        const value& v = m.at(i);
        if (auto* r = std::get_if<record_data>(&v)) {
            FUZZ_CHECK(r->offset + r->bytes.size() <= input.size() && r->bytes.data() == input.data() + r->offset,
                       "records at %zu (+%zu) are not a view of the %zu-byte input", r->offset, r->bytes.size(),
                       input.size());
        } else if (auto* elements = std::get_if<std::vector<message>>(&v)) {
            for (const message& element : *elements) check_records_are_views(element, input);
        }
    }
}

void check_frame_length(std::string_view input) {
    auto length = frame_length(input);
    if (input.size() < 4) {
        FUZZ_CHECK(length && !*length, "fewer than 4 bytes give a length");
        return;
    }
    std::uint32_t expected = 0;
    for (int i = 0; i < 4; ++i) expected = expected << 8 | static_cast<unsigned char>(input[i]);
    const bool refused = expected > max_frame_bytes; // also every negative int32
    FUZZ_CHECK(length.has_value() != refused, "length %u %s", expected, refused ? "accepted" : "refused");
    if (length) FUZZ_CHECK(*length && **length == expected, "length %u read wrong", expected);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = zc::fuzz::as_text(data, size);
    check_frame_length(input);

    auto decoded = decode_request(input);
    if (!decoded) {
        const protocol_error& e = decoded.error();
        FUZZ_CHECK(!e.message().empty(), "an error without a message");
        // key, version and correlation id take 8 bytes; past them every error carries the header
        if (size >= 8) FUZZ_CHECK(e.header.has_value(), "%s: no header", e.message().c_str());
        if (e.code == protocol_errc::unsupported_api) FUZZ_CHECK(!find_api(e.header->api_key), "known key refused");
        if (e.code == protocol_errc::unsupported_version) {
            auto range = supported_versions(e.header->api_key);
            FUZZ_CHECK(range && !range->contains(e.header->api_version), "supported version refused");
        }
        return 0;
    }
    auto range = supported_versions(decoded->header.api_key);
    FUZZ_CHECK(range && range->contains(decoded->header.api_version), "an unsupported request decoded");
    check_records_are_views(decoded->body, input);

    auto encoded = encode_request(decoded->header, decoded->body);
    FUZZ_CHECK(encoded, "a decoded request does not encode: %s", encoded.error().message().c_str());
    FUZZ_CHECK(encoded->gaps.empty(), "a request with gaps");
    const std::string body = encoded->bytes.substr(4);
    auto again = decode_request(body);
    FUZZ_CHECK(again, "a re-encoded request does not decode: %s", again.error().message().c_str());
    FUZZ_CHECK(again->header == decoded->header && again->body == decoded->body,
               "decode(encode(decode(x))) != decode(x) for key %d v%d", decoded->header.api_key,
               decoded->header.api_version);
    auto stable = encode_request(again->header, again->body);
    FUZZ_CHECK(stable && stable->bytes == encoded->bytes, "encoding is not stable");
    return 0;
}
