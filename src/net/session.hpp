// session — one connection of a protocol on a loop (HTTP's connection, the
// log's Kafka connection, the tests' echo session).
//
// Contract: every hook runs on the loop's thread and never blocks; it does
// what the socket allows and returns `open` (wait for the next readiness or
// deadline) or `closed` (the loop unwatches it, and frees it after the
// current batch of events, so a pointer to it stays valid until then).
// A session keeps at most one deadline (arm/disarm); when it passes,
// on_deadline() runs.
#pragma once

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "net/backend.hpp"
#include "net/deadline_queue.hpp"
#include "zerocopy/transfer.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::net {

class loop;

enum class outcome { open, closed };

class session {
public:
    session(unique_fd socket, loop& owner);
    virtual ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // The socket is readable, writable or hung up (edge: once per change).
    virtual outcome on_ready(readiness what) = 0;
    // The deadline set with arm() passed.
    virtual outcome on_deadline() = 0;
    // The server is stopping: close now when idle, else after the work in
    // progress (the loop ends its sessions at the drain deadline anyway).
    virtual outcome on_drain() = 0;

    // Completion I/O. A session that can take its bytes as they arrive and
    // hand over whole sends says so; on a backend that does the I/O itself
    // (io_uring) it then gets no readiness for reading: it asks for bytes
    // with receive() and gets on_received(), gives bytes away with send()
    // and gets on_sent(), and asks wait_writable() when it writes to the
    // socket itself (a file range through the engine) and the socket is
    // full. It starts with one on_ready() reporting room to write. Elsewhere
    // (epoll) nothing changes: it reads and writes the socket on on_ready().
    virtual bool takes_completions() const noexcept { return false; }
    // The bytes of one receive(), valid during the call only; none: the
    // peer closed its side or the connection failed.
    virtual outcome on_received(std::span<const std::byte> bytes) {
        (void)bytes;
        return outcome::closed;
    }
    // The bytes given to send() left (all: every one; else the connection failed).
    virtual outcome on_sent(bool all) {
        (void)all;
        return outcome::closed;
    }
    // True when the loop gave this session completion I/O.
    bool completion_io() const noexcept { return completion_io_; }
    void receive();
    void send(send_bytes bytes);
    void wait_writable();

    int fd() const noexcept { return socket_.get(); }
    // Unique within its loop, never reused: the handle other threads give
    // loop::resume() (a pointer could be freed and reused meanwhile).
    std::uint64_t id() const noexcept { return id_; }
    loop& owner() const noexcept { return loop_; }
    // What the engine needs to know about the socket (accepted TCP,
    // non-blocking), for transfer_job::start's fast form.
    const descriptor_facts& socket_facts() const noexcept { return facts_; }

    void arm(std::chrono::milliseconds after); // deadline = the loop's now() + after
    void arm_at(steady_clock::time_point when);
    void disarm();
    bool armed() const noexcept { return deadline_.due != steady_clock::time_point{}; }
    deadline_state& deadline_slot() noexcept { return deadline_; }

private:
    friend class loop;
    unique_fd socket_;
    loop& loop_;
    descriptor_facts facts_;
    deadline_state deadline_;
    std::uint64_t id_ = 0; // set by the loop when it takes the session
    bool closed_ = false; // set by the loop; freed after the current batch of events
    bool completion_io_ = false;
};

} // namespace zc::net
