#include "net/listener.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace zc::net {

std::string address_text(const sockaddr_storage& a) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (a.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(a);
        ::inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
        std::string text(1, '[');
        text.append(host).append("]:").append(std::to_string(ntohs(in6.sin6_port)));
        return text;
    }
    const auto& in = reinterpret_cast<const sockaddr_in&>(a);
    ::inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
    std::string text(host);
    text.append(1, ':').append(std::to_string(ntohs(in.sin_port)));
    return text;
}

namespace {

// SO_REUSEPORT (every worker binds the same address), then listen with a
// deep queue (the kernel caps it at somaxconn).
std::expected<unique_fd, error> listen_at(const sockaddr_storage& address, socklen_t length) {
    unique_fd s(::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s) return std::unexpected(error::from_errno(errno, "socket"));
    const int one = 1;
    if (::setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        ::setsockopt(s.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
        return std::unexpected(error::from_errno(errno, "setsockopt(SO_REUSEPORT)"));
    if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0)
        return std::unexpected(error::from_errno(errno, "bind " + address_text(address)));
    if (::listen(s.get(), 4096) != 0) return std::unexpected(error::from_errno(errno, "listen " + address_text(address)));
    return s;
}

struct first_bound {
    unique_fd socket;
    sockaddr_storage address{};
    socklen_t length = 0;
};

// The first address of host:port that binds, with the real port filled in.
std::expected<first_bound, error> first_listener(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
    if (rc != 0)
        return std::unexpected(error(std::make_error_code(std::errc::invalid_argument),
                                     "resolve '" + host + "': " + ::gai_strerror(rc)));
    std::optional<error> last;
    for (addrinfo* a = found; a; a = a->ai_next) {
        first_bound b;
        std::memcpy(&b.address, a->ai_addr, a->ai_addrlen);
        auto s = listen_at(b.address, a->ai_addrlen);
        if (!s) {
            last = s.error();
            continue;
        }
        b.length = a->ai_addrlen;
        ::getsockname(s->get(), reinterpret_cast<sockaddr*>(&b.address), &b.length);
        b.socket = std::move(*s);
        ::freeaddrinfo(found);
        return b;
    }
    ::freeaddrinfo(found);
    return std::unexpected(last ? *last : error::from_errno(EADDRNOTAVAIL, "listen on '" + host + "'"));
}

} // namespace

std::expected<bound_listeners, error> listen_on(const std::string& host, std::uint16_t port, unsigned count) {
    auto first = first_listener(host, port);
    if (!first) return std::unexpected(first.error());
    bound_listeners out;
    out.address = address_text(first->address);
    out.sockets.push_back(std::move(first->socket));
    for (unsigned i = 1; i < count; ++i) {
        auto s = listen_at(first->address, first->length);
        if (!s) return std::unexpected(s.error());
        out.sockets.push_back(std::move(*s));
    }
    return out;
}

} // namespace zc::net
