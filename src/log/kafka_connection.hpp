// kafka_connection — one Kafka client connection of `zc log serve` (a
// session on its worker's loop), and kafka_worker, the protocol's part of
// one loop.
//
// Framing: a 4-byte big-endian size, then the request; a size over
// protocol::max_frame_bytes closes the connection before anything is
// buffered. Requests are pipelined and answered strictly in request order
// through a queue of slots, each ready (an encoded frame) or waiting (a
// long-poll fetch, or an async_api's reply that comes later, maybe from
// another thread, through loop::resume). Only the front slot is sent, and
// only once it is ready.
//
// Closing, as Kafka does: an unknown API key, a key this broker does not
// serve, an unsupported version (except ApiVersions, which is answered in
// v0 with UNSUPPORTED_VERSION and the version list so that the client can
// pick one), a request that does not decode. Produce with acks=0 gets no
// response.
//
// Backpressure: past max_queued_responses slots or max_queued_bytes of
// encoded responses the connection stops reading, so a client that sends
// fetches and never reads the answers leaves its requests in the kernel's
// socket buffers (and then its own), not in the server's memory. The read
// buffer holds at most one frame (≤ 100 MiB, Kafka's socket.request.max.bytes)
// plus one read, grows by doubling as a large frame's bytes arrive (not to
// the size the prefix claims), and is freed whenever it is empty.
//
// Idle: a connection without a byte in or out for idle_timeout (Kafka's
// connections.max.idle.ms, 10 minutes) is closed.
//
// The fetch path: each partition's data is a file range (partition_log::
// read_range); the response is encoded with those as gaps, and sent as the
// bytes before the first gap, the first range (net::head_and_range: the
// engine picks sendfile, splice... per --fetch), the bytes up to the next
// gap, and so on.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log/async_api.hpp"
#include "log/broker.hpp"
#include "log/kafka_handlers.hpp"
#include "log/protocol.hpp"
#include "net/head_and_range.hpp"
#include "net/loop.hpp"
#include "net/session.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::log {

using steady_clock = std::chrono::steady_clock;

struct kafka_limits {
    std::size_t max_queued_responses = 64;
    std::size_t max_queued_bytes = 16u << 20;
    std::chrono::milliseconds idle_timeout{600'000};
    std::size_t read_size = 64u << 10; // one recv() at most
};

// What every worker shares, read-only while the server runs.
struct kafka_shared {
    broker* log = nullptr;
    std::vector<async_api*> apis;
    transfer_options transfer; // the --fetch strategy; SIGPIPE is ignored by the process
    kafka_limits limits;
};

class kafka_worker final : public net::protocol_worker {
public:
    kafka_worker(net::loop& loop, const kafka_shared& shared) : loop_(loop), shared_(shared) {}
    std::unique_ptr<net::session> open_session(unique_fd socket, const sockaddr_storage& peer) override;
    // Kafka has no refusal message: read what came, then close.
    void refuse(int socket) override;

    net::loop& loop() const noexcept { return loop_; }
    const kafka_shared& shared() const noexcept { return shared_; }

private:
    net::loop& loop_;
    const kafka_shared& shared_;
};

// How far the front response is sent. Outside kafka_connection so that it is
// a complete type where std::optional asks whether it is constructible
// (clang refuses a nested class with member initialisers there).
struct kafka_send_progress {
    std::size_t next_gap = 0;  // gaps before it are sent or being sent
    std::size_t position = 0;  // frame bytes before it are handed to a sender
    bool tail_started = false; // the bytes after the last gap
    std::optional<net::head_and_range> sender;
};

class kafka_connection final : public net::session {
public:
    kafka_connection(unique_fd socket, kafka_worker& owner);
    ~kafka_connection() override;

    net::outcome on_ready(net::readiness what) override;
    net::outcome on_deadline() override;
    net::outcome on_drain() override;

    // From loop::resume: an async_api's reply for slot `sequence`; a
    // partition a parked fetch waits on was appended to.
    net::outcome on_async_reply(std::uint64_t sequence, protocol::message body);
    net::outcome on_fetch_wake(std::uint64_t token);

private:
    struct parked_fetch {
        kafka::fetch_ask ask;
        steady_clock::time_point deadline;
        std::uint64_t waiter = 0; // broker token; 0 while not registered
    };
    struct slot {
        std::uint64_t sequence = 0;
        std::int16_t api_key = 0;
        std::int16_t version = 0;
        std::int32_t correlation_id = 0;
        bool ready = false;
        bool broken = false;   // its response could not be encoded: the connection ends there
        std::size_t accounted = 0; // its bytes in queued_bytes_
        protocol::encoded_frame frame;
        std::vector<fetch_range> ranges;    // the frame's gaps' file slices, by gap id
        std::unique_ptr<parked_fetch> fetch; // a waiting long-poll fetch
    };
    using sending = kafka_send_progress;

    net::outcome advance();
    enum class step { progress, blocked, failed };
    step send_front();
    bool start_next_piece(slot& s);
    step read_more();
    enum class parse { frame_done, need_more, close };
    parse handle_one_frame();
    bool dispatch(protocol::request& request, std::span<std::byte> frame_body);
    slot& new_slot(const protocol::request_header& header);
    void make_ready(slot& s, const protocol::message& body);
    void start_fetch(slot& s, const protocol::request& request);
    void evaluate_fetch(slot& s, bool force);
    void finish_fetches();
    bool backpressured() const noexcept;
    void rearm();
    void free_buffer_if_empty();
    slot* find_slot(std::uint64_t sequence);

    kafka_worker& worker_;
    broker& broker_;
    std::deque<slot> queue_;
    std::uint64_t next_sequence_ = 1;
    std::size_t queued_bytes_ = 0;
    std::optional<sending> sending_; // the front slot, once it is ready and sent
    std::unique_ptr<std::byte[]> buffer_;
    std::size_t capacity_ = 0, begin_ = 0, end_ = 0;
    bool failed_ = false; // a protocol violation: close once what is queued before it is sent
    steady_clock::time_point last_activity_;
};

} // namespace zc::log
