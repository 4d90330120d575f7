#include "http/connection.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/io.hpp"
#include "http/worker.hpp"

namespace zc::http {

namespace {

// The access log's "GET /path HTTP/1.1"; empty when there is no log (it is
// built for every request otherwise, and most servers run without one).
std::string request_line_of(const request& req, bool logging) {
    if (!logging) return {};
    std::string line = req.method_name;
    line.append(" ").append(req.target).append(" HTTP/");
    line.append(std::to_string(req.version_major)).append(".").append(std::to_string(req.version_minor));
    return line;
}

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

} // namespace

connection::connection(unique_fd socket, const sockaddr_storage& accepted_from, worker& owner)
    : net::session(std::move(socket), owner.loop()), worker_(owner) {
    // Accepted by the ring (multishot accept), the address is not known:
    // asked of the socket, only when the access log will want it.
    sockaddr_storage peer = accepted_from;
    if (peer.ss_family == AF_UNSPEC && worker_.log().enabled()) {
        socklen_t length = sizeof peer;
        if (::getpeername(fd(), reinterpret_cast<sockaddr*>(&peer), &length) != 0) peer.ss_family = AF_UNSPEC;
    }
    if (peer.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
        std::memcpy(peer_addr_, &in.sin_addr, sizeof in.sin_addr);
        peer_family_ = AF_INET;
    } else if (peer.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(peer);
        std::memcpy(peer_addr_, &in6.sin6_addr, sizeof in6.sin6_addr);
        peer_family_ = AF_INET6;
    }
    // A new connection must send its first request head within the header
    // timeout (an idle fresh connection is the cheapest slowloris).
    arm(worker_.settings().header_timeout);
}

connection::~connection() { give_back_buffer(); }

std::string connection::peer_host() const {
    char text[INET6_ADDRSTRLEN] = "-";
    if (peer_family_ == AF_INET || peer_family_ == AF_INET6) ::inet_ntop(peer_family_, peer_addr_, text, sizeof text);
    return text;
}

request_parser& connection::parser() {
    if (!parser_) parser_.emplace(worker_.take_parser());
    return *parser_;
}

// Waiting for the next request with nothing buffered and no head under way:
// the parser goes back to the worker's spares, and the next byte takes one
// (reset: llhttp at the start of a message), so an idle connection holds none.
void connection::release_parser_if_idle() {
    if (parser_ && begin_ == end_ && !head_started_ && !parser_->in_progress()) {
        worker_.give_back_parser(std::move(*parser_));
        parser_.reset();
    }
}

// The file is not what the open-file cache thinks (it shrank): the next
// request for its path opens and stats it again.
void connection::forget_file(const shared_fd& file) {
    if (open_file_cache* files = worker_.files(); files && file) files->forget(file);
}

void connection::take_buffer() {
    if (buffer_) return;
    buffer_ = worker_.take_buffer();
    begin_ = end_ = 0;
}

void connection::give_back_buffer() {
    if (!buffer_) return;
    worker_.give_back_buffer(std::move(buffer_));
    buffer_.reset();
    begin_ = end_ = 0;
}

bool connection::waiting_for_request() const noexcept {
    return phase_ == phase::reading && begin_ == end_ && !head_started_;
}

net::outcome connection::on_ready(net::readiness what) {
    drained_ = false;
    hung_up_ = what.hung_up;
    return advance();
}

net::outcome connection::on_received(std::span<const std::byte> bytes) {
    receiving_ = false;
    if (bytes.empty()) { // the client is done or gone
        give_back_buffer();
        return net::outcome::closed;
    }
    if (phase_ == phase::lingering) return linger(); // discarded
    take_buffer();
    if (begin_ > 0) { // the parser keeps its own copy of what it consumed
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    const std::size_t room = worker_.settings().read_buffer_size() - end_;
    if (!head_started_) { // first byte of a request head: its clock starts now
        head_started_ = true;
        arm(worker_.settings().header_timeout);
    }
    std::memcpy(buffer_.get() + end_, bytes.data(), std::min(room, bytes.size()));
    end_ += std::min(room, bytes.size());
    if (bytes.size() > room) start_error(431); // more than a buffer unparsed: a head past every limit
    return advance();
}

net::outcome connection::on_sent(bool all) {
    if (!response_ || !response_->in_ring) return net::outcome::closed;
    response_->ring_in_flight = false;
    response_->ring_sent_all = all;
    return advance();
}

net::outcome connection::on_deadline() {
    // Whatever we waited for (a head, the next request, a client reading its
    // response, a lingering EOF) did not come in time. A head that started is
    // answered 408 on a best-effort basis; the rest just close.
    if (phase_ == phase::reading && head_started_) {
        const response_plan plan = error_response(408, true, worker_.shared().handler.server_name);
        const std::string out = plan.head + plan.inline_body;
        (void)::send(fd(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (worker_.log().enabled()) worker_.log().add(peer_host(), "-", 408, plan.inline_body.size());
    }
    return net::outcome::closed;
}

net::outcome connection::on_drain() {
    if (waiting_for_request()) return net::outcome::closed;
    return net::outcome::open; // finish_response() closes after the response in progress
}

// The state machine: runs until the socket would block or the connection ends.
net::outcome connection::advance() {
    for (;;) {
        if (phase_ == phase::lingering) return linger();
        if (phase_ == phase::sending) {
            const std::uint64_t before = response_->sender ? response_->sender->bytes_sent() : 0;
            const send_result r = send_some();
            const std::uint64_t after = response_->sender ? response_->sender->bytes_sent() : 0;
            if (r == send_result::failed) {
                // Never send other bytes: a transfer that failed (the file
                // shrank, the peer reset) ends the connection. A file that
                // shrank under a stat the cache trusted is looked at again
                // by the next request.
                forget_file(response_->file);
                finish_response();
                return net::outcome::closed;
            }
            if (r == send_result::blocked) {
                if (after != before || !armed()) arm(worker_.settings().send_timeout);
                if (completion_io() && !response_->in_ring) wait_writable();
                return net::outcome::open;
            }
            const bool close_after = response_->close_after || owner().draining();
            finish_response();
            if (!close_after) continue;
            // The client said it closes (Connection: close, HTTP/1.0) and
            // nothing of it is unread: it sends no more, so a plain close
            // cannot reset it. Otherwise it may still be sending (nginx
            // lingers on the same condition).
            if (client_closes_ && begin_ == end_) return net::outcome::closed;
            return start_lingering();
        }
        // Reading: parse what is buffered first (pipelined requests).
        if (begin_ != end_) {
            const auto parsed = parser().feed(std::string_view(buffer_.get() + begin_, end_ - begin_));
            begin_ += parsed.consumed;
            if (parsed.what == request_parser::result::kind::complete) {
                head_started_ = false;
                // Completion I/O: nothing pipelined, so the buffer goes back to
                // the pool now rather than after the response's send completes
                // (a pass later): a burst of requests would otherwise hold one
                // buffer each, and the arena keeps that peak for good.
                if (completion_io() && begin_ == end_) give_back_buffer();
                start_response(parser_->take());
                continue;
            }
            if (parsed.what == request_parser::result::kind::error) {
                start_error(parsed.status ? parsed.status : 400);
                continue;
            }
            if (begin_ == end_) begin_ = end_ = 0;
        }
        if (owner().draining() && waiting_for_request()) return net::outcome::closed;
        if (drained_) {
            go_idle();
            return net::outcome::open;
        }
        if (read_more() == net::outcome::closed) return net::outcome::closed;
        if (begin_ == end_ || completion_io()) return net::outcome::open; // would block, or the bytes come to on_received
    }
}

// One recv into the buffer. Leaves begin_ == end_ when the socket would block.
net::outcome connection::read_more() {
    if (completion_io()) { // the bytes come to on_received
        if (!receiving_) {
            receiving_ = true;
            receive();
        }
        if (begin_ == end_) go_idle();
        return net::outcome::open;
    }
    take_buffer();
    const std::size_t capacity = worker_.settings().read_buffer_size();
    if (end_ == capacity && begin_ > 0) { // compact: the parser keeps its own copy of what it consumed
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == capacity) { // the parser holds a whole buffer unconsumed: a head past every limit
        start_error(431);
        return net::outcome::open;
    }
    const ssize_t n = detail::retry_on_eintr([&] { return ::recv(fd(), buffer_.get() + end_, capacity - end_, 0); });
    if (n > 0) {
        if (!head_started_) { // first byte of a request head: its clock starts now
            head_started_ = true;
            arm(worker_.settings().header_timeout);
        }
        drained_ = !hung_up_ && static_cast<std::size_t>(n) < capacity - end_;
        end_ += static_cast<std::size_t>(n);
        return net::outcome::open;
    }
    if (n == 0 || !would_block(errno)) { // the client is done (mid-head: it gave up) or gone
        // Back to the pool now, not when the loop frees the connection after
        // this batch of events: a burst of closes would take a fresh 16 KiB
        // buffer for each EOF.
        give_back_buffer();
        return net::outcome::closed;
    }
    if (begin_ == end_) go_idle();
    return net::outcome::open;
}

// Nothing buffered and the socket empty: give the buffer back and wait with
// the deadline of what comes next.
void connection::go_idle() {
    if (begin_ != end_) return;
    give_back_buffer();
    const serve_settings& settings = worker_.settings();
    if (parser_ && parser_->in_progress() && !head_started_) { // a pipelined head's first bytes came with the last request
        head_started_ = true;
        arm(settings.header_timeout);
    } else if (!head_started_) {
        arm(served_one_ ? settings.keepalive_timeout : settings.header_timeout);
    }
    release_parser_if_idle();
}

void connection::start_response(const request& req, bool second_look) {
    const serve_settings& settings = worker_.settings();
    response_plan plan = handle_static(req, worker_.shared().handler, worker_.files());
    const bool close_after = plan.close_after || !req.keep_alive;
    client_closes_ = req.client_closes;
    const bool head_only = req.verb == method::head;
    std::string line = request_line_of(req, worker_.log().enabled());
    served_one_ = true;
    if (plan.whole_response) {
        begin_sending(plan.status, close_after, std::move(line), std::move(plan.whole_response), plan.length, nullptr);
        return;
    }
    std::string out = std::move(plan.head);
    if (head_only || !plan.file || plan.length == 0) {
        const std::size_t body = head_only ? 0 : plan.inline_body.size();
        if (!head_only) out += plan.inline_body;
        begin_sending(plan.status, close_after, std::move(line), std::move(out), body, nullptr);
        return;
    }
    if (plan.length <= settings.inline_file_limit) {
        // A small file leaves with its head in one send(): one syscall per
        // response instead of two (docs/serve.md has the measurements).
        if (plan.file_bytes && plan.offset + plan.length <= plan.file_bytes->size()) { // kept by the cache: no read
            out.append(*plan.file_bytes, static_cast<std::size_t>(plan.offset), static_cast<std::size_t>(plan.length));
            begin_sending(plan.status, close_after, std::move(line), std::move(out), plan.length, nullptr);
            return;
        }
        const std::size_t head_size = out.size();
        out.resize(head_size + plan.length);
        const auto got = detail::pread_full(
            plan.file.get(), std::as_writable_bytes(std::span(out.data() + head_size, plan.length)), plan.offset);
        if (got && *got == plan.length) {
            begin_sending(plan.status, close_after, std::move(line), std::move(out), plan.length, nullptr);
            return;
        }
        // Truncated since the handler looked: look again, else send nothing.
        if (!second_look) return look_again(req, plan);
        begin_sending(0, true, {}, {}, 0, nullptr); // status 0: never logged, nothing sent
        return;
    }
    if (begin_sending(plan.status, close_after, std::move(line), std::move(out), 0, &plan) ==
        start_result::file_shrank) {
        // The range no longer fits the file (truncated between the handler's
        // fstat and now): not a server error. Plan the request again at the
        // new size; a file still shrinking after that gets nothing but a close.
        if (!second_look) return look_again(req, plan);
        begin_sending(0, true, {}, {}, 0, nullptr); // status 0: never logged, nothing sent
    }
}

// The file changed under the plan: planned again from a fresh stat of the
// path (a stat the open-file cache trusted would give the same plan).
void connection::look_again(const request& req, const response_plan& plan) {
    forget_file(plan.file);
    start_response(req, true);
}

// Sets up the response to send: `out` holds the head and `inline_body`
// bytes of body; file_body (a plan with a file) adds its range after them.
// status 0: nothing is sent, the connection closes. A file range the engine
// cannot start for another reason than a shrunken file becomes a 500
// (nothing was sent yet, so an honest one).
connection::start_result connection::begin_sending(int status, bool close_after, std::string request_line, net::send_bytes out,
                               std::size_t inline_body, const response_plan* file_body) {
    response_ = std::make_unique<response>();
    response_->status = status;
    response_->close_after = close_after;
    response_->request_line = std::move(request_line);
    response_->out_body = inline_body;
    phase_ = phase::sending;
    arm(worker_.settings().send_timeout);
    if (status == 0) return start_result::started;
    if (completion_io() && !file_body) { // one send in the ring, no copy: the ring owns `out` until it left
        response_->in_ring = true;
        response_->ring_in_flight = true;
        send(std::move(out));
        return start_result::started;
    }
    net::file_range range;
    if (file_body) {
        response_->file = file_body->file;
        range = {file_body->file.get(), file_body->file_size_at_open, file_body->offset, file_body->length};
    }
    auto sender = net::head_and_range::start(fd(), socket_facts(), std::move(out).take(), range, worker_.shared().transfer);
    if (sender) {
        response_->sender.emplace(std::move(*sender));
        return start_result::started;
    }
    if (sender.error().is(errc::source_too_short)) return start_result::file_shrank;
    const response_plan failure = error_response(500, true, worker_.shared().handler.server_name);
    return begin_sending(500, true, std::move(response_->request_line), failure.head + failure.inline_body,
                         failure.inline_body.size(), nullptr);
}

void connection::start_error(int status) {
    const response_plan plan = error_response(status, true, worker_.shared().handler.server_name);
    head_started_ = false;
    client_closes_ = false; // a request we refused may have more coming: linger
    begin_sending(status, true, "-", plan.head + plan.inline_body, plan.inline_body.size(), nullptr);
}

connection::send_result connection::send_some() {
    response& r = *response_;
    if (r.in_ring) {
        if (r.ring_in_flight) return send_result::blocked;
        return r.ring_sent_all ? send_result::done : send_result::failed;
    }
    if (!r.sender) return send_result::failed; // nothing of this response may go out
    const auto progress = r.sender->send_some();
    if (!progress) return send_result::failed;
    return *progress == net::head_and_range::progress::done ? send_result::done : send_result::blocked;
}

void connection::finish_response() {
    response& r = *response_;
    if (worker_.log().enabled() && r.in_ring && r.status > 0)
        worker_.log().add(peer_host(), r.request_line, r.status, r.ring_sent_all ? r.out_body : 0);
    if (worker_.log().enabled() && r.sender && r.status > 0) {
        const std::size_t head_bytes = r.sender->head().size() - r.out_body;
        const std::uint64_t body_sent = r.sender->bytes_sent() - std::min<std::uint64_t>(r.sender->head_sent(), head_bytes);
        worker_.log().add(peer_host(), r.request_line, r.status, body_sent);
    }
    response_.reset();
    phase_ = phase::reading;
}

net::outcome connection::start_lingering() {
    // Closing with unread request bytes would make the kernel send a reset,
    // which can destroy the end of our response before the client reads it:
    // half-close, then read and discard until the client's EOF (nginx's
    // lingering close), for a few seconds at most.
    ::shutdown(fd(), SHUT_WR);
    give_back_buffer();
    phase_ = phase::lingering;
    arm(worker_.settings().linger_timeout);
    return linger();
}

net::outcome connection::linger() {
    if (completion_io()) { // read and discard through the ring until the client's EOF
        if (!receiving_) {
            receiving_ = true;
            receive();
        }
        return net::outcome::open;
    }
    char scratch[4096];
    for (;;) {
        const ssize_t n = detail::retry_on_eintr([&] { return ::recv(fd(), scratch, sizeof scratch, 0); });
        if (n > 0) continue;
        return n < 0 && would_block(errno) ? net::outcome::open : net::outcome::closed;
    }
}

} // namespace zc::http
