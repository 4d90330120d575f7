#include "net/loop.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

namespace zc::net {

namespace {

// Tags of the two descriptors that are not sessions.
char listener_tag;
char wake_tag;
char posted_tag;

constexpr auto accept_pause = std::chrono::milliseconds(100);
constexpr std::size_t burst_sessions = 1024;
constexpr std::size_t events_per_wait = 256;

void signal_eventfd(int fd) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof one);
}

} // namespace

loop::loop(const loop_limits& limits, std::atomic<std::size_t>& open_connections)
    : limits_(limits), open_connections_(open_connections) {}

loop::~loop() {
    for (auto& [s, owner] : sessions_)
        if (!s->closed_) open_connections_.fetch_sub(1, std::memory_order_relaxed);
    sessions_.clear();
    protocol_.reset();
}

std::expected<std::unique_ptr<loop>, error> loop::create(unique_fd listener, const loop_limits& limits,
                                                          std::atomic<std::size_t>& open_connections,
                                                          backend_kind kind) {
    std::unique_ptr<loop> l(new loop(limits, open_connections));
    auto chosen = make_backend(kind);
    if (!chosen) return std::unexpected(chosen.error());
    l->backend_ = std::move(*chosen);
    l->wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!l->wake_) return std::unexpected(error::from_errno(errno, "eventfd"));
    l->reserve_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    l->posted_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!l->posted_) return std::unexpected(error::from_errno(errno, "eventfd"));
    if (auto ok = l->backend_->watch(l->posted_.get(), &posted_tag, watch_mode::level_read); !ok)
        return std::unexpected(ok.error().wrap("posted-work eventfd"));
    l->listener_ = std::move(listener);
    // Accepted sockets inherit TCP_NODELAY from their listener (small
    // responses must not wait for Nagle): one setsockopt here, none per
    // connection. Not TCP (a test's socket): no harm.
    const int one = 1;
    ::setsockopt(l->listener_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (auto ok = l->backend_->watch(l->wake_.get(), &wake_tag, watch_mode::level_read); !ok)
        return std::unexpected(ok.error().wrap("stop eventfd"));
    l->resume_accepting();
    if (!l->accepting_) return std::unexpected(error::from_errno(errno, "watch listener"));
    return l;
}

void loop::set_protocol(std::unique_ptr<protocol_worker> protocol) { protocol_ = std::move(protocol); }
void loop::add_timer(loop_timer timer) { timers_.push_back(std::move(timer)); }

void loop::stop() noexcept { signal_eventfd(wake_.get()); }

void loop::resume(std::uint64_t session_id, std::function<outcome(session&)> fn) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_work_.push_back({session_id, std::move(fn), {}});
    }
    signal_eventfd(posted_.get());
}

void loop::post(std::function<void()> fn) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_work_.push_back({0, {}, std::move(fn)});
    }
    signal_eventfd(posted_.get());
}

void loop::run_posted() {
    std::uint64_t count;
    [[maybe_unused]] const ssize_t r = ::read(posted_.get(), &count, sizeof count);
    std::vector<posted_work> work;
    {
        std::lock_guard lock(posted_mutex_);
        work.swap(posted_work_);
    }
    for (posted_work& w : work) {
        if (w.plain) {
            w.plain();
            continue;
        }
        const auto found = by_id_.find(w.session_id);
        if (found == by_id_.end() || found->second->closed_) continue;
        if (w.for_session(*found->second) == outcome::closed) close_session(found->second);
    }
}

void loop::resume_accepting() {
    if (accepting_ || !listener_) return;
    resume_accept_at_ = {};
    // io_uring accepts by itself (one event per connection, no accept4).
    if (accept_completions_ && backend_->watch_accepts(listener_.get(), &listener_tag)) {
        accepting_ = true;
        return;
    }
    accept_completions_ = false;
    // Edge keeps one wake-up per burst; accept_all() drains the queue to
    // EAGAIN. Watching a listener with a waiting connection reports it at once.
    accepting_ = backend_->watch(listener_.get(), &listener_tag, watch_mode::edge_read).has_value();
}

