// zc::bench JSON and CSV: the schema of docs/bench.md, and back.
#include <gtest/gtest.h>

#include <sstream>

#include "bench/bench.hpp"

namespace zc::bench {
namespace {

bench_results example() {
    bench_results r;
    r.machine = {"6.1.0", "Some CPU", 2, "ext4"};
    r.memcpy_gbps = 8.5;
    cell_result socket;
    socket.which = scenario::file_to_socket;
    socket.strategy = "sendfile";
    socket.size = 65536;
    socket.verified = true;
    run_sample run;
    run.seconds = 0.01;
    run.bytes = 65536 * 512;
    run.repeats = 512;
    run.sender_user_s = 0.001;
    run.sender_sys_s = 0.004;
    run.receiver_user_s = 0.0;
    run.receiver_sys_s = 0.003;
    run.syscalls = 1024;
    run.voluntary_switches = 3;
    socket.runs = {run, run};
    socket.median = summarize(socket.runs, r.memcpy_gbps);
    r.results.push_back(socket);

    cell_result scan;
    scan.which = scenario::scan;
    scan.strategy = "mmap";
    scan.size = 4096;
    scan.cache = cache_state::cold;
    scan.verified = true;
    scan.checksum = 0xfedcba9876543210ull;
    run_sample one;
    one.seconds = 0.001;
    one.bytes = 4096;
    scan.runs = {one};
    scan.median = summarize(scan.runs, r.memcpy_gbps);
    r.results.push_back(scan);

    r.auto_vs_best.push_back({scenario::file_to_socket, 65536, cache_state::warm, 3.0, "sendfile", 3.2, 3.0 / 3.2, true});
    r.skipped.push_back({scenario::file_to_pipe, "copy-file-range", "regular files only"});
    return r;
}

TEST(bench_report, json_has_the_documented_schema) {
    const auto j = to_json(example());
    for (const char* key : {"kernel", "cpu", "cores", "filesystem"}) EXPECT_TRUE(j.at("machine").contains(key)) << key;
    EXPECT_DOUBLE_EQ(j.at("memcpy_gbps").get<double>(), 8.5);
    const auto& cell = j.at("results").at(0);
    EXPECT_EQ(cell.at("scenario"), "file-to-socket");
    EXPECT_EQ(cell.at("strategy"), "sendfile");
    EXPECT_EQ(cell.at("size"), 65536);
    EXPECT_EQ(cell.at("cache"), "warm");
    EXPECT_EQ(cell.at("verified"), true);
    EXPECT_EQ(cell.at("runs").size(), 2u);
    for (const char* key : {"gbps", "seconds", "sender_cpu_s_per_gb", "receiver_cpu_s_per_gb", "syscalls_per_gb",
                            "context_switches", "copy_equivalents", "min_gbps", "max_gbps"})
        EXPECT_TRUE(cell.at("median").contains(key)) << key;
    EXPECT_TRUE(cell.at("median").at("receiver_cpu_s_per_gb").is_number());
    // No receiver in a scan: null, not 0.
    EXPECT_TRUE(j.at("results").at(1).at("median").at("receiver_cpu_s_per_gb").is_null());
    EXPECT_EQ(j.at("results").at(1).at("checksum"), "fedcba9876543210");
    EXPECT_EQ(j.at("auto_vs_best").at(0).at("best_strategy"), "sendfile");
}

TEST(bench_report, json_round_trips) {
    const auto original = to_json(example());
    auto parsed = from_json(nlohmann::json::parse(original.dump()));
    ASSERT_TRUE(parsed.has_value()) << parsed.error();
    EXPECT_EQ(to_json(*parsed), original);
    EXPECT_EQ(parsed->results.at(1).checksum, 0xfedcba9876543210ull);
    EXPECT_EQ(parsed->results.at(1).cache, cache_state::cold);
}

TEST(bench_report, from_json_rejects_what_is_not_a_bench_document) {
    EXPECT_FALSE(from_json(nlohmann::json::object()).has_value());
    auto j = to_json(example());
    j["results"][0]["scenario"] = "file-to-moon";
    EXPECT_FALSE(from_json(j).has_value());
}

TEST(bench_report, csv_has_a_header_and_one_line_per_run) {
    const auto r = example();
    std::istringstream csv(to_csv(r));
    std::string header;
    std::getline(csv, header);
    const auto columns = [](const std::string& line) { return std::count(line.begin(), line.end(), ',') + 1; };
    EXPECT_EQ(header.rfind("scenario,strategy,size,cache,verified,run,seconds,bytes,repeats,gbps", 0), 0u) << header;
    std::vector<std::string> lines;
    for (std::string line; std::getline(csv, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 3u); // two socket runs, one scan run
    for (const auto& line : lines) EXPECT_EQ(columns(line), columns(header)) << line;
    EXPECT_EQ(lines[0].rfind("file-to-socket,sendfile,65536,warm,true,1,", 0), 0u) << lines[0];
    EXPECT_EQ(lines[2].rfind("scan,mmap,4096,cold,true,1,", 0), 0u) << lines[2];
}

} // namespace
} // namespace zc::bench
