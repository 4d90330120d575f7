// One client connection of zc serve: read the request head into a small
// buffer, parse it (request_parser), ask the handler for a response_plan,
// send it, repeat (keep-alive, pipelining), close.
//
// A connection never blocks: each call does what the socket allows and
// returns, leaving a deadline in its event loop for the state it waits in:
//   a request head in progress        — header timeout, from its first byte;
//   nothing yet (new or kept alive)   — header timeout for a new connection,
//                                       keep-alive timeout between requests;
//   a response that the client stops reading — send timeout, reset by progress;
//   lingering after Connection: close — a few seconds to read the client's EOF.
// The socket is registered once, edge-triggered, for in and out; a response
// being sent stops reading (pipelined requests wait in the kernel), and the
// next read happens when the response is done, so no edge is ever lost.
//
// Memory while idle: only the connection object (socket, peer address,
// state, deadline). The read buffer goes back to the loop's
// pool whenever it is empty; the parser exists from a request's first byte
// until the connection waits again with nothing buffered; the response being
// sent exists only while it is sent.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "http/access_log.hpp"
#include "http/http.hpp"
#include "http/open_file_cache.hpp"
#include "zerocopy/transfer.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::http {

using steady_clock = std::chrono::steady_clock;

class connection;

// A plan's head and inline body as they go on the wire.
inline std::string wire_bytes(const response_plan& plan) {
    std::string out;
    out.reserve(plan.head.size() + plan.inline_body.size());
    out.append(plan.head).append(plan.inline_body);
    return out;
}

// Deadlines of one loop's connections, soonest first (a balanced tree: moving
// one is O(log n) with 10,000 connections). Each connection has at most one,
// stored in the connection too (`slot`, steady_clock::time_point{} = none) so
// that it can be found and moved.
class deadline_queue {
public:
    void set(connection* owner, steady_clock::time_point& slot, steady_clock::time_point when);
    void clear(connection* owner, steady_clock::time_point& slot);
    std::optional<steady_clock::time_point> next() const;
    // Removes and returns the owner of the first deadline at or before now
    // (its slot is cleared), or nullptr.
    connection* pop_expired(steady_clock::time_point now);

private:
    std::set<std::pair<steady_clock::time_point, connection*>> entries_;
};

// What every connection of the server shares (read-only after start).
struct connection_settings {
    static_config handler;
    parser_limits limits;
    transfer_options transfer;      // strategy; guard_sigpipe off (SIGPIPE ignored)
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds keepalive_timeout{15'000};
    std::chrono::milliseconds send_timeout{60'000};
    std::chrono::milliseconds linger_timeout{5'000};
    // Files up to this size are read into the head's buffer and leave in one
    // send(); larger ones go head (MSG_MORE) then transfer_job.
    std::size_t inline_file_limit = 16 * 1024;
    std::size_t read_buffer_size = 16 * 1024; // ≥ limits.max_head_bytes + a little
    // File bodies leave by sendfile() from the connection instead of through a
    // transfer_job (auto and sendfile: what the engine would pick for a TCP
    // sink, without its per-transfer probing of both descriptors).
    bool direct_sendfile = false;
    std::size_t open_file_cache = 256; // entries per loop; 0 = off
};

// Per-loop services a connection uses.
struct connection_context {
    const connection_settings* settings = nullptr;
    deadline_queue* deadlines = nullptr;
    access_log_buffer* log = nullptr;
    open_file_cache* files = nullptr;                   // nullptr: every request opens
    std::vector<std::unique_ptr<char[]>> spare_buffers; // read buffers not in use
    bool draining = false;                              // the server is shutting down
};

class connection {
public:
    connection(unique_fd socket, const sockaddr_storage& peer, connection_context& context);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    enum class outcome { open, closed };
    // Any epoll event (events: its mask): reads, parses, sends as far as the
    // socket allows.
    outcome on_ready(std::uint32_t events);
    // Its deadline passed.
    outcome on_deadline();
    // The server is shutting down: closes now if no request is under way,
    // else after the current response.
    outcome on_drain();

    int fd() const noexcept { return socket_.get(); }
    steady_clock::time_point deadline{}; // owned by deadline_queue
    bool closed = false;                  // set by the loop; freed after the current batch of events

private:
    enum class phase { reading, sending, lingering };
    enum class send_result { done, blocked, failed };

    outcome advance();
    outcome read_more();
    void go_idle();
    // second_look: the file changed size between the handler's fstat and
    // the first byte, and the request is being planned again.
    void start_response(const request& req, bool second_look = false);
    void abandon_response();
    void start_error(int status);
    send_result send_some();
    send_result send_file_direct();
    enum class body_start { started, source_shrank, failed };
    body_start start_body(const response_plan& plan);
    void finish_response();
    outcome start_lingering();
    outcome linger();
    bool waiting_for_request() const noexcept;
    void arm(std::chrono::milliseconds after);
    void take_buffer();
    void give_back_buffer();
    std::string peer_host() const;

    request_parser& parser(); // created on first use
    void release_parser_if_idle();

    unique_fd socket_;
    connection_context& context_;
    std::optional<request_parser> parser_; // only while a request is being read
    // The peer's address for the access log (IPv4 or IPv6, not the whole
    // sockaddr_storage).
    unsigned char peer_addr_[16] = {};
    sa_family_t peer_family_ = AF_UNSPEC;
    phase phase_ = phase::reading;
    bool served_one_ = false;  // keep-alive vs first-request idle timeout
    bool head_started_ = false; // bytes of the current request head arrived
    // The last recv() returned less than it asked for and no hang-up was
    // reported: the socket was empty then, and anything arriving later
    // raises a new edge. The next read waits for that event instead of
    // spending a recv() on EAGAIN.
    bool drained_ = false;
    bool hung_up_ = false; // the current event reported EPOLLRDHUP/HUP/ERR

    std::unique_ptr<char[]> buffer_; // read buffer, only while bytes are pending
    std::size_t begin_ = 0, end_ = 0;

    // The response being sent.
    struct response {
        std::string out; // head, plus an inline or small-file body
        std::size_t out_sent = 0;
        std::size_t out_body = 0; // body bytes inside `out`
        shared_fd file;
        std::uint64_t file_offset = 0; // direct sendfile: next byte, and bytes left
        std::uint64_t file_left = 0;
        std::optional<transfer_job> job;
        int status = 0;
        bool close_after = false;
        std::string request_line; // access log
        std::uint64_t file_sent = 0;  // direct sendfile: body bytes sent
        // Head and body bytes sent so far.
        std::uint64_t bytes_sent() const noexcept { return out_sent + file_sent + (job ? job->bytes_done() : 0); }
    };
    std::unique_ptr<response> response_; // only while a response is sent
};

} // namespace zc::http
