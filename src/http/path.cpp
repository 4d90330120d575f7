// normalize_path — a request-target to a decoded path that stays inside the root.
//
// Strict on purpose: a browser removes dot-segments and never sends an
// encoded slash, so whatever arrives with them is either a tool or an attack.
// The rules (each refusal → 400 in the handler):
//   * origin-form "/p?q" or absolute-form "http://host/p?q" (the path is
//     taken, RFC 9112 §3.2.2); "*" (asterisk-form) and anything else refused;
//   * the query and fragment are cut before decoding;
//   * each '/'-separated segment is percent-decoded exactly once, so
//     "%252e%252e" becomes the literal name "%2e%2e", never "..";
//   * refused: a malformed escape ("%zz", "%4"), an encoded '/' (%2f) inside a
//     segment, a NUL or any control byte, a backslash (raw or %5c), and any
//     ".." segment — raw or decoded ("%2e%2e", ".%2E") — even one that would
//     stay inside the root;
//   * "." segments and empty ones ("//") are dropped;
//   * a trailing '/' (or "/.") is kept: it asks for a directory.
// The openat2(RESOLVE_BENEATH) in the handler is the second wall: symlinks are
// judged by the kernel, not here.
#include <strings.h>

#include <vector>

#include "http/http.hpp"

namespace zc::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> decode_segment(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size()) return std::nullopt;
            int high = hex_value(raw[i + 1]);
            int low = hex_value(raw[i + 2]);
            if (high < 0 || low < 0) return std::nullopt;
            c = static_cast<char>(high * 16 + low);
            i += 2;
        }
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f || c == '/' || c == '\\') return std::nullopt;
        out += c;
    }
    return out;
}

// The path part of an origin-form or absolute-form target, query included.
std::optional<std::string_view> path_of_target(std::string_view target) {
    if (!target.empty() && target.front() == '/') return target;
    auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    std::string_view scheme = target.substr(0, scheme_end);
    if (!(scheme.size() == 4 && strncasecmp(scheme.data(), "http", 4) == 0) &&
        !(scheme.size() == 5 && strncasecmp(scheme.data(), "https", 5) == 0)) {
        return std::nullopt;
    }
    std::string_view rest = target.substr(scheme_end + 3);
    auto path_start = rest.find_first_of("/?#");
    if (path_start == 0) return std::nullopt; // no authority
    if (path_start == std::string_view::npos || rest[path_start] != '/') return std::string_view("/");
    return rest.substr(path_start);
}

} // namespace

std::optional<std::string> normalize_path(std::string_view target) {
    auto path_and_query = path_of_target(target);
    if (!path_and_query) return std::nullopt;
    std::string_view path = path_and_query->substr(0, path_and_query->find_first_of("?#"));

    std::vector<std::string> segments;
    bool wants_directory = false;
    std::size_t start = 1; // after the leading '/'
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        auto segment = decode_segment(path.substr(start, end - start));
        if (!segment) return std::nullopt;
        bool last = end == path.size();
        if (*segment == "..") return std::nullopt;
        if (segment->empty() || *segment == ".") {
            if (last) wants_directory = true;
        } else {
            segments.push_back(std::move(*segment));
        }
        start = end + 1;
    }

    std::string out = "/";
    for (std::size_t i = 0; i < segments.size(); ++i) {
        if (i > 0) out += '/';
        out += segments[i];
    }
    if (wants_directory && !segments.empty()) out += '/';
    return out;
}

} // namespace zc::http
