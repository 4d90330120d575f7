// TCP plumbing for send and recv: resolve, connect, listen, accept, and the
// orderly end of a connection. Errors name the peer or the address.
#pragma once

#include <chrono>
#include <expected>
#include <string>

#include "host_port.hpp"
#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::cli {

// getaddrinfo, then each address in turn until one connects within `timeout`
// (per address). "connect to 127.0.0.1:9: Connection refused".
std::expected<unique_fd, error> connect_to(const host_port& peer, std::chrono::milliseconds timeout);

// getaddrinfo(AI_PASSIVE) (an empty host = every local address), then the
// first address that binds: SO_REUSEADDR, bind, listen.
std::expected<unique_fd, error> listen_on(const host_port& address);

// accept4, retrying EINTR and the errors that concern only the dropped
// connection (ECONNABORTED).
std::expected<unique_fd, error> accept_one(int listener);

// The local address of a socket as HOST:PORT ("127.0.0.1:4242", "[::1]:4242").
std::string local_address(int socket_fd);
// The peer's address as HOST:PORT.
std::string peer_address(int socket_fd);

// The end of a send: shutdown(SHUT_WR) so the peer reads EOF, then read (and
// discard) until the peer closes its side too, for at most `timeout`. The
// peer's close tells that it has read everything; a reset says it has not.
// Returns false, with no error, if the peer did not close in time.
std::expected<bool, error> finish_sending(int socket_fd, const std::string& peer, std::chrono::milliseconds timeout);

} // namespace zc::cli
