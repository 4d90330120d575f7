// uring-splice: linked IORING_OP_SPLICE rounds to sockets, files and pipes,
// short rounds, non-blocking sinks (which io_uring must not park), a vanished
// peer, truncation, refusals and leaks.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include "strategy_test_support.hpp"

namespace zc::test {
namespace {

using uring_splice_test = available_strategy_test<strategy_id::uring_splice>;

TEST_F(uring_splice_test, sends_a_file_to_a_socket_byte_exact) {
    const std::size_t sizes[] = {1, 4095, 4096, 65537, (3u << 20) + 5};
    const std::uint64_t offsets[] = {0, 1, 4097};
    for (std::size_t size : sizes) {
        const std::string data = write_random_file(dir / "in", size + 5000, size);
        for (std::uint64_t offset : offsets) {
            SCOPED_TRACE("size " + std::to_string(size) + " offset " + std::to_string(offset));
            ASSERT_NO_FATAL_FAILURE(expect_sends_range_byte_exact(dir, data, strategy_options(offset, size)));
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
        collected_tcp_sink sink;
        auto options = strategy_options(7);
        options.chunk_size = chunk;
        options.pipe_size = 4096; // the pipe stays at its default 64 KiB
        auto stats = transfer(in.get(), sink.fd(), options);
        const std::string got = sink.join();
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_EQ(hash_bytes(got), hash_bytes(std::string_view(data).substr(7)));
    }
}

TEST_F(uring_splice_test, writes_a_file_at_its_offset) {
    const std::string data = write_random_file(dir / "in", 1000000, 13);
    auto in = open_read(dir / "in");
    auto out = open_write(dir / "out");
    ASSERT_EQ(::write(out.get(), "head", 4), 4);
    ASSERT_EQ(::lseek(in.get(), 10, SEEK_SET), 10);
    auto stats = transfer(in.get(), out.get(), strategy_options());
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
    auto stats = transfer(in.get(), write_end.get(), strategy_options());
    write_end.reset();
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(hash_bytes(got.join()), hash_bytes(data));
}

TEST_F(uring_splice_test, non_blocking_socket_sink_is_not_parked_and_resumes) {
    // If io_uring parked the sink splice until POLLOUT, the first step would
    // hang here: nobody reads the receiver until it returns.
    const std::string data = write_random_file(dir / "in", (16u << 20) + 3, 15);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = non_blocking(tcp_pair());
    auto job = transfer_job::start(in.get(), sender.get(), strategy_options(1));
    ASSERT_TRUE(job) << job.error().message();
    expect_stops_on_the_sink_and_resumes(*job, std::move(sender), std::move(receiver),
                                         std::string_view(data).substr(1),
                                         "16 MiB should not fit a loopback socket buffer");
}

TEST_F(uring_splice_test, non_blocking_pipe_sink_resumes) {
    const std::string data = write_random_file(dir / "in", (1u << 20) + 9, 16);
    auto in = open_read(dir / "in");
    auto [write_end, read_end] = non_blocking(pipe_pair());
    auto job = transfer_job::start(in.get(), write_end.get(), strategy_options());
    ASSERT_TRUE(job) << job.error().message();
    expect_stops_on_the_sink_and_resumes(*job, std::move(write_end), std::move(read_end), data,
                                         "1 MiB should not fit a default pipe");
}

TEST_F(uring_splice_test, truncated_source_mid_transfer_is_source_shrank) {
    expect_truncation_mid_transfer_is_source_shrank(
        dir, strategy_options(),
        {.size = 32u << 20, .seed = 17, .cut_to = [](std::uint64_t done) { return done + 100000; }, .rounds = 10000});
}

TEST_F(uring_splice_test, vanished_peer_is_an_error_not_a_signal) {
    write_random_file(dir / "in", 4u << 20, 18);
    auto in = open_read(dir / "in");
    ASSERT_NO_FATAL_FAILURE(expect_vanished_peer_is_an_error(in.get(), strategy_options()));

    auto [write_end, read_end] = pipe_pair();
    read_end.reset();
    auto to_pipe = transfer(in.get(), write_end.get(), strategy_options(0));
    ASSERT_FALSE(to_pipe);
    EXPECT_EQ(to_pipe.error().errno_value(), EPIPE) << to_pipe.error().message();
}

TEST_F(uring_splice_test, refuses_what_it_cannot_serve) {
    write_random_file(dir / "in", 100, 19);
    auto in = open_read(dir / "in");
    {
        auto [write_end, read_end] = pipe_pair();
        auto out = open_write(dir / "out");
        auto stats = transfer(read_end.get(), out.get(), strategy_options());
        ASSERT_FALSE(stats);
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
    }
    {
        unique_fd out(::open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        auto stats = transfer(in.get(), out.get(), strategy_options());
        ASSERT_FALSE(stats);
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
    }
    {
        unique_fd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
        auto stats = transfer(in.get(), null.get(), strategy_options());
        ASSERT_FALSE(stats);
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
    }
}

TEST_F(uring_splice_test, leaks_no_descriptors) {
    const std::string data = write_random_file(dir / "in", 300000, 20);
    expect_no_descriptor_leaks([&] {
        auto in = open_read(dir / "in");
        auto out = open_write(dir / "out");
        ASSERT_TRUE(transfer(in.get(), out.get(), strategy_options(0)));
        EXPECT_FALSE(transfer(in.get(), tcp_sender_with_closed_peer().get(), strategy_options(0)));
    });
}

} // namespace
} // namespace zc::test
