// HTTP dates: IMF-fixdate out, the three RFC 9110 forms in.
#include <gtest/gtest.h>

#include "http/http.hpp"

namespace zc::http {
namespace {

TEST(http_date, formats_imf_fixdate) {
    EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
    EXPECT_EQ(http_date(4102444799), "Thu, 31 Dec 2099 23:59:59 GMT");
    EXPECT_EQ(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(http_date, parses_the_three_forms) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777); // RFC 850
    EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);      // asctime
    EXPECT_EQ(parse_http_date("Sun Nov 16 08:49:37 1994"), 784111777 + 10 * 86400);
    EXPECT_EQ(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT"), 0);
    EXPECT_EQ(parse_http_date("Saturday, 01-Jan-00 00:00:00 GMT"), 946684800); // two-digit 00 → 2000
}

TEST(http_date, round_trip) {
    for (std::int64_t t : {0LL, 1LL, 59LL, 86399LL, 86400LL, 784111777LL, 951868800LL, 1700000000LL, 2147483647LL,
                           2147483648LL, 4102444799LL, 253402300799LL}) {
        EXPECT_EQ(parse_http_date(http_date(t)), t) << http_date(t);
    }
    for (std::int64_t t = 0; t < 4102444800LL; t += 86400LL * 37 + 3671) {
        ASSERT_EQ(parse_http_date(http_date(t)), t) << http_date(t);
    }
}

TEST(http_date, refuses_malformed) {
    for (const char* text : {"", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
                             "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                             "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                             "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT ", "Xyz, 06 Nov 1994 08:49:37 GMT",
                             "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
                             "Sun, 06 Nov 1994 08:49:37 GMTx", "Sun, 06 Nov 1994 8:49:37 GMT"}) {
        EXPECT_FALSE(parse_http_date(text).has_value()) << text;
    }
}

} // namespace
} // namespace zc::http
