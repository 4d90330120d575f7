#include "core/endpoint.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

namespace zc {

std::string_view fd_kind_name(fd_kind kind) noexcept {
    switch (kind) {
    case fd_kind::regular_file: return "regular file";
    case fd_kind::pipe: return "pipe";
    case fd_kind::tcp_socket: return "TCP socket";
    case fd_kind::unix_socket: return "Unix socket";
    case fd_kind::other_socket: return "socket";
    case fd_kind::char_device: return "character device";
    case fd_kind::directory: return "directory";
    case fd_kind::other: return "other file";
    }
    return "other file";
}

namespace detail {
namespace {

fd_kind socket_kind(int fd) {
    int domain = 0, type = 0, protocol = 0;
    socklen_t len = sizeof domain;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) return fd_kind::other_socket;
    len = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return fd_kind::other_socket;
    len = sizeof protocol;
    if (::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) != 0) protocol = 0;
    if (domain == AF_UNIX) return fd_kind::unix_socket;
    if ((domain == AF_INET || domain == AF_INET6) && type == SOCK_STREAM && protocol == IPPROTO_TCP)
        return fd_kind::tcp_socket;
    return fd_kind::other_socket;
}

} // namespace

bool endpoint::nonblocking() const noexcept { return (status_flags & O_NONBLOCK) != 0; }
bool endpoint::appending() const noexcept { return (status_flags & O_APPEND) != 0; }
bool endpoint::is_socket() const noexcept {
    return kind == fd_kind::tcp_socket || kind == fd_kind::unix_socket || kind == fd_kind::other_socket;
}
bool endpoint::is_stream() const noexcept { return kind == fd_kind::pipe || is_socket(); }

std::string endpoint::describe() const { return std::string(fd_kind_name(kind)); }

std::expected<endpoint, error> inspect(int fd, const char* role) {
    endpoint e;
    e.fd = fd;
    if (::fstat(fd, &e.st) != 0)
        return std::unexpected(error::from_errno(errno, std::string("fstat(") + role + ")"));
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) return std::unexpected(error::from_errno(errno, std::string("fcntl(") + role + ", F_GETFL)"));
    e.status_flags = flags;
    switch (e.st.st_mode & S_IFMT) {
    case S_IFREG: e.kind = fd_kind::regular_file; break;
    case S_IFIFO: e.kind = fd_kind::pipe; break;
    case S_IFSOCK: e.kind = socket_kind(fd); break;
    case S_IFCHR: e.kind = fd_kind::char_device; break;
    case S_IFDIR: e.kind = fd_kind::directory; break;
    default: e.kind = fd_kind::other; break;
    }
    return e;
}

endpoint endpoint_from_facts(int fd, const descriptor_facts& facts) noexcept {
    endpoint e;
    e.fd = fd;
    e.kind = facts.kind;
    e.status_flags = facts.status_flags;
    e.st.st_size = static_cast<off_t>(facts.size);
    switch (facts.kind) {
    case fd_kind::regular_file: e.st.st_mode = S_IFREG; break;
    case fd_kind::pipe: e.st.st_mode = S_IFIFO; break;
    case fd_kind::tcp_socket:
    case fd_kind::unix_socket:
    case fd_kind::other_socket: e.st.st_mode = S_IFSOCK; break;
    case fd_kind::char_device: e.st.st_mode = S_IFCHR; break;
    case fd_kind::directory: e.st.st_mode = S_IFDIR; break;
    case fd_kind::other: break;
    }
    return e;
}

} // namespace detail
} // namespace zc
