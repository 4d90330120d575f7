// directory_listing_html — the autoindex page for --list-directories.
//
// Like nginx's autoindex: directories first, then files, each sorted by name
// (bytes, not locale); dot files are left out (they stay reachable by name —
// this is not access control); a "../" link except at the root. Names are
// HTML-escaped for the text and percent-encoded for the href, so a file called
// `<script>` or `a"b` or `x:y` cannot inject markup or a scheme. A symlink is
// listed only if it resolves inside the root (the same openat2 check as
// serving), with its target's type and size.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "http/http.hpp"
#include "http/static_parts.hpp"

namespace zc::http {
namespace {

struct entry {
    std::string name;
    bool directory = false;
    std::uint64_t size = 0;
    std::int64_t mtime = 0;
};

std::optional<entry> describe(int root_fd, int dir_fd, std::string_view url_path, const char* name) {
    struct stat st {};
    if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
    if (S_ISLNK(st.st_mode)) {
        std::string relative = std::string(url_path.substr(1)) + name;
        auto target = open_beneath(root_fd, relative, O_PATH | O_CLOEXEC);
        if (!target || ::fstat(target->get(), &st) != 0) return std::nullopt;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return std::nullopt;
    return entry{name, S_ISDIR(st.st_mode), static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec};
}

} // namespace

std::optional<std::string> directory_listing_html(int root_fd, int dir_fd, std::string_view url_path) {
    int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return std::nullopt;
    DIR* dir = ::fdopendir(copy);
    if (!dir) {
        ::close(copy);
        return std::nullopt;
    }
    std::vector<entry> entries;
    while (const dirent* d = ::readdir(dir)) {
        if (d->d_name[0] == '.') continue; // ".", ".." and dot files
        if (auto e = describe(root_fd, dir_fd, url_path, d->d_name)) entries.push_back(std::move(*e));
    }
    ::closedir(dir);
    std::sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) {
        if (a.directory != b.directory) return a.directory;
        return a.name < b.name;
    });

    std::string title = "Index of " + html_escape(url_path);
    std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
                       "</title></head>\n<body><h1>" + title + "</h1><hr>\n<table>\n";
    if (url_path != "/") html += "<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n";
    for (const entry& e : entries) {
        std::string shown = html_escape(e.name) + (e.directory ? "/" : "");
        std::string href = html_escape(percent_encode_path(e.name)) + (e.directory ? "/" : "");
        html += "<tr><td><a href=\"" + href + "\">" + shown + "</a></td><td>" + http_date(e.mtime) + "</td><td>" +
                (e.directory ? std::string("-") : std::to_string(e.size)) + "</td></tr>\n";
    }
    html += "</table><hr></body></html>\n";
    return html;
}

} // namespace zc::http
