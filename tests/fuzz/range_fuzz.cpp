// parse_range against a plain second reading of the same rules (range.cpp's
// header comment), with exact arithmetic on the digit strings instead of
// saturating integers, for several representation sizes: the result kind and
// the selected bytes must agree, and a satisfiable range must lie inside
// [0, size).
//
// Input: the Range header value. An optional first line "<digits>\n" adds a
// representation size of its own to the fixed ones.
#include <charconv>
#include <limits>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "http/http.hpp"

namespace {

using zc::http::byte_range;
using zc::http::range_result;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// A non-negative integer of any length, as its digits without leading zeros.
struct number {
    std::string digits;
    explicit number(std::string_view text) {
        auto first = text.find_first_not_of('0');
        digits = first == std::string_view::npos ? "0" : std::string(text.substr(first));
    }
    explicit number(std::uint64_t value) : digits(std::to_string(value)) {}
    friend bool operator<(const number& a, const number& b) {
        return a.digits.size() != b.digits.size() ? a.digits.size() < b.digits.size() : a.digits < b.digits;
    }
    std::uint64_t value() const { // only called on numbers known to be ≤ a size
        std::uint64_t v = 0;
        std::from_chars(digits.data(), digits.data() + digits.size(), v);
        return v;
    }
};

struct expectation {
    range_result kind;
    byte_range range{};
};

expectation reference(std::string_view header, std::uint64_t size) {
    header = trim(header);
    if (header.empty()) return {range_result::none};
    std::string prefix(header.substr(0, 6));
    for (char& c : prefix) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (prefix != "bytes=") return {range_result::ignored};

    std::vector<std::string_view> specs;
    std::string_view set = header.substr(6);
    for (std::size_t start = 0;;) {
        std::size_t comma = set.find(',', start);
        std::string_view element = trim(set.substr(start, comma == std::string_view::npos ? comma : comma - start));
        if (!element.empty()) specs.push_back(element);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    if (specs.size() != 1) return {range_result::ignored};
    std::string_view spec = specs[0];
    std::size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return {range_result::ignored};
    std::string_view first_text = spec.substr(0, dash), last_text = spec.substr(dash + 1);
    const number size_n(size);

    if (first_text.empty()) {
        if (!all_digits(last_text)) return {range_result::ignored};
        number suffix(last_text);
        if (suffix.digits == "0") return {range_result::unsatisfiable};
        if (size == 0) return {range_result::ignored};
        std::uint64_t length = suffix < size_n ? suffix.value() : size;
        return {range_result::satisfiable, {size - length, length}};
    }
    if (!all_digits(first_text)) return {range_result::ignored};
    if (!last_text.empty() && !all_digits(last_text)) return {range_result::ignored};
    number first(first_text);
    if (!last_text.empty() && number(last_text) < first) return {range_result::ignored};
    if (!(first < size_n)) return {range_result::unsatisfiable};
    std::uint64_t last = size - 1;
    if (!last_text.empty() && number(last_text) < size_n) last = number(last_text).value();
    return {range_result::satisfiable, {first.value(), last - first.value() + 1}};
}

const char* name(range_result r) {
    switch (r) {
    case range_result::none: return "none";
    case range_result::satisfiable: return "satisfiable";
    case range_result::unsatisfiable: return "unsatisfiable";
    case range_result::ignored: return "ignored";
    }
    return "?";
}

void check(std::string_view header, std::uint64_t size) {
    byte_range got{};
    const range_result kind = zc::http::parse_range(header, size, got);
    const expectation want = reference(header, size);
    FUZZ_CHECK(kind == want.kind, "'%.*s' on %llu bytes: %s, expected %s", int(header.size()), header.data(),
               static_cast<unsigned long long>(size), name(kind), name(want.kind));
    if (kind != range_result::satisfiable) return;
    FUZZ_CHECK(got.length > 0 && got.first < size && got.length <= size - got.first,
               "'%.*s' on %llu bytes: [%llu, +%llu) is not inside the file", int(header.size()), header.data(),
               static_cast<unsigned long long>(size), static_cast<unsigned long long>(got.first),
               static_cast<unsigned long long>(got.length));
    FUZZ_CHECK(got.first == want.range.first && got.length == want.range.length,
               "'%.*s' on %llu bytes: [%llu, +%llu), expected [%llu, +%llu)", int(header.size()), header.data(),
               static_cast<unsigned long long>(size), static_cast<unsigned long long>(got.first),
               static_cast<unsigned long long>(got.length), static_cast<unsigned long long>(want.range.first),
               static_cast<unsigned long long>(want.range.length));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view header = zc::fuzz::as_text(data, size);
    constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    std::vector<std::uint64_t> sizes = {0, 1, 2, 10, 100, 4096, 1ull << 32, max - 1, max};
    auto newline = header.find('\n');
    if (newline != std::string_view::npos && all_digits(header.substr(0, newline))) {
        std::uint64_t extra = 0;
        auto [end, ec] = std::from_chars(header.data(), header.data() + newline, extra);
        if (ec == std::errc()) sizes.push_back(extra);
        header.remove_prefix(newline + 1);
    }
    for (std::uint64_t s : sizes) check(header, s);
    return 0;
}
