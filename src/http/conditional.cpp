// Validators and conditional requests (RFC 9110 §8.8, §13.1).
//
// The entity tag is strong: "<size hex>-<mtime in ns hex>". A strong tag
// promises byte-identical content; size plus a nanosecond mtime is what
// nginx (seconds) and Apache use for the same promise, and a strong tag is
// what If-Range needs to resume a download. A file rewritten with the same
// size inside one mtime tick would fool it — as it fools every such server.

#include <fmt/compile.h>

#include "http/http.hpp"
#include "http/static_parts.hpp"

namespace zc::http {
namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// One entity-tag from the front of `list`: W/"…" or "…". On success consumes
// it, sets weak and opaque ("…" with quotes). A malformed list stops there.
bool next_entity_tag(std::string_view& list, bool& weak, std::string_view& opaque) {
    while (!list.empty() && (is_ows(list.front()) || list.front() == ',')) list.remove_prefix(1);
    if (list.empty()) return false;
    weak = list.substr(0, 2) == "W/";
    if (weak) list.remove_prefix(2);
    if (list.empty() || list.front() != '"') return false;
    auto close = list.find('"', 1);
    if (close == std::string_view::npos) return false;
    opaque = list.substr(0, close + 1);
    list.remove_prefix(close + 1);
    return true;
}

std::string_view strip_weak(std::string_view tag) { return tag.substr(0, 2) == "W/" ? tag.substr(2) : tag; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

} // namespace

std::string entity_tag(const struct stat& st) {
    auto mtime_ns = static_cast<unsigned long long>(st.st_mtim.tv_sec) * 1'000'000'000ULL +
                    static_cast<unsigned long long>(st.st_mtim.tv_nsec);
    // fmt's compiled format: once per response, and snprintf's locale-aware
    // machinery was a per-cent of a small response's CPU.
    return fmt::format(FMT_COMPILE("\"{:x}-{:x}\""), static_cast<unsigned long long>(st.st_size), mtime_ns);
}

bool if_none_match_matches(std::string_view header, std::string_view etag) {
    header = trim(header);
    if (header == "*") return true;
    std::string_view current = strip_weak(etag);
    bool weak = false;
    std::string_view opaque;
    while (next_entity_tag(header, weak, opaque)) {
        if (opaque == current) return true; // weak comparison: W/ ignored on both sides
    }
    return false;
}

bool not_modified_since(std::string_view header, std::int64_t mtime_seconds) {
    auto since = parse_http_date(trim(header));
    return since && mtime_seconds <= *since;
}

bool if_range_allows_range(std::string_view header, std::string_view etag, std::int64_t mtime_seconds) {
    header = trim(header);
    if (!header.empty() && (header.front() == '"' || header.substr(0, 2) == "W/")) {
        // Strong comparison: both tags strong and equal.
        return header.substr(0, 2) != "W/" && etag.substr(0, 2) != "W/" && header == etag;
    }
    auto date = parse_http_date(header);
    return date && *date == mtime_seconds;
}

} // namespace zc::http
