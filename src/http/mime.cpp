// mime_type — Content-Type from the file name's extension (case-insensitive).
// A built-in table, no /etc/mime.types: the answer must not change with the
// host. Text types carry "; charset=utf-8"; unknown → application/octet-stream.
#include <strings.h>

#include <array>
#include <utility>

#include "http/http.hpp"

namespace zc::http {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 36> types{{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "text/xml; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/vnd.microsoft.icon"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"wav", "audio/wav"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"tar", "application/x-tar"},
    {"bz2", "application/x-bzip2"},
    {"xz", "application/x-xz"},
    {"zst", "application/zstd"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
}};

} // namespace

std::string_view mime_type(std::string_view path) {
    constexpr std::string_view fallback = "application/octet-stream";
    auto slash = path.rfind('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return fallback;
    std::string_view extension = name.substr(dot + 1);
    for (const auto& [ext, type] : types) {
        if (ext.size() == extension.size() && strncasecmp(ext.data(), extension.data(), ext.size()) == 0) return type;
    }
    return fallback;
}

} // namespace zc::http
