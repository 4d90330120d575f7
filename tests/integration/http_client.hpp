// A raw HTTP/1.1 client for the zc serve tests: loopback TCP, bytes written
// as given (so tests can send malformed, pipelined or slow requests), and
// responses read with a deadline so that no test can hang.
//
// Header-only: tests/CMakeLists.txt compiles integration/*_test.cpp only.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/io.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::test {

struct http_response {
    int status = 0;
    std::string status_line;
    std::map<std::string, std::string> headers; // names lower-cased
    std::string body;
    bool complete = false; // head and the whole body (by Content-Length) arrived

    std::string header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

class http_client {
public:
    using clock = std::chrono::steady_clock;

    explicit http_client(int port, int receive_buffer = 0) {
        socket_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (!socket_) throw std::runtime_error("socket");
        if (receive_buffer > 0)
            ::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        if (::connect(socket_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            throw std::runtime_error("connect: " + std::string(std::strerror(errno)));
        timeval tv{10, 0}; // a send that never completes must not hang the test
        ::setsockopt(socket_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }

    int fd() const { return socket_.get(); }

    bool send(std::string_view bytes) {
        return zc::detail::send_all(socket_.get(), zc::detail::as_bytes(bytes)).has_value();
    }

    // Reads at most `limit` bytes into the pending buffer; 0 on EOF/error, -1
    // when nothing came before the deadline.
    long read_some(clock::time_point deadline, std::size_t limit = 65536) {
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
            if (left <= 0) return -1;
            pollfd p{socket_.get(), POLLIN, 0};
            const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
            if (r < 0 && errno == EINTR) continue;
            if (r == 0) continue;
            char buffer[65536];
            const ssize_t n = zc::detail::retry_on_eintr(
                [&] { return ::recv(socket_.get(), buffer, std::min(limit, sizeof buffer), 0); });
            if (n < 0 && errno == EAGAIN) continue;
            if (n <= 0) {
                eof_ = true;
                return 0;
            }
            pending_.append(buffer, static_cast<std::size_t>(n));
            return n;
        }
    }

    // One response. head_request: no body follows whatever Content-Length says.
    http_response read_response(bool head_request = false, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        const auto deadline = clock::now() + timeout;
        http_response r;
        std::size_t end;
        while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
            if (eof_ || read_some(deadline) <= 0) return r;
        }
        const std::string head = pending_.substr(0, end);
        pending_.erase(0, end + 4);
        std::size_t line_end = head.find("\r\n");
        r.status_line = head.substr(0, line_end);
        if (r.status_line.size() >= 12) r.status = std::atoi(r.status_line.c_str() + 9);
        while (line_end != std::string::npos) {
            const std::size_t start = line_end + 2;
            line_end = head.find("\r\n", start);
            const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
            std::string value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            r.headers[name] = value;
        }
        std::size_t length = 0;
        if (!head_request && r.status != 304 && r.status != 204 && r.headers.count("content-length"))
            length = std::stoull(r.headers["content-length"]);
        while (pending_.size() < length) {
            if (eof_ || read_some(deadline) <= 0) break;
        }
        const std::size_t take = std::min(length, pending_.size());
        r.body = pending_.substr(0, take);
        pending_.erase(0, take);
        r.complete = take == length;
        return r;
    }

    // Everything until the server closes (or the deadline); true on EOF.
    bool read_until_close(std::chrono::milliseconds timeout, std::string* out = nullptr) {
        const auto deadline = clock::now() + timeout;
        while (!eof_) {
            if (read_some(deadline) < 0) return false;
        }
        if (out) *out += pending_;
        pending_.clear();
        return true;
    }

    // Whether the server closed the connection within `timeout`.
    bool closed_within(std::chrono::milliseconds timeout) { return read_until_close(timeout); }

    std::string& pending() { return pending_; }
    bool eof() const { return eof_; }

private:
    unique_fd socket_;
    std::string pending_;
    bool eof_ = false;
};

// One request on a fresh connection.
inline http_response http_get(int port, const std::string& target, const std::string& extra_headers = "",
                              const std::string& method = "GET") {
    http_client c(port);
    c.send(method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n");
    return c.read_response(method == "HEAD");
}

} // namespace zc::test
