// The HTTP/1.1 static-file server's seams (zc serve).
//
// Three layers, each testable alone:
//   request_parser  — bytes → request, with llhttp (never hand-parsed); limits
//                     and protocol errors become a status code (400/414/431/505);
//   static_handler  — request → response_plan: path resolution inside the root,
//                     conditional and range logic, headers; it never writes;
//   server          — epoll loop (src/http/server.*): reads, parses, asks the
//                     handler, and sends the plan: the head with the body's first
//                     bytes, then "bytes X..Y of this file" through the engine's
//                     resumable transfer (zc::transfer_job), like nginx's static
//                     module hands a range to the transport.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zerocopy/unique_fd.hpp"

namespace zc::http {

enum class method { get, head, other };

struct request {
    method verb = method::other;
    std::string method_name;   // as sent, for the access log and 405
    std::string target;        // raw request-target, e.g. "/a%20b/c.html?x=1"
    unsigned version_major = 1;
    unsigned version_minor = 1;
    bool keep_alive = true;    // after Connection: and the version's default
    // The client itself ends the connection after this request (Connection:
    // close, HTTP/1.0 without keep-alive) and sends nothing more: no upgrade
    // or CONNECT bytes, no body held back for a 100-continue. The server may
    // close at once, without lingering.
    bool client_closes = false;
    // Headers the handler needs (last one wins for duplicates, except where the
    // RFC says a duplicate makes the request invalid: Host, Content-Length).
    std::string host;
    std::optional<std::string> range;
    std::optional<std::string> if_none_match;
    std::optional<std::string> if_modified_since;
    std::optional<std::string> if_range;
    std::string user_agent;    // access log
    std::string referer;       // access log
};

struct parser_limits {
    std::size_t max_head_bytes = 8 * 1024; // request line + headers → 431
    std::size_t max_target_bytes = 4 * 1024; // → 414
    std::size_t max_headers = 100;           // → 431
    // A body (Content-Length or chunked) is read and discarded — no method
    // here takes one — up to this many bytes; more → 413 (nginx's
    // client_max_body_size default).
    std::uint64_t max_body_bytes = 1024 * 1024;
};

// Feeds bytes of one connection; yields requests in order (pipelining).
class request_parser {
public:
    explicit request_parser(parser_limits limits = {});
    ~request_parser();
    request_parser(request_parser&&) noexcept;
    request_parser& operator=(request_parser&&) noexcept;

    struct result {
        enum class kind { need_more, complete, error } what = kind::need_more;
        std::size_t consumed = 0; // bytes of the input used (a complete request stops there)
        int status = 0;           // with error: 400, 413, 414, 431, 505 …
    };
    // Parses from data; after `complete`, take() the request and feed the rest
    // of the input again (the next pipelined request).
    result feed(std::string_view data);
    request take();
    // True from a request's first byte (leading empty lines excluded) until it
    // is complete, body included (for the slowloris timer). After an error the
    // parser stays failed: feed() returns the same status again.
    bool in_progress() const noexcept;
    // As new (the same limits), keeping its allocation: pooled parsers.
    void reset();

    struct impl;

private:
    std::unique_ptr<impl> impl_;
};

// A descriptor shared by the open-file cache and the responses sending from
// it: closed when the last holder lets go.
class shared_fd {
public:
    shared_fd() = default;
    explicit shared_fd(unique_fd fd) : fd_(std::make_shared<const unique_fd>(std::move(fd))) {}
    int get() const noexcept { return fd_ ? fd_->get() : -1; }
    explicit operator bool() const noexcept { return fd_ && *fd_; }

private:
    std::shared_ptr<const unique_fd> fd_;
};

// What to send back: a complete head, then an optional body.
struct response_plan {
    int status = 500;
    std::string head;            // status line + headers + CRLF CRLF
    std::string inline_body;     // error pages, directory listings, 304/HEAD: empty
    // A file body: bytes [offset, offset + length) of file.
    shared_fd file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
    std::uint64_t file_size_at_open = 0; // truncation guard: the engine errors if it shrinks
    // The whole of `file` as the open-file cache keeps it (small, settled
    // files: open_file_cache.hpp), so the range needs no read; else null.
    std::shared_ptr<const std::string> file_bytes;
    // Or the whole response, head and body (`length` bytes of it), ready to
    // send as it is: the open-file cache's (open_file_cache::ready_response);
    // head, inline_body and file are then empty, file_bytes the body's bytes.
    std::shared_ptr<const std::string> whole_response;
    bool close_after = false;    // Connection: close (error, client asked, or HTTP/1.0)
    std::uint64_t body_bytes() const noexcept { return file || whole_response ? length : inline_body.size(); }
    // The head's bytes, wherever they are.
    std::string_view head_bytes() const noexcept {
        if (!whole_response) return head;
        return std::string_view(*whole_response).substr(0, whole_response->size() - length);
    }
};

struct static_config {
    int root_fd = -1;            // O_PATH|O_DIRECTORY descriptor of --root
    bool list_directories = false;
    bool follow_symlinks_outside_root = false; // default: refuse them
    std::string server_name = "zerocopy";
    // Regular files up to this size have their bytes kept in the open-file
    // cache once settled (0: none).
    std::size_t keep_bytes_up_to = 0;
};

class open_file_cache;

// Builds the response for one request. Never blocks on the network; opens
// files with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) under root_fd so
// nothing outside the root is ever opened. With a cache, regular files are
// looked up there first (revalidated by a stat of the path: open_file_cache.hpp)
// and remembered after opening.
response_plan handle_static(const request& req, const static_config& config, open_file_cache* cache = nullptr);

// A short HTML error response (used by the server for 400/408/431/503 …).
response_plan error_response(int status, bool close_after, std::string_view server_name = "zerocopy");

// Pieces exposed for unit tests and fuzzers.
struct byte_range {
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};
enum class range_result { none, satisfiable, unsatisfiable, ignored };
// RFC 9110 single "bytes=a-b" / "a-" / "-n" against a representation of
// `size` bytes. Malformed (also last < first) → ignored (serve 200); several
// ranges → ignored (documented: whole 200); past the end or "-0" →
// unsatisfiable (416); empty header → none. docs/http.md has every case.
range_result parse_range(std::string_view header, std::uint64_t size, byte_range& out);
// Percent-decodes once and normalises a whole request-target (origin-form or
// absolute-form; query and fragment cut) to "/decoded/path" ("…/" kept for a
// directory); nullopt when it must be refused with 400 (NUL, "..",
// backslash, encoded slash tricks, "*", …).
std::optional<std::string> normalize_path(std::string_view target);
std::string_view mime_type(std::string_view path);
std::string http_date(std::int64_t unix_seconds);
std::optional<std::int64_t> parse_http_date(std::string_view text);
// Strong: "<size hex>-<mtime ns hex>".
std::string entity_tag(const struct stat& st);

} // namespace zc::http
