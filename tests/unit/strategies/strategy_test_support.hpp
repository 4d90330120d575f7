// What the per-strategy tests share: options naming one strategy, their
// fixture, and the cases more than one strategy runs the same way. The two
// zero-copy senders (msg-zerocopy, uring-send-zc) run almost all of theirs
// alike: those cases are here once, and each test file calls them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "support/test_support.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {

inline transfer_options options_for(strategy_id id, std::optional<std::uint64_t> offset = std::nullopt,
                                    std::optional<std::uint64_t> length = std::nullopt) {
    transfer_options options;
    options.strategy = id;
    options.offset = offset;
    options.length = length;
    return options;
}

// A scratch directory, and options for strategy `id`.
template <strategy_id id>
class strategy_test : public testing::Test {
protected:
    static transfer_options strategy_options(std::optional<std::uint64_t> offset = std::nullopt,
                                             std::optional<std::uint64_t> length = std::nullopt) {
        return options_for(id, offset, length);
    }
    temp_dir dir;
};

// The same, skipped with the probe's reason where `id` is unavailable here.
template <strategy_id id>
class available_strategy_test : public strategy_test<id> {
protected:
    void SetUp() override {
        const auto& info = describe_strategy(id);
        if (!info.available) GTEST_SKIP() << info.name << " unavailable here: " << info.reason;
    }
};

// ---- pieces of cases -----------------------------------------------------------

// Moves options' range of dir/"in" (which holds `data`; offset and length
// set) to a loopback socket: exactly those bytes, moved by options.strategy.
inline void expect_sends_range_byte_exact(const temp_dir& dir, std::string_view data, const transfer_options& options) {
    auto in = open_read(dir / "in");
    collected_tcp_sink sink;
    auto stats = transfer(in.get(), sink.fd(), options);
    const std::string got = sink.join();
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(stats->bytes, *options.length);
    EXPECT_EQ(stats->strategy_used, options.strategy);
    EXPECT_EQ(hash_bytes(got), hash_bytes(data.substr(*options.offset, *options.length)));
}

// Steps `job`, whose `sink` is non-blocking, to the end, draining `reader`
// (the other end, non-blocking too): it must stop on the sink at least once
// (`why` says why it must), never on its file source, and `reader` must get
// exactly `expected`.
inline void expect_stops_on_the_sink_and_resumes(transfer_job& job, unique_fd sink, unique_fd reader,
                                                 std::string_view expected, std::string_view why = {}) {
    auto run = step_until_done_draining(job, std::move(sink), std::move(reader));
    ASSERT_TRUE(run) << run.error().message();
    ASSERT_EQ(run->would_block_on_source_steps, 0) << "the source is a regular file";
    EXPECT_GT(run->would_block_on_sink_steps, 0) << why;
    EXPECT_EQ(hash_bytes(run->received), hash_bytes(expected));
}

// A peer that closed before the first byte: EPIPE or ECONNRESET, no SIGPIPE.
inline void expect_vanished_peer_is_an_error(int source, const transfer_options& options) {
    auto stats = transfer(source, tcp_sender_with_closed_peer().get(), options);
    ASSERT_FALSE(stats);
    EXPECT_TRUE(peer_vanished(stats.error()));
}

// ---- whole cases -----------------------------------------------------------------

struct truncation_case {
    std::size_t size;                                    // of dir/"in"
    std::uint64_t seed;                                  // of its bytes
    std::function<std::uint64_t(std::uint64_t)> cut_to; // new size, from the bytes done
    int rounds;                                          // steps allowed after the cut
};

// Starts moving dir/"in" to a non-blocking loopback socket; once the first
// step stops on the sink, cuts the file to c.cut_to(bytes done) and steps on,
// draining the socket: the job must fail with source_shrank, never succeed.
inline void expect_truncation_mid_transfer_is_source_shrank(const temp_dir& dir, const transfer_options& options,
                                                            const truncation_case& c) {
    write_random_file(dir / "in", c.size, c.seed);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = non_blocking(tcp_pair());
    auto job = transfer_job::start(in.get(), sender.get(), options);
    ASSERT_TRUE(job) << job.error().message();
    auto state = job->step();
    ASSERT_TRUE(state) << state.error().message();
    ASSERT_EQ(*state, transfer_job::state::would_block_on_sink);
    ASSERT_EQ(::truncate((dir / "in").c_str(), static_cast<off_t>(c.cut_to(job->bytes_done()))), 0);
    auto last = step_discarding(*job, receiver.get(), state, c.rounds);
    ASSERT_FALSE(last) << "a source truncated mid-transfer must not end in success";
    EXPECT_TRUE(last.error().is(errc::source_shrank)) << last.error().message();
}

// ---- the zero-copy senders' cases ----------------------------------------------

// Sizes around a page and past a window, offsets, 1 and 64 MiB windows.
inline void expect_zero_copy_sends_byte_exact_over_sizes_offsets_and_windows(const temp_dir& dir, strategy_id id) {
    const std::size_t sizes[] = {1, 4095, 4097, 1000000, (5u << 20) + 3};
    const std::uint64_t offsets[] = {0, 1, 4097};
    for (std::size_t size : sizes) {
        const std::string data = write_random_file(dir / "in", size + 5000, size);
        for (std::uint64_t offset : offsets) {
            for (std::size_t window : {std::size_t{1} << 20, std::size_t{64} << 20}) {
                SCOPED_TRACE("size " + std::to_string(size) + " offset " + std::to_string(offset) + " window " +
                             std::to_string(window));
                auto options = options_for(id, offset, size);
                options.mmap_window = window;
                options.chunk_size = 300000; // sends that end mid-page and mid-window
                ASSERT_NO_FATAL_FAILURE(expect_sends_range_byte_exact(dir, data, options));
            }
        }
    }
}

