// uring-splice: linked IORING_OP_SPLICE rounds to sockets, files and pipes,
// short rounds, non-blocking sinks (which io_uring must not park), a vanished
// peer, truncation, refusals and leaks.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include "support/test_support.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {
namespace {

transfer_options uring_splice(std::optional<std::uint64_t> offset = std::nullopt,
                              std::optional<std::uint64_t> length = std::nullopt) {
    transfer_options options;
    options.strategy = strategy_id::uring_splice;
    options.offset = offset;
    options.length = length;
    return options;
}

class uring_splice_test : public testing::Test {
protected:
    void SetUp() override {
        const auto& info = describe_strategy(strategy_id::uring_splice);
        if (!info.available) GTEST_SKIP() << "uring-splice unavailable here: " << info.reason;
    }
    temp_dir dir;
};

// Steps a job on a non-blocking sink, draining `reader` (non-blocking too)
// whenever it would block. Returns what the reader got, or the step's error.
std::expected<std::string, error> step_and_drain(transfer_job& job, int reader, bool& blocked_once) {
    std::string received;
    for (;;) {
        auto state = job.step();
        if (!state) return std::unexpected(state.error());
        if (*state == transfer_job::state::done) break;
        EXPECT_EQ(*state, transfer_job::state::would_block_on_sink);
        blocked_once = true;
        char buffer[1 << 16];
        ssize_t n;
        while ((n = ::read(reader, buffer, sizeof buffer)) > 0) received.append(buffer, static_cast<std::size_t>(n));
    }
    return received;
}

std::string read_rest(unique_fd reader) {
    set_nonblocking(reader.get(), false);
    collector rest(std::move(reader));
    return rest.join();
}

TEST_F(uring_splice_test, sends_a_file_to_a_socket_byte_exact) {
    const std::size_t sizes[] = {1, 4095, 4096, 65537, (3u << 20) + 5};
    const std::uint64_t offsets[] = {0, 1, 4097};
    for (std::size_t size : sizes) {
        const std::string data = write_random_file(dir / "in", size + 5000, size);
        for (std::uint64_t offset : offsets) {
            SCOPED_TRACE("size " + std::to_string(size) + " offset " + std::to_string(offset));
            auto in = open_read(dir / "in");
            auto [sender, receiver] = tcp_pair();
            collector got(std::move(receiver));
            auto stats = transfer(in.get(), sender.get(), uring_splice(offset, size));
            sender.reset();
            ASSERT_TRUE(stats) << stats.error().message();
            EXPECT_EQ(stats->bytes, size);
            EXPECT_EQ(stats->strategy_used, strategy_id::uring_splice);
            EXPECT_EQ(hash_bytes(got.join()), hash_bytes(std::string_view(data).substr(offset, size)));
        }
    }
}

TEST_F(uring_splice_test, short_rounds_leave_nothing_behind) {
    // From an unaligned offset a full-capacity fill is always short (the
    // 16-slot default pipe holds 16 pages, and the first is short by the
    // offset): the kernel cancels the linked sink splice and the bytes wait in
    // the pipe. An odd chunk size makes every round end mid-page.
    const std::string data = write_random_file(dir / "in", (2u << 20) + 333, 12);
    for (std::size_t chunk : {std::size_t{0}, std::size_t{10001}}) {
        SCOPED_TRACE("chunk " + std::to_string(chunk));
        auto in = open_read(dir / "in");
        auto [sender, receiver] = tcp_pair();
        collector got(std::move(receiver));
        auto options = uring_splice(7);
        options.chunk_size = chunk;
        options.pipe_size = 4096; // the pipe stays at its default 64 KiB
        auto stats = transfer(in.get(), sender.get(), options);
        sender.reset();
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_EQ(hash_bytes(got.join()), hash_bytes(std::string_view(data).substr(7)));
    }
}

TEST_F(uring_splice_test, writes_a_file_at_its_offset) {
    const std::string data = write_random_file(dir / "in", 1000000, 13);
    auto in = open_read(dir / "in");
    auto out = open_write(dir / "out");
    ASSERT_EQ(::write(out.get(), "head", 4), 4);
    ASSERT_EQ(::lseek(in.get(), 10, SEEK_SET), 10);
    auto stats = transfer(in.get(), out.get(), uring_splice());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(::lseek(out.get(), 0, SEEK_CUR), static_cast<off_t>(4 + data.size() - 10));
    EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), static_cast<off_t>(data.size()));
    ASSERT_EQ(::write(out.get(), "tail", 4), 4);
    EXPECT_EQ(read_file(dir / "out"), "head" + data.substr(10) + "tail");
}

TEST_F(uring_splice_test, splices_straight_into_a_pipe_sink) {
    const std::string data = write_random_file(dir / "in", (2u << 20) + 1, 14);
    auto in = open_read(dir / "in");
    auto [write_end, read_end] = pipe_pair();
    collector got(std::move(read_end));
    auto stats = transfer(in.get(), write_end.get(), uring_splice());
    write_end.reset();
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(hash_bytes(got.join()), hash_bytes(data));
}

