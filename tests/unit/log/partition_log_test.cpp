// partition_log: appends, the fetch lookup, rolling, retention, validation,
// the two append modes and the flush policies.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "log/log_error.hpp"
#include "unit/log/log_test_support.hpp"

namespace zc::test {
namespace {

using log::log_errc;

// Batches of 1..3 records whose sizes vary around `payload` bytes.
std::vector<std::byte> varied_batch(int i, std::size_t payload = 900) {
    return make_batch({.records = 1 + i % 3, .payload = payload + static_cast<std::size_t>(i % 5) * 37,
                       .base_timestamp = 1000 + i, .max_timestamp = 1000 + i,
                       .fill = static_cast<std::uint8_t>(i)});
}

// The bytes a batch is stored as: the client's with the log's base offset and epoch.
std::string stored_form(std::vector<std::byte> batch, std::int64_t base) {
    log::assign_offsets(batch, base, 0);
    return as_string(batch);
}

void expect_range_starts_the_batch_holding(const log::partition_log& log, std::int64_t offset) {
    auto range = log.read_range(offset, 1);
    ASSERT_TRUE(range) << offset << ": " << range.error().message();
    const std::string bytes = read_range_bytes(*range);
    auto header = log::read_batch_header(std::as_bytes(std::span(bytes)));
    ASSERT_TRUE(header) << offset;
    EXPECT_LE(header->base_offset, offset);
    EXPECT_GE(header->last_offset(), offset);
    EXPECT_EQ(range->length, header->total_size()) << "max_bytes 1 still gives the whole first batch";
}

TEST(log_partition, append_then_read_range_returns_the_bytes_with_rewritten_base_offsets) {
    temp_dir dir;
    auto log = open_log(dir / "t-0", small_config());
    ASSERT_TRUE(log);
    std::string expected;
    std::int64_t next = 0;
    for (int i = 0; i < 5; ++i) {
        auto batch = varied_batch(i);
        expected += stored_form(batch, next);
        const auto r = append_ok(*log, batch);
        EXPECT_EQ(r.base_offset, next);
        next += 1 + i % 3;
        EXPECT_EQ(r.last_offset, next - 1);
    }
    EXPECT_EQ(log->high_watermark(), next);
    auto range = log->read_range(0, 1 << 20);
    ASSERT_TRUE(range) << range.error().message();
    EXPECT_EQ(range->position, 0u);
    EXPECT_EQ(range->high_watermark, next);
    EXPECT_EQ(read_range_bytes(*range), expected);
    EXPECT_TRUE(std::filesystem::exists(dir / "t-0" / "00000000000000000000.log"));
    EXPECT_TRUE(std::filesystem::exists(dir / "t-0" / "00000000000000000000.index"));
    EXPECT_TRUE(std::filesystem::exists(dir / "t-0" / "00000000000000000000.timeindex"));
}

TEST(log_partition, an_index_entry_follows_every_4096_bytes_and_every_offset_is_found) {
    temp_dir dir;
    auto log = open_log(dir / "t-0", small_config());
    ASSERT_TRUE(log);
    std::map<std::uint64_t, log::batch_header> by_position;
    std::uint64_t position = 0;
    for (int i = 0; i < 120; ++i) {
        auto batch = varied_batch(i);
        const auto r = append_ok(*log, batch);
        auto h = *log::read_batch_header(batch);
        h.base_offset = r.base_offset;
        by_position[position] = h;
        position += batch.size();
    }
    // Kafka's rule: an entry before a batch once more than 4096 bytes went
    // in since the last entry, keyed by that batch's last offset.
    std::vector<log::offset_entry> want;
    std::uint64_t last_entry = 0;
    for (const auto& [at, h] : by_position)
        if (at - last_entry > 4096) {
            want.push_back({static_cast<std::uint32_t>(h.last_offset()), static_cast<std::uint32_t>(at)});
            last_entry = at;
        }
    const auto& index = log->segments().back().offset_index();
    ASSERT_EQ(index.entries(), want.size());
    ASSERT_GT(want.size(), 20u);
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(log::decode_offset_entry(index.entry(i).data()), want[i]) << i;
    for (std::int64_t offset = 0; offset < log->high_watermark(); ++offset) expect_range_starts_the_batch_holding(*log, offset);
}

class log_partition_modes : public testing::TestWithParam<log::append_mode> {};

TEST_P(log_partition_modes, rolls_at_the_segment_size_and_finds_offsets_across_segments_after_reopening) {
    temp_dir dir;
    const auto config = small_config(5000, GetParam());
    std::int64_t hw = 0;
    {
        auto log = open_log(dir / "t-1", config);
        ASSERT_TRUE(log);
        for (int i = 0; i < 40; ++i) append_ok(*log, varied_batch(i));
        hw = log->high_watermark();
        ASSERT_GT(log->segments().size(), 5u);
        for (const auto& s : log->segments()) EXPECT_LE(s.size(), 5000u);
        for (std::size_t i = 1; i < log->segments().size(); ++i)
            EXPECT_EQ(log->segments()[i].base_offset(), log->segments()[i - 1].next_offset());
        for (std::int64_t offset = 0; offset < hw; ++offset) expect_range_starts_the_batch_holding(*log, offset);
        const auto second = log->segments()[1].base_offset();
        EXPECT_TRUE(std::filesystem::exists(dir / "t-1" / log::segment_file_name(second, ".log")));
    }
    auto log = open_log(dir / "t-1", config);
    ASSERT_TRUE(log);
    EXPECT_TRUE(log->recovery_reports().empty()) << log->recovery_reports().front().log;
    EXPECT_EQ(log->high_watermark(), hw);
    for (std::int64_t offset = 0; offset < hw; ++offset) expect_range_starts_the_batch_holding(*log, offset);
    EXPECT_EQ(append_ok(*log, varied_batch(0)).base_offset, hw);
}

INSTANTIATE_TEST_SUITE_P(log, log_partition_modes, testing::Values(log::append_mode::write, log::append_mode::mmap),
                         [](const testing::TestParamInfo<log::append_mode>& mode) {
                             return std::string(log::append_mode_name(mode.param));
                         });

TEST(log_partition, retention_by_bytes_deletes_whole_old_segments_never_the_active_one) {
    temp_dir dir;
    auto config = small_config(5000);
    config.retention_bytes = 12'000;
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    for (int i = 0; i < 40; ++i) append_ok(*log, varied_batch(i));
    const auto segments_before = log->segments().size();
    const auto first_path = log->segments().front().log_path();
    auto result = log->apply_retention(0);
    ASSERT_TRUE(result) << result.error().message();
    EXPECT_GT(result->segments_deleted, 0u);
    EXPECT_EQ(log->segments().size(), segments_before - result->segments_deleted);
    EXPECT_GE(log->size_bytes(), 12'000u - 5000u);
    EXPECT_LT(log->size_bytes() - log->segments().front().size(), 12'000u);
    EXPECT_FALSE(std::filesystem::exists(first_path));
    EXPECT_GT(log->log_start_offset(), 0);
    auto below = log->read_range(log->log_start_offset() - 1, 100);
    ASSERT_FALSE(below);
    EXPECT_EQ(below.error().code(), make_error_code(log_errc::offset_out_of_range));
    expect_range_starts_the_batch_holding(*log, log->log_start_offset());

    config.retention_bytes = 0;
    auto all = open_log(dir / "t-0", config);
    ASSERT_TRUE(all);
    log.reset();
    ASSERT_TRUE(all->apply_retention(0));
    EXPECT_EQ(all->segments().size(), 1u) << "the active segment stays";
}

TEST(log_partition, retention_by_time_deletes_segments_whose_newest_timestamp_is_too_old) {
    temp_dir dir;
    auto config = small_config(3000);
    config.retention_time = std::chrono::milliseconds(10'000);
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    for (int i = 0; i < 12; ++i) // timestamps 1000, 2000, … 12000
        append_ok(*log, make_batch({.payload = 1400, .base_timestamp = 1000 * (i + 1), .max_timestamp = 1000 * (i + 1)}));
    ASSERT_GT(log->segments().size(), 3u);
    const auto before = log->segments().size();
    auto none = log->apply_retention(10'500); // nothing older than 500
    ASSERT_TRUE(none);
    EXPECT_EQ(none->segments_deleted, 0u);
    auto result = log->apply_retention(14'500); // newest timestamp ≤ 4500 is too old
    ASSERT_TRUE(result) << result.error().message();
    EXPECT_GT(result->segments_deleted, 0u);
    EXPECT_LT(result->segments_deleted, before);
    EXPECT_GT(log->segments().front().max_timestamp(), 4500);
    for (std::size_t i = 0; i + 1 < log->segments().size(); ++i) EXPECT_FALSE(log->segments()[i].active());
    ASSERT_TRUE(log->apply_retention(1'000'000));
    EXPECT_EQ(log->segments().size(), 1u);
}

TEST(log_partition, offset_for_timestamp_finds_the_first_batch_at_or_past_it_across_segments) {
    temp_dir dir;
    auto config = small_config(4000);
    config.segments.index_interval_bytes = 1000;
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    std::vector<std::int64_t> bases;
    for (int i = 0; i < 40; ++i) // batch i: 2 records, timestamps up to 1000 * (i + 1)
        bases.push_back(append_ok(*log, make_batch({.records = 2, .payload = 700, .base_timestamp = 1000 * i + 1,
                                                    .max_timestamp = 1000 * (i + 1)}))
                            .base_offset);
    ASSERT_GT(log->segments().size(), 5u);
    for (int i = 0; i < 40; ++i) {
        for (std::int64_t asked : {std::int64_t{1000} * i + 1, std::int64_t{1000} * (i + 1)}) {
            auto found = log->offset_for_timestamp(asked);
            ASSERT_TRUE(found) << found.error().message();
            ASSERT_TRUE(*found) << asked;
            EXPECT_EQ((*found)->base_offset, bases[static_cast<std::size_t>(i)]) << asked;
            EXPECT_EQ((*found)->max_timestamp, 1000 * (i + 1));
        }
    }
    EXPECT_EQ((*log->offset_for_timestamp(-5))->base_offset, 0);
    EXPECT_FALSE(*log->offset_for_timestamp(40'001));
}

TEST(log_partition, the_first_batch_is_whole_even_past_max_bytes_and_later_ones_may_be_cut) {
    temp_dir dir;
    auto log = open_log(dir / "t-0", small_config());
    ASSERT_TRUE(log);
    auto big = make_batch({.records = 2, .payload = 10'000});
    append_ok(*log, big);
    append_ok(*log, make_batch({.payload = 1000}));
    append_ok(*log, make_batch({.payload = 1000}));
    auto first = log->read_range(1, 100);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->position, 0u);
    EXPECT_EQ(first->length, big.size());
    auto cut = log->read_range(2, 1500);
    ASSERT_TRUE(cut);
    EXPECT_EQ(cut->position, big.size());
    EXPECT_EQ(cut->length, 1500u) << "ends inside the second batch; clients drop a partial batch";
    auto rest = log->read_range(0, 1 << 20);
    ASSERT_TRUE(rest);
    EXPECT_EQ(rest->length, log->size_bytes());
}

TEST(log_partition, offset_at_the_high_watermark_is_empty_and_past_it_out_of_range) {
    temp_dir dir;
    auto log = open_log(dir / "t-0", small_config());
    ASSERT_TRUE(log);
    auto empty_log = log->read_range(0, 100);
    ASSERT_TRUE(empty_log);
    EXPECT_EQ(empty_log->length, 0u);
    append_ok(*log, make_batch({.records = 3}));
    auto at_hw = log->read_range(3, 100);
    ASSERT_TRUE(at_hw) << at_hw.error().message();
    EXPECT_EQ(at_hw->length, 0u);
    EXPECT_EQ(at_hw->high_watermark, 3);
    for (std::int64_t bad : {std::int64_t{4}, std::int64_t{-1}, std::int64_t{1} << 40}) {
        auto r = log->read_range(bad, 100);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().code(), make_error_code(log_errc::offset_out_of_range)) << r.error().message();
        EXPECT_EQ(log::kafka_error_code(r.error()), 1);
    }
}

TEST(log_partition, each_invalid_batch_is_refused_with_its_error_and_nothing_is_stored) {
    temp_dir dir;
    auto config = small_config();
    config.max_message_bytes = 5000;
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    append_ok(*log, make_batch({}));
    const auto size = log->size_bytes();
    const auto log_file = log->segments().back().log_path();

    auto magic0 = make_batch({});
    magic0[16] = std::byte{0};
    auto magic9 = make_batch({});
    magic9[16] = std::byte{9};
    auto bad_crc = make_batch({});
    bad_crc[100] ^= std::byte{0x40};
    auto miscount = make_batch({.records = 4});
    log::store_be32(miscount.data() + 23, 1);
    log::store_be32(miscount.data() + log::crc_offset, log::compute_batch_crc(miscount));
    auto truncated = make_batch({});
    truncated.erase(truncated.end() - 3, truncated.end());
    auto too_large = make_batch({.payload = 6000});
    // A good batch followed by a bad one: the whole request is refused.
    auto good_then_bad = concat({make_batch({}), bad_crc});

    const std::vector<std::pair<std::vector<std::byte>, log_errc>> cases = {
        {magic0, log_errc::unsupported_for_message_format}, {magic9, log_errc::corrupt_message},
        {bad_crc, log_errc::corrupt_message},               {miscount, log_errc::invalid_record},
        {truncated, log_errc::corrupt_message},             {too_large, log_errc::message_too_large},
        {good_then_bad, log_errc::corrupt_message},         {{}, log_errc::corrupt_message},
    };
    for (auto [bytes, want] : cases) {
        auto r = log->append(bytes, 0);
        ASSERT_FALSE(r) << static_cast<int>(want);
        EXPECT_EQ(r.error().code(), make_error_code(want)) << r.error().message();
        EXPECT_EQ(log->high_watermark(), 1);
        EXPECT_EQ(log->size_bytes(), size);
        EXPECT_EQ(std::filesystem::file_size(log_file), size);
    }
    EXPECT_EQ(append_ok(*log, make_batch({})).base_offset, 1);
}

TEST(log_partition, several_batches_in_one_append_get_consecutive_offsets) {
    temp_dir dir;
    auto log = open_log(dir / "t-0", small_config());
    ASSERT_TRUE(log);
    const auto r = append_ok(*log, concat({make_batch({.records = 2}), make_batch({.records = 5}), make_batch({})}));
    EXPECT_EQ(r.base_offset, 0);
    EXPECT_EQ(r.last_offset, 7);
    auto range = log->read_range(2, 1);
    ASSERT_TRUE(range);
    const auto bytes = read_range_bytes(*range);
    EXPECT_EQ(log::read_batch_header(std::as_bytes(std::span(bytes)))->base_offset, 2);
}

TEST(log_partition, log_append_time_sets_the_timestamp_and_a_valid_crc) {
    temp_dir dir;
    auto config = small_config();
    config.timestamps = log::timestamp_type::log_append_time;
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    const auto r = append_ok(*log, make_batch({.records = 2, .max_timestamp = 5}), 1'700'000'000'000);
    EXPECT_EQ(r.log_append_time, 1'700'000'000'000);
    auto range = log->read_range(0, 1 << 20);
    ASSERT_TRUE(range);
    const auto bytes = read_range_bytes(*range);
    auto h = log::validate_batch(std::as_bytes(std::span(bytes)), log::default_max_message_bytes);
    ASSERT_TRUE(h) << h.error().message();
    EXPECT_EQ(h->max_timestamp, 1'700'000'000'000);
    EXPECT_EQ(h->timestamps(), log::timestamp_type::log_append_time);
}

TEST(log_partition, write_and_mmap_appends_produce_byte_identical_segments) {
    temp_dir dir;
    for (auto mode : {log::append_mode::write, log::append_mode::mmap}) {
        auto log = open_log(dir / std::string(log::append_mode_name(mode)) / "t-0", small_config(6000, mode));
        ASSERT_TRUE(log);
        for (int i = 0; i < 30; ++i) append_ok(*log, varied_batch(i, 400));
        ASSERT_TRUE(log->close());
    }
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "write" / "t-0"))
        names.push_back(entry.path().filename());
    ASSERT_GT(names.size(), 6u);
    for (const auto& name : names) {
        ASSERT_TRUE(std::filesystem::exists(dir / "mmap" / "t-0" / name)) << name;
        EXPECT_EQ(read_file(dir / "write" / "t-0" / name), read_file(dir / "mmap" / "t-0" / name)) << name;
    }
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir / "mmap" / "t-0"), {}),
              static_cast<std::ptrdiff_t>(names.size()));
}

TEST(log_partition, mmap_mode_reads_back_appends_before_close) {
    temp_dir dir;
    auto log = open_log(dir / "t-0", small_config(1 << 20, log::append_mode::mmap));
    ASSERT_TRUE(log);
    auto batch = make_batch({.records = 2, .payload = 3000});
    append_ok(*log, batch);
    auto range = log->read_range(0, 1 << 20);
    ASSERT_TRUE(range);
    EXPECT_EQ(read_range_bytes(*range), stored_form(batch, 0));
}

TEST(log_flush_policy, parses_the_three_policies_and_refuses_others) {
    using log::flush_policy;
    EXPECT_EQ(flush_policy::parse("sync")->when, flush_policy::kind::sync);
    EXPECT_EQ(flush_policy::parse("async")->when, flush_policy::kind::async);
    auto interval = flush_policy::parse("interval:250");
    ASSERT_TRUE(interval);
    EXPECT_EQ(interval->when, flush_policy::kind::interval);
    EXPECT_EQ(interval->every, std::chrono::milliseconds(250));
    EXPECT_EQ(interval->to_string(), "interval:250");
    for (const char* bad : {"", "interval:", "interval:0", "interval:-5", "interval:1x", "always", "Sync"})
        EXPECT_FALSE(flush_policy::parse(bad)) << bad;
    EXPECT_TRUE(log::parse_append_mode("mmap"));
    EXPECT_FALSE(log::parse_append_mode("mapped"));
}

TEST(log_flush_policy, interval_asks_for_a_flush_after_an_append_and_flush_if_due_clears_it) {
    temp_dir dir;
    auto config = small_config();
    config.flush = *log::flush_policy::parse("interval:500");
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    EXPECT_FALSE(log->needs_flush_by());
    const auto before = std::chrono::steady_clock::now();
    append_ok(*log, make_batch({}));
    const auto due = log->needs_flush_by();
    ASSERT_TRUE(due);
    EXPECT_GE(*due, before + std::chrono::milliseconds(500));
    append_ok(*log, make_batch({}));
    EXPECT_EQ(log->needs_flush_by(), due) << "the oldest unflushed append sets the deadline";
    ASSERT_TRUE(log->flush_if_due(*due - std::chrono::milliseconds(1)));
    EXPECT_EQ(log->needs_flush_by(), due);
    ASSERT_TRUE(log->flush_if_due(*due));
    EXPECT_FALSE(log->needs_flush_by());
}

TEST(log_flush_policy, async_and_sync_never_ask_for_a_timer) {
    temp_dir dir;
    for (const char* policy : {"async", "sync"}) {
        auto config = small_config();
        config.flush = *log::flush_policy::parse(policy);
        auto log = open_log(dir / (std::string(policy) + "-0"), config);
        ASSERT_TRUE(log);
        append_ok(*log, make_batch({}));
        EXPECT_FALSE(log->needs_flush_by()) << policy;
    }
}

// fdatasync of a pipe fails with EINVAL: putting one in place of the log's
// descriptor makes the flush fail while the mmap append itself succeeds.
void replace_log_fd_with_a_pipe(const log::partition_log& log) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ASSERT_GE(::dup2(fds[0], log.segments().back().log_fd()), 0);
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(log_flush_policy, a_failed_sync_flush_fails_the_append_and_every_append_after_it) {
    temp_dir dir;
    auto config = small_config(1 << 20, log::append_mode::mmap);
    config.flush = *log::flush_policy::parse("sync");
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    append_ok(*log, make_batch({}));
    replace_log_fd_with_a_pipe(*log);
    auto second = make_batch({});
    auto failed = log->append(second, 0);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().errno_value(), EINVAL) << failed.error().message();
    EXPECT_NE(failed.error().message().find("fdatasync"), std::string::npos) << failed.error().message();
    auto third = make_batch({});
    auto after = log->append(third, 0);
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error().code(), make_error_code(log_errc::log_failed));
}

TEST(log_flush_policy, an_explicit_flush_reports_the_error) {
    temp_dir dir;
    auto log = open_log(dir / "t-0", small_config(1 << 20, log::append_mode::mmap));
    ASSERT_TRUE(log);
    append_ok(*log, make_batch({}));
    replace_log_fd_with_a_pipe(*log);
    auto flushed = log->flush();
    ASSERT_FALSE(flushed);
    EXPECT_EQ(flushed.error().errno_value(), EINVAL);
}

TEST(log_partition, partition_directory_names_parse_as_topic_and_partition) {
    auto tp = log::parse_partition_dir_name("my-topic-12");
    ASSERT_TRUE(tp);
    EXPECT_EQ(tp->topic, "my-topic");
    EXPECT_EQ(tp->partition, 12);
    EXPECT_EQ(log::parse_partition_dir_name("t.x_y--1")->topic, "t.x_y-") << "Kafka topic names may end in '-'";
    for (const char* bad : {"topic", "-3", "topic-", "topic-x", "to pic-1", "../x-1", "t-+1"})
        EXPECT_FALSE(log::parse_partition_dir_name(bad)) << bad;
}

} // namespace
} // namespace zc::test
