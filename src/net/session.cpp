#include "net/session.hpp"

#include <fcntl.h>

#include "net/loop.hpp"

namespace zc::net {

session::session(unique_fd socket, loop& owner) : socket_(std::move(socket)), loop_(owner) {
    // The loop accepts TCP connections with SOCK_NONBLOCK (loop.cpp).
    facts_.kind = fd_kind::tcp_socket;
    facts_.status_flags = O_RDWR | O_NONBLOCK;
}

session::~session() { loop_.clear_deadline(*this); }

void session::arm(std::chrono::milliseconds after) { loop_.set_deadline(*this, loop_.now() + after); }
void session::arm_at(steady_clock::time_point when) { loop_.set_deadline(*this, when); }
void session::disarm() { loop_.clear_deadline(*this); }

void session::receive() { loop_.io().receive(fd()); }
void session::send(send_bytes bytes) { loop_.io().send(fd(), std::move(bytes)); }
void session::wait_writable() { loop_.io().wait_writable(fd()); }

} // namespace zc::net
