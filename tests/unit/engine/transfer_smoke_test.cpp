#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {

TEST(transfer, copies_a_file_to_a_file_under_auto) {
    temp_dir dir;
    const std::string data = write_random_file(dir / "in", 100000, 1);
    auto in = open_read(dir / "in");
    auto out = open_write(dir / "out");
    auto stats = transfer(in.get(), out.get());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(stats->bytes, data.size());
    EXPECT_EQ(read_file(dir / "out"), data);
}

} // namespace zc::test
