// One client connection of zc serve (a session on the worker's loop): read
// the request head into a small buffer, parse it (request_parser), ask the
// handler for a response_plan, send it (net::head_and_range: the head, then
// the file range through the engine), repeat (keep-alive, pipelining), close.
//
// A connection never blocks: each call does what the socket allows and
// returns, leaving a deadline in its loop for the state it waits in:
//   a request head in progress        — header timeout, from its first byte;
//   nothing yet (new or kept alive)   — header timeout for a new connection,
//                                       keep-alive timeout between requests;
//   a response that the client stops reading — send timeout, reset by progress;
//   lingering after Connection: close — a few seconds to read the client's EOF.
// The socket is watched once, edge-triggered, for in and out; a response
// being sent stops reading (pipelined requests wait in the kernel), and the
// next read happens when the response is done, so no edge is ever lost.
//
// On io_uring (session completion I/O) the same state machine gets its bytes
// from on_received instead of recv(): it asks for one receive whenever it
// would have called recv(), so pipelined requests still wait in the kernel
// while a response is sent; a response without a file range is one send in
// the ring (on_sent says it left), a file range still goes through the
// engine, with wait_writable() when the socket is full.
//
// Memory while idle: only the connection object (socket, peer address,
// state, deadline). The read buffer goes back to the worker's pool whenever
// it is empty; the parser exists from a request's first byte until the
// connection waits again with nothing buffered; the response being sent
// exists only while it is sent.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "http/http.hpp"
#include "net/head_and_range.hpp"
#include "net/session.hpp"

namespace zc::http {

class worker;

class connection final : public net::session {
public:
    connection(unique_fd socket, const sockaddr_storage& peer, worker& owner);
    ~connection() override;

    net::outcome on_ready(net::readiness what) override;
    net::outcome on_deadline() override;
    net::outcome on_drain() override;
    // On io_uring: requests arrive as received bytes, and a response without
    // a file range (a head with an inline or small-file body) is one send in
    // the ring; a file range still goes through the engine.
    bool takes_completions() const noexcept override { return true; }
    net::outcome on_received(std::span<const std::byte> bytes) override;
    net::outcome on_sent(bool all) override;

private:
    enum class phase { reading, sending, lingering };
    enum class send_result { done, blocked, failed };

    net::outcome advance();
    net::outcome read_more();
    void go_idle();
    // second_look: the file changed size between the handler's fstat and
    // the first byte, and the request is being planned again.
    void start_response(const request& req, bool second_look = false);
    void look_again(const request& req, const response_plan& plan);
    void forget_file(const shared_fd& file);
    void start_error(int status);
    enum class start_result { started, file_shrank };
    start_result begin_sending(int status, bool close_after, std::string request_line, net::send_bytes out,
                       std::size_t inline_body, const response_plan* file_body);
    send_result send_some();
    void finish_response();
    net::outcome start_lingering();
    net::outcome linger();
    bool waiting_for_request() const noexcept;
    void take_buffer();
    void give_back_buffer();
    std::string peer_host() const;

    request_parser& parser(); // created on first use
    void release_parser_if_idle();

    worker& worker_;
    std::optional<request_parser> parser_; // only while a request is being read
    // The peer's address for the access log (IPv4 or IPv6, not the whole
    // sockaddr_storage).
    unsigned char peer_addr_[16] = {};
    sa_family_t peer_family_ = AF_UNSPEC;
    phase phase_ = phase::reading;
    bool served_one_ = false;   // keep-alive vs first-request idle timeout
    bool head_started_ = false; // bytes of the current request head arrived
    // The last recv() returned less than it asked for and no hang-up was
    // reported: the socket was empty then, and anything arriving later
    // raises a new edge. The next read waits for that event instead of
    // spending a recv() on EAGAIN.
    bool drained_ = false;
    bool hung_up_ = false; // the current event reported a hang-up or error
    bool receiving_ = false; // completion I/O: a receive is in flight
    bool client_closes_ = false; // the response being sent closes because the client asked

    std::unique_ptr<char[]> buffer_; // read buffer, only while bytes are pending
    std::size_t begin_ = 0, end_ = 0;

    // The response being sent.
    struct response {
        std::optional<net::head_and_range> sender;
        shared_fd file;            // keeps the file open while its range is sent
        std::size_t out_body = 0;  // body bytes inside the sender's head (inline or small file)
        int status = 0;            // 0: nothing may be sent (a small file shrank twice): close
        bool close_after = false;
        std::string request_line;  // access log
        // Completion I/O: the head and body were given to the ring in one send.
        bool in_ring = false;
        bool ring_in_flight = false;
        bool ring_sent_all = false;
    };
    std::unique_ptr<response> response_; // only while a response is sent
};

} // namespace zc::http
