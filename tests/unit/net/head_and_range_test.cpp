// net::head_and_range: a head from memory, then a file range through the
// engine, onto a non-blocking TCP socket — byte-exact whether the socket
// takes everything at once or makes it wait many times.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "net/head_and_range.hpp"
#include "support/test_support.hpp"
#include "zerocopy/profile.hpp"

namespace zc::net {
namespace {

using test::temp_dir;

const descriptor_facts tcp_facts{.kind = fd_kind::tcp_socket, .status_flags = O_RDWR | O_NONBLOCK};

// Sends until done, waiting for POLLOUT when the socket is full; a thread
// collects what arrives. Returns the bytes received and how often it waited.
struct sent {
    std::string received;
    int waits = 0;
    std::optional<error> failure;
};

sent send_all_of(head_and_range& sender, test::collected_tcp_sink& sink) {
    sent out;
    for (int rounds = 0; rounds < 1'000'000; ++rounds) {
        auto progress = sender.send_some();
        if (!progress) {
            out.failure = progress.error();
            break;
        }
        if (*progress == head_and_range::progress::done) break;
        ++out.waits;
        pollfd p{sink.fd(), POLLOUT, 0};
        ::poll(&p, 1, 10'000);
    }
    out.received = sink.join();
    return out;
}

TEST(net_head_and_range, head_then_the_range_byte_exact) {
    temp_dir dir;
    const std::string data = test::write_random_file(dir / "f", 3 << 20, 7);
    auto file = test::open_read(dir / "f");
    test::collected_tcp_sink sink;
    test::set_nonblocking(sink.fd());
    const std::string head = "HEAD-BYTES\r\n\r\n";
    auto sender = head_and_range::start(sink.fd(), tcp_facts, head,
                                        {file.get(), data.size(), 12345, 2 << 20}, transfer_options{});
    ASSERT_TRUE(sender) << sender.error().message();
    const sent got = send_all_of(*sender, sink);
    ASSERT_FALSE(got.failure) << got.failure->message();
    EXPECT_TRUE(got.received == head + data.substr(12345, 2 << 20));
    EXPECT_EQ(sender->head_sent(), head.size());
    EXPECT_EQ(sender->body_sent(), 2u << 20);
    ASSERT_NE(sender->body_stats(), nullptr);
    // What auto picks first for a file → TCP range of this size.
    EXPECT_EQ(sender->body_stats()->strategy_used,
              auto_choice(fd_kind::regular_file, fd_kind::tcp_socket, 2u << 20).strategy);
    EXPECT_EQ(sender->body_stats()->fallbacks.size(), 0u);
}

TEST(net_head_and_range, a_small_send_buffer_makes_it_wait_and_resume_at_the_exact_byte) {
    temp_dir dir;
    const std::string data = test::write_random_file(dir / "f", 1 << 20, 8);
    auto file = test::open_read(dir / "f");
    test::collected_tcp_sink sink;
    test::set_nonblocking(sink.fd());
    const int small = 4096;
    ASSERT_EQ(::setsockopt(sink.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    const std::string head(100'000, 'h'); // larger than the socket buffer: the head itself waits
    auto sender = head_and_range::start(sink.fd(), tcp_facts, head, {file.get(), data.size(), 0, data.size()},
                                        transfer_options{});
    ASSERT_TRUE(sender) << sender.error().message();
    const sent got = send_all_of(*sender, sink);
    ASSERT_FALSE(got.failure) << got.failure->message();
    EXPECT_GT(got.waits, 0);
    EXPECT_TRUE(got.received == head + data) << got.received.size() << " bytes of " << head.size() + data.size();
}

TEST(net_head_and_range, head_only_without_a_file) {
    test::collected_tcp_sink sink;
    test::set_nonblocking(sink.fd());
    auto sender = head_and_range::start(sink.fd(), tcp_facts, "just a head", {}, transfer_options{});
    ASSERT_TRUE(sender) << sender.error().message();
    const sent got = send_all_of(*sender, sink);
    EXPECT_FALSE(got.failure);
    EXPECT_EQ(got.received, "just a head");
    EXPECT_EQ(sender->body_stats(), nullptr);
}

TEST(net_head_and_range, a_range_outside_the_size_the_caller_saw_is_refused_before_any_byte) {
    temp_dir dir;
    test::write_random_file(dir / "f", 1000, 9);
    auto file = test::open_read(dir / "f");
    test::collected_tcp_sink sink;
    auto sender = head_and_range::start(sink.fd(), tcp_facts, "head", {file.get(), 1000, 900, 200}, transfer_options{});
    ASSERT_FALSE(sender);
    EXPECT_TRUE(sender.error().is(errc::source_too_short)) << sender.error().message();
    EXPECT_EQ(sink.join(), "");
}

TEST(net_head_and_range, a_file_truncated_while_sent_is_an_error_never_other_bytes) {
    temp_dir dir;
    const std::string data = test::write_random_file(dir / "f", 1 << 20, 10);
    auto file = test::open_read(dir / "f");
    test::collected_tcp_sink sink;
    test::set_nonblocking(sink.fd());
    // The caller saw 1 MiB; the file now has 1000 bytes.
    ASSERT_EQ(::truncate((dir / "f").c_str(), 1000), 0);
    auto sender = head_and_range::start(sink.fd(), tcp_facts, "H", {file.get(), data.size(), 0, data.size()},
                                        transfer_options{});
    ASSERT_TRUE(sender) << sender.error().message();
    const sent got = send_all_of(*sender, sink);
    ASSERT_TRUE(got.failure);
    EXPECT_TRUE(got.failure->is(errc::source_shrank)) << got.failure->message();
    EXPECT_EQ(got.received, std::string("H").append(data, 0, 1000));
}

} // namespace
} // namespace zc::net
