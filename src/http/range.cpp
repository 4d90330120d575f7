// parse_range — the Range header (RFC 9110 §14.1.2, §14.2) for one representation.
//
// Decisions (docs/http.md):
//   * only the "bytes" unit (case-insensitive); another unit → ignored (200);
//   * one range-spec: "a-b", "a-" or "-n"; OWS is allowed only around
//     list elements, empty elements ("bytes=0-1,") are skipped as the list
//     rule says; anything else malformed → ignored;
//   * last-pos < first-pos is an invalid spec → ignored (nginx answers 416;
//     RFC 9110 lets a server ignore an invalid Range);
//   * numbers are unbounded in the grammar: overlong digit runs saturate, so a
//     huge first-pos is past the end (416) and a huge last-pos or suffix means
//     "to the end";
//   * first-pos ≥ size, or a suffix of 0 → unsatisfiable (416);
//   * on an empty representation a non-zero suffix has nothing to select and
//     no Content-Range can express it → ignored (200 with the empty body);
//   * two or more ranges → ignored: the whole representation with 200, no
//     multipart/byteranges (allowed by RFC 9110 §14.2; it also removes the
//     many-small-ranges amplification attack).
#include <strings.h>

#include <algorithm>
#include <limits>

#include "http/http.hpp"

namespace zc::http {
namespace {

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

// Digits only, at least one; saturates at uint64 max.
std::optional<std::uint64_t> parse_number(std::string_view digits) {
    if (digits.empty()) return std::nullopt;
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        auto digit = static_cast<std::uint64_t>(c - '0');
        value = value > (max - digit) / 10 ? max : value * 10 + digit;
    }
    return value;
}

// a < b for two digit runs of any length: saturated values cannot say
// which of two overlong numbers is smaller.
bool less_by_value(std::string_view a, std::string_view b) {
    a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
    b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
    return a.size() != b.size() ? a.size() < b.size() : a < b;
}

} // namespace

range_result parse_range(std::string_view header, std::uint64_t size, byte_range& out) {
    header = trim_ows(header);
    if (header.empty()) return range_result::none;
    constexpr std::string_view unit = "bytes=";
    if (header.size() < unit.size() || strncasecmp(header.data(), unit.data(), unit.size()) != 0) {
        return range_result::ignored;
    }
    std::string_view set = header.substr(unit.size());

    std::string_view spec;
    int specs = 0;
    while (true) {
        auto comma = set.find(',');
        std::string_view element = trim_ows(set.substr(0, comma));
        if (!element.empty()) {
            ++specs;
            spec = element;
        }
        if (comma == std::string_view::npos) break;
        set.remove_prefix(comma + 1);
    }
    if (specs != 1) return range_result::ignored;

    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return range_result::ignored;
    std::string_view first_text = spec.substr(0, dash);
    std::string_view last_text = spec.substr(dash + 1);

    if (first_text.empty()) { // suffix: the last n bytes
        auto suffix = parse_number(last_text);
        if (!suffix) return range_result::ignored;
        if (*suffix == 0) return range_result::unsatisfiable;
        if (size == 0) return range_result::ignored;
        out.length = std::min(*suffix, size);
        out.first = size - out.length;
        return range_result::satisfiable;
    }
    auto first = parse_number(first_text);
    if (!first) return range_result::ignored;
    std::uint64_t last = std::numeric_limits<std::uint64_t>::max();
    if (!last_text.empty()) {
        auto parsed = parse_number(last_text);
        if (!parsed) return range_result::ignored;
        if (less_by_value(last_text, first_text)) return range_result::ignored;
        last = *parsed;
    }
    if (*first >= size) return range_result::unsatisfiable;
    last = std::min(last, size - 1);
    out.first = *first;
    out.length = last - *first + 1;
    return range_result::satisfiable;
}

} // namespace zc::http
