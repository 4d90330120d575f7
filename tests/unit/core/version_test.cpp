// The version macros, zc::version() and the umbrella header. zerocopy.hpp is
// the first include of this file, so this file compiling proves that the
// umbrella header compiles on its own.
#include "zerocopy/zerocopy.hpp"

#include <gtest/gtest.h>

#include <string>

namespace zc {
namespace {

TEST(version, library_agrees_with_the_headers) {
    const version_info built = version();
    EXPECT_EQ(built.major, ZEROCOPY_VERSION_MAJOR);
    EXPECT_EQ(built.minor, ZEROCOPY_VERSION_MINOR);
    EXPECT_EQ(built.patch, ZEROCOPY_VERSION_PATCH);
    ASSERT_NE(built.string, nullptr);
    EXPECT_STREQ(built.string, ZEROCOPY_VERSION_STRING);
}

TEST(version, string_is_major_minor_patch) {
    const std::string expected = std::to_string(ZEROCOPY_VERSION_MAJOR) + "." + std::to_string(ZEROCOPY_VERSION_MINOR) +
                                 "." + std::to_string(ZEROCOPY_VERSION_PATCH);
    EXPECT_EQ(std::string(ZEROCOPY_VERSION_STRING), expected);
    EXPECT_EQ(ZEROCOPY_VERSION_NUMBER,
              ZEROCOPY_VERSION_MAJOR * 10000 + ZEROCOPY_VERSION_MINOR * 100 + ZEROCOPY_VERSION_PATCH);
}

TEST(version, umbrella_header_brings_the_whole_api) {
    // One name from each public header, so that dropping one from zerocopy.hpp
    // fails to compile here.
    const error e = error::from_errno(2, "open 'x'");          // error.hpp
    const unique_fd fd;                                        // unique_fd.hpp
    const transfer_options options;                            // transfer.hpp
    const auto strategies = describe_strategies();             // strategy.hpp
    const auto active = active_profile();                      // profile.hpp
    const auto guard = &with_sigbus_guard;                     // mapped_file.hpp
    EXPECT_EQ(e.errno_value(), 2);
    EXPECT_FALSE(fd);
    EXPECT_EQ(options.strategy, strategy_id::automatic);
    EXPECT_FALSE(strategies.empty());
    EXPECT_NE(active, nullptr);
    EXPECT_NE(guard, nullptr);
}

} // namespace
} // namespace zc
