// uring-send-zc: byte-exact sends, notification accounting (loopback always
// copies, so every notified send reports it), windows, non-blocking sinks,
// truncation, refusal of non-TCP sinks, leaks. It runs the same cases as
// msg-zerocopy: they are in strategy_test_support.hpp.
#include <gtest/gtest.h>

#include "strategy_test_support.hpp"

namespace zc::test {
namespace {

using uring_send_zc_test = available_strategy_test<strategy_id::uring_send_zc>;

TEST_F(uring_send_zc_test, sends_byte_exact_over_sizes_offsets_and_windows) {
    expect_zero_copy_sends_byte_exact_over_sizes_offsets_and_windows(dir, strategy_id::uring_send_zc);
}

TEST_F(uring_send_zc_test, loopback_reports_every_send_copied) {
    expect_zero_copy_loopback_reports_every_send_copied(dir, strategy_id::uring_send_zc);
}

TEST_F(uring_send_zc_test, non_blocking_sink_is_not_parked_and_resumes) {
    // Without MSG_DONTWAIT io_uring would park the send until POLLOUT and the
    // first step would hang: nobody reads the receiver until it returns.
    expect_zero_copy_non_blocking_sink_resumes(dir, strategy_id::uring_send_zc);
}

TEST_F(uring_send_zc_test, truncated_source_mid_transfer_is_source_shrank) {
    expect_zero_copy_truncation_mid_transfer_is_source_shrank(dir, strategy_id::uring_send_zc);
}

TEST_F(uring_send_zc_test, truncation_inside_the_last_page_is_caught_at_the_end) {
    expect_zero_copy_truncation_inside_the_last_page_is_caught_at_the_end(dir, strategy_id::uring_send_zc);
}

TEST_F(uring_send_zc_test, refuses_sinks_that_are_not_tcp) {
    expect_zero_copy_refuses_sinks_that_are_not_tcp(dir, strategy_id::uring_send_zc);
}

TEST_F(uring_send_zc_test, vanished_peer_is_an_error) {
    expect_zero_copy_vanished_peer_is_an_error(dir, strategy_id::uring_send_zc);
}

TEST_F(uring_send_zc_test, leaks_no_descriptors) {
    expect_zero_copy_sends_leak_no_descriptors(dir, strategy_id::uring_send_zc);
}

} // namespace
} // namespace zc::test
