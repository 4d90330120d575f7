// request_parser — HTTP/1.x request heads from a connection's bytes, with llhttp.
//
// llhttp does the grammar (request line, header syntax, Content-Length and
// chunked framing, duplicate Content-Length, Transfer-Encoding rules); this
// file keeps what the static handler needs and enforces the limits llhttp
// does not know about:
//   * head bytes (request line + headers + the empty line) over
//     max_head_bytes → 431, or 414 while the request-target alone is over
//     max_target_bytes; the same however the head is split into reads;
//   * more than max_headers header lines → 431;
//   * a version other than 1.0/1.1 → 505 (llhttp itself accepts 0.9, 1.x and
//     2.0 and rejects everything else with HPE_INVALID_VERSION, also → 505);
//   * a second Host or Content-Length, or an HTTP/1.1 request without Host → 400;
//   * a body (any method) is read and thrown away, up to max_body_bytes → 413;
//     so is a chunked body's trailer section (never taken for headers);
//   * an HTTP/1.1 request with "Expect: 100-continue" and a body is complete
//     at the end of its head, keep_alive = false (see on_headers_complete).
//
// Pipelining: on_message_complete returns HPE_PAUSED, so llhttp_execute stops
// right after the request and llhttp_get_error_pos says exactly where; take()
// resumes the parser for the next request. Upgrade and CONNECT are not
// honoured: they are parsed as ordinary requests (llhttp's `upgrade` flag is
// cleared before it would hand the rest of the stream to another protocol)
// and marked keep_alive = false, so the connection closes after the answer.
// After a request with keep_alive = false llhttp parses nothing more: further
// bytes are swallowed (need_more) — the server closes after answering.
#include <llhttp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <strings.h>

#include "http/http.hpp"

namespace zc::http {

struct request_parser::impl {
    parser_limits limits;
    llhttp_t parser{};

    request current;
    std::string field;
    std::string value;
    std::size_t header_count = 0;
    bool host_seen = false;
    bool content_length_seen = false;
    bool expects_continue = false; // Expect: 100-continue
    std::uint64_t body_bytes = 0;

    bool message_started = false; // between on_message_begin and on_message_complete
    bool in_head = false;          // between on_message_begin and on_headers_complete
    bool head_ended = false;       // on_headers_complete paused the parser (see feed())
    bool complete = false;         // a request waits for take()
    bool answer_at_head_end = false; // on_headers_complete: complete without the body
    bool swallow_rest = false;     // after such a request: nothing more is parsed
    bool failed = false;
    int error_status = 0;          // set by a callback before it fails the parse
    // Between two keep-alive requests llhttp is where a fresh one starts and
    // on_message_begin clears the rest: reset() has nothing to do.
    bool reusable = true;

    // Head byte accounting: bytes of this head in earlier chunks, plus the
    // distance from head_begin (the head's first byte in this chunk, or the
    // chunk's start) to the furthest byte a callback has seen.
    std::size_t head_bytes_before = 0;
    const char* head_begin = nullptr;

    // The callbacks are the same for every parser: one shared table (llhttp
    // keeps a pointer to it), not a copy in each connection's parser.
    static const llhttp_settings_t& shared_settings() {
        static const llhttp_settings_t settings = [] {
            llhttp_settings_t s{};
            llhttp_settings_init(&s);
            s.on_message_begin = &impl::on_message_begin;
            s.on_method = &impl::on_method;
            s.on_url = &impl::on_url;
            s.on_header_field = &impl::on_header_field;
            s.on_header_value = &impl::on_header_value;
            s.on_header_value_complete = &impl::on_header_value_complete;
            s.on_headers_complete = &impl::on_headers_complete;
            s.on_body = &impl::on_body;
            s.on_message_complete = &impl::on_message_complete;
            return s;
        }();
        return settings;
    }

    explicit impl(parser_limits l) : limits(l) {
        llhttp_init(&parser, HTTP_REQUEST, &shared_settings());
        parser.data = this;
    }

    static impl& self(llhttp_t* p) { return *static_cast<impl*>(p->data); }

    int fail(int status) {
        error_status = status;
        return -1;
    }

    std::size_t head_bytes_through(const char* end) const {
        return head_bytes_before + (head_begin ? static_cast<std::size_t>(end - head_begin) : 0);
    }
    int head_limit_status() const { return current.target.size() > limits.max_target_bytes ? 414 : 431; }
    // A span callback saw bytes up to `end`: is the head still within limits?
    int check_head(const char* end) {
        if (head_bytes_through(end) <= limits.max_head_bytes) return 0;
        return fail(head_limit_status());
    }

