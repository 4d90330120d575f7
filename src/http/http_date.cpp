// HTTP dates (RFC 9110 §5.6.7): IMF-fixdate out; IMF-fixdate, the obsolete
// RFC 850 form and asctime() in. Parsed and printed by hand — strftime and
// strptime follow the locale, HTTP dates never do — with civil-date
// arithmetic (Howard Hinnant's days_from_civil) instead of timegm and TZ.
#include <algorithm>
#include <cstring>

#include <fmt/compile.h>

#include "http/http.hpp"

namespace zc::http {
namespace {

constexpr const char* day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* long_day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr const char* month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

// A small cursor over the text: each step consumes exactly what it expects.
struct cursor {
    std::string_view text;
    bool ok = true;

    bool literal(std::string_view expected) {
        if (ok && text.substr(0, expected.size()) == expected) {
            text.remove_prefix(expected.size());
            return true;
        }
        ok = false;
        return false;
    }
    unsigned digits(std::size_t count) {
        unsigned value = 0;
        if (!ok || text.size() < count) {
            ok = false;
            return 0;
        }
        for (std::size_t i = 0; i < count; ++i) {
            char c = text[i];
            if (c < '0' || c > '9') {
                ok = false;
                return 0;
            }
            value = value * 10 + static_cast<unsigned>(c - '0');
        }
        text.remove_prefix(count);
        return value;
    }
    // One of `names`, returns its index.
    unsigned name(const char* const* names, std::size_t count) {
        for (std::size_t i = 0; ok && i < count; ++i) {
            std::string_view candidate = names[i];
            if (text.substr(0, candidate.size()) == candidate) {
                text.remove_prefix(candidate.size());
                return static_cast<unsigned>(i);
            }
        }
        ok = false;
        return 0;
    }
};

struct fields {
    std::int64_t year = 0;
    unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
};

void time_of_day(cursor& c, fields& f) {
    f.hour = c.digits(2);
    c.literal(":");
    f.minute = c.digits(2);
    c.literal(":");
    f.second = c.digits(2);
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool parse_imf_fixdate(cursor c, fields& f) {
    c.name(day_names, 7);
    c.literal(", ");
    f.day = c.digits(2);
    c.literal(" ");
    f.month = c.name(month_names, 12) + 1;
    c.literal(" ");
    f.year = c.digits(4);
    c.literal(" ");
    time_of_day(c, f);
    c.literal(" GMT");
    return c.ok && c.text.empty();
}

// "Sunday, 06-Nov-94 08:49:37 GMT": two-digit years 70–99 are 19xx, 00–69 are
// 20xx (RFC 9110 asks for "50 years in the future → the past"; this fixed
// window gives the same answer until 2069).
bool parse_rfc850(cursor c, fields& f) {
    c.name(long_day_names, 7);
    c.literal(", ");
    f.day = c.digits(2);
    c.literal("-");
    f.month = c.name(month_names, 12) + 1;
    c.literal("-");
    unsigned yy = c.digits(2);
    f.year = yy >= 70 ? 1900 + yy : 2000 + yy;
    c.literal(" ");
    time_of_day(c, f);
    c.literal(" GMT");
    return c.ok && c.text.empty();
}

// "Sun Nov  6 08:49:37 1994"
bool parse_asctime(cursor c, fields& f) {
    c.name(day_names, 7);
    c.literal(" ");
    f.month = c.name(month_names, 12) + 1;
    c.literal(" ");
    if (!c.text.empty() && c.text.front() == ' ') {
        c.literal(" ");
        f.day = c.digits(1);
    } else {
        f.day = c.digits(2);
    }
    c.literal(" ");
    time_of_day(c, f);
    c.literal(" ");
    f.year = c.digits(4);
    return c.ok && c.text.empty();
}

} // namespace

std::string http_date(std::int64_t unix_seconds) {
    std::int64_t days = unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
    auto seconds_of_day = static_cast<unsigned>(unix_seconds - days * 86400);
    std::int64_t year = 0;
    unsigned month = 0, day = 0;
    civil_from_days(days, year, month, day);
    auto weekday = static_cast<unsigned>(((days % 7) + 11) % 7); // 1970-01-01 was a Thursday
    return fmt::format(FMT_COMPILE("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT"), day_names[weekday], day,
                       month_names[month - 1], static_cast<long long>(year), seconds_of_day / 3600,
                       seconds_of_day / 60 % 60, seconds_of_day % 60);
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
    fields f;
    if (!parse_imf_fixdate(cursor{text}, f) && !parse_rfc850(cursor{text}, f) && !parse_asctime(cursor{text}, f)) {
        return std::nullopt;
    }
    static constexpr unsigned month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (f.day < 1 || f.day > month_days[f.month - 1] || f.hour > 23 || f.minute > 59 || f.second > 60) {
        return std::nullopt;
    }
    std::int64_t days = days_from_civil(f.year, f.month, f.day);
    return days * 86400 + f.hour * 3600 + f.minute * 60 + std::min(f.second, 59u);
}

} // namespace zc::http
