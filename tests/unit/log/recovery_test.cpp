// Recovery on open: torn or corrupt tails are truncated and appends go on
// at the right offset; indexes are rebuilt when they disagree with the log;
// verify reports damage without changing anything.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "log/log_error.hpp"
#include "log/verify.hpp"
#include "unit/log/log_test_support.hpp"

namespace zc::test {
namespace {

constexpr std::size_t batch_bytes = log::batch_header_size + 500;

// Five batches of two records each (offsets 0..9), closed cleanly.
void write_five_batches(const std::filesystem::path& dir, const log::log_config& config) {
    auto log = open_log(dir, config);
    ASSERT_TRUE(log);
    for (int i = 0; i < 5; ++i)
        append_ok(*log, make_batch({.records = 2, .payload = 500, .max_timestamp = 100 + i,
                                    .fill = static_cast<std::uint8_t>(i)}));
}

std::filesystem::path first_log(const std::filesystem::path& dir) { return dir / "00000000000000000000.log"; }

void resize(const std::filesystem::path& path, std::uint64_t size) { std::filesystem::resize_file(path, size); }

void flip_byte(const std::filesystem::path& path, std::uint64_t at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(c ^ 0x10));
}

void expect_appends_continue_at(log::partition_log& log, std::int64_t offset) {
    EXPECT_EQ(log.high_watermark(), offset);
    EXPECT_EQ(append_ok(log, make_batch({.records = 2})).base_offset, offset);
    auto range = log.read_range(offset, 1);
    ASSERT_TRUE(range);
    const auto bytes = read_range_bytes(*range);
    auto h = log::validate_batch(std::as_bytes(std::span(bytes)), log::default_max_message_bytes);
    ASSERT_TRUE(h) << h.error().message();
    EXPECT_EQ(h->base_offset, offset);
}

TEST(log_recovery, a_file_cut_inside_the_last_batch_is_truncated_to_the_batches_before_it) {
    temp_dir dir;
    const auto config = small_config();
    write_five_batches(dir / "t-0", config);
    resize(first_log(dir / "t-0"), 4 * batch_bytes + 30);
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->recovery_reports().size(), 1u);
    const auto& report = log->recovery_reports().front();
    EXPECT_EQ(report.truncated_bytes, 30u);
    ASSERT_TRUE(report.problem);
    EXPECT_EQ(report.problem->position, 4 * batch_bytes);
    EXPECT_EQ(std::filesystem::file_size(first_log(dir / "t-0")), 4 * batch_bytes);
    expect_appends_continue_at(*log, 8);
}

TEST(log_recovery, garbage_after_the_last_batch_is_truncated) {
    temp_dir dir;
    const auto config = small_config();
    write_five_batches(dir / "t-0", config);
    {
        std::ofstream out(first_log(dir / "t-0"), std::ios::app | std::ios::binary);
        out << std::string(100, '\xAB');
    }
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->recovery_reports().size(), 1u);
    EXPECT_EQ(log->recovery_reports().front().truncated_bytes, 100u);
    expect_appends_continue_at(*log, 10);
}

TEST(log_recovery, a_flipped_byte_in_an_older_batch_is_reported_by_verify_and_cut_by_recovery) {
    temp_dir dir;
    const auto config = small_config();
    write_five_batches(dir / "t-0", config);
    const std::uint64_t damaged = 2 * batch_bytes + 200; // inside the third batch's records
    flip_byte(first_log(dir / "t-0"), damaged);

    auto summary = log::verify_partition(dir / "t-0");
    ASSERT_TRUE(summary) << summary.error().message();
    ASSERT_FALSE(summary->findings.empty());
    EXPECT_EQ(summary->findings.front().file, first_log(dir / "t-0"));
    EXPECT_EQ(summary->findings.front().position, 2 * batch_bytes);
    EXPECT_NE(summary->findings.front().problem.find("CRC"), std::string::npos) << summary->findings.front().problem;
    EXPECT_EQ(std::filesystem::file_size(first_log(dir / "t-0")), 5 * batch_bytes) << "verify changes nothing";

    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->recovery_reports().size(), 1u);
    const auto& report = log->recovery_reports().front();
    ASSERT_TRUE(report.problem);
    EXPECT_EQ(report.problem->position, 2 * batch_bytes);
    EXPECT_EQ(report.truncated_bytes, 3 * batch_bytes);
    expect_appends_continue_at(*log, 4);
}

