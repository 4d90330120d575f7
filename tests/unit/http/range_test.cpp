// parse_range: every form of a single byte range, and what is ignored or 416.
#include <gtest/gtest.h>

#include "http/http.hpp"

namespace zc::http {
namespace {

struct range_case {
    const char* header;
    std::uint64_t size;
    range_result expected;
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};

const range_case cases[] = {
    {"bytes=0-0", 10, range_result::satisfiable, 0, 1},
    {"bytes=0-9", 10, range_result::satisfiable, 0, 10},
    {"bytes=2-5", 10, range_result::satisfiable, 2, 4},
    {"bytes=9-9", 10, range_result::satisfiable, 9, 1},
    {"bytes=0-", 10, range_result::satisfiable, 0, 10},
    {"bytes=7-", 10, range_result::satisfiable, 7, 3},
    {"bytes=5-1000", 10, range_result::satisfiable, 5, 5},            // last-pos clamped
    {"bytes=-3", 10, range_result::satisfiable, 7, 3},                // suffix
    {"bytes=-10", 10, range_result::satisfiable, 0, 10},
    {"bytes=-100", 10, range_result::satisfiable, 0, 10},             // longer suffix: all of it
    {"BYTES=1-2", 10, range_result::satisfiable, 1, 2},               // unit is case-insensitive
    {" bytes=1-2 ", 10, range_result::satisfiable, 1, 2},
    {"bytes= 1-2", 10, range_result::satisfiable, 1, 2},              // OWS around the element
    {"bytes=1-2,", 10, range_result::satisfiable, 1, 2},              // empty list elements skipped
    {"bytes=,1-2", 10, range_result::satisfiable, 1, 2},
    {"bytes=0-99999999999999999999999999", 10, range_result::satisfiable, 0, 10}, // saturates
    {"bytes=-99999999999999999999999999", 10, range_result::satisfiable, 0, 10},
    {"bytes=0-18446744073709551615", 10, range_result::satisfiable, 0, 10},
    {"bytes=-0", 10, range_result::unsatisfiable},
    {"bytes=10-", 10, range_result::unsatisfiable},                   // first-pos == size
    {"bytes=10-20", 10, range_result::unsatisfiable},
    {"bytes=99999999999999999999999-", 10, range_result::unsatisfiable},
    {"bytes=18446744073709551615-18446744073709551615", 10, range_result::unsatisfiable},
    {"bytes=0-0", 0, range_result::unsatisfiable},                    // empty representation
    {"bytes=0-", 0, range_result::unsatisfiable},
    {"bytes=-1", 0, range_result::ignored},                           // nothing to select: 200
    {"bytes=5-2", 10, range_result::ignored},                         // last < first: invalid
    {"bytes=18446744073709551620-18446744073709551617", 10, range_result::ignored}, // also past 64 bits
    {"bytes=000018446744073709551617-18446744073709551617", 10, range_result::unsatisfiable}, // equal
    {"bytes=1 - 2", 10, range_result::ignored},                       // space inside the spec
    {"bytes=1-2 3", 10, range_result::ignored},
    {"bytes=a-b", 10, range_result::ignored},
    {"bytes=1", 10, range_result::ignored},
    {"bytes=-", 10, range_result::ignored},
    {"bytes=", 10, range_result::ignored},
    {"bytes=--1", 10, range_result::ignored},
    {"bytes=+1-2", 10, range_result::ignored},
    {"bytes=0x1-2", 10, range_result::ignored},
    {"bytes 0-1", 10, range_result::ignored},
    {"items=0-1", 10, range_result::ignored},                         // another unit
    {"bits=0-1", 10, range_result::ignored},
    {"bytes=0-1,3-4", 10, range_result::ignored},                     // several ranges: whole 200
    {"bytes=0-0,-1", 10, range_result::ignored},
    {"bytes=0-1, 0-1", 10, range_result::ignored},
    {"bytes=20-30,40-50", 10, range_result::ignored},
    {"", 10, range_result::none},
};

TEST(http_range, every_form) {
    for (const auto& c : cases) {
        byte_range out{123, 456};
        range_result got = parse_range(c.header, c.size, out);
        EXPECT_EQ(static_cast<int>(got), static_cast<int>(c.expected)) << '"' << c.header << "\" size " << c.size;
        if (got == range_result::satisfiable && c.expected == got) {
            EXPECT_EQ(out.first, c.first) << c.header;
            EXPECT_EQ(out.length, c.length) << c.header;
        }
    }
}

TEST(http_range, satisfiable_ranges_stay_inside_the_file) {
    for (std::uint64_t size : {1u, 2u, 7u, 4096u}) {
        for (std::uint64_t a = 0; a < size + 2; ++a) {
            for (std::uint64_t b = a; b < size + 3; ++b) {
                byte_range out;
                std::string header = "bytes=" + std::to_string(a) + "-" + std::to_string(b);
                if (parse_range(header, size, out) == range_result::satisfiable) {
                    EXPECT_LT(out.first, size);
                    EXPECT_GE(out.length, 1u);
                    EXPECT_LE(out.first + out.length, size) << header;
                } else {
                    EXPECT_GE(a, size) << header;
                }
            }
            if (size > 64) break;
        }
    }
}

} // namespace
} // namespace zc::http
