// msg-zerocopy: byte-exact sends, completion accounting from the error queue
// (loopback always copies, so every completion says so), windows, small sends,
// IPv6, non-blocking sinks, truncation, refusal of non-TCP sinks, leaks.
// The cases it runs like uring-send-zc are in strategy_test_support.hpp.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "strategy_test_support.hpp"

namespace zc::test {
namespace {

using msg_zerocopy_test = available_strategy_test<strategy_id::msg_zerocopy>;

TEST_F(msg_zerocopy_test, sends_byte_exact_over_sizes_offsets_and_windows) {
    expect_zero_copy_sends_byte_exact_over_sizes_offsets_and_windows(dir, strategy_id::msg_zerocopy);
}

TEST_F(msg_zerocopy_test, loopback_reports_every_send_copied) {
    int zerocopy_was_on = 0;
    ASSERT_NO_FATAL_FAILURE(expect_zero_copy_loopback_reports_every_send_copied(
        dir, strategy_id::msg_zerocopy, [&](int sender) {
            socklen_t len = sizeof zerocopy_was_on;
            ::getsockopt(sender, SOL_SOCKET, SO_ZEROCOPY, &zerocopy_was_on, &len);
        }));
    EXPECT_EQ(zerocopy_was_on, 1) << "open() sets SO_ZEROCOPY on the caller's socket";
}

TEST_F(msg_zerocopy_test, non_blocking_sink_resumes) {
    expect_zero_copy_non_blocking_sink_resumes(dir, strategy_id::msg_zerocopy);
}

TEST_F(msg_zerocopy_test, small_sends_on_a_non_blocking_ipv6_sink_stay_byte_exact) {
    // Many 4 KiB sends in flight: the most completions to coalesce into
    // ranges, and the likeliest way to meet ENOBUFS (optmem_max).
    const std::string data = write_random_file(dir / "in", (6u << 20) + 11, 28);
    auto in = open_read(dir / "in");
    std::pair<unique_fd, unique_fd> pair;
    try {
        pair = tcp_pair(true);
    } catch (const std::exception& e) {
        GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
    }
    auto [sender, receiver] = non_blocking(std::move(pair));
    auto options = strategy_options();
    options.chunk_size = 4096;
    auto job = transfer_job::start(in.get(), sender.get(), options);
    ASSERT_TRUE(job) << job.error().message();
    auto run = step_until_done_draining(*job, std::move(sender), std::move(receiver));
    ASSERT_TRUE(run) << run.error().message();
    EXPECT_EQ(hash_bytes(run->received), hash_bytes(data));
    EXPECT_GE(job->stats().zerocopy_sends, data.size() / 4096);
    EXPECT_EQ(job->stats().zerocopy_copied, job->stats().zerocopy_sends);
}

TEST_F(msg_zerocopy_test, truncated_source_mid_transfer_is_source_shrank) {
    expect_zero_copy_truncation_mid_transfer_is_source_shrank(dir, strategy_id::msg_zerocopy);
}

TEST_F(msg_zerocopy_test, truncation_inside_the_last_page_is_caught_at_the_end) {
    expect_zero_copy_truncation_inside_the_last_page_is_caught_at_the_end(dir, strategy_id::msg_zerocopy);
}

TEST_F(msg_zerocopy_test, refuses_sinks_that_are_not_tcp) {
    expect_zero_copy_refuses_sinks_that_are_not_tcp(dir, strategy_id::msg_zerocopy);
}

TEST_F(msg_zerocopy_test, vanished_peer_is_an_error) {
    expect_zero_copy_vanished_peer_is_an_error(dir, strategy_id::msg_zerocopy);
}

TEST_F(msg_zerocopy_test, leaks_no_descriptors) {
    expect_zero_copy_sends_leak_no_descriptors(dir, strategy_id::msg_zerocopy);
}

} // namespace
} // namespace zc::test