void loop::pause_accepting() {
    if (!accepting_) return;
    backend_->unwatch(listener_.get());
    accepting_ = false;
    resume_accept_at_ = steady_clock::now() + accept_pause;
}

void loop::accept_all() {
    for (;;) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        unique_fd socket(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &length,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!socket) {
            const int e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK) return;
            if (accept_error_passes(e)) continue;
            accept_failed(e);
            return;
        }
        adopt(std::move(socket), peer);
    }
}

// The backend accepted (io_uring's multishot accept): the descriptor, or why not.
void loop::accepted(int socket_or_error) {
    if (socket_or_error < 0) return accept_failed(-socket_or_error);
    unique_fd socket(socket_or_error);
    if (draining_) return; // closed: the listener is going away
    adopt(std::move(socket), sockaddr_storage{}); // the peer's address: the session asks if it needs it
}

// EMFILE, ENFILE, ENOBUFS, ENOMEM: try again in a moment. Out of
// descriptors, the reserve one is given up to take the waiting connection
// off the queue (and close it), so that the client is not left hanging.
void loop::accept_failed(int e) {
    if (e == EINVAL || e == EOPNOTSUPP) accept_completions_ = false; // a kernel without multishot accept: accept4 again
    if ((e == EMFILE || e == ENFILE) && reserve_) {
        reserve_.reset();
        unique_fd dropped(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
        dropped.reset();
        reserve_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }
    pause_accepting();
}

// A new connection becomes a session, or is refused past the limit.
void loop::adopt(unique_fd socket, const sockaddr_storage& peer) {
    if (open_connections_.fetch_add(1, std::memory_order_relaxed) >= limits_.max_connections) {
        open_connections_.fetch_sub(1, std::memory_order_relaxed);
        protocol_->refuse(socket.get());
        return; // closed here
    }
    const int fd = socket.get();
    std::unique_ptr<session> owner = protocol_->open_session(std::move(socket), peer);
    if (!owner) {
        open_connections_.fetch_sub(1, std::memory_order_relaxed);
        return;
    }
    session* s = owner.get();
    const bool completions = backend_->completes_io() && s->takes_completions();
    const auto watched =
        completions ? backend_->watch_completions(fd, s) : backend_->watch(fd, s, watch_mode::edge_read_write);
    if (!watched) {
        open_connections_.fetch_sub(1, std::memory_order_relaxed);
        return; // owner's destructor closes it
    }
    s->completion_io_ = completions;
    s->id_ = next_session_id_++;
    by_id_.emplace(s->id_, s);
    sessions_.emplace(s, std::move(owner));
    sessions_peak_ = std::max(sessions_peak_, sessions_.size());
    // Readiness reports a new socket writable at once; a session with
    // completion I/O hears the same, and starts its first receive.
    if (completions && s->on_ready(readiness{false, true, false}) == outcome::closed) close_session(s);
}

void loop::close_session(session* s) {
    if (s->closed_) return;
    s->closed_ = true;
    deadlines_.clear(s);
    backend_->unwatch(s->fd());
    closing_.push_back(s);
    open_connections_.fetch_sub(1, std::memory_order_relaxed);
}

void loop::free_closed(steady_clock::time_point now) {
    if (closing_.empty()) return;
    for (session* s : closing_) {
        by_id_.erase(s->id_);
        sessions_.erase(s);
    }
    closing_.clear();
    note_closed_sessions(now);
}

// glibc keeps freed heap for reuse and returns it to the kernel only from
// the top of an arena: after 10,000 keep-alive connections came and went,
// about 0.5 KB each stayed resident for good (bench/serve-stress). When a
// burst of connections ends — at least burst_sessions closed and fewer than
// half of the peak left — malloc_trim hands the free pages back a second
// later (the rest of the burst has closed by then). It walks every arena, a
// few ms at most, once per burst, never per request.
void loop::note_closed_sessions(steady_clock::time_point now) {
    if (trim_at_ != steady_clock::time_point{} || sessions_peak_ < sessions_.size() + burst_sessions ||
        sessions_.size() > sessions_peak_ / 2)
        return;
    trim_at_ = now + std::chrono::seconds(1);
}

void loop::give_back_memory_if_due(steady_clock::time_point now) {
    if (trim_at_ == steady_clock::time_point{} || now < trim_at_) return;
    trim_at_ = {};
    sessions_peak_ = sessions_.size();
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
}

void loop::begin_drain() {
    if (draining_) return;
    draining_ = true;
    drain_deadline_ = steady_clock::now() + limits_.drain_timeout;
    // Stop accepting: closing the listener hands its queue's connections a
    // reset; the other workers' listeners close at the same moment.
    if (accepting_) backend_->unwatch(listener_.get());
    accepting_ = false;
    listener_.reset();
    for (auto& [s, owner] : sessions_)
        if (!s->closed_ && s->on_drain() == outcome::closed) close_session(s);
}

int loop::wait_timeout(steady_clock::time_point now) {
    const auto sooner = [](std::optional<steady_clock::time_point>& soonest, std::optional<steady_clock::time_point> t) {
        if (t && *t != steady_clock::time_point{} && (!soonest || *t < *soonest)) soonest = t;
    };
    timers_due_.reset();
    for (const loop_timer& t : timers_) sooner(timers_due_, t.next_due());
    std::optional<steady_clock::time_point> wake = deadlines_.next();
    sooner(wake, timers_due_);
    sooner(wake, resume_accept_at_);
    sooner(wake, trim_at_);
    if (draining_) sooner(wake, drain_deadline_);
    if (!wake) return -1;
    if (*wake <= now) return 0;
    // Round up: waking a millisecond early would spin once for nothing.
    return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(*wake - now).count());
}

