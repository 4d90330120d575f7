// handle_static — one request to one response_plan, like nginx's static module.
//
// It resolves and opens, decides the status and writes the head; it never
// sends a byte: a file body leaves as "bytes [offset, offset+length) of this
// descriptor" for the server to hand to the engine.
//
// Order of decisions:
//   method (GET, HEAD; else 405 + Allow) → target (normalize_path; refused →
//   400) → openat2 under the root (ENOENT/ENOTDIR/ENAMETOOLONG → 404;
//   EACCES/EPERM → 403; EXDEV/ELOOP — a symlink leaving the root, or a loop →
//   403, as nginx's disable_symlinks; else 500) → directory (no slash → 301;
//   index.html; listing; else 403) → not a regular file (FIFO, device,
//   socket) → 404, as nginx → If-None-Match / If-Modified-Since → 304 →
//   Range (GET only) with If-Range → 206 / 416 / 200.
// Files are opened O_NONBLOCK so a FIFO inside the root cannot block the
// event loop in open(); the flag is cleared once fstat says "regular file".
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <span>
#include <string_view>

#include "core/io.hpp"
#include "http/http.hpp"
#include "http/open_file_cache.hpp"
#include "http/static_parts.hpp"

namespace zc::http {
namespace {

void add_connection_header(std::string& head, const request& req, bool close_after) {
    if (close_after) {
        add_header(head, "Connection", "close");
    } else if (req.version_minor == 0) {
        add_header(head, "Connection", "keep-alive"); // an HTTP/1.0 client needs it said
    }
}

response_plan error_for(const request& req, const static_config& config, int status,
                        std::string_view extra_name = {}, std::string_view extra_value = {}) {
    response_plan plan;
    plan.status = status;
    plan.close_after = !req.keep_alive;
    plan.inline_body = error_page_html(status, config.server_name);
    plan.head = start_head(status, config.server_name);
    add_header(plan.head, "Content-Type", "text/html; charset=utf-8");
    add_header(plan.head, "Content-Length", std::to_string(plan.inline_body.size()));
    if (!extra_name.empty()) add_header(plan.head, extra_name, extra_value);
    add_connection_header(plan.head, req, plan.close_after);
    finish_head(plan.head);
    if (req.verb == method::head) plan.inline_body.clear();
    return plan;
}

int status_for_open_error(int error) {
    switch (error) {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG: return 404;
    case EACCES:
    case EPERM:
    case EXDEV: // RESOLVE_BENEATH: the path (a symlink) leaves the root
    case ELOOP: return 403;
    default: return 500;
    }
}

std::string query_of(std::string_view target) {
    auto question = target.find('?');
    if (question == std::string_view::npos) return {};
    std::string_view query = target.substr(question);
    query = query.substr(0, query.find('#'));
    std::string out;
    for (char c : query) { // it came through llhttp, but the handler trusts no caller
        auto byte = static_cast<unsigned char>(c);
        if (byte > 0x20 && byte != 0x7f) out += c;
    }
    return out;
}

response_plan redirect_to_directory(const request& req, const static_config& config, const std::string& path) {
    std::string location = percent_encode_path(path + "/") + query_of(req.target);
    return error_for(req, config, 301, "Location", location);
}

response_plan listing(const request& req, const static_config& config, int dir_fd, const std::string& path) {
    auto html = directory_listing_html(config.root_fd, dir_fd, path);
    if (!html) return error_for(req, config, 500);
    response_plan plan;
    plan.status = 200;
    plan.close_after = !req.keep_alive;
    plan.head = start_head(200, config.server_name);
    add_header(plan.head, "Content-Type", "text/html; charset=utf-8");
    add_header(plan.head, "Content-Length", std::to_string(html->size()));
    add_connection_header(plan.head, req, plan.close_after);
    finish_head(plan.head);
    if (req.verb != method::head) plan.inline_body = std::move(*html);
    return plan;
}

response_plan not_modified(const request& req, const static_config& config, std::string_view etag,
                           std::string_view last_modified) {
    response_plan plan;
    plan.status = 304;
    plan.close_after = !req.keep_alive;
    plan.head = start_head(304, config.server_name);
    add_header(plan.head, "ETag", etag);
    add_header(plan.head, "Last-Modified", last_modified);
    add_connection_header(plan.head, req, plan.close_after);
    finish_head(plan.head);
    return plan;
}

response_plan ready_plan(const open_file_cache::ready_response& ready, open_file_cache::bytes_ptr file_bytes) {
    response_plan plan;
    plan.status = 200;
    plan.whole_response = ready.bytes;
    plan.length = file_bytes->size();
    plan.file_bytes = std::move(file_bytes);
    return plan;
}

// A regular file, open and fstat'ed: conditionals, range, head, body.
// cached: what the open-file cache has for the file (empty validators: none).
response_plan serve_file(const request& req, const static_config& config, shared_fd file, const struct stat& st,
                         std::string_view path, open_file_cache::extras cached) {
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const std::int64_t mtime = st.st_mtim.tv_sec;
    // The cache's validators are used as they are; formatted here only for
    // a file the cache does not hold.
    std::string made_etag, made_last_modified;
    const std::string_view etag = cached.etag.empty() ? std::string_view(made_etag = entity_tag(st)) : cached.etag;
    const std::string_view last_modified =
        cached.last_modified.empty() ? std::string_view(made_last_modified = http_date(mtime)) : cached.last_modified;

    // RFC 9110 §13.2.2: If-None-Match, when present, decides alone.
    if (req.if_none_match) {
        if (if_none_match_matches(*req.if_none_match, etag)) return not_modified(req, config, etag, last_modified);
    } else if (req.if_modified_since && not_modified_since(*req.if_modified_since, mtime)) {
        return not_modified(req, config, etag, last_modified);
    }

    byte_range range{0, size};
    int status = 200;
    // Range is defined for GET only (RFC 9110 §14.2); HEAD gets the 200 head.
    if (req.verb == method::get && req.range &&
        (!req.if_range || if_range_allows_range(*req.if_range, etag, mtime))) {
        switch (parse_range(*req.range, size, range)) {
        case range_result::satisfiable: status = 206; break;
        case range_result::unsatisfiable:
            return error_for(req, config, 416, "Content-Range", "bytes */" + std::to_string(size));
        case range_result::none:
        case range_result::ignored: range = {0, size}; break;
        }
    }

    // The commonest response of all, a kept file's whole body to a keep-alive
    // HTTP/1.1 GET, is the same bytes for a second (its Date): built once.
    open_file_cache::ready_response* const ready =
        status == 200 && req.verb == method::get && req.keep_alive && req.version_minor == 1 && cached.ready &&
                cached.bytes && cached.bytes->size() == size
            ? cached.ready
            : nullptr;
    if (ready && ready->bytes && ready->date == current_http_date()) return ready_plan(*ready, std::move(cached.bytes));

    response_plan plan;
    plan.status = status;
    plan.close_after = !req.keep_alive;
    // A body as small as the cache keeps leaves in one send with its head.
    const bool body_with_head = req.verb == method::get && range.length <= config.keep_bytes_up_to;
    plan.head = start_head(status, config.server_name, body_with_head ? static_cast<std::size_t>(range.length) : 0);
    if (status == 200 && !cached.whole_file_headers.empty()) {
        plan.head += cached.whole_file_headers;
    } else {
        plan.head += file_headers(mime_type(path), range.length, last_modified, etag);
    }
    if (status == 206) {
        add_header(plan.head, "Content-Range",
                   "bytes " + std::to_string(range.first) + "-" + std::to_string(range.first + range.length - 1) +
                       "/" + std::to_string(size));
    }
    add_connection_header(plan.head, req, plan.close_after);
    finish_head(plan.head);
    if (ready) {
        plan.head += *cached.bytes;
        ready->bytes = std::make_shared<const std::string>(std::move(plan.head));
        ready->date = current_http_date();
        return ready_plan(*ready, std::move(cached.bytes));
    }
    if (req.verb == method::get && range.length > 0) {
        plan.file = std::move(file);
        plan.offset = range.first;
        plan.length = range.length;
        plan.file_size_at_open = size;
        plan.file_bytes = std::move(cached.bytes);
    }
    return plan;
}

// A small regular file's bytes, read once for this response and kept by the
// cache when it takes them (settled, within its budget); null when the file
// is not one to keep (the connection then reads the range itself).
open_file_cache::bytes_ptr read_for_keeping(const static_config& config, const std::string& relative,
                                            const shared_fd& file, const struct stat& st, open_file_cache& cache) {
    const auto size = static_cast<std::size_t>(st.st_size);
    if (!S_ISREG(st.st_mode) || size == 0 || size > config.keep_bytes_up_to ||
        !open_file_cache::settled(st, std::chrono::system_clock::now()))
        return {};
    auto bytes = std::make_shared<std::string>(size, '\0');
    const auto got = detail::pread_full(file.get(), std::as_writable_bytes(std::span(bytes->data(), size)), 0);
    if (!got || *got != size) return {};
    open_file_cache::bytes_ptr read = std::move(bytes);
    cache.keep_bytes(relative, st, read);
    return read;
}

// Opens relative (under the root) for serving; a regular file comes back
// blocking again. On failure the HTTP status. *more: what the cache has for
// it; with want_bytes, a small file's bytes read for keeping when it has none.
std::expected<shared_fd, int> open_for_serving(const static_config& config, const std::string& relative,
                                               struct stat& st, open_file_cache* cache,
                                               open_file_cache::extras* more = nullptr, bool want_bytes = false) {
    if (cache) {
        if (shared_fd cached = cache->find(config.root_fd, relative, st, more)) {
            if (want_bytes && !more->bytes) more->bytes = read_for_keeping(config, relative, cached, st, *cache);
            return cached;
        }
    }
    constexpr int open_flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    auto fd = open_beneath(config.root_fd, relative, open_flags, !config.follow_symlinks_outside_root);
    if (!fd) return std::unexpected(status_for_open_error(fd.error()));
    if (::fstat(fd->get(), &st) != 0) return std::unexpected(500);
    if (!S_ISREG(st.st_mode)) return shared_fd(std::move(*fd));
    // F_SETFL sets only the changeable status flags, and O_NONBLOCK is the
    // only one opened with: 0 clears it without an F_GETFL first.
    if (::fcntl(fd->get(), F_SETFL, 0) != 0) return std::unexpected(500);
    shared_fd file(std::move(*fd));
    if (cache) {
        const open_file_cache::extras inserted = cache->insert(relative, file, st);
        if (more) *more = inserted;
        if (want_bytes) more->bytes = read_for_keeping(config, relative, file, st, *cache);
    }
    return file;
}

} // namespace

response_plan handle_static(const request& req, const static_config& config, open_file_cache* cache) {
    if (req.verb == method::other) return error_for(req, config, 405, "Allow", "GET, HEAD");
    auto path = normalize_path(req.target);
    if (!path) return error_for(req, config, 400);

    const bool wants_directory = path->back() == '/';
    std::string_view inner = std::string_view(*path).substr(1);
    if (wants_directory && !inner.empty()) inner.remove_suffix(1);
    const std::string relative = inner.empty() ? std::string(".") : std::string(inner);

    struct stat st {};
    open_file_cache::extras cached;
    auto fd = open_for_serving(config, relative, st, cache, &cached, req.verb == method::get);
    if (!fd) return error_for(req, config, fd.error());

    if (S_ISDIR(st.st_mode)) {
        if (!wants_directory) return redirect_to_directory(req, config, *path);
        std::string index_path = *path + "index.html";
        struct stat index_st {};
        auto index = open_for_serving(config, index_path.substr(1), index_st, cache);
        if (index && S_ISREG(index_st.st_mode)) return serve_file(req, config, std::move(*index), index_st, index_path, {});
        if (!index && index.error() != 404) return error_for(req, config, index.error());
        if (config.list_directories) return listing(req, config, fd->get(), *path);
        return error_for(req, config, 403);
    }
    if (!S_ISREG(st.st_mode)) return error_for(req, config, 404);
    if (wants_directory) return error_for(req, config, 404); // "/file.txt/"
    return serve_file(req, config, std::move(*fd), st, *path, std::move(cached));
}

} // namespace zc::http
