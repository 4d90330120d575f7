// zc serve's io-uring backend under faults of the ring's completions
// (docs/fault-injection.md): the connections' IORING_OP_RECV and
// IORING_OP_SEND requests are shortened (a request head that arrives in
// parts, a short send) or fail (EINTR, EAGAIN; ECONNRESET with hard faults)
// through the seam of src/core/uring.hpp, on the server's own worker thread
// (ring_fault_scope). Clients are plain blocking sockets, never faulted.
//
// Soft faults: every response arrives whole and byte-exact. Hard faults: a
// connection may end (the client reconnects), but no response is ever wrong,
// the server keeps serving, and no descriptor is left open.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "fault/fault_plan.hpp"
#include "http/server.hpp"
#include "integration/http_client.hpp"
#include "net/backend.hpp"
#include "support/test_support.hpp"

namespace zc::test {
namespace {

struct served_file {
    std::string name;
    std::string bytes;
};

struct client_tally {
    int exact = 0;  // whole and byte-exact
    int ended = 0;  // the connection ended before the response was whole
    int wrong = 0;  // a whole response with another status or other bytes
};

// Keep-alive GETs of the files in turn over one connection, a new one
// whenever the server ends it, and every `per_connection` requests: a
// connection's receive is one multishot request in the ring, so new
// connections are what give the plan receives to fault. A long header makes
// the head span most of a receive buffer, so a shortened receive cuts it.
client_tally fetch_all(int port, const std::vector<served_file>& files, int requests, int client, int per_connection) {
    client_tally tally;
    const std::string padding(700, 'p');
    std::optional<http_client> c;
    for (int i = 0; i < requests; ++i) {
        const served_file& file = files[static_cast<std::size_t>(i + client) % files.size()];
        if (!c || c->eof() || i % per_connection == 0) c.emplace(port);
        if (!c->send("GET /" + file.name + " HTTP/1.1\r\nHost: test\r\nX-Padding: " + padding + "\r\n\r\n")) {
            ++tally.ended;
            c.reset();
            continue;
        }
        const http_response r = c->read_response();
        if (!r.complete || r.status == 0) {
            ++tally.ended;
            c.reset();
        } else if (r.status == 200 && r.body == file.bytes) {
            ++tally.exact;
        } else {
            ++tally.wrong;
        }
    }
    return tally;
}

class fault_injection_serve : public ::testing::Test {
protected:
    void SetUp() override {
        ::signal(SIGPIPE, SIG_IGN); // as zc serve does: a client that went away is an error, not a signal
        if (auto why = net::backend_unavailable(net::backend_kind::io_uring))
            GTEST_SKIP() << "io-uring backend unavailable: " << why->message();
        // Inline bodies (one IORING_OP_SEND with the head) and a file range
        // (the head through the ring, the body by the engine).
        for (auto [name, size] : {std::pair{"small.bin", 700u}, {"mid.bin", 12'000u}, {"large.bin", 300'000u}})
            files_.push_back({name, write_random_file(root_ / name, size, size)});
    }

    std::expected<http::server, error> start() {
        http::serve_settings settings;
        settings.net.port = 0;
        settings.net.workers = 1; // one thread with a ring: the plan is not thread-safe
        settings.net.backend = net::backend_kind::io_uring;
        settings.root = root_.path().string();
        return http::server::start(settings);
    }

    static int port_of(const http::server& s) {
        const std::string address = s.local_address();
        return std::stoi(address.substr(address.rfind(':') + 1));
    }

    // Four clients at once, `requests` each, a new connection every 5.
    client_tally load(int port, int requests) {
        std::vector<client_tally> tallies(4);
        std::vector<std::thread> clients;
        for (int i = 0; i < 4; ++i)
            clients.emplace_back([&, i] { tallies[static_cast<std::size_t>(i)] = fetch_all(port, files_, requests, i, 5); });
        for (auto& t : clients) t.join();
        client_tally total;
        for (const auto& t : tallies) {
            total.exact += t.exact;
            total.ended += t.ended;
            total.wrong += t.wrong;
        }
        return total;
    }

    void print(const char* what, const fault_plan& plan, const client_tally& t) {
        const fault_counts& c = plan.counts();
        std::printf("%s: %d exact, %d ended, %d wrong; ring sends %llu (%llu faulted), receives %llu (%llu faulted)\n",
                    what, t.exact, t.ended, t.wrong,
                    static_cast<unsigned long long>(c.calls[static_cast<std::size_t>(call_kind::uring_send)]),
                    static_cast<unsigned long long>(c.faults_of(call_kind::uring_send)),
                    static_cast<unsigned long long>(c.calls[static_cast<std::size_t>(call_kind::uring_recv)]),
                    static_cast<unsigned long long>(c.faults_of(call_kind::uring_recv)));
    }

    temp_dir root_;
    std::vector<served_file> files_;
};

TEST_F(fault_injection_serve, soft_ring_faults_still_deliver_every_response_byte_exact) {
    fault_plan plan(20261203, 0.3, false);
    client_tally t;
    {
        auto s = start();
        ASSERT_TRUE(s) << s.error().message();
        ring_fault_scope scope(plan);
        t = load(port_of(*s), 150);
        s->stop();
        s->wait();
    }
    print("soft", plan, t);
    EXPECT_EQ(t.exact, 4 * 150);
    EXPECT_EQ(t.ended, 0);
    EXPECT_EQ(t.wrong, 0);
    const fault_counts& c = plan.counts();
    const auto short_of = [&](call_kind k) {
        return c.faults[static_cast<std::size_t>(k)][static_cast<std::size_t>(fault_kind::short_count)];
    };
    EXPECT_GT(short_of(call_kind::uring_send), 0u) << "no send was shortened";
    EXPECT_GT(short_of(call_kind::uring_recv), 0u) << "no receive was shortened";
    EXPECT_GT(c.faults_of(call_kind::uring_recv), short_of(call_kind::uring_recv)) << "no receive failed";
}

TEST_F(fault_injection_serve, hard_ring_faults_end_connections_but_never_corrupt_a_response) {
    fault_plan plan(20261204, 0.2, true);
    const int fds_before = open_fd_count();
    client_tally t;
    http_response after;
    {
        auto s = start();
        ASSERT_TRUE(s) << s.error().message();
        {
            ring_fault_scope scope(plan);
            t = load(port_of(*s), 150);
        }
        after = http_get(port_of(*s), "/large.bin"); // no faults now: it still serves
        s->stop();
        s->wait();
    }
    print("hard", plan, t);
    EXPECT_EQ(t.wrong, 0);
    EXPECT_GT(t.ended, 0) << "no fault ended a connection";
    EXPECT_GT(t.exact, 0);
    const fault_counts& c = plan.counts();
    EXPECT_GT(c.faults[static_cast<std::size_t>(call_kind::uring_send)][static_cast<std::size_t>(fault_kind::econnreset)] +
                  c.faults[static_cast<std::size_t>(call_kind::uring_recv)][static_cast<std::size_t>(fault_kind::econnreset)],
              0u);
    EXPECT_EQ(after.status, 200);
    EXPECT_TRUE(after.body == files_[2].bytes);
    EXPECT_EQ(open_fd_count(), fds_before);
}

} // namespace
} // namespace zc::test
