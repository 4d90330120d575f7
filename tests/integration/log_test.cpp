// zc log dump and zc log verify on directories the test writes with the
// log library (src/log), then damages.
#include <gtest/gtest.h>

#include <fstream>

#include "log/partition_log.hpp"
#include "support/test_support.hpp"
#include "unit/log/batch_builder.hpp"
#include "zc_cli_support.hpp"

namespace zc::test {
namespace {

constexpr std::size_t batch_bytes = log::batch_header_size + 700;

// DIR/events-0 and DIR/events-1: 30 batches of 2 records (761 bytes) in
// 3000-byte segments (3 batches each), an index entry per 1000 bytes,
// timestamps 5000 + i, closed cleanly.
void write_log(const std::filesystem::path& dir) {
    log::log_config config;
    config.segments.segment_bytes = 3000;
    config.segments.index_interval_bytes = 1000;
    config.segments.index_max_bytes = 64 * 1024;
    for (const char* name : {"events-0", "events-1"}) {
        auto log = log::partition_log::open(dir / name, config);
        ASSERT_TRUE(log) << log.error().message();
        for (int i = 0; i < 30; ++i) {
            auto batch = make_batch({.records = 2, .payload = 700, .base_timestamp = 5000 + i,
                                     .max_timestamp = 5000 + i, .attributes = static_cast<std::int16_t>(i % 2)});
            auto appended = (*log)->append(batch, 0);
            ASSERT_TRUE(appended) << appended.error().message();
        }
    }
}

void flip_byte(const std::filesystem::path& path, std::uint64_t at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(c ^ 0x01));
}

TEST(log_cli, verify_passes_a_log_the_library_wrote) {
    temp_dir dir;
    write_log(dir.path());
    auto r = run_zc({"log", "verify", dir.path().string(), "--index-interval-bytes", "1000"});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find("events-0: "), std::string::npos) << r;
    EXPECT_NE(r.out.find("events-1: "), std::string::npos) << r;
    EXPECT_NE(r.out.find("30 batches"), std::string::npos) << r;
    EXPECT_NE(r.out.find(": ok"), std::string::npos) << r;
    auto one = run_zc({"log", "verify", (dir / "events-1").string(), "--index-interval-bytes", "1000"});
    EXPECT_EQ(one.exit_code, 0) << one;
}

TEST(log_cli, verify_names_the_file_and_position_of_a_flipped_byte) {
    temp_dir dir;
    write_log(dir.path());
    const auto segment = dir / "events-1" / "00000000000000000000.log";
    flip_byte(segment, batch_bytes + 300); // inside the second batch
    auto r = run_zc({"log", "verify", dir.path().string(), "--index-interval-bytes", "1000"});
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_NE(r.err.find(segment.string() + " at byte " + std::to_string(batch_bytes)), std::string::npos) << r;
    EXPECT_NE(r.err.find("CRC mismatch"), std::string::npos) << r;
    EXPECT_NE(r.err.find("1 problem found"), std::string::npos) << "the indexes of a damaged log are not judged: " << r;
    EXPECT_NE(r.out.find("events-0: 10 segments, 30 batches"), std::string::npos) << r;
}

TEST(log_cli, verify_names_a_damaged_index_entry) {
    temp_dir dir;
    write_log(dir.path());
    const auto index = dir / "events-0" / "00000000000000000000.index";
    ASSERT_GE(std::filesystem::file_size(index), 8u);
    flip_byte(index, 7); // the first entry's position
    auto r = run_zc({"log", "verify", (dir / "events-0").string(), "--index-interval-bytes", "1000"});
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_NE(r.err.find(index.string() + " at byte 0: entry 0"), std::string::npos) << r;
}

TEST(log_cli, verify_refuses_a_directory_without_partitions) {
    temp_dir dir;
    auto r = run_zc({"log", "verify", dir.path().string()});
    expect_failure(r, {"no partitions"});
}

TEST(log_cli, dump_prints_every_batch_header_and_index_entry) {
    temp_dir dir;
    write_log(dir.path());
    auto r = run_zc({"log", "dump", (dir / "events-0").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find("Dumping " + (dir / "events-0" / "00000000000000000000.log").string()), std::string::npos) << r;
    EXPECT_NE(r.out.find("baseOffset: 0 lastOffset: 1 count: 2"), std::string::npos) << r;
    EXPECT_NE(r.out.find("baseOffset: 58 lastOffset: 59 count: 2"), std::string::npos) << r;
    EXPECT_NE(r.out.find("compresscodec: gzip"), std::string::npos) << r;
    EXPECT_NE(r.out.find("CreateTime: 5029"), std::string::npos) << r;
    EXPECT_NE(r.out.find("isvalid: true"), std::string::npos) << r;
    EXPECT_EQ(r.out.find("isvalid: false"), std::string::npos) << r;
    EXPECT_NE(r.out.find("offset: 5 position: " + std::to_string(2 * batch_bytes)), std::string::npos) << r;
    EXPECT_NE(r.out.find("timestamp: 5002 offset: 5"), std::string::npos) << r;
}

TEST(log_cli, dump_json_from_an_offset_and_a_bad_crc_shown_on_its_batch) {
    temp_dir dir;
    write_log(dir.path());
    flip_byte(dir / "events-0" / "00000000000000000000.log", 100); // first batch's records
    auto r = run_zc({"log", "dump", (dir / "events-0").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r;
    const auto all = nlohmann::json::parse(r.out);
    ASSERT_EQ(all.at("segments").size(), 10u); // 3 batches of 761 bytes in each 3000-byte segment
    const auto& first = all.at("segments").at(0);
    EXPECT_EQ(first.at("base_offset"), 0);
    EXPECT_EQ(first.at("batches").size(), 3u) << "the dump goes on past a CRC mismatch";
    EXPECT_FALSE(first.at("batches").at(0).at("crc_ok").get<bool>());
    EXPECT_TRUE(first.at("batches").at(1).at("crc_ok").get<bool>());
    EXPECT_EQ(first.at("batches").at(1).at("position"), batch_bytes);
    EXPECT_EQ(first.at("batches").at(1).at("compression"), "gzip");
    EXPECT_EQ(first.at("batches").at(1).at("max_timestamp"), 5001);
    EXPECT_EQ(first.at("batches").at(1).at("count"), 2);
    EXPECT_FALSE(first.at("index").empty());

    auto from = run_zc({"log", "dump", (dir / "events-0").string(), "--json", "--offset", "40"});
    ASSERT_EQ(from.exit_code, 0) << from;
    const auto later = nlohmann::json::parse(from.out);
    ASSERT_FALSE(later.at("segments").empty());
    const auto& batches = later.at("segments").at(0).at("batches");
    ASSERT_FALSE(batches.empty());
    EXPECT_EQ(batches.at(0).at("base_offset"), 40);
    EXPECT_EQ(later.at("segments").size(), 4u) << "the segments from base offset 36 on";
}

TEST(log_cli, dump_refuses_a_directory_without_segments) {
    temp_dir dir;
    expect_failure(run_zc({"log", "dump", dir.path().string()}), {"no segments"});
}

TEST(log_cli, log_without_a_subcommand_is_a_usage_error) {
    expect_usage_error(run_zc({"log"}), "subcommand", "log");
}

} // namespace
} // namespace zc::test