void loop::run_due(steady_clock::time_point now) {
    while (session* s = deadlines_.pop_expired(now))
        if (s->on_deadline() == outcome::closed) close_session(s);
    free_closed(now);
    give_back_memory_if_due(now);
    if (!accepting_ && !draining_ && resume_accept_at_ != steady_clock::time_point{} && now >= resume_accept_at_)
        resume_accepting();
    // Timers are asked again only when the soonest one seen before the wait
    // is due: most passes (a request or two) ask none of them.
    if (!timers_due_ || *timers_due_ > now) return;
    for (const loop_timer& t : timers_)
        if (const auto due = t.next_due(); due && *due <= now) t.run(now);
}

void loop::deliver(session* s, const ready_event& event) {
    outcome after = outcome::open;
    if (!s->closed_) switch (event.kind) {
        case event_kind::ready: after = s->on_ready(event.what); break;
        case event_kind::received: after = s->on_received(event.bytes); break;
        case event_kind::sent: after = s->on_sent(event.sent_all); break;
        case event_kind::accepted: break; // listeners only
        }
    backend_->recycle(event); // the session copied what it keeps
    if (after == outcome::closed) close_session(s);
}

void loop::run() {
    std::array<ready_event, events_per_wait> events;
    auto now = steady_clock::now();
    pass_began_ = now;
    for (;;) {
        const auto waited = backend_->wait(events, wait_timeout(now));
        if (!waited) break;
        pass_began_ = steady_clock::now();
        for (std::size_t i = 0; i < *waited; ++i) {
            void* tag = events[i].tag;
            if (tag == &listener_tag) {
                if (events[i].kind == event_kind::accepted) accepted(events[i].accepted);
                else if (!draining_) accept_all();
            } else if (tag == &wake_tag) {
                std::uint64_t count;
                [[maybe_unused]] const ssize_t r = ::read(wake_.get(), &count, sizeof count);
                begin_drain();
            } else if (tag == &posted_tag) {
                run_posted();
            } else {
                deliver(static_cast<session*>(tag), events[i]);
            }
        }
        now = steady_clock::now();
        run_due(now);
        if (draining_ && (sessions_.empty() || now >= drain_deadline_)) break;
    }
    if (protocol_) protocol_->on_stop();
}

} // namespace zc::net
