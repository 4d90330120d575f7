#include "http/event_loop.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace zc::http {

namespace {

// epoll_event.data.ptr of the two descriptors that are not connections.
char listener_tag;
char wake_tag;

constexpr auto accept_pause = std::chrono::milliseconds(100);
constexpr std::size_t burst_connections = 1024;

} // namespace

event_loop::event_loop(const connection_settings& settings, const loop_limits& limits,
                       std::atomic<std::size_t>& open_connections, access_log* log)
    : limits_(limits), open_connections_(open_connections), log_(log), files_(settings.open_file_cache) {
    context_.settings = &settings;
    context_.deadlines = &deadlines_;
    context_.log = &log_;
    if (settings.open_file_cache > 0) context_.files = &files_;
}

event_loop::~event_loop() {
    for (auto& [c, owner] : connections_) {
        if (!c->closed) open_connections_.fetch_sub(1, std::memory_order_relaxed);
    }
    connections_.clear();
}

std::expected<std::unique_ptr<event_loop>, error> event_loop::create(unique_fd listener,
                                                                     const connection_settings& settings,
                                                                     const loop_limits& limits,
                                                                     std::atomic<std::size_t>& open_connections,
                                                                     access_log* log) {
    std::unique_ptr<event_loop> loop(new event_loop(settings, limits, open_connections, log));
    loop->epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!loop->epoll_) return std::unexpected(error::from_errno(errno, "epoll_create1"));
    loop->wake_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!loop->wake_) return std::unexpected(error::from_errno(errno, "eventfd"));
    loop->reserve_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    loop->listener_ = std::move(listener);

    epoll_event wake_event{};
    wake_event.events = EPOLLIN;
    wake_event.data.ptr = &wake_tag;
    if (::epoll_ctl(loop->epoll_.get(), EPOLL_CTL_ADD, loop->wake_.get(), &wake_event) != 0)
        return std::unexpected(error::from_errno(errno, "epoll_ctl(eventfd)"));
    loop->resume_accepting();
    if (!loop->accepting_) return std::unexpected(error::from_errno(errno, "epoll_ctl(listener)"));
    return loop;
}

void event_loop::stop() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_.get(), &one, sizeof one);
}

void event_loop::resume_accepting() {
    if (accepting_ || !listener_) return;
    // Level would do, but edge keeps one wake-up per burst; accept_all()
    // drains the queue to EAGAIN. Re-adding a listener with a waiting
    // connection reports it at once.
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.ptr = &listener_tag;
    accepting_ = ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &ev) == 0;
    resume_accept_at_ = {};
}

void event_loop::pause_accepting() {
    if (!accepting_) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
    accepting_ = false;
    resume_accept_at_ = steady_clock::now() + accept_pause;
}

void event_loop::accept_all() {
    for (;;) {
        sockaddr_storage peer{};
        socklen_t length = sizeof peer;
        unique_fd socket(::accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer), &length,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!socket) {
            const int e = errno;
            if (e == EAGAIN || e == EWOULDBLOCK) return;
            if (e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM) continue;
            if ((e == EMFILE || e == ENFILE) && reserve_) {
                reserve_.reset();
                unique_fd dropped(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
                dropped.reset();
                reserve_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            }
            pause_accepting(); // EMFILE, ENFILE, ENOBUFS, ENOMEM: try again in a moment
            return;
        }
        if (open_connections_.fetch_add(1, std::memory_order_relaxed) >= limits_.max_connections) {
            open_connections_.fetch_sub(1, std::memory_order_relaxed);
            refuse_over_limit(std::move(socket));
            continue;
        }
        const int one = 1; // small keep-alive responses must not wait for Nagle
        ::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        const int fd = socket.get();
        auto owner = std::make_unique<connection>(std::move(socket), peer, context_);
        connection* c = owner.get();
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        ev.data.ptr = c;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
            open_connections_.fetch_sub(1, std::memory_order_relaxed);
            continue; // owner's destructor closes it
        }
        connections_.emplace(c, std::move(owner));
        connections_peak_ = std::max(connections_peak_, connections_.size());
    }
}

