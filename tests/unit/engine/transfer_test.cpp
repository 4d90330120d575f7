// Engine behaviour beyond the conformance table: the resumable form, huge
// sparse files, files that shrink, peers that vanish, fallbacks, ranges.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "strategies/strategy.hpp"
#include "support/test_support.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {
namespace {

std::vector<strategy_id> strategies_serving(int source_fd, int sink_fd) {
    auto source = detail::inspect(source_fd, "source");
    auto sink = detail::inspect(sink_fd, "sink");
    std::vector<strategy_id> out;
    for (strategy_id id : all_strategies())
        if (!detail::ops_for(id).refuses(*source, *sink) && !detail::availability(id)) out.push_back(id);
    out.push_back(strategy_id::automatic);
    return out;
}

std::string name_of(strategy_id id) { return std::string(strategy_name(id)); }

// Transfers from `source` into a new, empty file of a scratch directory.
std::expected<transfer_stats, error> transfer_to_a_scratch_file(int source, const transfer_options& options = {}) {
    temp_dir dir;
    auto sink = open_write(dir / "out");
    return transfer(source, sink.get(), options);
}

// ---- the resumable form ----------------------------------------------------

TEST(transfer_job, makes_progress_across_many_would_block_returns_on_a_small_send_buffer) {
    temp_dir dir;
    const std::string data = write_random_file(dir / "in", (1u << 20) + 123, 11);
    auto probe_pair = tcp_pair();
    auto probe_source = open_read(dir / "in");
    for (strategy_id id : strategies_serving(probe_source.get(), probe_pair.first.get())) {
        SCOPED_TRACE(name_of(id));
        auto source = open_read(dir / "in");
        // Small buffers at both ends, and a reader drained only when a step
        // stops short: a concurrent reader could otherwise let 1 MiB through
        // in one step on an idle loopback, and the count would depend on timing.
        auto [sink, reader] = non_blocking(tcp_pair());
        int small = 16384;
        ASSERT_EQ(::setsockopt(sink.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
        ASSERT_EQ(::setsockopt(reader.get(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);

        transfer_options options;
        options.strategy = id;
        auto job = transfer_job::start(source.get(), sink.get(), options);
        ASSERT_TRUE(job) << job.error().message();
        auto run = step_until_done_draining(*job, std::move(sink), std::move(reader));
        ASSERT_TRUE(run) << run.error().message();
        EXPECT_EQ(job->bytes_done(), data.size());
        EXPECT_EQ(run->received.size(), data.size());
        EXPECT_EQ(hash_bytes(run->received), hash_bytes(data));
        EXPECT_EQ(run->would_block_on_source_steps, 0);
        EXPECT_GT(run->would_block_on_sink_steps, 2) << "32 KiB of buffers cannot take 1 MiB at once";
    }
}

// ---- files past 4 GiB --------------------------------------------------------

// The fast start: a caller that says what both descriptors are spares the
// engine its fstat + fcntl of each, and moves the same bytes.
TEST(transfer_job, started_with_descriptor_facts_asks_the_kernel_nothing_and_moves_the_same_bytes) {
    temp_dir dir;
    const std::string data = write_random_file(dir / "f", 300'000, 11);
    auto file = open_read(dir / "f");
    transfer_options options;
    options.offset = 1000;
    options.length = 200'000;
    options.guard_sigpipe = false;
    const descriptor_facts file_facts{.kind = fd_kind::regular_file, .status_flags = O_RDONLY, .size = data.size()};
    const descriptor_facts socket_facts{.kind = fd_kind::tcp_socket, .status_flags = O_RDWR};
    {
        collected_tcp_sink plain_sink;
        auto plain = transfer_job::start(file.get(), plain_sink.fd(), options);
        ASSERT_TRUE(plain) << plain.error().message();
        EXPECT_EQ(plain->stats().syscalls, 4u) << "fstat + fcntl of each side";
    }
    collected_tcp_sink sink;
    auto fast = transfer_job::start(file.get(), file_facts, sink.fd(), socket_facts, options);
    ASSERT_TRUE(fast) << fast.error().message();
    EXPECT_EQ(fast->stats().syscalls, 0u);
    auto state = fast->step();
    ASSERT_TRUE(state) << state.error().message();
    EXPECT_EQ(*state, transfer_job::state::done);
    EXPECT_EQ(fast->stats().strategy_used, strategy_id::sendfile);
    EXPECT_TRUE(sink.join() == data.substr(1000, 200'000));
}

// Facts that are not true make the transfer fail cleanly, never move other
// bytes: a size larger than the file is a file that shrank.
TEST(transfer_job, facts_claiming_a_larger_file_end_in_source_shrank) {
    temp_dir dir;
    const std::string data = write_random_file(dir / "f", 5000, 12);
    auto file = open_read(dir / "f");
    const descriptor_facts file_facts{.kind = fd_kind::regular_file, .status_flags = O_RDONLY, .size = 9000};
    const descriptor_facts socket_facts{.kind = fd_kind::tcp_socket, .status_flags = O_RDWR};
    collected_tcp_sink sink;
    transfer_options options;
    options.guard_sigpipe = false;
    auto job = transfer_job::start(file.get(), file_facts, sink.fd(), socket_facts, options);
    ASSERT_TRUE(job) << job.error().message();
    auto state = job->step();
    ASSERT_FALSE(state);
    EXPECT_TRUE(state.error().is(errc::source_shrank)) << state.error().message();
    EXPECT_TRUE(sink.join() == data);
}

TEST(transfer, moves_a_window_past_four_gib_of_a_sparse_file_exactly) {
    temp_dir dir;
    const std::uint64_t window_offset = (std::uint64_t{1} << 32) + 4096 * 3 + 5;
    const std::string window = random_bytes((1u << 20) + 77, 3);
    {
        auto fd = open_write(dir / "sparse");
        ASSERT_EQ(::pwrite(fd.get(), window.data(), window.size(), static_cast<off_t>(window_offset)),
                  static_cast<ssize_t>(window.size()));
        ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>((5ull << 30) + 1)), 0) << "5 GiB sparse file";
    }
    auto probe_source = open_read(dir / "sparse");
    auto probe_sink = open_write(dir / "probe");
    for (strategy_id id : strategies_serving(probe_source.get(), probe_sink.get())) {
        SCOPED_TRACE(name_of(id));
        auto source = open_read(dir / "sparse");
        auto sink = open_write(dir / "out");
        transfer_options options;
        options.strategy = id;
        options.offset = window_offset;
        options.length = window.size();
        auto stats = transfer(source.get(), sink.get(), options);
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_EQ(stats->bytes, window.size());
        EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(window));
    }
}

// ---- a source that shrinks -----------------------------------------------------

TEST(transfer, a_source_truncated_mid_transfer_is_an_error_under_every_strategy) {
    temp_dir dir;
    const std::size_t size = 8u << 20;
    write_random_file(dir / "in", size, 5);
    auto probe_source = open_read(dir / "in");
    auto probe_pair = tcp_pair();
    for (strategy_id id : strategies_serving(probe_source.get(), probe_pair.first.get())) {
        SCOPED_TRACE(name_of(id));
        write_random_file(dir / "in", size, 5);
        auto source = open_read(dir / "in");
        collected_tcp_sink sink;
        transfer_options options;
        options.strategy = id;
        options.chunk_size = 64 * 1024;
        options.buffer_size = 64 * 1024;
        options.mmap_window = 1u << 20;
        bool truncated = false;
        const std::string path = (dir / "in").string();
        options.on_progress = [&](std::uint64_t done, std::optional<std::uint64_t>) {
            if (!truncated && done >= 256 * 1024) {
                truncated = true;
                ASSERT_EQ(::truncate(path.c_str(), 512 * 1024), 0);
            }
        };
        auto stats = transfer(source.get(), sink.fd(), options);
        const std::string got = sink.join();
        ASSERT_TRUE(truncated);
        ASSERT_FALSE(stats) << "moved " << stats->bytes << " bytes of a file cut to 512 KiB";
        EXPECT_TRUE(stats.error().is(errc::source_shrank)) << stats.error().message();
        EXPECT_LT(got.size(), size);
    }
}

TEST(transfer, a_range_past_the_end_of_the_file_is_refused_before_any_byte_moves) {
    temp_dir dir;
    write_random_file(dir / "in", 1000, 1);
    auto source = open_read(dir / "in");
    auto sink = open_write(dir / "out");
    transfer_options options;
    options.offset = 900;
    options.length = 101;
    auto stats = transfer(source.get(), sink.get(), options);
    ASSERT_FALSE(stats);
    EXPECT_TRUE(stats.error().is(errc::source_too_short)) << stats.error().message();
    EXPECT_EQ(std::filesystem::file_size(dir / "out"), 0u);
}

TEST(transfer, a_stream_that_ends_before_the_length_asked_for_is_an_error) {
    auto [out, in] = pipe_pair();
    ASSERT_EQ(::write(out.get(), "short", 5), 5);
    out.reset();
    transfer_options options;
    options.length = 6;
    auto stats = transfer_to_a_scratch_file(in.get(), options);
    ASSERT_FALSE(stats);
    EXPECT_TRUE(stats.error().is(errc::source_too_short)) << stats.error().message();
}

TEST(transfer, an_offset_on_a_pipe_is_refused) {
    auto [out, in] = pipe_pair();
    transfer_options options;
    options.offset = 1;
    auto stats = transfer_to_a_scratch_file(in.get(), options);
    ASSERT_FALSE(stats);
    EXPECT_TRUE(stats.error().is(errc::not_seekable)) << stats.error().message();
}

TEST(transfer, without_an_offset_the_source_is_read_from_and_advanced_past_its_own_offset) {
    temp_dir dir;
    const std::string data = write_random_file(dir / "in", 10000, 9);
    auto source = open_read(dir / "in");
    ASSERT_EQ(::lseek(source.get(), 1000, SEEK_SET), 1000);
    auto sink = open_write(dir / "out");
    transfer_options options;
    options.length = 500;
    auto stats = transfer(source.get(), sink.get(), options);
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(read_file(dir / "out"), data.substr(1000, 500));
    EXPECT_EQ(::lseek(source.get(), 0, SEEK_CUR), 1500);
}

TEST(transfer, a_file_that_reports_size_zero_is_read_to_eof) {
    auto source = open_read("/proc/self/status");
    temp_dir dir;
    auto sink = open_write(dir / "out");
    auto stats = transfer(source.get(), sink.get());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_GT(stats->bytes, 0u);
    EXPECT_NE(read_file(dir / "out").find("Name:"), std::string::npos);
}

TEST(transfer, a_directory_is_refused) {
    unique_fd dir_fd(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto stats = transfer_to_a_scratch_file(dir_fd.get());
    ASSERT_FALSE(stats);
    EXPECT_EQ(stats.error().errno_value(), EISDIR);
}

// ---- peers that vanish -----------------------------------------------------------

TEST(transfer, a_peer_that_resets_mid_transfer_is_an_error_not_a_sigpipe_death) {
    ASSERT_EQ(::signal(SIGPIPE, SIG_DFL), ::signal(SIGPIPE, SIG_DFL)) << "SIGPIPE kills by default here";
    temp_dir dir;
    write_random_file(dir / "in", 32u << 20, 2);
    auto probe_source = open_read(dir / "in");
    auto probe_pair = tcp_pair();
    for (strategy_id id : strategies_serving(probe_source.get(), probe_pair.first.get())) {
        SCOPED_TRACE(name_of(id));
        auto source = open_read(dir / "in");
        auto [out, in] = tcp_pair();
        std::thread rude_peer([fd = std::move(in)]() mutable {
            char buffer[65536];
            std::size_t got = 0;
            while (got < (1u << 20)) {
                ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            linger hard{1, 0}; // close with RST
            ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        });
        transfer_options options;
        options.strategy = id;
        auto stats = transfer(source.get(), out.get(), options);
        rude_peer.join();
        ASSERT_FALSE(stats) << "32 MiB cannot fit in the socket buffers of a peer that left after 1 MiB";
        EXPECT_TRUE(peer_vanished(stats.error()));
    }
}

TEST(transfer, a_pipe_without_readers_is_epipe_not_a_sigpipe_death) {
    temp_dir dir;
    write_random_file(dir / "in", 1u << 20, 4);
    auto probe_source = open_read(dir / "in");
    auto probe_pipe = pipe_pair();
    for (strategy_id id : strategies_serving(probe_source.get(), probe_pipe.first.get())) {
        SCOPED_TRACE(name_of(id));
        auto source = open_read(dir / "in");
        auto [out, in] = pipe_pair();
        in.reset();
        transfer_options options;
        options.strategy = id;
        auto stats = transfer(source.get(), out.get(), options);
        ASSERT_FALSE(stats);
        EXPECT_EQ(stats.error().errno_value(), EPIPE) << stats.error().message();
    }
}

// ---- fallbacks ---------------------------------------------------------------------

TEST(transfer, auto_falls_back_across_filesystems_and_records_why) {
    if (!std::filesystem::is_directory("/dev/shm")) GTEST_SKIP() << "no /dev/shm to make a second filesystem";
    temp_dir disk_dir;
    const std::string data = write_random_file(disk_dir / "in", (3u << 20) + 5, 8);
    shm_temp_file shm_out("zc-test");
    auto source = open_read(disk_dir / "in");
    auto sink = open_write(shm_out.path());
    auto stats = transfer(source.get(), sink.get());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(hash_bytes(read_file(shm_out.path())), hash_bytes(data));
    if (stats->fallbacks.empty()) {
        EXPECT_EQ(stats->strategy_used, strategy_id::copy_file_range) << "copy_file_range worked across filesystems";
    } else {
        EXPECT_EQ(stats->fallbacks.front().from, strategy_id::copy_file_range);
        EXPECT_EQ(stats->fallbacks.front().at_byte, 0u);
        EXPECT_EQ(stats->fallbacks.front().reason.errno_value(), EXDEV) << stats->fallbacks.front().reason.message();
        EXPECT_NE(stats->strategy_used, strategy_id::copy_file_range);
    }
}

TEST(transfer, every_strategy_that_takes_an_o_append_file_sink_appends_to_it) {
    // The kernel refuses any splice into an O_APPEND file (EINVAL), and
    // sendfile splices: those two must refuse the pair up front instead of
    // failing at the first byte (found by tests/fault). The refusal of a
    // strategy mid-way, with bytes held in its pipe, is tested in
    // tests/fault/fault_injection_test.cpp, where it can be forced.
    temp_dir dir;
    const std::string data = write_random_file(dir / "in", 300000, 6);
    const std::string before = "already there\n";
    auto source = open_read(dir / "in");
    unique_fd sink(::open((dir / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
    ASSERT_EQ(::write(sink.get(), before.data(), before.size()), static_cast<ssize_t>(before.size()));
    std::string expected = before;
    for (strategy_id id : strategies_serving(source.get(), sink.get())) {
        SCOPED_TRACE(name_of(id));
        transfer_options options;
        options.strategy = id;
        options.offset = 0;
        auto stats = transfer(source.get(), sink.get(), options);
        ASSERT_TRUE(stats) << stats.error().message();
        expected += data;
        EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(expected));
    }
    for (strategy_id id : {strategy_id::splice, strategy_id::sendfile}) {
        transfer_options options;
        options.strategy = id;
        auto refused = transfer(source.get(), sink.get(), options);
        ASSERT_FALSE(refused) << name_of(id);
        EXPECT_TRUE(refused.error().is(errc::unsupported_pair)) << refused.error().message();
    }
}

TEST(transfer, an_explicit_strategy_never_falls_back) {
    if (!std::filesystem::is_directory("/dev/shm")) GTEST_SKIP() << "no /dev/shm to make a second filesystem";
    temp_dir disk_dir;
    write_random_file(disk_dir / "in", 4096, 8);
    shm_temp_file shm_out("zc-test-x");
    auto source = open_read(disk_dir / "in");
    auto sink = open_write(shm_out.path());
    transfer_options options;
    options.strategy = strategy_id::copy_file_range;
    auto stats = transfer(source.get(), sink.get(), options);
    if (stats) GTEST_SKIP() << "this kernel copies across filesystems: no refusal to observe";
    EXPECT_EQ(stats.error().errno_value(), EXDEV) << stats.error().message();
    EXPECT_NE(stats.error().message().find("copy-file-range"), std::string::npos) << stats.error().message();
}

TEST(transfer, an_explicit_strategy_names_itself_and_the_pair_when_it_cannot_serve_it) {
    auto [out, in] = pipe_pair();
    transfer_options options;
    options.strategy = strategy_id::sendfile;
    auto stats = transfer_to_a_scratch_file(in.get(), options);
    ASSERT_FALSE(stats);
    EXPECT_TRUE(stats.error().is(errc::unsupported_pair));
    EXPECT_NE(stats.error().message().find("'sendfile' cannot serve pipe → regular file"), std::string::npos)
        << stats.error().message();
}

} // namespace
} // namespace zc::test
