// net::server — N loops on N threads, one listener each, one protocol.
//
// The server owns no signal handling: the caller ignores SIGPIPE, waits for
// its stop signal and calls stop(). start() returns once every listener is
// bound, so the port is known (port 0 = any free one).
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "net/loop.hpp"
#include "zerocopy/error.hpp"

namespace zc::net {

struct server_settings {
    std::string host = "127.0.0.1"; // a literal or a name; empty = every local address
    std::uint16_t port = 8080;      // 0 = a free port, the same for every worker
    unsigned workers = 0;           // 0 = one per online CPU
    loop_limits limits;
    backend_kind backend = backend_kind::automatic;
};

// Makes the protocol's part of one loop (called once per worker, before the
// worker's thread starts).
using protocol_factory = std::function<std::expected<std::unique_ptr<protocol_worker>, error>(loop&)>;

class server {
public:
    static std::expected<server, error> start(const server_settings& settings, const protocol_factory& make_protocol);
    server(server&&) noexcept;
    server& operator=(server&&) noexcept;
    ~server(); // stop() + wait()

    // The bound address as HOST:PORT ("127.0.0.1:43121", "[::1]:8080").
    const std::string& local_address() const noexcept;
    unsigned workers() const noexcept;
    // Stop accepting, let sessions finish (up to the drain timeout). Returns
    // at once; any thread.
    void stop() noexcept;
    // Blocks until every worker has returned.
    void wait();

    struct impl;

private:
    explicit server(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

} // namespace zc::net
