// file_server: a blocking TCP server that sends one file to each client.
//
//     file_server FILE PORT CONNECTIONS
//
// Listens on 127.0.0.1:PORT (0: a free port, printed on stdout), and for each
// of CONNECTIONS clients in turn sends the whole file with zc::transfer —
// sendfile or splice: the file's pages go to the socket without a copy
// through this process — then closes the connection.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <zerocopy/transfer.hpp>
#include <zerocopy/unique_fd.hpp>

namespace {

// A listening socket on 127.0.0.1:port; prints the port it got.
zc::unique_fd listen_on_loopback(unsigned short port) {
    zc::unique_fd listener{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!listener) return listener;
    const int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener.get(), 16) != 0 ||
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
        return zc::unique_fd{};
    std::printf("listening on 127.0.0.1:%u\n", ntohs(address.sin_port));
    std::fflush(stdout);
    return listener;
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
    if (!listener) {
        std::perror("listen on 127.0.0.1");
        return 1;
    }
    int failures = 0;
    for (int served = 0; served < connections; ++served) {
        const zc::unique_fd client{::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC)};
        if (!client) {
            std::perror("accept");
            return 1;
        }
        // Opened per connection: each client gets the file as it is now.
        const zc::unique_fd file{::open(argv[1], O_RDONLY | O_CLOEXEC)};
        if (!file) {
            std::perror(argv[1]);
            return 1;
        }
        // A client that hangs up early is an error value (EPIPE,
        // ECONNRESET), never a SIGPIPE: the server reports it and goes on.
        const auto stats = zc::transfer(file.get(), client.get());
        if (stats) {
            std::printf("sent %llu bytes with %s\n", static_cast<unsigned long long>(stats->bytes),
                        std::string(zc::strategy_name(stats->strategy_used)).c_str());
        } else {
            std::fprintf(stderr, "file_server: %s\n", stats.error().message().c_str());
            ++failures;
        }
    }
    return failures == 0 ? 0 : 1;
}
