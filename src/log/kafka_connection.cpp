#include "log/kafka_connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/io.hpp"

namespace zc::log {

namespace {

using protocol::error_code;
using protocol::message;

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

} // namespace

// ---- kafka_worker --------------------------------------------------------------

std::unique_ptr<net::session> kafka_worker::open_session(unique_fd socket, const sockaddr_storage&) {
    return std::make_unique<kafka_connection>(std::move(socket), *this);
}

void kafka_worker::refuse(int socket) {
    char scratch[4096];
    while (::recv(socket, scratch, sizeof scratch, MSG_DONTWAIT) > 0) {
    }
    ::shutdown(socket, SHUT_WR);
}

// ---- kafka_connection ------------------------------------------------------------

kafka_connection::kafka_connection(unique_fd socket, kafka_worker& owner)
    : net::session(std::move(socket), owner.loop()), worker_(owner), broker_(*owner.shared().log),
      last_activity_(steady_clock::now()) {
    rearm();
}

kafka_connection::~kafka_connection() {
    for (slot& s : queue_)
        if (s.fetch && s.fetch->waiter) broker_.remove_waiter(s.fetch->waiter);
}

net::outcome kafka_connection::on_ready(net::readiness) { return advance(); }

net::outcome kafka_connection::on_deadline() {
    const auto now = steady_clock::now();
    if (now >= last_activity_ + worker_.shared().limits.idle_timeout) return net::outcome::closed;
    for (slot& s : queue_)
        if (s.fetch && now >= s.fetch->deadline) evaluate_fetch(s, true);
    return advance();
}

// Stopping: parked fetches answer now with what they have; the connection
// closes once everything asked before is sent (the loop's drain deadline
// bounds that).
net::outcome kafka_connection::on_drain() {
    finish_fetches();
    if (queue_.empty()) return net::outcome::closed;
    return advance();
}

net::outcome kafka_connection::on_async_reply(std::uint64_t sequence, message body) {
    if (slot* s = find_slot(sequence); s && !s->ready) make_ready(*s, body);
    return advance();
}

net::outcome kafka_connection::on_fetch_wake(std::uint64_t token) {
    for (slot& s : queue_) {
        if (s.fetch && s.fetch->waiter == token) {
            s.fetch->waiter = 0; // the broker removed it before waking us
            evaluate_fetch(s, false);
            break;
        }
    }
    return advance();
}

kafka_connection::slot* kafka_connection::find_slot(std::uint64_t sequence) {
    if (queue_.empty() || sequence < queue_.front().sequence) return nullptr;
    const std::uint64_t index = sequence - queue_.front().sequence;
    return index < queue_.size() ? &queue_[index] : nullptr;
}

bool kafka_connection::backpressured() const noexcept {
    const kafka_limits& limits = worker_.shared().limits;
    return queue_.size() >= limits.max_queued_responses || queued_bytes_ >= limits.max_queued_bytes;
}

// Runs until the socket would block both ways (or reading is paused by
// backpressure and sending is blocked), or the connection ends.
net::outcome kafka_connection::advance() {
    bool socket_full = false; // a send blocked: the next writable event resumes it
    for (;;) {
        while (!socket_full && !queue_.empty() && queue_.front().ready) {
            const step sent = send_front();
            if (sent == step::failed) return net::outcome::closed;
            socket_full = sent == step::blocked;
        }
        if (owner().draining() && queue_.empty()) return net::outcome::closed;
        if (backpressured() || owner().draining()) break;
        const parse parsed = handle_one_frame();
        if (parsed == parse::close) return net::outcome::closed;
        if (parsed == parse::frame_done) continue;
        const step read = read_more();
        if (read == step::failed) return net::outcome::closed;
        if (read == step::blocked) break;
    }
    free_buffer_if_empty();
    rearm();
    return net::outcome::open;
}

// The soonest of: the idle limit, the parked fetches' MaxWaitMs.
void kafka_connection::rearm() {
    steady_clock::time_point when = last_activity_ + worker_.shared().limits.idle_timeout;
    for (const slot& s : queue_)
        if (s.fetch) when = std::min(when, s.fetch->deadline);
    arm_at(when);
}

void kafka_connection::free_buffer_if_empty() {
    if (begin_ != end_) return;
    begin_ = end_ = 0;
    if (capacity_ > worker_.shared().limits.read_size || queue_.empty()) {
        buffer_.reset();
        capacity_ = 0;
    }
}

// Room for one more read. A frame larger than that grows the buffer by
// doubling up to the frame's size as its bytes arrive, so a claimed size
// (up to max_frame_bytes) costs memory only once the bytes are sent.
kafka_connection::step kafka_connection::read_more() {
    const std::size_t read_size = worker_.shared().limits.read_size;
    const std::size_t pending = end_ - begin_;
    std::size_t want = pending + read_size;
    if (pending >= 4) {
        auto length = protocol::frame_length(std::string_view(reinterpret_cast<const char*>(buffer_.get() + begin_), pending));
        if (length && *length && 4 + std::size_t{**length} > want)
            want = std::min<std::size_t>(4 + std::size_t{**length}, std::max(want, 2 * capacity_));
    }
    if (capacity_ < want) {
        auto bigger = std::make_unique_for_overwrite<std::byte[]>(want);
        if (pending) std::memcpy(bigger.get(), buffer_.get() + begin_, pending);
        buffer_ = std::move(bigger);
        capacity_ = want;
        begin_ = 0;
        end_ = pending;
    } else if (capacity_ - end_ < want - pending) {
        std::memmove(buffer_.get(), buffer_.get() + begin_, pending);
        begin_ = 0;
        end_ = pending;
    }
    const ssize_t n = detail::retry_on_eintr([&] { return ::recv(fd(), buffer_.get() + end_, capacity_ - end_, 0); });
    if (n > 0) {
        end_ += static_cast<std::size_t>(n);
        last_activity_ = steady_clock::now();
        return step::progress;
    }
    if (n < 0 && would_block(errno)) return step::blocked;
    return step::failed; // EOF (Kafka closes on it) or a reset
}

kafka_connection::parse kafka_connection::handle_one_frame() {
    const std::string_view pending(reinterpret_cast<const char*>(buffer_.get() + begin_), end_ - begin_);
    auto length = protocol::frame_length(pending);
    if (!length) return parse::close; // negative, or over max_frame_bytes
    if (!*length || pending.size() - 4 < **length) return parse::need_more;
    const std::span<std::byte> body(buffer_.get() + begin_ + 4, **length);
    begin_ += 4 + **length;
    auto request = protocol::decode_request(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
    if (!request) {
        const auto& e = request.error();
        // ApiVersions in a version this broker does not know: answered in
        // v0, error 35 and the versions, so the client can retry with one it shares.
        if (e.code == protocol::protocol_errc::unsupported_version && e.header &&
            e.header->api_key == kafka::api_versions_key) {
            protocol::request_header header = *e.header;
            header.api_version = 0;
            slot& s = new_slot(header);
            make_ready(s, kafka::api_versions_body(error_code::unsupported_version, worker_.shared().apis));
            return parse::frame_done;
        }
        return parse::close;
    }
    return dispatch(*request, body) ? parse::frame_done : parse::close;
}

kafka_connection::slot& kafka_connection::new_slot(const protocol::request_header& header) {
    slot& s = queue_.emplace_back();
    s.sequence = next_sequence_++;
    s.api_key = header.api_key;
    s.version = header.api_version;
    s.correlation_id = header.correlation_id;
    return s;
}

// false: close the connection (a key this broker does not serve).
bool kafka_connection::dispatch(protocol::request& request, std::span<std::byte> frame_body) {
    const kafka_shared& shared = worker_.shared();
    const std::int16_t key = request.header.api_key;
    switch (key) {
    case kafka::api_versions_key:
        make_ready(new_slot(request.header), kafka::api_versions_body(error_code::none, shared.apis));
        return true;
    case kafka::metadata_key:
        make_ready(new_slot(request.header), kafka::handle_metadata(broker_, request));
        return true;
    case kafka::create_topics_key:
        make_ready(new_slot(request.header), kafka::handle_create_topics(broker_, request));
        return true;
    case kafka::list_offsets_key:
        make_ready(new_slot(request.header), kafka::handle_list_offsets(broker_, request));
        return true;
    case kafka::produce_key: {
        const bool acks0 = request.body.get_int16("Acks") == 0;
        message body = kafka::handle_produce(broker_, request, frame_body);
        if (!acks0) make_ready(new_slot(request.header), body);
        return true;
    }
    case kafka::fetch_key:
        start_fetch(new_slot(request.header), request);
        return true;
    default: break;
    }
    for (async_api* api : shared.apis) {
        if (!api->handles(key)) continue;
        const std::uint64_t sequence = new_slot(request.header).sequence;
        net::loop* loop = &owner();
        const std::uint64_t session_id = id();
        api->handle(request, [loop, session_id, sequence](message body) {
            loop->resume(session_id, [sequence, body = std::move(body)](net::session& s) mutable {
                return static_cast<kafka_connection&>(s).on_async_reply(sequence, std::move(body));
            });
        });
        return true;
    }
    return false;
}

void kafka_connection::make_ready(slot& s, const message& body) {
    auto frame = protocol::encode_response(s.api_key, s.version, s.correlation_id, body);
    if (!frame) {
        // A value the version cannot carry: a bug here, not the client's; an
        // empty frame would desynchronise the stream, so the connection ends
        // when this slot reaches the front.
        s.frame = {};
        s.ready = true;
        s.broken = true;
        s.fetch.reset();
        s.ranges.clear();
        return;
    }
    s.frame = std::move(*frame);
    s.ready = true;
    s.accounted = s.frame.bytes.size();
    queued_bytes_ += s.accounted;
}

void kafka_connection::start_fetch(slot& s, const protocol::request& request) {
    s.fetch = std::make_unique<parked_fetch>();
    s.fetch->ask = kafka::parse_fetch(broker_, request);
    const std::int32_t wait = std::max(0, s.fetch->ask.max_wait_ms);
    s.fetch->deadline = steady_clock::now() + std::chrono::milliseconds(wait);
    evaluate_fetch(s, wait == 0);
}

// The waiter is registered before the look, so an append that lands between
// the look and the park still wakes this fetch.
void kafka_connection::evaluate_fetch(slot& s, bool force) {
    parked_fetch& f = *s.fetch;
    const bool may_wait = !force && !owner().draining() && steady_clock::now() < f.deadline;
    if (may_wait && f.waiter == 0) {
        net::loop* loop = &owner();
        const std::uint64_t session_id = id();
        auto token = std::make_shared<std::uint64_t>(0);
        f.waiter = broker_.add_waiter(kafka::partitions_of(f.ask), [loop, session_id, token] {
            loop->resume(session_id, [token](net::session& c) {
                return static_cast<kafka_connection&>(c).on_fetch_wake(*token);
            });
        });
        *token = f.waiter;
    }
    kafka::fetch_answer answer = kafka::answer_fetch(f.ask);
    const bool enough = answer.any_error || answer.bytes >= static_cast<std::uint64_t>(std::max(0, f.ask.min_bytes));
    if (may_wait && !enough) return;
    if (f.waiter) broker_.remove_waiter(f.waiter);
    s.ranges = std::move(answer.ranges);
    s.fetch.reset();
    make_ready(s, answer.body);
}

void kafka_connection::finish_fetches() {
    for (slot& s : queue_)
        if (s.fetch) evaluate_fetch(s, true);
}

// The front slot: its frame's bytes up to the first gap, that gap's file
// range, the bytes up to the next gap, ..., the bytes after the last gap.
kafka_connection::step kafka_connection::send_front() {
    slot& s = queue_.front();
    if (s.broken) return step::failed;
    if (!sending_) sending_.emplace();
    for (;;) {
        if (!sending_->sender) {
            if (!start_next_piece(s)) {
                if (failed_) return step::failed;
                queued_bytes_ -= s.accounted;
                sending_.reset();
                queue_.pop_front();
                return step::progress;
            }
            if (failed_) return step::failed;
        }
        const std::uint64_t before = sending_->sender->bytes_sent();
        auto progress = sending_->sender->send_some();
        if (!progress) return step::failed;
        if (sending_->sender->bytes_sent() != before) last_activity_ = steady_clock::now();
        if (*progress == net::head_and_range::progress::blocked) return step::blocked;
        sending_->sender.reset();
    }
}

// false: the slot is sent (or failed_ is set: a range cannot be sent).
bool kafka_connection::start_next_piece(slot& s) {
    sending& out = *sending_;
    const auto& gaps = s.frame.gaps;
    std::string head;
    net::file_range range;
    if (out.next_gap < gaps.size()) {
        const protocol::frame_gap& gap = gaps[out.next_gap++];
        head = s.frame.bytes.substr(out.position, gap.offset - out.position);
        out.position = gap.offset;
        const fetch_range& r = s.ranges.at(gap.id);
        range = {r.file->get(), r.file_size, r.position, r.length};
    } else {
        if (out.tail_started) return false;
        out.tail_started = true;
        if (out.position == 0) head = std::move(s.frame.bytes), s.frame.bytes.clear();
        else head = s.frame.bytes.substr(out.position);
        if (head.empty()) return false;
    }
    auto sender = net::head_and_range::start(fd(), socket_facts(), std::move(head), range, worker_.shared().transfer);
    if (!sender) {
        failed_ = true; // the frame's length promised these bytes: nothing else may follow
        return true;
    }
    out.sender.emplace(std::move(*sender));
    return true;
}

} // namespace zc::log