    static int on_message_begin(llhttp_t* p) {
        impl& s = self(p);
        s.current = request{};
        s.field.clear();
        s.value.clear();
        s.header_count = 0;
        s.host_seen = false;
        s.content_length_seen = false;
        s.expects_continue = false;
        s.body_bytes = 0;
        s.message_started = true;
        s.reusable = false;
        s.in_head = true;
        s.head_bytes_before = 0;
        s.head_begin = nullptr;
        return 0;
    }
    static int on_method(llhttp_t* p, const char* at, std::size_t length) {
        impl& s = self(p);
        // The method is the head's first span: where the head starts in this
        // chunk (llhttp skips empty lines before a request; they don't count).
        if (!s.head_begin && s.head_bytes_before == 0) s.head_begin = at;
        s.current.method_name.append(at, length);
        return s.check_head(at + length);
    }
    static int on_url(llhttp_t* p, const char* at, std::size_t length) {
        impl& s = self(p);
        s.current.target.append(at, length);
        if (s.current.target.size() > s.limits.max_target_bytes) return s.fail(414);
        return s.check_head(at + length);
    }
    // llhttp reports the trailer section of a chunked body through the same
    // header callbacks. Trailer fields are not request headers (RFC 9110
    // §6.5.1: a "Range" or "Host" there must change nothing) and are not part
    // of the head: they are thrown away like the body and counted with it.
    int skip_trailer(std::size_t length) {
        body_bytes += length;
        return body_bytes > limits.max_body_bytes ? fail(413) : 0;
    }
    static int on_header_field(llhttp_t* p, const char* at, std::size_t length) {
        impl& s = self(p);
        if (!s.in_head) return s.skip_trailer(length);
        s.field.append(at, length);
        return s.check_head(at + length);
    }
    static int on_header_value(llhttp_t* p, const char* at, std::size_t length) {
        impl& s = self(p);
        if (!s.in_head) return s.skip_trailer(length);
        s.value.append(at, length);
        return s.check_head(at + length);
    }
    static int on_header_value_complete(llhttp_t* p) {
        impl& s = self(p);
        if (!s.in_head) return 0;
        int rc = s.store_header();
        s.field.clear();
        s.value.clear();
        return rc;
    }
    // RFC 9110 §5.6.2 token: llhttp's loose mode lets spaces and an empty
    // name through ("Bad Header: x", ": x"); RFC 9112 §5.1 says 400.
    static bool is_token(std::string_view text) {
        if (text.empty()) return false;
        return std::all_of(text.begin(), text.end(), [](unsigned char c) {
            return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
        });
    }
    int store_header() {
        if (++header_count > limits.max_headers) return fail(431);
        if (!is_token(field)) return fail(400);
        auto is = [this](const char* name) { return strcasecmp(field.c_str(), name) == 0; };
        // llhttp keeps trailing whitespace in a value (OWS before CRLF).
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
        if (is("host")) {
            if (host_seen) return fail(400);
            host_seen = true;
            current.host = value;
        } else if (is("content-length")) {
            if (content_length_seen) return fail(400);
            content_length_seen = true;
        } else if (is("expect")) {
            expects_continue = strcasecmp(value.c_str(), "100-continue") == 0;
        } else if (is("range")) {
            current.range = current.range ? *current.range + ", " + value : value;
        } else if (is("if-none-match")) {
            // A list field: several lines mean one comma-separated list.
            current.if_none_match = current.if_none_match ? *current.if_none_match + ", " + value : value;
        } else if (is("if-modified-since")) {
            current.if_modified_since = value;
        } else if (is("if-range")) {
            current.if_range = value;
        } else if (is("user-agent")) {
            current.user_agent = value;
        } else if (is("referer")) {
            current.referer = value;
        }
        return 0;
    }
    static int on_headers_complete(llhttp_t* p) {
        impl& s = self(p);
        s.in_head = false;
        request& r = s.current;
        r.version_major = p->http_major;
        r.version_minor = p->http_minor;
        if (!(r.version_major == 1 && (r.version_minor == 0 || r.version_minor == 1))) return s.fail(505);
        if (r.version_minor == 1 && !s.host_seen) return s.fail(400); // RFC 9112 §3.2
        if (p->method == HTTP_GET) {
            r.verb = method::get;
        } else if (p->method == HTTP_HEAD) {
            r.verb = method::head;
        } else {
            r.verb = method::other;
        }
        // llhttp ignores "close" next to "keep-alive" on HTTP/1.0; close wins.
        r.keep_alive = llhttp_should_keep_alive(p) != 0 && !(p->flags & F_CONNECTION_CLOSE);
        r.client_closes = !r.keep_alive;
        if (p->upgrade || p->method == HTTP_CONNECT) {
            // Not honoured: answer as plain HTTP, then close (what follows
            // would be another protocol's bytes).
            p->upgrade = 0;
            r.keep_alive = r.client_closes = false;
        }
        if ((p->flags & F_CONTENT_LENGTH) && p->content_length > s.limits.max_body_bytes) return s.fail(413);
        // RFC 9110 §10.1.1: a client that sent "Expect: 100-continue" holds
        // its body back until it gets 100 or a final status, and the server
        // MUST send one of them at once (curl -T waited a second, then sent
        // the body, which we read only to throw away). No method we serve
        // takes a body, so the final status never depends on it: answer at
        // the end of the head and close, since whether the body follows is
        // now the client's choice (the lingering close discards it if it does).
        // An HTTP/1.0 client's Expect is ignored (§10.1.1).
        const bool body_follows = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
        if (s.expects_continue && r.version_minor == 1 && body_follows) {
            r.keep_alive = r.client_closes = false;
            s.answer_at_head_end = true;
        }
        // No callback sees the line ends after the last header value: pause,
        // so that feed() learns where the head ends and checks its size.
        s.head_ended = true;
        return HPE_PAUSED;
    }
    static int on_body(llhttp_t* p, const char*, std::size_t length) {
        impl& s = self(p);
        s.body_bytes += length;
        if (s.body_bytes > s.limits.max_body_bytes) return s.fail(413);
        return 0;
    }
    static int on_message_complete(llhttp_t* p) {
        impl& s = self(p);
        s.message_started = false;
        s.complete = true;
        return HPE_PAUSED;
    }