// Past --max-connections: a 503 that says so, then close. The response fits
// in an empty socket buffer, so one non-blocking send either delivers it or
// the client was not going to read it anyway. Request bytes already here are
// read first, so that the close does not turn into a reset that eats the 503.
void event_loop::refuse_over_limit(unique_fd socket) {
    char scratch[4096];
    while (::recv(socket.get(), scratch, sizeof scratch, MSG_DONTWAIT) > 0) {
    }
    const response_plan plan = error_response(503, true, context_.settings->handler.server_name);
    const std::string out = wire_bytes(plan);
    (void)::send(socket.get(), out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(socket.get(), SHUT_WR);
    log_.add("-", "-", 503, plan.inline_body.size());
}

void event_loop::close_connection(connection* c) {
    if (c->closed) return;
    c->closed = true;
    deadlines_.clear(c, c->deadline);
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c->fd(), nullptr);
    closing_.push_back(c);
    open_connections_.fetch_sub(1, std::memory_order_relaxed);
}

// glibc keeps freed heap for reuse and returns it to the kernel only from
// the top of an arena: after 10,000 keep-alive connections came and went,
// about 0.5 KB each stayed resident for good (bench/serve-stress). When a
// burst of connections ends — at least burst_connections closed and fewer
// than half of the peak left — malloc_trim hands the free pages back a second
// later (the rest of the burst has closed by then). It walks every arena, a
// few ms at most, once per burst, never per request.
void event_loop::note_closed_connections(steady_clock::time_point now) {
    if (trim_at_ != steady_clock::time_point{} || connections_peak_ < connections_.size() + burst_connections ||
        connections_.size() > connections_peak_ / 2)
        return;
    trim_at_ = now + std::chrono::seconds(1);
}

void event_loop::give_back_memory_if_due(steady_clock::time_point now) {
    if (trim_at_ == steady_clock::time_point{} || now < trim_at_) return;
    trim_at_ = {};
    connections_peak_ = connections_.size();
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
}

void event_loop::begin_drain() {
    if (draining_) return;
    draining_ = true;
    context_.draining = true;
    drain_deadline_ = steady_clock::now() + limits_.drain_timeout;
    // Stop accepting: closing the listener hands its queue's connections a
    // reset, the other workers' listeners close at the same moment.
    if (accepting_) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listener_.get(), nullptr);
    accepting_ = false;
    listener_.reset();
    for (auto& [c, owner] : connections_)
        if (c->on_drain() == connection::outcome::closed) close_connection(c);
}

int event_loop::wait_timeout(steady_clock::time_point now) const {
    using std::chrono::milliseconds;
    std::optional<steady_clock::time_point> wake = deadlines_.next();
    const auto consider = [&](steady_clock::time_point t) {
        if (t != steady_clock::time_point{} && (!wake || t < *wake)) wake = t;
    };
    consider(resume_accept_at_);
    consider(trim_at_);
    if (draining_) consider(drain_deadline_);
    if (log_.pending()) consider(now + std::chrono::seconds(1));
    if (!wake) return -1;
    if (*wake <= now) return 0;
    // Round up: waking a millisecond early would spin once for nothing.
    return static_cast<int>(std::chrono::ceil<milliseconds>(*wake - now).count());
}

void event_loop::run() {
    std::vector<epoll_event> events(256);
    for (;;) {
        const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                                   wait_timeout(steady_clock::now()));
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < n; ++i) {
            void* tag = events[static_cast<std::size_t>(i)].data.ptr;
            if (tag == &listener_tag) {
                if (!draining_) accept_all();
            } else if (tag == &wake_tag) {
                std::uint64_t count;
                [[maybe_unused]] const ssize_t r = ::read(wake_.get(), &count, sizeof count);
                begin_drain();
            } else {
                auto* c = static_cast<connection*>(tag);
                if (!c->closed && c->on_ready(events[static_cast<std::size_t>(i)].events) == connection::outcome::closed)
                    close_connection(c);
            }
        }
        const auto now = steady_clock::now();
        while (connection* c = deadlines_.pop_expired(now)) {
            if (c->on_deadline() == connection::outcome::closed) close_connection(c);
        }
        if (!closing_.empty()) {
            for (connection* c : closing_) connections_.erase(c);
            closing_.clear();
            note_closed_connections(now);
        }
        give_back_memory_if_due(now);
        if (!accepting_ && !draining_ && resume_accept_at_ != steady_clock::time_point{} && now >= resume_accept_at_)
            resume_accepting();
        log_.flush_if_due(now);
        files_.expire(now);
        if (draining_ && (connections_.empty() || now >= drain_deadline_)) break;
    }
    log_.flush();
}

} // namespace zc::http
