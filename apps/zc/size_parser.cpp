#include "size_parser.hpp"

#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace zc::cli {

std::expected<std::uint64_t, std::string> parse_size(std::string_view text) {
    auto fail = [&](std::string_view why) {
        return std::unexpected(fmt::format("'{}' is not a size: {} (use bytes or a K, M, G suffix, e.g. 64K)",
                                           text, why));
    };
    if (text.empty()) return fail("empty");

    std::uint64_t multiplier = 1;
    std::string_view digits = text;
    switch (text.back()) {
    case 'k': case 'K': multiplier = 1ull << 10; break;
    case 'm': case 'M': multiplier = 1ull << 20; break;
    case 'g': case 'G': multiplier = 1ull << 30; break;
    default: break;
    }
    if (multiplier != 1) digits.remove_suffix(1);
    if (digits.empty()) return fail("no digits");
    if (digits.front() == '-') return fail("negative");
    for (char c : digits)
        if (c < '0' || c > '9') return fail("not a whole number");

    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc::result_out_of_range || value > std::numeric_limits<std::uint64_t>::max() / multiplier)
        return fail("too large");
    if (ec != std::errc() || end != digits.data() + digits.size()) return fail("not a whole number");
    return value * multiplier;
}

} // namespace zc::cli
