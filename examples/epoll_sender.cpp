// epoll_sender: sends one file to many clients at once from one thread.
//
//     epoll_sender FILE PORT CONNECTIONS
//
// Listens on 127.0.0.1:PORT (0: a free port, printed on stdout). Each client
// socket is non-blocking and gets a zc::transfer_job; epoll says when a
// socket can take more, and step() moves what fits without ever waiting, then
// resumes at the exact byte it reached. Exits once CONNECTIONS clients have
// been served.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include <zerocopy/transfer.hpp>
#include <zerocopy/unique_fd.hpp>

namespace {

struct client {
    zc::unique_fd socket;
    zc::unique_fd file;
    std::optional<zc::transfer_job> job;
};

zc::unique_fd listen_on_loopback(unsigned short port) {
    zc::unique_fd listener{::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    if (!listener) return listener;
    const int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener.get(), 64) != 0 ||
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return zc::unique_fd{};
    std::printf("listening on 127.0.0.1:%u\n", ntohs(address.sin_port));
    std::fflush(stdout);
    return listener;
}

enum class progress { more, done, failed };

// Moves what the socket takes now; `more`: its buffer is full, wait for
// EPOLLOUT and call again.
progress step(client& c) {
    const auto state = c.job->step();
    if (!state) {
        std::fprintf(stderr, "epoll_sender: %s\n", state.error().message().c_str());
        return progress::failed;
    }
    if (*state != zc::transfer_job::state::done) return progress::more;
    std::printf("sent %llu bytes with %s\n", static_cast<unsigned long long>(c.job->bytes_done()),
                std::string(zc::strategy_name(c.job->stats().strategy_used)).c_str());
    return progress::done;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s FILE PORT CONNECTIONS\n", argv[0]);
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::atoi(argv[2]));
    const int connections = std::atoi(argv[3]);
    const zc::unique_fd listener = listen_on_loopback(port);
    const zc::unique_fd epoll{::epoll_create1(EPOLL_CLOEXEC)};
    if (!listener || !epoll) {
        std::perror("listen on 127.0.0.1");
        return 1;
    }
    epoll_event listen_event{.events = EPOLLIN, .data = {.fd = listener.get()}};
    ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, listener.get(), &listen_event);

    std::map<int, client> clients; // by socket
    int accepted = 0;
    int finished = 0;
    int failures = 0;
    while (finished < connections) {
        epoll_event events[16];
        const int ready = ::epoll_wait(epoll.get(), events, 16, -1);
        if (ready < 0) {
            std::perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < ready; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listener.get()) {
                zc::unique_fd socket{::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)};
                if (!socket || accepted == connections) continue;
                ++accepted;
                client c{std::move(socket), zc::unique_fd{::open(argv[1], O_RDONLY | O_CLOEXEC)}, std::nullopt};
                auto job = c.file ? zc::transfer_job::start(c.file.get(), c.socket.get())
                                  : std::unexpected(zc::error::from_errno(errno, argv[1]));
                if (!job) {
                    std::fprintf(stderr, "epoll_sender: %s\n", job.error().message().c_str());
                    ++finished;
                    ++failures;
                    continue;
                }
                c.job.emplace(std::move(*job));
                // Step at once: most of a small file fits the socket's buffer.
                if (const progress p = step(c); p != progress::more) {
                    ++finished;
                    failures += p == progress::failed ? 1 : 0;
                    continue;
                }
                epoll_event out_event{.events = EPOLLOUT, .data = {.fd = c.socket.get()}};
                ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, c.socket.get(), &out_event);
                clients.emplace(c.socket.get(), std::move(c));
            } else if (auto it = clients.find(fd); it != clients.end()) {
                const progress p = step(it->second);
                if (p == progress::more) continue;
                failures += p == progress::failed ? 1 : 0;
                ++finished;
                clients.erase(it); // closes the socket, which also leaves the epoll set
            }
        }
    }
    return failures == 0 ? 0 : 1;
}
