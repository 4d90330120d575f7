// zc::bench verification helpers: the hash must not depend on how the stream
// is cut, and the scan checksum must be seed 001's XOR of 8-byte words.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "bench/measure.hpp"

namespace zc::bench::detail {
namespace {

TEST(bench_measure, hash_is_independent_of_the_pieces) {
    std::vector<std::byte> data(10007);
    fill_pattern(data, 42, 0);
    stream_hash whole;
    whole.update(data);
    for (std::size_t piece : {1u, 3u, 8u, 13u, 4096u}) {
        stream_hash cut;
        for (std::size_t at = 0; at < data.size(); at += piece)
            cut.update(std::span(data).subspan(at, std::min(piece, data.size() - at)));
        EXPECT_EQ(cut.digest(), whole.digest()) << "pieces of " << piece;
    }
    data[5000] ^= std::byte{1};
    stream_hash changed;
    changed.update(data);
    EXPECT_NE(changed.digest(), whole.digest());
}

TEST(bench_measure, pattern_at_an_offset_continues_the_stream) {
    std::vector<std::byte> whole(4096), tail(2048);
    fill_pattern(whole, 7, 0);
    fill_pattern(tail, 7, 2048);
    EXPECT_EQ(std::memcmp(whole.data() + 2048, tail.data(), tail.size()), 0);
}

TEST(bench_measure, xor_of_words_pads_the_last_one) {
    std::vector<std::byte> data(12, std::byte{0});
    data[0] = std::byte{0x01};
    data[8] = std::byte{0x03};
    data[11] = std::byte{0x80};
    EXPECT_EQ(xor_words(data), 0x0000000080000002ull);
    // Order-free: halves folded separately give the same.
    EXPECT_EQ(xor_words(std::span(data).first(8)) ^ xor_words(std::span(data).subspan(8)), xor_words(data));
}

} // namespace
} // namespace zc::bench::detail