TEST_F(uring_splice_test, non_blocking_socket_sink_is_not_parked_and_resumes) {
    // If io_uring parked the sink splice until POLLOUT, the first step would
    // hang here: nobody reads the receiver until it returns.
    const std::string data = write_random_file(dir / "in", (16u << 20) + 3, 15);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = tcp_pair();
    set_nonblocking(sender.get());
    set_nonblocking(receiver.get());
    auto job = transfer_job::start(in.get(), sender.get(), uring_splice(1));
    ASSERT_TRUE(job) << job.error().message();
    bool blocked_once = false;
    auto received = step_and_drain(*job, receiver.get(), blocked_once);
    ASSERT_TRUE(received) << received.error().message();
    sender.reset();
    *received += read_rest(std::move(receiver));
    EXPECT_TRUE(blocked_once) << "16 MiB should not fit a loopback socket buffer";
    EXPECT_EQ(hash_bytes(*received), hash_bytes(std::string_view(data).substr(1)));
}

TEST_F(uring_splice_test, non_blocking_pipe_sink_resumes) {
    const std::string data = write_random_file(dir / "in", (1u << 20) + 9, 16);
    auto in = open_read(dir / "in");
    auto [write_end, read_end] = pipe_pair();
    set_nonblocking(write_end.get());
    set_nonblocking(read_end.get());
    auto job = transfer_job::start(in.get(), write_end.get(), uring_splice());
    ASSERT_TRUE(job) << job.error().message();
    bool blocked_once = false;
    auto received = step_and_drain(*job, read_end.get(), blocked_once);
    ASSERT_TRUE(received) << received.error().message();
    write_end.reset();
    *received += read_rest(std::move(read_end));
    EXPECT_TRUE(blocked_once) << "1 MiB should not fit a default pipe";
    EXPECT_EQ(hash_bytes(*received), hash_bytes(data));
}

TEST_F(uring_splice_test, truncated_source_mid_transfer_is_source_shrank) {
    const std::size_t size = 32u << 20;
    write_random_file(dir / "in", size, 17);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = tcp_pair();
    set_nonblocking(sender.get());
    set_nonblocking(receiver.get());
    auto job = transfer_job::start(in.get(), sender.get(), uring_splice());
    ASSERT_TRUE(job) << job.error().message();
    auto state = job->step();
    ASSERT_TRUE(state) << state.error().message();
    ASSERT_EQ(*state, transfer_job::state::would_block_on_sink);
    unique_fd writer(::open((dir / "in").c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_EQ(::ftruncate(writer.get(), static_cast<off_t>(job->bytes_done() + 100000)), 0);
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

TEST_F(uring_splice_test, vanished_peer_is_an_error_not_a_signal) {
    write_random_file(dir / "in", 4u << 20, 18);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = tcp_pair();
    receiver.reset();
    auto stats = transfer(in.get(), sender.get(), uring_splice());
    ASSERT_FALSE(stats);
    const int e = stats.error().errno_value();
    EXPECT_TRUE(e == EPIPE || e == ECONNRESET) << stats.error().message();

    auto [write_end, read_end] = pipe_pair();
    read_end.reset();
    auto to_pipe = transfer(in.get(), write_end.get(), uring_splice(0));
    ASSERT_FALSE(to_pipe);
    EXPECT_EQ(to_pipe.error().errno_value(), EPIPE) << to_pipe.error().message();
}

TEST_F(uring_splice_test, refuses_what_it_cannot_serve) {
    write_random_file(dir / "in", 100, 19);
    auto in = open_read(dir / "in");
    {
        auto [write_end, read_end] = pipe_pair();
        auto out = open_write(dir / "out");
        auto stats = transfer(read_end.get(), out.get(), uring_splice());
        ASSERT_FALSE(stats);
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
    }
    {
        unique_fd out(::open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        auto stats = transfer(in.get(), out.get(), uring_splice());
        ASSERT_FALSE(stats);
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
    }
    {
        unique_fd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
        auto stats = transfer(in.get(), null.get(), uring_splice());
        ASSERT_FALSE(stats);
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
    }
}

TEST_F(uring_splice_test, leaks_no_descriptors) {
    const std::string data = write_random_file(dir / "in", 300000, 20);
    const int before = open_fd_count();
    for (int i = 0; i < 3; ++i) {
        auto in = open_read(dir / "in");
        auto out = open_write(dir / "out");
        ASSERT_TRUE(transfer(in.get(), out.get(), uring_splice(0)));
        auto [sender, receiver] = tcp_pair();
        receiver.reset();
        EXPECT_FALSE(transfer(in.get(), sender.get(), uring_splice(0)));
    }
    EXPECT_EQ(open_fd_count(), before);
}

} // namespace
} // namespace zc::test
