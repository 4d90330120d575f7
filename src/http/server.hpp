// zc serve's core: N workers, each an event_loop with its own SO_REUSEPORT
// listener on the same address, serving files under one root.
//
// The server owns no signal handling: the caller (apps/zc/cmd_serve.cpp)
// ignores SIGPIPE, waits for SIGTERM/SIGINT and calls stop(). start() returns
// once every listener is bound, so the port is known (port 0 = any free one).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "zerocopy/error.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::http {

struct server_options {
    std::string host = "127.0.0.1"; // a literal or a name; empty = every local address
    std::uint16_t port = 8080;      // 0 = a free port, the same for every worker
    std::string root = ".";
    unsigned workers = 0;           // 0 = one per online CPU
    strategy_id strategy = strategy_id::automatic;
    bool list_directories = false;
    std::string access_log;         // empty = off; "-" = standard output
    std::size_t max_connections = 10'000;
    std::chrono::milliseconds header_timeout{10'000};
    std::chrono::milliseconds keepalive_timeout{15'000};
    std::chrono::milliseconds send_timeout{60'000};
    std::chrono::milliseconds drain_timeout{10'000};
    std::size_t inline_file_limit = 16 * 1024;
    std::size_t open_file_cache = 256; // open files kept per worker; 0 = off
};

class server {
public:
    // Opens the root, binds the listeners, starts the workers.
    static std::expected<server, error> start(const server_options& options);
    server(server&&) noexcept;
    server& operator=(server&&) noexcept;
    ~server(); // stop() + wait()

    // The bound address as HOST:PORT ("127.0.0.1:43121", "[::1]:8080").
    std::string local_address() const;
    unsigned workers() const noexcept;
    // Stop accepting, finish in-flight responses (up to drain_timeout). Returns
    // at once; any thread.
    void stop() noexcept;
    // Blocks until every worker has returned.
    void wait();

    struct impl;

private:
    explicit server(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

} // namespace zc::http
