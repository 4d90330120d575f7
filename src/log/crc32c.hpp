// crc32c — CRC-32C (Castagnoli), the checksum of Kafka's RecordBatch v2.
//
// Debian 12 does not package Google's crc32c library, so this is our own:
// the SSE4.2 crc32 instruction, eight bytes a step, where cpuid says the CPU
// has it, else a slicing-by-8 table. The choice is made once, at the first
// call, and crc32c_implementation() names it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace zc::log {

// The CRC-32C of `data` continuing from `crc` (the value returned for the
// bytes before them; 0 to start): crc32c(b, crc32c(a)) == crc32c(a + b).
std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc = 0) noexcept;

// "sse4.2" or "table".
std::string_view crc32c_implementation() noexcept;

namespace detail {
// Each implementation on its own, for the tests. sse42 only where
// crc32c_sse42_available().
std::uint32_t crc32c_table(std::span<const std::byte> data, std::uint32_t crc) noexcept;
std::uint32_t crc32c_sse42(std::span<const std::byte> data, std::uint32_t crc) noexcept;
bool crc32c_sse42_available() noexcept;
} // namespace detail

} // namespace zc::log
