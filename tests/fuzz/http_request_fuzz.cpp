// The HTTP request path of zc serve: bytes → request_parser (llhttp + our
// limits and header handling) → handle_static on a small root with symlinks
// leaving it (fuzz_root.hpp). Properties:
//   * parsing is independent of how the bytes are split into reads: the
//     whole input at once and in small pieces give the same requests and the
//     same final error (or two errors, one of them a limit);
//   * the parser always makes progress, and an error is 400/413/414/431/505;
//   * each parsed request is HTTP/1.0 or 1.1 with a method and a target;
//   * each response has a known status and a well-formed head (no bare CR/LF
//     or control byte: no header injection), a Content-Length equal to the
//     body, Connection: close when the client asked for it; a 206 has a
//     Content-Range equal to the bytes sent, which lie inside the file; a file
//     body is the file the target names, inside the root; a 301 Location
//     names the same path plus '/'.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "fuzz_root.hpp"
#include "http/http.hpp"

namespace {

using zc::http::request;
using zc::http::request_parser;
using zc::http::response_plan;

// Small limits, so that inputs of a few hundred bytes reach every limit.
constexpr zc::http::parser_limits limits{.max_head_bytes = 512, .max_target_bytes = 256, .max_headers = 8,
                                         .max_body_bytes = 64};

struct parse_outcome {
    std::vector<request> requests;
    int error_status = 0;
};

// Feeds input in reads of `chunk` bytes, as the server does: unconsumed bytes
// stay in the buffer, the rest of the input is appended.
parse_outcome parse_all(std::string_view input, std::size_t chunk) {
    parse_outcome out;
    request_parser parser(limits);
    std::string buffer;
    const std::size_t max_steps = 2 * input.size() + 4; // each step consumes or appends a byte
    for (std::size_t steps = 0;; ++steps) {
        FUZZ_CHECK(steps < max_steps, "the parser makes no progress (%zu steps)", steps);
        auto r = parser.feed(buffer);
        FUZZ_CHECK(r.consumed <= buffer.size(), "consumed %zu of %zu bytes", r.consumed, buffer.size());
        buffer.erase(0, r.consumed);
        using kind = request_parser::result::kind;
        if (r.what == kind::error) {
            FUZZ_CHECK(r.status == 400 || r.status == 413 || r.status == 414 || r.status == 431 || r.status == 505,
                       "parser error status %d", r.status);
            out.error_status = r.status;
            return out;
        }
        if (r.what == kind::complete) {
            out.requests.push_back(parser.take());
            continue;
        }
        if (input.empty()) return out;
        std::size_t n = std::min(chunk, input.size());
        buffer.append(input.substr(0, n));
        input.remove_prefix(n);
    }
}

std::string describe(const request& r) {
    auto opt = [](const std::optional<std::string>& v) { return v ? "'" + *v + "'" : std::string("-"); };
    return r.method_name + " '" + r.target + "' " + std::to_string(r.version_major) + "." +
           std::to_string(r.version_minor) + (r.keep_alive ? " keep-alive" : " close") + " host '" + r.host +
           "' range " + opt(r.range) + " inm " + opt(r.if_none_match) + " ims " + opt(r.if_modified_since) +
           " if-range " + opt(r.if_range) + " ua '" + r.user_agent + "' referer '" + r.referer + "'";
}

void check_request(const request& r) {
    FUZZ_CHECK(!r.method_name.empty() && !r.target.empty(), "%s", describe(r).c_str());
    FUZZ_CHECK(r.version_major == 1 && r.version_minor <= 1, "%s", describe(r).c_str());
    FUZZ_CHECK((r.verb == zc::http::method::get) == (r.method_name == "GET") &&
                   (r.verb == zc::http::method::head) == (r.method_name == "HEAD"),
               "%s", describe(r).c_str());
}

// Header lines of a head (after the status line), names lower-cased.
std::map<std::string, std::string> check_head(const response_plan& plan) {
    const std::string& head = plan.head;
    const std::string status_line = "HTTP/1.1 " + std::to_string(plan.status) + " ";
    FUZZ_CHECK(head.starts_with(status_line), "head starts '%.40s'", head.c_str());
    FUZZ_CHECK(head.find("\r\n\r\n") == head.size() - 4, "head does not end at its first empty line:\n%s",
               head.c_str());
    std::map<std::string, std::string> headers;
    std::size_t start = head.find("\r\n") + 2;
    while (start < head.size() - 2) {
        std::size_t end = head.find("\r\n", start);
        std::string line = head.substr(start, end - start);
        for (char c : line) {
            auto byte = static_cast<unsigned char>(c);
            FUZZ_CHECK(byte >= 0x20 && byte != 0x7f, "control byte 0x%02x in header line '%s'", byte, line.c_str());
        }
        std::size_t colon = line.find(": ");
        FUZZ_CHECK(colon != std::string::npos && colon > 0, "header line '%s'", line.c_str());
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        FUZZ_CHECK(headers.emplace(name, line.substr(colon + 2)).second, "duplicate header '%s'", name.c_str());
        start = end + 2;
    }
    return headers;
}

std::uint64_t to_number(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    FUZZ_CHECK(ec == std::errc() && end == text.data() + text.size(), "'%.*s' is not a number", int(text.size()),
               text.data());
    return value;
}

void check_file_body(const request& req, const response_plan& plan, const std::map<std::string, std::string>& headers) {
    FUZZ_CHECK(zc::fuzz::is_inside_root(plan.file.get()), "a file outside the root is sent");
    struct stat st {};
    FUZZ_CHECK(::fstat(plan.file.get(), &st) == 0 && S_ISREG(st.st_mode), "the body is not a regular file");
    // The file the target names: a plain lookup under the root (the served
    // symlinks stay inside it), index.html for a directory.
    std::string named = zc::fuzz::fuzz_root().root_path + *zc::http::normalize_path(req.target);
    if (named.back() == '/') named += "index.html";
    struct stat named_st {};
    FUZZ_CHECK(::stat(named.c_str(), &named_st) == 0 && named_st.st_ino == st.st_ino && named_st.st_dev == st.st_dev,
               "'%s' is served from another file than %s", req.target.c_str(), named.c_str());
    const auto size = static_cast<std::uint64_t>(st.st_size);
    FUZZ_CHECK(plan.file_size_at_open == size, "size at open %llu, file %llu",
               static_cast<unsigned long long>(plan.file_size_at_open), static_cast<unsigned long long>(size));
    FUZZ_CHECK(plan.length > 0 && plan.offset < size && plan.length <= size - plan.offset,
               "bytes [%llu, +%llu) of a %llu-byte file", static_cast<unsigned long long>(plan.offset),
               static_cast<unsigned long long>(plan.length), static_cast<unsigned long long>(size));
    if (plan.status == 200) {
        FUZZ_CHECK(plan.offset == 0 && plan.length == size, "a 200 sends part of the file");
        return;
    }
    const std::string expected = "bytes " + std::to_string(plan.offset) + "-" +
                                 std::to_string(plan.offset + plan.length - 1) + "/" + std::to_string(size);
    auto range = headers.find("content-range");
    FUZZ_CHECK(range != headers.end() && range->second == expected, "Content-Range '%s', sending %s",
               range == headers.end() ? "(none)" : range->second.c_str(), expected.c_str());
}

void check_response(const request& req, const response_plan& plan) {
    static const int known[] = {200, 206, 301, 304, 400, 403, 404, 405, 416};
    FUZZ_CHECK(std::find(std::begin(known), std::end(known), plan.status) != std::end(known), "status %d for %s",
               plan.status, describe(req).c_str());
    const auto headers = check_head(plan);
    const bool is_head = req.verb == zc::http::method::head;

    FUZZ_CHECK((plan.status == 405) == (req.verb == zc::http::method::other), "status %d for %s", plan.status,
               describe(req).c_str());
    if (plan.status != 405 && !zc::http::normalize_path(req.target)) {
        FUZZ_CHECK(plan.status == 400, "status %d for an unusable target: %s", plan.status, describe(req).c_str());
    }
    FUZZ_CHECK(plan.close_after || req.keep_alive, "keeps a connection the client closes: %s", describe(req).c_str());
    auto connection = headers.find("connection");
    if (plan.close_after) {
        FUZZ_CHECK(connection != headers.end() && connection->second == "close", "close_after without Connection: close");
    } else {
        FUZZ_CHECK(connection == headers.end() || connection->second == "keep-alive", "Connection: %s kept open",
                   connection->second.c_str());
    }

    if (is_head || plan.status == 304) {
        FUZZ_CHECK(plan.body_bytes() == 0, "a body for HEAD or 304: %s", describe(req).c_str());
    } else {
        auto length = headers.find("content-length");
        FUZZ_CHECK(length != headers.end() && to_number(length->second) == plan.body_bytes(),
                   "Content-Length '%s' for %llu body bytes", length == headers.end() ? "" : length->second.c_str(),
                   static_cast<unsigned long long>(plan.body_bytes()));
    }
    if (plan.file) check_file_body(req, plan, headers);
    if (plan.status == 206) FUZZ_CHECK(plan.file && req.range && req.verb == zc::http::method::get, "206 without a range");
    if (plan.status == 416) {
        FUZZ_CHECK(req.range && headers.contains("content-range") && headers.at("content-range").starts_with("bytes */"),
                   "416: %s", describe(req).c_str());
    }
    if (plan.status == 304) FUZZ_CHECK(req.if_none_match || req.if_modified_since, "304 unasked");
    if (plan.status == 301) {
        auto location = headers.find("location");
        FUZZ_CHECK(location != headers.end(), "301 without Location");
        auto from = zc::http::normalize_path(req.target);
        auto to = zc::http::normalize_path(location->second);
        FUZZ_CHECK(from && to && *to == *from + "/", "301 from '%s' to '%s'", req.target.c_str(),
                   location->second.c_str());
    }
}

bool is_limit(int status) { return status == 413 || status == 414 || status == 431; }

bool same(const request& a, const request& b) {
    return describe(a) == describe(b) && a.verb == b.verb;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = zc::fuzz::as_text(data, size);
    const parse_outcome whole = parse_all(input, input.size() + 1);
    const parse_outcome pieces = parse_all(input, 1 + size % 7);
    // Limits are checked on each span as it arrives, and llhttp hands a span
    // over at the end of a read or of the element: a head that is both too
    // long and malformed may meet either wall first. Any other difference is a bug.
    const bool limit_first = is_limit(whole.error_status) || is_limit(pieces.error_status);
    FUZZ_CHECK(whole.requests.size() == pieces.requests.size() &&
                   (whole.error_status == pieces.error_status ||
                    (limit_first && whole.error_status != 0 && pieces.error_status != 0)),
               "whole: %zu requests, error %d; in %zu-byte reads: %zu requests, error %d", whole.requests.size(),
               whole.error_status, 1 + size % 7, pieces.requests.size(), pieces.error_status);
    for (std::size_t i = 0; i < whole.requests.size(); ++i) {
        FUZZ_CHECK(same(whole.requests[i], pieces.requests[i]), "request %zu differs:\n  %s\n  %s", i,
                   describe(whole.requests[i]).c_str(), describe(pieces.requests[i]).c_str());
    }

    zc::http::static_config config;
    config.root_fd = zc::fuzz::fuzz_root().root_fd;
    config.list_directories = size % 2 == 0;
    for (const request& req : whole.requests) {
        check_request(req);
        check_response(req, zc::http::handle_static(req, config));
    }
    if (whole.error_status != 0) {
        auto plan = zc::http::error_response(whole.error_status, true);
        check_head(plan);
        FUZZ_CHECK(plan.close_after, "an error keeps the connection");
    }
    return 0;
}