TEST(log_recovery, a_clean_log_verifies_without_findings) {
    temp_dir dir;
    auto config = small_config(3000);
    {
        auto log = open_log(dir / "t-0", config);
        ASSERT_TRUE(log);
        for (int i = 0; i < 60; ++i) append_ok(*log, make_batch({.payload = 300, .max_timestamp = i}));
    }
    auto summary = log::verify_partition(dir / "t-0");
    ASSERT_TRUE(summary) << summary.error().message();
    EXPECT_TRUE(summary->findings.empty()) << summary->findings.front().file << ": " << summary->findings.front().problem;
    EXPECT_EQ(summary->batches, 60u);
    EXPECT_GT(summary->segments, 3u);
}

TEST(log_recovery, deleted_indexes_are_rebuilt_identical_to_the_ones_appends_wrote) {
    temp_dir dir;
    const auto config = small_config(20'000);
    std::map<std::string, std::string> originals;
    {
        auto log = open_log(dir / "t-0", config);
        ASSERT_TRUE(log);
        for (int i = 0; i < 60; ++i) append_ok(*log, make_batch({.payload = 900, .max_timestamp = 10 * i}));
        ASSERT_GT(log->segments().size(), 2u);
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir / "t-0"))
        if (entry.path().extension() != ".log") originals[entry.path().filename()] = read_file(entry.path());
    ASSERT_GT(originals.size(), 4u);
    for (const auto& [name, bytes] : originals) std::filesystem::remove(dir / "t-0" / name);

    {
        auto log = open_log(dir / "t-0", config);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->recovery_reports().size(), originals.size() / 2);
        for (const auto& report : log->recovery_reports()) EXPECT_TRUE(report.index_rebuilt) << report.log;
        for (std::int64_t offset = 0; offset < log->high_watermark(); offset += 7) {
            auto range = log->read_range(offset, 1);
            ASSERT_TRUE(range) << offset;
            const auto bytes = read_range_bytes(*range);
            EXPECT_EQ(log::read_batch_header(std::as_bytes(std::span(bytes)))->base_offset, offset);
        }
    }
    for (const auto& [name, bytes] : originals) EXPECT_EQ(read_file(dir / "t-0" / name), bytes) << name;
}

TEST(log_recovery, a_killed_mmap_writer_leaves_a_preallocated_segment_that_recovers) {
    temp_dir dir;
    const auto config = small_config(1 << 20, log::append_mode::mmap);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) { // appends, then dies without closing (as kill -9 would)
        auto opened = log::partition_log::open(dir / "t-0", config);
        if (!opened) ::_exit(3);
        for (int i = 0; i < 3; ++i) {
            auto batch = make_batch({.records = 2, .payload = 500});
            if (!(*opened)->append(batch, 0)) ::_exit(4);
        }
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    ASSERT_EQ(std::filesystem::file_size(first_log(dir / "t-0")), 1u << 20) << "still preallocated";

    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->recovery_reports().size(), 1u);
    EXPECT_EQ(log->recovery_reports().front().truncated_bytes, (1u << 20) - 3 * batch_bytes);
    expect_appends_continue_at(*log, 6);
    ASSERT_TRUE(log->close());
    EXPECT_EQ(std::filesystem::file_size(first_log(dir / "t-0")), 3 * batch_bytes + make_batch({.records = 2}).size())
        << "closing trims the preallocation";
}

TEST(log_recovery, a_damaged_sealed_index_is_reported_by_verify_and_rebuilt_on_open) {
    temp_dir dir;
    const auto config = small_config(20'000);
    {
        auto log = open_log(dir / "t-0", config);
        ASSERT_TRUE(log);
        for (int i = 0; i < 40; ++i) append_ok(*log, make_batch({.payload = 900}));
    }
    const auto index = dir / "t-0" / "00000000000000000000.index";
    const std::string original = read_file(index);
    ASSERT_GE(original.size(), 16u);
    flip_byte(index, 13); // the second entry's position
    auto summary = log::verify_partition(dir / "t-0");
    ASSERT_TRUE(summary);
    ASSERT_EQ(summary->findings.size(), 1u);
    EXPECT_EQ(summary->findings.front().file, index);
    EXPECT_EQ(summary->findings.front().position, 8u);
    auto log = open_log(dir / "t-0", config);
    ASSERT_TRUE(log);
    EXPECT_EQ(read_file(index), original);
}

} // namespace
} // namespace zc::test
