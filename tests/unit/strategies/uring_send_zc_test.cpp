// uring-send-zc: byte-exact sends, notification accounting (loopback always
// copies, so every notified send reports it), windows, non-blocking sinks,
// truncation, refusal of non-TCP sinks, leaks.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include "support/test_support.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {
namespace {

transfer_options uring_send_zc(std::optional<std::uint64_t> offset = std::nullopt,
                               std::optional<std::uint64_t> length = std::nullopt) {
    transfer_options options;
    options.strategy = strategy_id::uring_send_zc;
    options.offset = offset;
    options.length = length;
    return options;
}

class uring_send_zc_test : public testing::Test {
protected:
    void SetUp() override {
        const auto& info = describe_strategy(strategy_id::uring_send_zc);
        if (!info.available) GTEST_SKIP() << "uring-send-zc unavailable here: " << info.reason;
    }
    temp_dir dir;
};

TEST_F(uring_send_zc_test, sends_byte_exact_over_sizes_offsets_and_windows) {
    const std::size_t sizes[] = {1, 4095, 4097, 1000000, (5u << 20) + 3};
    const std::uint64_t offsets[] = {0, 1, 4097};
    for (std::size_t size : sizes) {
        const std::string data = write_random_file(dir / "in", size + 5000, size);
        for (std::uint64_t offset : offsets) {
            for (std::size_t window : {std::size_t{1} << 20, std::size_t{64} << 20}) {
                SCOPED_TRACE("size " + std::to_string(size) + " offset " + std::to_string(offset) + " window " +
                             std::to_string(window));
                auto in = open_read(dir / "in");
                auto [sender, receiver] = tcp_pair();
                collector got(std::move(receiver));
                auto options = uring_send_zc(offset, size);
                options.mmap_window = window;
                options.chunk_size = 300000; // sends that end mid-page and mid-window
                auto stats = transfer(in.get(), sender.get(), options);
                sender.reset();
                ASSERT_TRUE(stats) << stats.error().message();
                EXPECT_EQ(stats->bytes, size);
                EXPECT_EQ(stats->strategy_used, strategy_id::uring_send_zc);
                EXPECT_EQ(hash_bytes(got.join()), hash_bytes(std::string_view(data).substr(offset, size)));
            }
        }
    }
}

TEST_F(uring_send_zc_test, loopback_reports_every_send_copied) {
    const std::string data = write_random_file(dir / "in", 8u << 20, 21);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = tcp_pair();
    collector got(std::move(receiver));
    auto stats = transfer(in.get(), sender.get(), uring_send_zc());
    sender.reset();
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(hash_bytes(got.join()), hash_bytes(data));
    EXPECT_GE(stats->zerocopy_sends, 8u) << "1 MiB sends of 8 MiB";
    EXPECT_GT(stats->zerocopy_copied, 0u) << "loopback copies into the receiving socket";
    EXPECT_EQ(stats->zerocopy_copied, stats->zerocopy_sends);
}

TEST_F(uring_send_zc_test, non_blocking_sink_is_not_parked_and_resumes) {
    // Without MSG_DONTWAIT io_uring would park the send until POLLOUT and the
    // first step would hang: nobody reads the receiver until it returns.
    const std::string data = write_random_file(dir / "in", (16u << 20) + 5, 22);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = tcp_pair();
    set_nonblocking(sender.get());
    set_nonblocking(receiver.get());
    auto options = uring_send_zc(5);
    options.mmap_window = 4u << 20; // window changes wait for notifications
    auto job = transfer_job::start(in.get(), sender.get(), options);
    ASSERT_TRUE(job) << job.error().message();
    std::string received;
    bool blocked_once = false;
    for (;;) {
        auto state = job->step();
        ASSERT_TRUE(state) << state.error().message();
        if (*state == transfer_job::state::done) break;
        ASSERT_EQ(*state, transfer_job::state::would_block_on_sink);
        blocked_once = true;
        char buffer[1 << 16];
        ssize_t n;
        while ((n = ::read(receiver.get(), buffer, sizeof buffer)) > 0)
            received.append(buffer, static_cast<std::size_t>(n));
    }
    sender.reset();
    set_nonblocking(receiver.get(), false);
    collector rest(std::move(receiver));
    received += rest.join();
    EXPECT_TRUE(blocked_once);
    EXPECT_EQ(hash_bytes(received), hash_bytes(std::string_view(data).substr(5)));
    EXPECT_GT(job->stats().zerocopy_sends, 0u);
    EXPECT_LE(job->stats().zerocopy_copied, job->stats().zerocopy_sends);
}

TEST_F(uring_send_zc_test, truncated_source_mid_transfer_is_source_shrank) {
    const std::size_t size = 32u << 20;
    write_random_file(dir / "in", size, 23);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = tcp_pair();
    set_nonblocking(sender.get());
    set_nonblocking(receiver.get());
    auto job = transfer_job::start(in.get(), sender.get(), uring_send_zc());
    ASSERT_TRUE(job) << job.error().message();
    auto state = job->step();
    ASSERT_TRUE(state) << state.error().message();
    ASSERT_EQ(*state, transfer_job::state::would_block_on_sink);
    unique_fd writer(::open((dir / "in").c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_EQ(::ftruncate(writer.get(), static_cast<off_t>(job->bytes_done() / 2)), 0);
    std::expected<transfer_job::state, error> last = state;
    for (int round = 0; round < 10000 && last && *last != transfer_job::state::done; ++round) {
        char buffer[1 << 16];
        while (::read(receiver.get(), buffer, sizeof buffer) > 0) {
        }
        last = job->step();
    }
    ASSERT_FALSE(last) << "a source truncated mid-transfer must not end in success";
    EXPECT_TRUE(last.error().is(errc::source_shrank)) << last.error().message();
}

TEST_F(uring_send_zc_test, truncation_inside_the_last_page_is_caught_at_the_end) {
    // The file loses its last byte while the tail is still on its way. No send
    // faults (every page is still inside the file), the truncated byte goes
    // out as the zero the kernel wrote into the page: only the size check
    // after the last notification can tell, and it must say source_shrank.
    const std::size_t size = 32u << 20;
    const std::size_t stop_reading_at = size - (12u << 20); // > sender + receiver buffers
    write_random_file(dir / "in", size, 24);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = tcp_pair();
    set_nonblocking(sender.get());
    set_nonblocking(receiver.get());
    auto job = transfer_job::start(in.get(), sender.get(), uring_send_zc());
    ASSERT_TRUE(job) << job.error().message();
    std::size_t received = 0;
    char buffer[1 << 16];
    std::expected<transfer_job::state, error> last = transfer_job::state::would_block_on_sink;
    while (received < stop_reading_at) {
        last = job->step();
        ASSERT_TRUE(last) << last.error().message();
        ASSERT_NE(*last, transfer_job::state::done) << "32 MiB cannot be in flight at once on loopback";
        ssize_t n;
        while (received < stop_reading_at &&
               (n = ::read(receiver.get(), buffer, std::min(sizeof buffer, stop_reading_at - received))) > 0)
            received += static_cast<std::size_t>(n);
    }
    last = job->step();
    ASSERT_TRUE(last) << last.error().message();
    ASSERT_NE(*last, transfer_job::state::done);
    unique_fd writer(::open((dir / "in").c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_EQ(::ftruncate(writer.get(), static_cast<off_t>(size - 1)), 0);
    for (int round = 0; round < 100000 && last && *last != transfer_job::state::done; ++round) {
        while (::read(receiver.get(), buffer, sizeof buffer) > 0) {
        }
        last = job->step();
    }
    ASSERT_FALSE(last) << "bytes done " << job->bytes_done();
    EXPECT_TRUE(last.error().is(errc::source_shrank)) << last.error().message();
}

TEST_F(uring_send_zc_test, refuses_sinks_that_are_not_tcp) {
    write_random_file(dir / "in", 1000, 25);
    auto in = open_read(dir / "in");
    auto [unix_sender, unix_receiver] = unix_pair();
    auto [write_end, read_end] = pipe_pair();
    auto file = open_write(dir / "out");
    for (int sink : {unix_sender.get(), write_end.get(), file.get()}) {
        auto stats = transfer(in.get(), sink, uring_send_zc());
        ASSERT_FALSE(stats);
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
    }
}

TEST_F(uring_send_zc_test, vanished_peer_is_an_error) {
    write_random_file(dir / "in", 8u << 20, 26);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = tcp_pair();
    receiver.reset();
    auto stats = transfer(in.get(), sender.get(), uring_send_zc());
    ASSERT_FALSE(stats);
    const int e = stats.error().errno_value();
    EXPECT_TRUE(e == EPIPE || e == ECONNRESET) << stats.error().message();
}

TEST_F(uring_send_zc_test, leaks_no_descriptors) {
    write_random_file(dir / "in", 3u << 20, 27);
    const int before = open_fd_count();
    for (int i = 0; i < 3; ++i) {
        auto in = open_read(dir / "in");
        {
            auto [sender, receiver] = tcp_pair();
            collector got(std::move(receiver));
            auto stats = transfer(in.get(), sender.get(), uring_send_zc(0));
            sender.reset();
            ASSERT_TRUE(stats) << stats.error().message();
        }
        auto [sender, receiver] = tcp_pair();
        receiver.reset();
        EXPECT_FALSE(transfer(in.get(), sender.get(), uring_send_zc(0)));
    }
    EXPECT_EQ(open_fd_count(), before);
}

} // namespace
} // namespace zc::test
