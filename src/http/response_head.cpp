// Response heads: the status line, Server and Date, then whatever the caller adds.
// Every response is HTTP/1.1 (RFC 9110 §6.2: a server sends its own highest
// version, also to 1.0 clients).
#include <ctime>

#include "http/http.hpp"
#include "http/static_parts.hpp"

namespace zc::http {

std::string_view reason_phrase(int status) {
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
    }
}

// The Date header changes once a second: formatted then, per thread.
const std::string& current_http_date() {
    thread_local std::int64_t formatted_second = -1;
    thread_local std::string text;
    const auto now = static_cast<std::int64_t>(std::time(nullptr));
    if (now != formatted_second) {
        text = http_date(now);
        formatted_second = now;
    }
    return text;
}

std::string start_head(int status, std::string_view server_name, std::size_t body_room) {
    std::string head;
    head.reserve(256 + body_room);
    head += "HTTP/1.1 ";
    head += std::to_string(status);
    head += ' ';
    head += reason_phrase(status);
    head += "\r\n";
    add_header(head, "Server", server_name);
    add_header(head, "Date", current_http_date());
    return head;
}

void add_header(std::string& head, std::string_view name, std::string_view value) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
}

void finish_head(std::string& head) { head += "\r\n"; }

std::string file_headers(std::string_view content_type, std::uint64_t length, std::string_view last_modified,
                         std::string_view etag) {
    std::string headers;
    headers.reserve(160);
    add_header(headers, "Content-Type", content_type);
    add_header(headers, "Content-Length", std::to_string(length));
    add_header(headers, "Last-Modified", last_modified);
    add_header(headers, "ETag", etag);
    add_header(headers, "Accept-Ranges", "bytes");
    return headers;
}

} // namespace zc::http