// Loopback always copies: every send is reported, and reported copied.
// `inspect_sink` sees the sending socket after the transfer, before it closes.
inline void expect_zero_copy_loopback_reports_every_send_copied(const temp_dir& dir, strategy_id id,
                                                                const std::function<void(int)>& inspect_sink = {}) {
    const std::string data = write_random_file(dir / "in", 8u << 20, 21);
    auto in = open_read(dir / "in");
    collected_tcp_sink sink;
    auto stats = transfer(in.get(), sink.fd(), options_for(id));
    if (inspect_sink) inspect_sink(sink.fd());
    const std::string got = sink.join();
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(hash_bytes(got), hash_bytes(data));
    EXPECT_GE(stats->zerocopy_sends, 8u) << "1 MiB sends of 8 MiB";
    EXPECT_GT(stats->zerocopy_copied, 0u) << "loopback copies into the receiving socket";
    EXPECT_EQ(stats->zerocopy_copied, stats->zerocopy_sends);
}

inline void expect_zero_copy_non_blocking_sink_resumes(const temp_dir& dir, strategy_id id) {
    const std::string data = write_random_file(dir / "in", (16u << 20) + 5, 22);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = non_blocking(tcp_pair());
    auto options = options_for(id, 5);
    options.mmap_window = 4u << 20; // window changes wait for the kernel's reports
    auto job = transfer_job::start(in.get(), sender.get(), options);
    ASSERT_TRUE(job) << job.error().message();
    ASSERT_NO_FATAL_FAILURE(expect_stops_on_the_sink_and_resumes(*job, std::move(sender), std::move(receiver),
                                                                 std::string_view(data).substr(5)));
    EXPECT_GT(job->stats().zerocopy_sends, 0u);
    EXPECT_LE(job->stats().zerocopy_copied, job->stats().zerocopy_sends);
}

// The file loses its last byte while the tail is still on its way. No send
// faults (every page is still inside the file), the truncated byte goes out
// as the zero the kernel wrote into the page: only the size check after the
// last completion (msg-zerocopy) or notification (uring-send-zc) can tell,
// and it must say source_shrank.
inline void expect_zero_copy_truncation_inside_the_last_page_is_caught_at_the_end(const temp_dir& dir,
                                                                                  strategy_id id) {
    const std::size_t size = 32u << 20;
    const std::size_t stop_reading_at = size - (12u << 20); // > sender + receiver buffers
    write_random_file(dir / "in", size, 24);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = non_blocking(tcp_pair());
    auto job = transfer_job::start(in.get(), sender.get(), options_for(id));
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
    ASSERT_EQ(::truncate((dir / "in").c_str(), static_cast<off_t>(size - 1)), 0);
    last = step_discarding(*job, receiver.get(), last, 100000);
    ASSERT_FALSE(last) << "bytes done " << job->bytes_done();
    EXPECT_TRUE(last.error().is(errc::source_shrank)) << last.error().message();
}

inline void expect_zero_copy_truncation_mid_transfer_is_source_shrank(const temp_dir& dir, strategy_id id) {
    expect_truncation_mid_transfer_is_source_shrank(
        dir, options_for(id),
        {.size = 32u << 20, .seed = 23, .cut_to = [](std::uint64_t done) { return done / 2; }, .rounds = 10000});
}

inline void expect_zero_copy_refuses_sinks_that_are_not_tcp(const temp_dir& dir, strategy_id id) {
    write_random_file(dir / "in", 1000, 25);
    auto in = open_read(dir / "in");
    auto [unix_sender, unix_receiver] = unix_pair();
    auto [write_end, read_end] = pipe_pair();
    auto file = open_write(dir / "out");
    for (int sink : {unix_sender.get(), write_end.get(), file.get()}) {
        auto stats = transfer(in.get(), sink, options_for(id));
        ASSERT_FALSE(stats);
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
    }
}

inline void expect_zero_copy_vanished_peer_is_an_error(const temp_dir& dir, strategy_id id) {
    write_random_file(dir / "in", 8u << 20, 26);
    auto in = open_read(dir / "in");
    expect_vanished_peer_is_an_error(in.get(), options_for(id));
}

// A successful send, then one to a peer that is gone.
inline void expect_zero_copy_sends_leak_no_descriptors(const temp_dir& dir, strategy_id id) {
    write_random_file(dir / "in", 3u << 20, 27);
    expect_no_descriptor_leaks([&] {
        auto in = open_read(dir / "in");
        {
            collected_tcp_sink sink;
            auto stats = transfer(in.get(), sink.fd(), options_for(id, 0));
            ASSERT_TRUE(stats) << stats.error().message();
        }
        EXPECT_FALSE(transfer(in.get(), tcp_sender_with_closed_peer().get(), options_for(id, 0)));
    });
}

} // namespace zc::test