    static int status_for(llhttp_errno_t error) {
        switch (error) {
        case HPE_INVALID_VERSION: return 505;
        default: return 400;
        }
    }
};

request_parser::request_parser(parser_limits limits) : impl_(std::make_unique<impl>(limits)) {}
request_parser::~request_parser() = default;

void request_parser::reset() {
    impl& s = *impl_;
    if (s.reusable) return;
    s = impl(s.limits);
    s.parser.data = &s; // the temporary's address was copied with llhttp's state
}
request_parser::request_parser(request_parser&&) noexcept = default;
request_parser& request_parser::operator=(request_parser&&) noexcept = default;

request_parser::result request_parser::feed(std::string_view data) {
    impl& s = *impl_;
    using kind = result::kind;
    if (s.failed) return {kind::error, 0, s.error_status};
    if (s.complete) return {kind::complete, 0, 0};
    if (s.swallow_rest) return {kind::need_more, data.size(), 0};

    s.head_begin = s.in_head ? data.data() : nullptr;
    const char* const end = data.data() + data.size();
    llhttp_errno_t rc = llhttp_execute(&s.parser, data.data(), data.size());
    while (rc == HPE_PAUSED && s.head_ended) {
        // Paused by on_headers_complete, right after the head's empty line:
        // the whole head's size is known, whatever the reads were.
        s.head_ended = false;
        const char* head_end = llhttp_get_error_pos(&s.parser);
        if (s.head_bytes_through(head_end) > s.limits.max_head_bytes) {
            s.failed = true;
            s.error_status = s.head_limit_status();
            return {kind::error, static_cast<std::size_t>(head_end - data.data()), s.error_status};
        }
        if (s.answer_at_head_end) {
            s.answer_at_head_end = false;
            s.swallow_rest = true;
            s.message_started = false;
            s.complete = true;
            return {kind::complete, static_cast<std::size_t>(head_end - data.data()), 0};
        }
        llhttp_resume(&s.parser);
        rc = llhttp_execute(&s.parser, head_end, static_cast<std::size_t>(end - head_end));
    }
    const char* stop = end;
    if (rc != HPE_OK) stop = llhttp_get_error_pos(&s.parser);
    std::size_t consumed = stop && stop >= data.data() ? static_cast<std::size_t>(stop - data.data()) : 0;
    consumed = std::min(consumed, data.size());

    if (rc == HPE_PAUSED && s.complete) return {kind::complete, consumed, 0};
    if (rc == HPE_OK) {
        if (s.in_head) {
            // The head goes on past this chunk: count all of it (whitespace
            // and line ends included, which no span callback sees).
            s.head_bytes_before = s.head_bytes_through(stop);
            s.head_begin = nullptr;
            if (s.head_bytes_before > s.limits.max_head_bytes) {
                s.failed = true;
                s.error_status = s.head_limit_status();
                return {kind::error, consumed, s.error_status};
            }
        }
        return {kind::need_more, consumed, 0};
    }
    s.failed = true;
    if (s.error_status == 0) s.error_status = impl::status_for(rc);
    return {kind::error, consumed, s.error_status};
}

request request_parser::take() {
    impl& s = *impl_;
    request out = std::move(s.current); // on_message_begin starts the next one afresh
    if (s.complete) {
        s.complete = false;
        s.reusable = out.keep_alive && !s.swallow_rest;
        llhttp_resume(&s.parser);
    }
    return out;
}

bool request_parser::in_progress() const noexcept { return impl_->message_started; }

} // namespace zc::http
