// mime_type: the built-in table.
#include <gtest/gtest.h>

#include "http/http.hpp"

namespace zc::http {
namespace {

TEST(http_mime, table) {
    const std::pair<const char*, const char*> expected[] = {
        {"/index.html", "text/html; charset=utf-8"},
        {"/a/b.htm", "text/html; charset=utf-8"},
        {"/s.css", "text/css; charset=utf-8"},
        {"/app.js", "text/javascript; charset=utf-8"},
        {"/mod.mjs", "text/javascript; charset=utf-8"},
        {"/d.json", "application/json"},
        {"/i.svg", "image/svg+xml"},
        {"/i.png", "image/png"},
        {"/i.jpg", "image/jpeg"},
        {"/i.jpeg", "image/jpeg"},
        {"/i.gif", "image/gif"},
        {"/i.webp", "image/webp"},
        {"/i.avif", "image/avif"},
        {"/favicon.ico", "image/vnd.microsoft.icon"},
        {"/v.mp4", "video/mp4"},
        {"/v.webm", "video/webm"},
        {"/a.mp3", "audio/mpeg"},
        {"/a.ogg", "audio/ogg"},
        {"/m.wasm", "application/wasm"},
        {"/d.pdf", "application/pdf"},
        {"/r.txt", "text/plain; charset=utf-8"},
        {"/f.xml", "text/xml; charset=utf-8"},
        {"/z.zip", "application/zip"},
        {"/t.tar.gz", "application/gzip"},
        {"/t.tar", "application/x-tar"},
        {"/f.woff", "font/woff"},
        {"/f.woff2", "font/woff2"},
        {"/UPPER.HTML", "text/html; charset=utf-8"},
        {"/Mixed.Png", "image/png"},
    };
    for (const auto& [path, type] : expected) EXPECT_EQ(mime_type(path), type) << path;
}

TEST(http_mime, unknown_and_odd_names_are_octet_stream) {
    for (const char* path : {"/README", "/archive.unknownext", "/.bashrc", "/dir.html/file", "/trailing.", "/",
                             "", "/a.html.bak", "/htm"}) {
        EXPECT_EQ(mime_type(path), "application/octet-stream") << path;
    }
}

} // namespace
} // namespace zc::http
