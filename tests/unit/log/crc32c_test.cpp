// CRC-32C: the standard check value and the RFC 3720 (iSCSI) vectors, for
// each implementation, and that continuing a CRC equals one pass.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "log/crc32c.hpp"
#include "support/test_support.hpp"

namespace zc::log {
namespace {

using implementation = std::uint32_t (*)(std::span<const std::byte>, std::uint32_t) noexcept;

std::span<const std::byte> bytes_of(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::vector<std::byte> filled(std::size_t n, auto value_at) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(value_at(i));
    return v;
}

void expect_standard_vectors(implementation crc) {
    EXPECT_EQ(crc(bytes_of("123456789"), 0), 0xE3069283u);
    EXPECT_EQ(crc({}, 0), 0u);
    EXPECT_EQ(crc(filled(32, [](std::size_t) { return 0; }), 0), 0x8A9136AAu);
    EXPECT_EQ(crc(filled(32, [](std::size_t) { return 0xFF; }), 0), 0x62A8AB43u);
    EXPECT_EQ(crc(filled(32, [](std::size_t i) { return i; }), 0), 0x46DD794Eu);
    EXPECT_EQ(crc(filled(32, [](std::size_t i) { return 31 - i; }), 0), 0x113FDB5Cu);
}

TEST(log_crc32c, table_matches_the_standard_vectors) { expect_standard_vectors(detail::crc32c_table); }

TEST(log_crc32c, sse42_matches_the_standard_vectors) {
    if (!detail::crc32c_sse42_available()) GTEST_SKIP() << "this CPU has no SSE4.2";
    expect_standard_vectors(detail::crc32c_sse42);
}

TEST(log_crc32c, chosen_implementation_is_named_and_agrees_with_the_table_at_every_length_and_split) {
    const auto name = crc32c_implementation();
    EXPECT_TRUE(name == "sse4.2" || name == "table") << name;
    const std::string data = test::random_bytes(300, 7);
    const auto all = bytes_of(data);
    for (std::size_t n = 0; n <= all.size(); n += 13) {
        const auto part = all.first(n);
        const std::uint32_t whole = detail::crc32c_table(part, 0);
        EXPECT_EQ(crc32c(part), whole) << n;
        for (std::size_t split : {std::size_t{0}, n / 3, n / 2, n})
            EXPECT_EQ(crc32c(part.subspan(split), crc32c(part.first(split))), whole) << n << " split " << split;
    }
}

} // namespace
} // namespace zc::log
