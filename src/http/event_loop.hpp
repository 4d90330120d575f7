// One worker of zc serve: an edge-triggered epoll loop on one thread, with its
// own SO_REUSEPORT listening socket (the kernel spreads new connections over
// the workers' listeners), its connections, and their deadlines. Nothing is
// shared between loops except the server-wide connection count and the
// access log's writer; no thread per connection, no locks on the hot path.
//
// Accept errors: EMFILE/ENFILE would leave the connection in the queue and
// wake the loop again at once. Like nginx, the loop keeps a reserve
// descriptor: it closes it, accepts and closes the waiting connection (the
// client sees a clean close instead of hanging), reopens it, and stops
// accepting for 100 ms so that a full descriptor table cannot spin the loop.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <unordered_map>
#include <vector>

#include "http/access_log.hpp"
#include "http/connection.hpp"
#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::http {

struct loop_limits {
    std::size_t max_connections = 10'000;               // server-wide
    std::chrono::milliseconds drain_timeout{10'000};    // graceful shutdown deadline
};

class event_loop {
public:
    // Takes a bound, listening, non-blocking socket.
    static std::expected<std::unique_ptr<event_loop>, error> create(unique_fd listener,
                                                                    const connection_settings& settings,
                                                                    const loop_limits& limits,
                                                                    std::atomic<std::size_t>& open_connections,
                                                                    access_log* log);
    ~event_loop();
    event_loop(const event_loop&) = delete;
    event_loop& operator=(const event_loop&) = delete;

    // Runs until stop() and the in-flight responses end (or the drain
    // deadline passes). Thread: the loop's own.
    void run();
    // From any thread: stop accepting, finish what is in flight, return.
    void stop() noexcept;

private:
    event_loop(const connection_settings& settings, const loop_limits& limits,
               std::atomic<std::size_t>& open_connections, access_log* log);
    void accept_all();
    void refuse_over_limit(unique_fd socket);
    void pause_accepting();
    void resume_accepting();
    void begin_drain();
    void close_connection(connection* c);
    int wait_timeout(steady_clock::time_point now) const;
    void note_closed_connections(steady_clock::time_point now);
    void give_back_memory_if_due(steady_clock::time_point now);

    unique_fd epoll_;
    unique_fd listener_;
    unique_fd wake_;    // eventfd: stop()
    unique_fd reserve_; // /dev/null, given up to accept when descriptors run out
    bool accepting_ = false;
    steady_clock::time_point resume_accept_at_{};

    const loop_limits limits_;
    std::atomic<std::size_t>& open_connections_;
    access_log_buffer log_;
    deadline_queue deadlines_;
    open_file_cache files_;
    connection_context context_;
    std::unordered_map<connection*, std::unique_ptr<connection>> connections_;
    std::vector<connection*> closing_; // closed during this batch of events, freed after it
    std::size_t connections_peak_ = 0;  // since memory was last given back
    steady_clock::time_point trim_at_{}; // a burst ended: give memory back then
    bool draining_ = false;
    steady_clock::time_point drain_deadline_{};
};

} // namespace zc::http
