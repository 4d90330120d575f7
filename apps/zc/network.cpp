#include "network.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include <fmt/format.h>

#include "core/io.hpp"

namespace zc::cli {
namespace {

// getaddrinfo's EAI_* codes are not errnos; give them a category so they
// travel in a zc::error like everything else.
class resolver_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "getaddrinfo"; }
    std::string message(int value) const override { return ::gai_strerror(value); }
};

const std::error_category& resolver_category() {
    static const resolver_category_impl category;
    return category;
}

struct addrinfo_deleter {
    void operator()(addrinfo* list) const noexcept { ::freeaddrinfo(list); }
};
using addrinfo_list = std::unique_ptr<addrinfo, addrinfo_deleter>;

std::expected<addrinfo_list, error> resolve(const host_port& address, int flags) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = flags | AI_NUMERICSERV;
    const std::string port = std::to_string(address.port);
    addrinfo* list = nullptr;
    const int rc = ::getaddrinfo(address.host.empty() ? nullptr : address.host.c_str(), port.c_str(), &hints, &list);
    if (rc == EAI_SYSTEM) return std::unexpected(error::from_errno(errno, fmt::format("resolve '{}'", address.host)));
    if (rc != 0)
        return std::unexpected(error(std::error_code(rc, resolver_category()), fmt::format("resolve '{}'", address.host)));
    return addrinfo_list(list);
}

std::string format_address(const sockaddr_storage& storage) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (storage.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(storage);
        ::inet_ntop(AF_INET, &in.sin_addr, host, sizeof host);
        return host_port{host, ntohs(in.sin_port)}.to_string();
    }
    if (storage.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(storage);
        ::inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof host);
        return host_port{host, ntohs(in6.sin6_port)}.to_string();
    }
    return "?";
}

// connect(2) bounded by a timeout: non-blocking connect, poll, SO_ERROR.
// Returns 0 or an errno.
int connect_with_timeout(int fd, const sockaddr* address, socklen_t length, std::chrono::milliseconds timeout) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return errno;
    if (::connect(fd, address, length) != 0) {
        if (errno != EINPROGRESS && errno != EINTR) return errno;
        pollfd p{fd, POLLOUT, 0};
        const int ready = detail::retry_on_eintr([&] { return ::poll(&p, 1, static_cast<int>(timeout.count())); });
        if (ready < 0) return errno;
        if (ready == 0) return ETIMEDOUT;
        int so_error = 0;
        socklen_t size = sizeof so_error;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &size) != 0) return errno;
        if (so_error != 0) return so_error;
    }
    if (::fcntl(fd, F_SETFL, flags) != 0) return errno;
    return 0;
}

} // namespace

std::expected<unique_fd, error> connect_to(const host_port& peer, std::chrono::milliseconds timeout) {
    const std::string context = fmt::format("connect to {}", peer.to_string());
    auto list = resolve(peer, 0);
    if (!list) return std::unexpected(list.error().wrap(context));
    int last_errno = EADDRNOTAVAIL;
    for (const addrinfo* ai = list->get(); ai; ai = ai->ai_next) {
        unique_fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (!fd) {
            last_errno = errno;
            continue;
        }
        last_errno = connect_with_timeout(fd.get(), ai->ai_addr, ai->ai_addrlen, timeout);
        if (last_errno == 0) return fd;
    }
    return std::unexpected(error::from_errno(last_errno, context));
}

std::expected<unique_fd, error> listen_on(const host_port& address) {
    const std::string context = fmt::format("listen on {}", address.to_string());
    auto list = resolve(address, AI_PASSIVE);
    if (!list) return std::unexpected(list.error().wrap(context));
    int last_errno = EADDRNOTAVAIL;
    for (const addrinfo* ai = list->get(); ai; ai = ai->ai_next) {
        unique_fd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        const int on = 1;
        if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
            ::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd.get(), 1) != 0) {
            last_errno = errno;
            continue;
        }
        return fd;
    }
    return std::unexpected(error::from_errno(last_errno, context));
}

std::expected<unique_fd, error> accept_one(int listener) {
    for (;;) {
        unique_fd fd(detail::retry_on_eintr([&] { return ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC); }));
        if (fd) return fd;
        if (errno == ECONNABORTED) continue;
        return std::unexpected(error::from_errno(errno, fmt::format("accept on {}", local_address(listener))));
    }
}

std::string local_address(int socket_fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return "?";
    return format_address(storage);
}

std::string peer_address(int socket_fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (::getpeername(socket_fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return "?";
    return format_address(storage);
}

std::expected<bool, error> finish_sending(int socket_fd, const std::string& peer, std::chrono::milliseconds timeout) {
    if (::shutdown(socket_fd, SHUT_WR) != 0)
        return std::unexpected(error::from_errno(errno, fmt::format("shutdown of the connection to {}", peer)));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char discard[4096];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{socket_fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) return std::unexpected(error::from_errno(errno, "poll"));
        if (ready <= 0) continue;
        const ssize_t n = detail::retry_on_eintr([&] { return ::read(socket_fd, discard, sizeof discard); });
        if (n == 0) return true;
        if (n < 0 && errno != EAGAIN)
            return std::unexpected(error::from_errno(errno, fmt::format("waiting for {} to close the connection", peer)));
    }
}

} // namespace zc::cli
