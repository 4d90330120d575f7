// Error responses: a short HTML page, like nginx's, for every 4xx/5xx.
#include "http/http.hpp"
#include "http/static_parts.hpp"

namespace zc::http {

std::string error_page_html(int status, std::string_view server_name) {
    std::string title = std::to_string(status) + " " + std::string(reason_phrase(status));
    return "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head>\n<body><h1>" + title +
           "</h1><hr><address>" + html_escape(server_name) + "</address></body></html>\n";
}

response_plan error_response(int status, bool close_after, std::string_view server_name) {
    response_plan plan;
    plan.status = status;
    plan.close_after = close_after;
    plan.inline_body = error_page_html(status, server_name);
    plan.head = start_head(status, server_name);
    add_header(plan.head, "Content-Type", "text/html; charset=utf-8");
    add_header(plan.head, "Content-Length", std::to_string(plan.inline_body.size()));
    if (status == 405) add_header(plan.head, "Allow", "GET, HEAD");
    if (close_after) add_header(plan.head, "Connection", "close");
    finish_head(plan.head);
    return plan;
}

} // namespace zc::http
