#include "http/connection.hpp"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zc::http {

// ---- deadline_queue ---------------------------------------------------------

void deadline_queue::set(connection* owner, steady_clock::time_point& slot, steady_clock::time_point when) {
    if (slot == when) return;
    if (slot != steady_clock::time_point{}) entries_.erase({slot, owner});
    slot = when;
    entries_.insert({when, owner});
}

void deadline_queue::clear(connection* owner, steady_clock::time_point& slot) {
    if (slot == steady_clock::time_point{}) return;
    entries_.erase({slot, owner});
    slot = {};
}

std::optional<steady_clock::time_point> deadline_queue::next() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.begin()->first;
}

connection* deadline_queue::pop_expired(steady_clock::time_point now) {
    if (entries_.empty() || entries_.begin()->first > now) return nullptr;
    connection* owner = entries_.begin()->second;
    entries_.erase(entries_.begin());
    owner->deadline = {};
    return owner;
}

// ---- connection -------------------------------------------------------------

namespace {

std::string request_line_of(const request& req) {
    std::string line = req.method_name;
    line.append(" ").append(req.target).append(" HTTP/");
    line.append(std::to_string(req.version_major)).append(".").append(std::to_string(req.version_minor));
    return line;
}

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

} // namespace

connection::connection(unique_fd socket, const sockaddr_storage& peer, connection_context& context)
    : socket_(std::move(socket)), context_(context) {
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
    arm(context_.settings->header_timeout);
}

connection::~connection() {
    context_.deadlines->clear(this, deadline);
    give_back_buffer();
}

std::string connection::peer_host() const {
    char text[INET6_ADDRSTRLEN] = "-";
    if (peer_family_ == AF_INET || peer_family_ == AF_INET6) ::inet_ntop(peer_family_, peer_addr_, text, sizeof text);
    return text;
}

request_parser& connection::parser() {
    if (!parser_) parser_.emplace(context_.settings->limits);
    return *parser_;
}

// Waiting for the next request with nothing buffered and no head under way:
// a fresh parser is in the same state as this one (llhttp is back at the
// start of a message), so it is freed and made again at the next byte.
void connection::release_parser_if_idle() {
    if (parser_ && begin_ == end_ && !head_started_ && !parser_->in_progress()) parser_.reset();
}

void connection::arm(std::chrono::milliseconds after) {
    context_.deadlines->set(this, deadline, steady_clock::now() + after);
}

void connection::take_buffer() {
    if (buffer_) return;
    if (!context_.spare_buffers.empty()) {
        buffer_ = std::move(context_.spare_buffers.back());
        context_.spare_buffers.pop_back();
    } else {
        buffer_ = std::make_unique<char[]>(context_.settings->read_buffer_size);
    }
    begin_ = end_ = 0;
}

void connection::give_back_buffer() {
    if (!buffer_) return;
    // A few spares per loop spare malloc on every request; the rest are freed
    // so that a burst of connections does not pin memory forever.
    if (context_.spare_buffers.size() < 64) context_.spare_buffers.push_back(std::move(buffer_));
    buffer_.reset();
    begin_ = end_ = 0;
}

bool connection::waiting_for_request() const noexcept {
    return phase_ == phase::reading && begin_ == end_ && !head_started_;
}

connection::outcome connection::on_ready(std::uint32_t events) {
    drained_ = false;
    hung_up_ = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
    return advance();
}

