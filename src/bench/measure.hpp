// What the scenarios share: the test pattern, the verification hash, the
// scan checksum, and CPU/fault/switch accounting from getrusage.
#pragma once

#include <sys/resource.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace zc::bench::detail {

// Deterministic pseudo-random bytes (splitmix64 words) for offset `at` of a
// test file seeded with `seed`; `at` must be a multiple of 8.
void fill_pattern(std::span<std::byte> out, std::uint64_t seed, std::uint64_t at);

// A streaming 64-bit hash of a byte stream, independent of how the stream is
// cut into pieces: verification compares what arrived with what was sent.
class stream_hash {
public:
    void update(std::span<const std::byte> bytes) noexcept;
    std::uint64_t digest() const noexcept;

private:
    void mix(std::uint64_t word) noexcept;
    std::uint64_t state_ = 0x9e3779b97f4a7c15ull;
    std::uint64_t length_ = 0;
    std::byte carry_[8]{};
    std::size_t carried_ = 0;
};

// Seed 001's program: XOR of the little-endian 8-byte words of `bytes`,
// which must start at a file offset that is a multiple of 8; a short last
// word is zero-padded. XOR is order-free, so pieces can be folded in any order.
std::uint64_t xor_words(std::span<const std::byte> bytes) noexcept;

// getrusage figures, subtracted.
struct usage {
    double user_s = 0, sys_s = 0;
    std::uint64_t voluntary = 0, involuntary = 0, minor = 0, major = 0;

    static usage from(const rusage& r) noexcept;
    static usage of_thread() noexcept; // RUSAGE_THREAD
    usage operator-(const usage& before) const noexcept;
};

} // namespace zc::bench::detail
