#include "http/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "http/access_log.hpp"
#include "http/connection.hpp"
#include "http/event_loop.hpp"

namespace zc::http {

struct server::impl {
    server_options options;
    unique_fd root;
    std::optional<access_log> log;
    connection_settings settings;
    loop_limits limits;
    std::atomic<std::size_t> open_connections{0};
    std::vector<std::unique_ptr<event_loop>> loops;
    std::vector<std::thread> threads;
    std::string address;
};

namespace {

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

// One listener: SO_REUSEPORT (every worker binds the same address), then
// listen with a deep queue (the kernel caps it at somaxconn).
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

// The first address of host:port that binds; the chosen address comes back
// with the real port filled in (port 0).
std::expected<std::pair<unique_fd, sockaddr_storage>, error> first_listener(const server_options& options,
                                                                             socklen_t& length) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options.port);
    const int rc = ::getaddrinfo(options.host.empty() ? nullptr : options.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0)
        return std::unexpected(error(std::make_error_code(std::errc::invalid_argument),
                                     "resolve '" + options.host + "': " + ::gai_strerror(rc)));
    std::optional<error> last;
    for (addrinfo* a = found; a; a = a->ai_next) {
        sockaddr_storage address{};
        std::memcpy(&address, a->ai_addr, a->ai_addrlen);
        auto s = listen_at(address, a->ai_addrlen);
        if (!s) {
            last = s.error();
            continue;
        }
        length = a->ai_addrlen;
        ::getsockname(s->get(), reinterpret_cast<sockaddr*>(&address), &length);
        ::freeaddrinfo(found);
        return std::pair{std::move(*s), address};
    }
    ::freeaddrinfo(found);
    return std::unexpected(last ? *last : error::from_errno(EADDRNOTAVAIL, "listen on '" + options.host + "'"));
}

} // namespace

std::expected<server, error> server::start(const server_options& options) {
    auto p = std::make_unique<impl>();
    p->options = options;
    p->root.reset(::open(options.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!p->root) return std::unexpected(error::from_errno(errno, "open root '" + options.root + "'"));
    if (!options.access_log.empty()) {
        auto log = access_log::open(options.access_log);
        if (!log) return std::unexpected(log.error());
        p->log.emplace(std::move(*log));
    }

    connection_settings& s = p->settings;
    s.handler.root_fd = p->root.get();
    s.handler.list_directories = options.list_directories;
    s.transfer.strategy = options.strategy;
    s.transfer.guard_sigpipe = false; // the process ignores SIGPIPE (cmd_serve)
    s.header_timeout = options.header_timeout;
    s.keepalive_timeout = options.keepalive_timeout;
    s.send_timeout = options.send_timeout;
    s.inline_file_limit = options.inline_file_limit;
    s.direct_sendfile = options.strategy == strategy_id::automatic || options.strategy == strategy_id::sendfile;
    s.open_file_cache = options.open_file_cache;
    s.read_buffer_size = s.limits.max_head_bytes + 8 * 1024;
    p->limits.max_connections = options.max_connections;
    p->limits.drain_timeout = options.drain_timeout;

    unsigned workers = options.workers;
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());

    socklen_t length = 0;
    auto first = first_listener(options, length);
    if (!first) return std::unexpected(first.error());
    const sockaddr_storage bound = first->second;
    p->address = address_text(bound);
    std::vector<unique_fd> listeners;
    listeners.push_back(std::move(first->first));
    for (unsigned i = 1; i < workers; ++i) {
        auto s2 = listen_at(bound, length);
        if (!s2) return std::unexpected(s2.error());
        listeners.push_back(std::move(*s2));
    }
    for (auto& l : listeners) {
        auto loop = event_loop::create(std::move(l), p->settings, p->limits, p->open_connections,
                                       p->log ? &*p->log : nullptr);
        if (!loop) return std::unexpected(loop.error());
        p->loops.push_back(std::move(*loop));
    }
    for (auto& loop : p->loops) p->threads.emplace_back([l = loop.get()] { l->run(); });
    return server(std::move(p));
}

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
server::server(server&&) noexcept = default;
server& server::operator=(server&&) noexcept = default;

server::~server() {
    if (!impl_) return;
    stop();
    wait();
}

std::string server::local_address() const { return impl_->address; }
unsigned server::workers() const noexcept { return static_cast<unsigned>(impl_->loops.size()); }

void server::stop() noexcept {
    for (auto& loop : impl_->loops) loop->stop();
}

void server::wait() {
    for (auto& t : impl_->threads)
        if (t.joinable()) t.join();
}

} // namespace zc::http
