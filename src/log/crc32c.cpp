#include "log/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace zc::log {
namespace detail {
namespace {

constexpr std::uint32_t castagnoli_reflected = 0x82F63B78u;

using slice_tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr slice_tables make_tables() {
    slice_tables t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ castagnoli_reflected : c >> 1;
        t[0][i] = c;
    }
    for (std::uint32_t i = 0; i < 256; ++i)
        for (std::size_t k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
    return t;
}

constexpr slice_tables tables = make_tables();

std::uint64_t load_le64(const std::byte* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v); // x86 and the usual ARM are little-endian; the table code assumes it
    return v;
}

} // namespace

std::uint32_t crc32c_table(std::span<const std::byte> data, std::uint32_t crc) noexcept {
    std::uint32_t c = ~crc;
    const std::byte* p = data.data();
    std::size_t n = data.size();
    while (n >= 8) {
        const std::uint64_t word = load_le64(p) ^ c;
        c = tables[7][word & 0xFF] ^ tables[6][(word >> 8) & 0xFF] ^ tables[5][(word >> 16) & 0xFF] ^
            tables[4][(word >> 24) & 0xFF] ^ tables[3][(word >> 32) & 0xFF] ^ tables[2][(word >> 40) & 0xFF] ^
            tables[1][(word >> 48) & 0xFF] ^ tables[0][word >> 56];
        p += 8;
        n -= 8;
    }
    while (n--) c = tables[0][(c ^ static_cast<std::uint8_t>(*p++)) & 0xFF] ^ (c >> 8);
    return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::span<const std::byte> data,
                                                              std::uint32_t crc) noexcept {
    std::uint64_t c = ~crc;
    const std::byte* p = data.data();
    std::size_t n = data.size();
    while (n >= 8) {
        c = _mm_crc32_u64(c, load_le64(p));
        p += 8;
        n -= 8;
    }
    auto c32 = static_cast<std::uint32_t>(c);
    while (n--) c32 = _mm_crc32_u8(c32, static_cast<std::uint8_t>(*p++));
    return ~c32;
}

bool crc32c_sse42_available() noexcept { return __builtin_cpu_supports("sse4.2"); }
#else
std::uint32_t crc32c_sse42(std::span<const std::byte> data, std::uint32_t crc) noexcept {
    return crc32c_table(data, crc);
}
bool crc32c_sse42_available() noexcept { return false; }
#endif

} // namespace detail

namespace {
using implementation = std::uint32_t (*)(std::span<const std::byte>, std::uint32_t) noexcept;
implementation chosen() noexcept {
    static const implementation pick = detail::crc32c_sse42_available() ? detail::crc32c_sse42 : detail::crc32c_table;
    return pick;
}
} // namespace

std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc) noexcept { return chosen()(data, crc); }

std::string_view crc32c_implementation() noexcept {
    return chosen() == detail::crc32c_sse42 && detail::crc32c_sse42_available() ? "sse4.2" : "table";
}

} // namespace zc::log
