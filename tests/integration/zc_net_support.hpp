// Loopback sockets on the test side of send/recv tests: a listener to send
// into, a client to receive from. 127.0.0.1 and ::1 only.
//
// Header-only: tests/CMakeLists.txt compiles integration/*_test.cpp only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/io.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::test {

struct loopback_address {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

inline loopback_address loopback(bool ipv6, int port) {
    loopback_address a;
    if (ipv6) {
        auto& in6 = reinterpret_cast<sockaddr_in6&>(a.storage);
        in6.sin6_family = AF_INET6;
        in6.sin6_addr = in6addr_loopback;
        in6.sin6_port = htons(static_cast<std::uint16_t>(port));
        a.length = sizeof in6;
    } else {
        auto& in = reinterpret_cast<sockaddr_in&>(a.storage);
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        in.sin_port = htons(static_cast<std::uint16_t>(port));
        a.length = sizeof in;
    }
    return a;
}

// Whether ::1 can be bound here (containers may lack IPv6).
inline bool ipv6_loopback_usable() {
    unique_fd s(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s) return false;
    auto a = loopback(true, 0);
    return ::bind(s.get(), reinterpret_cast<sockaddr*>(&a.storage), a.length) == 0;
}

// A listening socket on the loopback, port chosen by the kernel.
struct test_listener {
    unique_fd fd;
    int port = 0;

    explicit test_listener(bool ipv6 = false) {
        fd = unique_fd(::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        auto a = loopback(ipv6, 0);
        if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a.storage), a.length) != 0 || ::listen(fd.get(), 4) != 0)
            throw std::runtime_error(std::string("test listener: ") + std::strerror(errno));
        socklen_t length = sizeof a.storage;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a.storage), &length);
        port = ntohs(reinterpret_cast<sockaddr_in&>(a.storage).sin_port); // same offset in sockaddr_in6
    }

    // Waits at most 20 s for a connection (an empty fd otherwise); the
    // accepted socket's reads give up after 30 s of silence, so no test hangs.
    unique_fd accept_one() const {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 20000) != 1) return unique_fd();
        unique_fd s(::accept4(fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
        timeval limit{30, 0};
        if (s) ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        return s;
    }
};

inline unique_fd connect_loopback(int port, bool ipv6 = false) {
    unique_fd s(::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    auto a = loopback(ipv6, port);
    if (!s || ::connect(s.get(), reinterpret_cast<sockaddr*>(&a.storage), a.length) != 0)
        throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    return s;
}

inline bool write_all(int fd, std::string_view data) {
    return zc::detail::send_all(fd, zc::detail::as_bytes(data)).has_value();
}

// Reads until EOF or error.
inline std::string read_all(int fd) {
    std::string out;
    char buffer[65536];
    for (;;) {
        const ssize_t n = zc::detail::retry_on_eintr([&] { return ::read(fd, buffer, sizeof buffer); });
        if (n <= 0) return out;
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

} // namespace zc::test
