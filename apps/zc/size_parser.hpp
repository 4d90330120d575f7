// Parsing of byte counts given on the command line ("4096", "64K", "1M", "1G").
//
// Kept apart from the commands so that a fuzzer can drive it directly: it
// takes untrusted text and must never crash, overflow or accept garbage.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace zc::cli {

// A decimal count of bytes, optionally followed by one suffix letter K, M or
// G (either case) meaning 1024, 1024² and 1024³. No sign, no spaces, no
// fractions; the result must fit in 64 bits. On failure: a one-line reason
// ("'-5' is not a size: ...") ready to print.
std::expected<std::uint64_t, std::string> parse_size(std::string_view text);

} // namespace zc::cli
