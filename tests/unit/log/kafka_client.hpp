// A raw Kafka client for the broker's tests: a blocking loopback socket
// (with a receive timeout, so no test hangs), requests encoded and
// responses decoded by the protocol codec, nothing else.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "log/protocol.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::test {

namespace protocol = zc::log::protocol;

class kafka_client {
public:
    explicit kafka_client(std::uint16_t port, int receive_timeout_seconds = 15) {
        socket_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        timeval tv{receive_timeout_seconds, 0};
        ::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        int one = 1;
        ::setsockopt(socket_.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(socket_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }

    bool connected() const { return connected_; }
    int fd() const { return socket_.get(); }

    // The whole frame of a request (size prefix included).
    static std::string frame(std::int16_t key, std::int16_t version, std::int32_t correlation,
                             const protocol::message& body, std::optional<std::string> client_id = "test") {
        protocol::request_header header{key, version, correlation, std::move(client_id)};
        auto encoded = protocol::encode_request(header, body);
        EXPECT_TRUE(encoded.has_value()) << (encoded ? "" : encoded.error().message());
        return encoded ? encoded->bytes : std::string();
    }

    bool send_bytes(std::string_view bytes) {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(socket_.get(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

    bool send(std::int16_t key, std::int16_t version, std::int32_t correlation, const protocol::message& body) {
        return send_bytes(frame(key, version, correlation, body));
    }

    // One response frame's body; nullopt when the server closed (or the timeout passed).
    std::optional<std::string> read_frame() {
        char prefix[4];
        if (!read_exact(prefix, 4)) return std::nullopt;
        std::uint32_t length = 0;
        std::memcpy(&length, prefix, 4);
        length = ntohl(length);
        std::string body(length, '\0');
        if (!read_exact(body.data(), length)) return std::nullopt;
        return body;
    }

    // Reads one response and decodes it; the body's record views point into `keep`.
    std::optional<protocol::response> read_response(std::int16_t key, std::int16_t version, std::string& keep) {
        auto body = read_frame();
        if (!body) return std::nullopt;
        keep = std::move(*body);
        auto decoded = protocol::decode_response(key, version, keep);
        EXPECT_TRUE(decoded.has_value()) << (decoded ? "" : decoded.error().message());
        if (!decoded) return std::nullopt;
        return std::move(*decoded);
    }

    std::optional<protocol::response> call(std::int16_t key, std::int16_t version, const protocol::message& body,
                                           std::string& keep) {
        const std::int32_t correlation = next_correlation_++;
        if (!send(key, version, correlation, body)) return std::nullopt;
        auto r = read_response(key, version, keep);
        if (r) {
            EXPECT_EQ(r->correlation_id, correlation);
        }
        return r;
    }

    // True when the server closed the connection (EOF or reset) before the timeout.
    bool closed_by_server() {
        char byte;
        for (;;) {
            const ssize_t n = ::recv(socket_.get(), &byte, 1, 0);
            if (n == 0) return true;
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return errno == ECONNRESET;
        }
    }

private:
    bool read_exact(char* out, std::size_t size) {
        std::size_t done = 0;
        while (done < size) {
            const ssize_t n = ::recv(socket_.get(), out + done, size - done, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

    unique_fd socket_;
    bool connected_ = false;
    std::int32_t next_correlation_ = 1;
};

} // namespace zc::test
