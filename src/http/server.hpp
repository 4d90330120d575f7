// zc serve's core: HTTP on the reactor. N workers (net::server: one loop and
// one SO_REUSEPORT listener each), every one with an http::worker serving
// the files under one root.
//
// The server owns no signal handling: the caller (apps/zc/cmd_serve.cpp)
// ignores SIGPIPE, waits for SIGTERM/SIGINT and calls stop(). start() returns
// once every listener is bound, so the port is known (port 0 = any free one).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "http/settings.hpp"
#include "zerocopy/error.hpp"

namespace zc::http {

class server {
public:
    // Opens the root and the access log, binds the listeners, starts the
    // workers. The settings are copied.
    static std::expected<server, error> start(const serve_settings& settings);
    server(server&&) noexcept;
    server& operator=(server&&) noexcept;
    ~server(); // stop() + wait()

    // The bound address as HOST:PORT ("127.0.0.1:43121", "[::1]:8080").
    std::string local_address() const;
    unsigned workers() const noexcept;
    // Stop accepting, finish in-flight responses (up to the drain timeout).
    // Returns at once; any thread.
    void stop() noexcept;
    // Blocks until every worker has returned.
    void wait();

    struct impl;

private:
    explicit server(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

} // namespace zc::http
