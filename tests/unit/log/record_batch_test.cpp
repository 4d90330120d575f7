// RecordBatch v2 header: each validation error, and the rewrites the broker
// owns keep the batch valid.
#include <gtest/gtest.h>

#include "log/log_error.hpp"
#include "log/record_batch.hpp"
#include "unit/log/batch_builder.hpp"

namespace zc::log {
namespace {

using test::batch_spec;
using test::make_batch;

testing::AssertionResult fails_with(const std::expected<batch_header, error>& r, log_errc want) {
    if (r) return testing::AssertionFailure() << "accepted";
    if (r.error().code() != make_error_code(want)) return testing::AssertionFailure() << r.error().message();
    return testing::AssertionSuccess();
}

TEST(log_record_batch, a_well_formed_batch_validates_and_its_fields_read_back) {
    auto bytes = make_batch({.records = 3, .payload = 40, .base_timestamp = 5, .max_timestamp = 9, .attributes = 4});
    auto h = validate_batch(bytes, default_max_message_bytes);
    ASSERT_TRUE(h) << h.error().message();
    EXPECT_EQ(h->record_count, 3);
    EXPECT_EQ(h->last_offset_delta, 2);
    EXPECT_EQ(h->total_size(), bytes.size());
    EXPECT_EQ(h->max_timestamp, 9);
    EXPECT_EQ(codec_name(h->attributes), "zstd");
}

TEST(log_record_batch, each_malformed_batch_gets_its_own_error) {
    auto magic1 = make_batch({});
    magic1[16] = std::byte{1};
    EXPECT_TRUE(fails_with(validate_batch(magic1, default_max_message_bytes), log_errc::unsupported_for_message_format));
    auto magic7 = make_batch({});
    magic7[16] = std::byte{7};
    EXPECT_TRUE(fails_with(validate_batch(magic7, default_max_message_bytes), log_errc::corrupt_message));

    auto flipped = make_batch({});
    flipped[80] ^= std::byte{0x01};
    EXPECT_TRUE(fails_with(validate_batch(flipped, default_max_message_bytes), log_errc::corrupt_message));

    auto short_bytes = make_batch({});
    short_bytes.pop_back();
    EXPECT_TRUE(fails_with(validate_batch(short_bytes, default_max_message_bytes), log_errc::corrupt_message));

    auto tiny_length = make_batch({});
    store_be32(tiny_length.data() + 8, 10);
    EXPECT_TRUE(fails_with(validate_batch(tiny_length, default_max_message_bytes), log_errc::corrupt_message));

    auto miscounted = make_batch({.records = 3});
    store_be32(miscounted.data() + 57, 2); // recordCount 2 with lastOffsetDelta 2
    store_be32(miscounted.data() + crc_offset, compute_batch_crc(miscounted));
    EXPECT_TRUE(fails_with(validate_batch(miscounted, default_max_message_bytes), log_errc::invalid_record));

    auto big = make_batch({.payload = 2000});
    EXPECT_TRUE(fails_with(validate_batch(big, 1000), log_errc::message_too_large));
    EXPECT_TRUE(validate_batch(big, big.size()));
}

TEST(log_record_batch, kafka_error_codes_of_the_conditions) {
    EXPECT_EQ(kafka_error_code(log_error(log_errc::corrupt_message, "")), 2);
    EXPECT_EQ(kafka_error_code(log_error(log_errc::offset_out_of_range, "")), 1);
    EXPECT_EQ(kafka_error_code(log_error(log_errc::message_too_large, "")), 10);
    EXPECT_EQ(kafka_error_code(log_error(log_errc::unsupported_for_message_format, "")), 43);
    EXPECT_EQ(kafka_error_code(log_error(log_errc::invalid_record, "")), 87);
    EXPECT_EQ(kafka_error_code(error::from_errno(EIO, "write")), -1);
}

TEST(log_record_batch, offsets_are_outside_the_crc_and_log_append_time_recomputes_it) {
    auto bytes = make_batch({.records = 2, .max_timestamp = 77});
    const std::uint32_t crc = read_batch_header(bytes)->crc;
    assign_offsets(bytes, 1234, 5);
    auto h = validate_batch(bytes, default_max_message_bytes);
    ASSERT_TRUE(h) << h.error().message();
    EXPECT_EQ(h->base_offset, 1234);
    EXPECT_EQ(h->partition_leader_epoch, 5);
    EXPECT_EQ(h->crc, crc);

    set_log_append_time(bytes, 999'999);
    h = validate_batch(bytes, default_max_message_bytes);
    ASSERT_TRUE(h) << h.error().message();
    EXPECT_EQ(h->timestamps(), timestamp_type::log_append_time);
    EXPECT_EQ(h->max_timestamp, 999'999);
    EXPECT_NE(h->crc, crc);
}

} // namespace
} // namespace zc::log
