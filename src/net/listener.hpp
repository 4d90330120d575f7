// listener — the listening sockets of a server: the first address of
// HOST:PORT that binds, then one more socket on exactly that address per
// extra worker (SO_REUSEPORT: the kernel spreads connections over them).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::net {

struct bound_listeners {
    std::vector<unique_fd> sockets; // listening, non-blocking, SO_REUSEPORT
    std::string address;            // "127.0.0.1:43121", "[::1]:8080" (the real port for port 0)
};

// host: a literal or a name, empty = every local address; port 0 = a free one.
std::expected<bound_listeners, error> listen_on(const std::string& host, std::uint16_t port, unsigned count);

// "127.0.0.1:8080" / "[::1]:8080".
std::string address_text(const sockaddr_storage& address);

} // namespace zc::net
