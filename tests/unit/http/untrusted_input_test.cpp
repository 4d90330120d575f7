// Every parser of untrusted input in src/http, fed random and mutated input
// (a deterministic stand-in for a fuzzer; run it under ASan+UBSan): no crash,
// and each one's invariants hold.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "http/http.hpp"

namespace zc::http {
namespace {

constexpr std::string_view seed_request =
    "GET /a/b%20c.html?x=1 HTTP/1.1\r\nHost: example\r\nRange: bytes=0-9\r\n"
    "If-None-Match: W/\"x\", \"y\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
    "Content-Length: 3\r\n\r\nabcGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";

std::string mutate(std::string_view seed, std::mt19937_64& rng) {
    std::string text(seed);
    std::uniform_int_distribution<int> edits(1, 8);
    std::uniform_int_distribution<int> byte(0, 255);
    static constexpr char interesting[] = "%./\\\r\n :-,0123456789\"*?#";
    for (int n = edits(rng); n > 0; --n) {
        std::size_t at = text.empty() ? 0 : rng() % text.size();
        char c = rng() % 2 ? static_cast<char>(byte(rng)) : interesting[rng() % (sizeof interesting - 1)];
        switch (rng() % 3) {
        case 0: if (!text.empty()) text[at] = c; break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: if (!text.empty()) text.erase(at, 1 + rng() % 4); break;
        }
    }
    return text;
}

TEST(http_untrusted_input, parser_never_overreads_and_always_ends) {
    std::mt19937_64 rng(20261122);
    for (int round = 0; round < 3000; ++round) {
        std::string input = mutate(seed_request, rng);
        request_parser parser;
        std::string_view rest = input;
        std::size_t step = 1 + rng() % 17;
        std::string buffer;
        for (int guard = 0; guard < 10000; ++guard) {
            std::size_t n = std::min(step, rest.size());
            buffer.append(rest.substr(0, n));
            rest.remove_prefix(n);
            auto r = parser.feed(buffer);
            ASSERT_LE(r.consumed, buffer.size());
            buffer.erase(0, r.consumed);
            if (r.what == request_parser::result::kind::error) {
                EXPECT_TRUE(r.status >= 400 && r.status <= 505) << r.status;
                break;
            }
            if (r.what == request_parser::result::kind::complete) {
                (void)parser.take();
                continue;
            }
            if (rest.empty()) break;
        }
    }
}

TEST(http_untrusted_input, normalized_paths_never_climb) {
    std::mt19937_64 rng(7);
    const std::string_view seeds[] = {"/a/b/../c", "/%2e%2e/x", "http://h/a/./b/", "/a%2fb/%5c", "/%252e/./"};
    for (int round = 0; round < 20000; ++round) {
        std::string target = mutate(seeds[round % 5], rng);
        auto path = normalize_path(target);
        if (!path) continue;
        ASSERT_EQ(path->front(), '/') << target;
        std::size_t start = 1;
        while (start <= path->size()) {
            std::size_t end = path->find('/', start);
            if (end == std::string::npos) end = path->size();
            std::string_view segment = std::string_view(*path).substr(start, end - start);
            ASSERT_NE(segment, "..") << target;
            ASSERT_NE(segment, ".") << target;
            start = end + 1;
        }
        ASSERT_EQ(path->find('\0'), std::string::npos) << target;
        ASSERT_EQ(path->find('\\'), std::string::npos) << target;
    }
}

TEST(http_untrusted_input, ranges_stay_inside_and_dates_round_trip) {
    std::mt19937_64 rng(11);
    for (int round = 0; round < 20000; ++round) {
        std::string header = mutate("bytes=10-20", rng);
        std::uint64_t size = rng() % 64;
        byte_range out;
        if (parse_range(header, size, out) == range_result::satisfiable) {
            ASSERT_GE(out.length, 1u) << header;
            ASSERT_LE(out.first + out.length, size) << header;
        }
        std::string date = mutate("Sun, 06 Nov 1994 08:49:37 GMT", rng);
        if (auto t = parse_http_date(date)) {
            ASSERT_EQ(parse_http_date(http_date(*t)), t) << date;
        }
    }
}

} // namespace
} // namespace zc::http
