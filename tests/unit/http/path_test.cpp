// normalize_path: hostile request-targets are refused or stay inside the root.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "http/http.hpp"

namespace zc::http {
namespace {

struct path_case {
    const char* target;
    std::optional<std::string> expected; // nullopt: refused (400)
};

const path_case cases[] = {
    // Ordinary targets.
    {"/", "/"},
    {"/index.html", "/index.html"},
    {"/a/b/c.txt", "/a/b/c.txt"},
    {"/dir/", "/dir/"},
    {"/a%20b.html", "/a b.html"},
    {"/%E2%82%AC.txt", "/\xE2\x82\xAC.txt"},
    {"/page.html?x=1&y=../../etc", "/page.html"},
    {"/page.html#frag", "/page.html"},
    {"/a+b", "/a+b"},
    {"/...", "/..."},                     // a legal name, not a dot-segment
    {"/..a", "/..a"},
    {"/a..", "/a.."},
    {"/./a", "/a"},
    {"/a/.", "/a/"},
    {"/a/./b/", "/a/b/"},
    {"//etc/passwd", "/etc/passwd"},      // empty segments collapse: still under the root
    {"///", "/"},
    {"/%252e%252e/secret.txt", "/%2e%2e/secret.txt"}, // decoded once: a literal name
    {"/%252f", "/%2f"},
    {"/%c0%ae%c0%ae/secret.txt", "/\xC0\xAE\xC0\xAE/secret.txt"}, // overlong UTF-8 is just bytes
    {"/%u002e%u002e", std::nullopt},     // IIS-style escape: malformed
    {"http://example.com/a/b", "/a/b"},   // absolute-form
    {"HTTP://example.com", "/"},
    {"https://example.com?q", "/"},
    {"http://example.com/%2e%2e/x", std::nullopt},
    // Traversal, raw and encoded.
    {"/..", std::nullopt},
    {"/../secret.txt", std::nullopt},
    {"/a/../../etc/passwd", std::nullopt},
    {"/a/../b", std::nullopt},            // strict: no ".." at all, even one staying inside
    {"/a/..", std::nullopt},
    {"/%2e%2e/secret.txt", std::nullopt},
    {"/%2E%2e%2fsecret.txt", std::nullopt},
    {"/..%2fsecret.txt", std::nullopt},
    {"/.%2e/secret.txt", std::nullopt},
    {"/%2e./secret.txt", std::nullopt},
    {"/a/%2e%2e", std::nullopt},
    {"/a%2fb", std::nullopt},             // encoded slash inside a segment
    {"/a%2Fb", std::nullopt},
    // Bytes that never belong in a path.
    {"/a%00.html", std::nullopt},
    {"/a%00", std::nullopt},
    {"/a\\..\\secret.txt", std::nullopt},
    {"/..\\secret.txt", std::nullopt},
    {"/a%5cb", std::nullopt},
    {"/a%5C..%5Csecret.txt", std::nullopt},
    {"/a%0d%0aSet-Cookie:x", std::nullopt},
    {"/a%09b", std::nullopt},
    {"/a%7f", std::nullopt},
    // Malformed escapes.
    {"/a%", std::nullopt},
    {"/a%2", std::nullopt},
    {"/a%zz", std::nullopt},
    {"/a%%32%65", std::nullopt},
    // Not origin-form or absolute-form.
    {"*", std::nullopt},
    {"", std::nullopt},
    {"a/b", std::nullopt},
    {"../secret.txt", std::nullopt},
    {"example.com:443", std::nullopt},
    {"ftp://example.com/a", std::nullopt},
    {"http:///a", std::nullopt},
    {"file:///etc/passwd", std::nullopt},
};

TEST(http_path, hostile_targets_are_refused_or_stay_inside) {
    for (const auto& c : cases) {
        auto got = normalize_path(c.target);
        EXPECT_EQ(got, c.expected) << "target: " << c.target;
        if (got) {
            EXPECT_EQ(got->front(), '/') << c.target;
            EXPECT_EQ(got->find("/../"), std::string::npos) << c.target;
            EXPECT_FALSE(got->ends_with("/..")) << c.target;
            EXPECT_EQ(got->find('\0'), std::string::npos) << c.target;
            EXPECT_EQ(got->find('\\'), std::string::npos) << c.target;
        }
    }
}

TEST(http_path, table_is_big_enough) {
    std::size_t refused = 0;
    for (const auto& c : cases) refused += !c.expected;
    EXPECT_GE(refused, 30u);
}

} // namespace
} // namespace zc::http
