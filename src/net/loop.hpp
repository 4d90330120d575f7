// loop — one worker of a server: a backend (epoll or io_uring), its own listening
// socket (SO_REUSEPORT: the kernel spreads new connections over the
// workers' listeners), its sessions and their deadlines, and its timers.
// It knows no protocol: the protocol_worker makes a session for each
// accepted connection and words the refusal past --max-connections.
// Nothing is shared between loops except the server-wide connection count;
// no thread per connection, no locks on the hot path.
//
// Accepting: on io_uring the backend accepts (a multishot accept: one
// completion per connection, no accept4, no peer address: a session that
// needs it asks the socket); elsewhere the listener's readiness and accept4
// to EAGAIN. Accepted sockets inherit TCP_NODELAY from the listener.
//
// Accept errors: EMFILE/ENFILE would leave the connection in the queue and
// wake the loop again at once. Like nginx, the loop keeps a reserve
// descriptor: it closes it, accepts and closes the waiting connection (the
// client sees a clean close instead of hanging), reopens it, and stops
// accepting for 100 ms so that a full descriptor table cannot spin the loop.
//
// Timers: periodic work (a cache's expiry, a log's flush) is a timer whose
// next_due() the loop asks before every wait, so an idle worker still wakes
// for it: the wait is bounded by the soonest deadline, timer, accept pause,
// memory trim or drain deadline.
//
// Work finished on another thread (a consumer group's rebalance, a produce
// that a long-poll fetch waits for) comes back to a session through
// resume(): the loop runs it on its own thread, only if the session is still
// open — seastar's submit_to, for one session.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "net/backend.hpp"
#include "net/deadline_queue.hpp"
#include "net/session.hpp"
#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::net {

// The protocol's part of one loop.
class protocol_worker {
public:
    virtual ~protocol_worker() = default;
    // A new connection (non-blocking, TCP_NODELAY). nullptr: refused, closed.
    virtual std::unique_ptr<session> open_session(unique_fd socket, const sockaddr_storage& peer) = 0;
    // Past the server's connection limit: say so in the protocol's words
    // (HTTP: 503) with one non-blocking send; the loop then closes it.
    virtual void refuse(int socket) = 0;
    // The loop is about to return: flush what is buffered.
    virtual void on_stop() {}
};

struct loop_limits {
    std::size_t max_connections = 10'000;            // all loops of the server together
    std::chrono::milliseconds drain_timeout{10'000}; // graceful stop: the most a stop waits
};

struct loop_timer {
    // When the timer wants to run next (nullopt: not now). Asked before
    // every wait, so it may change at any time (a cache that gained an entry).
    std::function<std::optional<steady_clock::time_point>()> next_due;
    std::function<void(steady_clock::time_point now)> run;
};

class loop {
public:
    // Takes a bound, listening, non-blocking socket.
    static std::expected<std::unique_ptr<loop>, error> create(unique_fd listener, const loop_limits& limits,
                                                              std::atomic<std::size_t>& open_connections,
                                                              backend_kind kind = backend_kind::automatic);
    ~loop();
    loop(const loop&) = delete;
    loop& operator=(const loop&) = delete;

    // Before run(): the protocol (it may add timers and keep the loop).
    void set_protocol(std::unique_ptr<protocol_worker> protocol);
    void add_timer(loop_timer timer);

    // Runs until stop() and the sessions end (or the drain deadline passes).
    // Thread: the loop's own.
    void run();
    // From any thread: stop accepting, let sessions finish, return from run().
    void stop() noexcept;

    // From any thread: run `fn` on the loop's thread with the session
    // `session_id` (session::id()) if it is still open; `closed` closes it.
    // A session gone by then, or a loop that stopped, drops `fn` unrun.
    void resume(std::uint64_t session_id, std::function<outcome(session&)> fn);
    // From any thread: run `fn` on the loop's thread.
    void post(std::function<void()> fn);

    // For sessions (loop thread only).
    void set_deadline(session& s, steady_clock::time_point when) { deadlines_.set(&s, when); }
    void clear_deadline(session& s) { deadlines_.clear(&s); }
    bool draining() const noexcept { return draining_; }
    // The time this pass of the loop began (read once after each wait, as
    // nginx's ngx_current_msec): what sessions' timeouts count from, one
    // clock read per pass instead of several per request.
    steady_clock::time_point now() const noexcept { return pass_began_; }
    std::size_t sessions() const noexcept { return sessions_.size(); }
    std::string_view backend_name() const noexcept { return backend_->name(); }
    // The backend, for a session's completion I/O (session::receive, send).
    backend& io() noexcept { return *backend_; }

private:
    loop(const loop_limits& limits, std::atomic<std::size_t>& open_connections);
    void accept_all();
    void accepted(int socket_or_error);
    void accept_failed(int error_number);
    void adopt(unique_fd socket, const sockaddr_storage& peer);
    void pause_accepting();
    void resume_accepting();
    void begin_drain();
    void close_session(session* s);
    void free_closed(steady_clock::time_point now);
    void run_due(steady_clock::time_point now);
    int wait_timeout(steady_clock::time_point now);
    void note_closed_sessions(steady_clock::time_point now);
    void give_back_memory_if_due(steady_clock::time_point now);
    void run_posted();
    void deliver(session* s, const ready_event& event);

    std::unique_ptr<backend> backend_;
    unique_fd listener_;
    unique_fd wake_;    // eventfd: stop()
    unique_fd reserve_; // /dev/null, given up to accept when descriptors run out
    unique_fd posted_;  // eventfd: post() and resume() from other threads
    bool accepting_ = false;
    bool accept_completions_ = true; // the backend accepts (io_uring), until it says it cannot
    steady_clock::time_point resume_accept_at_{};

    const loop_limits limits_;
    std::atomic<std::size_t>& open_connections_;
    std::unique_ptr<protocol_worker> protocol_;
    std::vector<loop_timer> timers_;
    std::optional<steady_clock::time_point> timers_due_; // the soonest timer when the loop last waited
    deadline_queue<session> deadlines_;
    steady_clock::time_point pass_began_ = steady_clock::now();
    std::unordered_map<session*, std::unique_ptr<session>> sessions_;
    std::unordered_map<std::uint64_t, session*> by_id_;
    std::uint64_t next_session_id_ = 1;
    struct posted_work {
        std::uint64_t session_id = 0; // 0: not for a session
        std::function<outcome(session&)> for_session;
        std::function<void()> plain;
    };
    std::mutex posted_mutex_;
    std::vector<posted_work> posted_work_; // guarded by posted_mutex_
    std::vector<session*> closing_;      // closed during this batch of events, freed after it
    std::size_t sessions_peak_ = 0;      // since memory was last given back
    steady_clock::time_point trim_at_{}; // a burst ended: give memory back then
    bool draining_ = false;
    steady_clock::time_point drain_deadline_{};
};

} // namespace zc::net
