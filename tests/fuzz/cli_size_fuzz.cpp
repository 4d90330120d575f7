// zc's size arguments ("64K", "1G"): parse_size against the rule in
// size_parser.hpp computed with 128-bit arithmetic — digits, one optional
// K/M/G suffix, the product within 64 bits — and the value's round trip
// through its decimal text.
#include <algorithm>
#include <limits>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "size_parser.hpp"

namespace {

__extension__ typedef unsigned __int128 uint128; // exact products of 64-bit values

// What the text means by the documented rule, nullopt when it is no size.
std::optional<std::uint64_t> reference(std::string_view text) {
    if (text.empty()) return std::nullopt;
    uint128 multiplier = 1;
    switch (text.back()) {
    case 'k': case 'K': multiplier = 1u << 10; text.remove_suffix(1); break;
    case 'm': case 'M': multiplier = 1u << 20; text.remove_suffix(1); break;
    case 'g': case 'G': multiplier = 1u << 30; text.remove_suffix(1); break;
    default: break;
    }
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    text.remove_prefix(std::min(text.find_first_not_of('0'), text.size()));
    if (text.size() > 20) return std::nullopt; // ≥ 10^20 > 2^64
    uint128 value = 0;
    for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
    value *= multiplier;
    if (value > std::numeric_limits<std::uint64_t>::max()) return std::nullopt;
    return static_cast<std::uint64_t>(value);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = zc::fuzz::as_text(data, size);
    const auto parsed = zc::cli::parse_size(text);
    const auto expected = reference(text);
    FUZZ_CHECK(parsed.has_value() == expected.has_value(), "'%.*s': parse_size %s, the rule says %s",
               int(text.size()), text.data(), parsed ? "accepts" : "refuses", expected ? "a size" : "no size");
    if (!parsed) {
        FUZZ_CHECK(parsed.error().find("is not a size") != std::string::npos, "reason '%s'", parsed.error().c_str());
        return 0;
    }
    FUZZ_CHECK(*parsed == *expected, "'%.*s' → %llu, expected %llu", int(text.size()), text.data(),
               static_cast<unsigned long long>(*parsed), static_cast<unsigned long long>(*expected));
    const auto again = zc::cli::parse_size(std::to_string(*parsed));
    FUZZ_CHECK(again && *again == *parsed, "%llu does not round-trip", static_cast<unsigned long long>(*parsed));
    return 0;
}