connection::outcome connection::on_deadline() {
    // Whatever we waited for (a head, the next request, a client reading its
    // response, a lingering EOF) did not come in time. A head that started is
    // answered 408 on a best-effort basis; the rest just close.
    if (phase_ == phase::reading && head_started_) {
        const response_plan plan = error_response(408, true, context_.settings->handler.server_name);
        std::string out = wire_bytes(plan);
        (void)::send(socket_.get(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (context_.log->enabled()) context_.log->add(peer_host(), "-", 408, plan.inline_body.size());
    }
    return outcome::closed;
}

connection::outcome connection::on_drain() {
    if (waiting_for_request()) return outcome::closed;
    return outcome::open; // finish_response() closes after the response in progress
}

// The state machine: runs until the socket would block or the connection ends.
connection::outcome connection::advance() {
    for (;;) {
        if (phase_ == phase::lingering) return linger();
        if (phase_ == phase::sending) {
            const std::uint64_t before = response_->bytes_sent();
            const send_result r = send_some();
            const std::uint64_t after = response_->bytes_sent();
            if (r == send_result::failed) {
                // Never send other bytes: a transfer that failed (the file
                // shrank, the peer reset) ends the connection.
                finish_response();
                return outcome::closed;
            }
            if (r == send_result::blocked) {
                if (after != before || deadline == steady_clock::time_point{}) arm(context_.settings->send_timeout);
                return outcome::open;
            }
            const bool close_after = response_->close_after || context_.draining;
            finish_response();
            if (close_after) return start_lingering();
            continue;
        }
        // Reading: parse what is buffered first (pipelined requests).
        if (begin_ != end_) {
            const auto parsed = parser().feed(std::string_view(buffer_.get() + begin_, end_ - begin_));
            begin_ += parsed.consumed;
            if (parsed.what == request_parser::result::kind::complete) {
                head_started_ = false;
                start_response(parser_->take());
                continue;
            }
            if (parsed.what == request_parser::result::kind::error) {
                start_error(parsed.status ? parsed.status : 400);
                continue;
            }
            if (begin_ == end_) begin_ = end_ = 0;
        }
        if (context_.draining && waiting_for_request()) return outcome::closed;
        if (drained_) {
            go_idle();
            return outcome::open;
        }
        if (read_more() == outcome::closed) return outcome::closed;
        if (begin_ == end_) return outcome::open; // would block
    }
}

// One recv into the buffer. Leaves begin_ == end_ when the socket would block.
connection::outcome connection::read_more() {
    take_buffer();
    const std::size_t capacity = context_.settings->read_buffer_size;
    if (end_ == capacity && begin_ > 0) { // compact: the parser keeps its own copy of what it consumed
        std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == capacity) { // the parser holds a whole buffer unconsumed: a head past every limit
        start_error(431);
        return outcome::open;
    }
    for (;;) {
        const ssize_t n = ::recv(socket_.get(), buffer_.get() + end_, capacity - end_, 0);
        if (n > 0) {
            if (!head_started_) { // first byte of a request head: its clock starts now
                head_started_ = true;
                arm(context_.settings->header_timeout);
            }
            drained_ = !hung_up_ && static_cast<std::size_t>(n) < capacity - end_;
            end_ += static_cast<std::size_t>(n);
            return outcome::open;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0 || !would_block(errno)) { // the client is done (mid-head: it gave up) or gone
            // Back to the pool now, not when the loop frees the connection
            // after this batch of events: a burst of closes would take a
            // fresh 16 KiB buffer for each EOF.
            give_back_buffer();
            return outcome::closed;
        }
        break;
    }
    if (begin_ == end_) go_idle();
    return outcome::open;
}

// Nothing buffered and the socket empty: give the buffer back and wait with
// the deadline of what comes next.
void connection::go_idle() {
    if (begin_ == end_) {
        give_back_buffer();
        if (parser_ && parser_->in_progress() && !head_started_) { // a pipelined head's first bytes came with the last request
            head_started_ = true;
            arm(context_.settings->header_timeout);
        } else if (!head_started_) {
            arm(served_one_ ? context_.settings->keepalive_timeout : context_.settings->header_timeout);
        }
        release_parser_if_idle();
    }
}

void connection::start_response(const request& req, bool second_look) {
    const connection_settings& settings = *context_.settings;
    response_plan plan = handle_static(req, settings.handler, context_.files);
    response_ = std::make_unique<response>();
    response_->status = plan.status;
    response_->close_after = plan.close_after || !req.keep_alive;
    response_->request_line = request_line_of(req);
    response_->out = std::move(plan.head);
    const bool head_only = req.verb == method::head;
    if (!head_only && plan.file && plan.length > 0) {
        if (plan.length <= settings.inline_file_limit) {
            // A small file leaves with its head in one send(): one syscall per
            // response instead of two (docs/serve.md has the measurements).
            const std::size_t head_size = response_->out.size();
            response_->out.resize(head_size + plan.length);
            std::size_t got = 0;
            while (got < plan.length) {
                const ssize_t n = ::pread(plan.file.get(), response_->out.data() + head_size + got, plan.length - got,
                                          static_cast<off_t>(plan.offset + got));
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            if (got < plan.length) { // truncated since the handler looked: look again, else send nothing
                if (!second_look) return start_response(req, true);
                abandon_response();
            } else {
                response_->out_body = plan.length;
            }
        } else if (const body_start body = start_body(plan); body == body_start::source_shrank) {
            // Truncated between the handler's fstat and the job's: not a
            // server error (bench/serve-stress saw a 500 here). Plan the
            // request again at the new size; a file still shrinking after
            // that gets nothing but a close, as above.
            if (!second_look) return start_response(req, true);
            abandon_response();
        } else if (body == body_start::failed) { // nothing sent yet: an honest 500 instead
            const response_plan failure = error_response(500, true, settings.handler.server_name);
            response_->out = wire_bytes(failure);
            response_->out_body = failure.inline_body.size();
            response_->status = 500;
            response_->close_after = true;
        }
    } else if (!head_only) {
        response_->out_body = plan.inline_body.size();
        response_->out += plan.inline_body;
    }
    served_one_ = true;
    phase_ = phase::sending;
    arm(settings.send_timeout);
}

// Nothing of this response goes out: the connection closes instead.
void connection::abandon_response() {
    response_->out.clear();
    response_->close_after = true;
    response_->status = 0;
}

// A file body: sendfile() from here (direct), or a transfer_job with the
// chosen strategy.
connection::body_start connection::start_body(const response_plan& plan) {
    response& r = *response_;
    r.file = plan.file;
    if (context_.settings->direct_sendfile) {
        r.file_offset = plan.offset;
        r.file_left = plan.length;
        return body_start::started;
    }
    transfer_options options = context_.settings->transfer;
    options.offset = plan.offset;
    options.length = plan.length;
    auto job = transfer_job::start(plan.file.get(), socket_.get(), options);
    if (!job) return job.error().is(errc::source_too_short) ? body_start::source_shrank : body_start::failed;
    r.job.emplace(std::move(*job));
    return body_start::started;
}

// sendfile until done or the socket is full. A file that ends early (it
// shrank under us) fails: the connection closes short of Content-Length.
connection::send_result connection::send_file_direct() {
    response& r = *response_;
    while (r.file_left > 0) {
        auto offset = static_cast<off_t>(r.file_offset);
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(r.file_left, 0x7ffff000));
        const ssize_t n = ::sendfile(socket_.get(), r.file.get(), &offset, want);
        if (n > 0) {
            r.file_offset += static_cast<std::uint64_t>(n);
            r.file_left -= static_cast<std::uint64_t>(n);
            r.file_sent += static_cast<std::uint64_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && would_block(errno)) return send_result::blocked;
        return send_result::failed; // 0: end of file before the length; or an error
    }
    return send_result::done;
}

void connection::start_error(int status) {
    const response_plan plan = error_response(status, true, context_.settings->handler.server_name);
    response_ = std::make_unique<response>();
    response_->status = status;
    response_->close_after = true;
    response_->request_line.assign(1, '-');
    response_->out = wire_bytes(plan);
    response_->out_body = plan.inline_body.size();
    head_started_ = false;
    phase_ = phase::sending;
    arm(context_.settings->send_timeout);
}

connection::send_result connection::send_some() {
    response& r = *response_;
    if (r.status == 0) return send_result::failed; // a small file shrank before its first byte left
    while (r.out_sent < r.out.size()) {
        // MSG_MORE: the head waits for the file's first bytes (one segment
        // for a small response, like TCP_CORK without its two setsockopts).
        const int flags = MSG_NOSIGNAL | (r.job || r.file_left ? MSG_MORE : 0);
        const ssize_t n = ::send(socket_.get(), r.out.data() + r.out_sent, r.out.size() - r.out_sent, flags);
        if (n > 0) {
            r.out_sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && would_block(errno)) return send_result::blocked;
        return send_result::failed;
    }
    if (r.file_left > 0) return send_file_direct();
    if (!r.job) return send_result::done;
    const auto state = r.job->step();
    if (!state) return send_result::failed;
    return *state == transfer_job::state::done ? send_result::done : send_result::blocked;
}

void connection::finish_response() {
    response& r = *response_;
    if (context_.log->enabled() && r.status != 0) {
        const std::size_t head_bytes = r.out.size() - r.out_body;
        const std::uint64_t body_sent = r.bytes_sent() - std::min<std::uint64_t>(r.out_sent, head_bytes);
        context_.log->add(peer_host(), r.request_line, r.status, body_sent);
    }
    response_.reset();
    phase_ = phase::reading;
}

connection::outcome connection::start_lingering() {
    // Closing with unread request bytes would make the kernel send a reset,
    // which can destroy the end of our response before the client reads it:
    // half-close, then read and discard until the client's EOF (nginx's
    // lingering close), for a few seconds at most.
    ::shutdown(socket_.get(), SHUT_WR);
    give_back_buffer();
    phase_ = phase::lingering;
    arm(context_.settings->linger_timeout);
    return linger();
}

connection::outcome connection::linger() {
    char scratch[4096];
    for (;;) {
        const ssize_t n = ::recv(socket_.get(), scratch, sizeof scratch, 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && would_block(errno)) return outcome::open;
        return outcome::closed;
    }
}

} // namespace zc::http
