// Private pieces of the static handler (src/http/), shared by its files and
// unit tests; the server's seams are in http.hpp.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "zerocopy/unique_fd.hpp"

namespace zc::http {

// ---- response_head.cpp: status lines and header blocks -------------------
std::string_view reason_phrase(int status);
// The Date header's value now: formatted once a second, per thread.
const std::string& current_http_date();
// "HTTP/1.1 <status> <reason>\r\nServer: …\r\nDate: …\r\n"; add headers, then
// finish_head() appends the empty line. body_room: capacity for a body the
// connection appends to the head (sent with it), so that it needs no second
// allocation.
std::string start_head(int status, std::string_view server_name, std::size_t body_room = 0);
void add_header(std::string& head, std::string_view name, std::string_view value);
void finish_head(std::string& head);
// The headers that describe `length` bytes of a file, in the order a 200
// sends them: Content-Type, Content-Length, Last-Modified, ETag,
// Accept-Ranges. The open-file cache keeps a whole file's block, so a hit's
// head is a copy instead of five formatted lines.
std::string file_headers(std::string_view content_type, std::uint64_t length, std::string_view last_modified,
                         std::string_view etag);

// ---- escape.cpp ----------------------------------------------------------
// &, <, >, ", ' as entities: for names and paths shown in HTML.
std::string html_escape(std::string_view text);
// Percent-encodes every byte except unreserved characters (RFC 3986) and
// '/': a decoded path made safe for a URL, a Location header or an href.
std::string percent_encode_path(std::string_view path);

// ---- conditional.cpp: validators (RFC 9110 §8.8, §13) ---------------------
// If-None-Match against the current entity tag, weak comparison; "*" matches
// any existing representation.
bool if_none_match_matches(std::string_view header, std::string_view etag);
// If-Modified-Since: true when the file has not changed since the date
// (an unparseable date never matches: serve the full response).
bool not_modified_since(std::string_view header, std::int64_t mtime_seconds);
// If-Range: does the Range apply? An entity tag must match strongly (a weak
// one never does); a date must equal Last-Modified exactly.
bool if_range_allows_range(std::string_view header, std::string_view etag, std::int64_t mtime_seconds);

// ---- directory_listing.cpp ---------------------------------------------
// An HTML index of the directory open as dir_fd, whose path under the root is
// url_path (decoded, ends with '/'). Entries that are not served (dot files,
// symlinks leaving the root) are left out. nullopt when it cannot be read.
std::optional<std::string> directory_listing_html(int root_fd, int dir_fd, std::string_view url_path);

// ---- open_beneath.cpp ---------------------------------------------------
// openat2(root_fd, relative, flags) with RESOLVE_NO_MAGICLINKS and, unless
// `beneath` is false, RESOLVE_BENEATH: no path component or symlink may leave
// the root (the kernel answers EXDEV). Retries EINTR and EAGAIN (a concurrent
// rename). On error the errno; ENOSYS on kernels before 5.6, where the server
// refuses to serve rather than open without the check.
std::expected<unique_fd, int> open_beneath(int root_fd, const std::string& relative, int flags, bool beneath = true);

// ---- error_page.cpp ----------------------------------------------------
std::string error_page_html(int status, std::string_view server_name);

} // namespace zc::http
