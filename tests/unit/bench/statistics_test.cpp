// zc::bench statistics: medians, min/max, interleaving, per-GB figures.
#include <gtest/gtest.h>

#include "bench/bench.hpp"

namespace zc::bench {
namespace {

run_sample sample(double seconds, std::uint64_t bytes, std::uint64_t repeats = 1) {
    run_sample r;
    r.seconds = seconds;
    r.bytes = bytes;
    r.repeats = repeats;
    return r;
}

TEST(bench_statistics, median_of_odd_and_even_counts) {
    EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
    EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
    EXPECT_DOUBLE_EQ(median({7}), 7);
    EXPECT_DOUBLE_EQ(median({}), 0);
}

TEST(bench_statistics, interleaves_strategies_run_by_run) {
    const auto order = interleaved_order(3, 2);
    const std::vector<std::pair<unsigned, std::size_t>> expected = {{0, 0}, {0, 1}, {1, 1}, {1, 0}, {2, 0}, {2, 1}};
    EXPECT_EQ(order, expected);
    // Three strategies: A B C, B C A, C A B — none always runs first.
    std::vector<std::size_t> firsts;
    for (const auto& [run, index] : interleaved_order(3, 3))
        if (firsts.size() == run) firsts.push_back(index);
    EXPECT_EQ(firsts, (std::vector<std::size_t>{0, 1, 2}));
    EXPECT_TRUE(interleaved_order(0, 4).empty());
    EXPECT_TRUE(interleaved_order(4, 0).empty());
}

TEST(bench_statistics, summary_takes_median_min_and_max_throughput) {
    // 1 GB in 1 s, 0.5 s and 0.25 s: 1, 2 and 4 GB/s.
    const std::vector<run_sample> runs = {sample(0.5, 1'000'000'000), sample(1, 1'000'000'000),
                                          sample(0.25, 1'000'000'000)};
    const auto s = summarize(runs, 10);
    EXPECT_DOUBLE_EQ(s.gbps, 2);
    EXPECT_DOUBLE_EQ(s.min_gbps, 1);
    EXPECT_DOUBLE_EQ(s.max_gbps, 4);
    EXPECT_DOUBLE_EQ(s.seconds, 0.5);
    EXPECT_FALSE(s.receiver_cpu_s_per_gb.has_value());
    EXPECT_FALSE(s.durable_gbps.has_value());
}

TEST(bench_statistics, cpu_and_syscalls_per_gb_and_copy_equivalents) {
    auto r = sample(1, 2'000'000'000, 4); // 2 GB in four transfers
    r.sender_user_s = 0.1;
    r.sender_sys_s = 0.3;   // 0.2 s/GB
    r.receiver_user_s = 0.2;
    r.receiver_sys_s = 0.2; // 0.2 s/GB
    r.syscalls = 1000;
    r.voluntary_switches = 6;
    r.involuntary_switches = 2;
    const auto s = summarize({r}, 5); // memcpy: 0.2 s/GB
    EXPECT_DOUBLE_EQ(s.seconds, 0.25);
    EXPECT_NEAR(s.sender_cpu_s_per_gb, 0.2, 1e-12);
    ASSERT_TRUE(s.receiver_cpu_s_per_gb.has_value());
    EXPECT_NEAR(*s.receiver_cpu_s_per_gb, 0.2, 1e-12);
    EXPECT_DOUBLE_EQ(s.syscalls_per_gb, 500);
    EXPECT_DOUBLE_EQ(s.context_switches, 2); // per transfer
    EXPECT_NEAR(s.copy_equivalents, 2, 1e-12); // 0.4 s/GB of CPU = two memcpys
}

TEST(bench_statistics, auto_compared_with_the_best_explicit_strategy_per_cell) {
    std::vector<cell_result> cells;
    const auto cell = [](std::string strategy, double gbps) {
        cell_result c;
        c.which = scenario::file_to_socket;
        c.strategy = std::move(strategy);
        c.size = 4096;
        c.verified = true;
        c.runs = {sample(1, 1)};
        c.median.gbps = gbps;
        return c;
    };
    cells = {cell("auto", 1.9), cell("read-write", 1.0), cell("sendfile", 2.0)};
    const auto compared = compare_auto_with_best(cells);
    ASSERT_EQ(compared.size(), 1u);
    EXPECT_EQ(compared[0].best_strategy, "sendfile");
    EXPECT_DOUBLE_EQ(compared[0].ratio, 0.95);
    EXPECT_TRUE(compared[0].within_10_percent);
    cells[0].median.gbps = 1.7;
    EXPECT_FALSE(compare_auto_with_best(cells)[0].within_10_percent);
}

TEST(bench_statistics, paired_check_compares_the_medians_of_the_re_timed_runs) {
    cell_result automatic, best;
    automatic.which = best.which = scenario::file_to_pipe;
    automatic.size = best.size = 65536;
    automatic.strategy = "auto";
    best.strategy = "splice";
    // Runs are fast (~10) or, at random, 3× slower. Per-round ratios swing
    // from 0.3 to 3.3; the medians of each side do not.
    const auto bimodal = compare_paired(automatic, best, {{10, 3}, {3, 10}, {9.6, 10}, {9.5, 10.4}, {10, 3.3}});
    EXPECT_EQ(bimodal.best_strategy, "splice");
    EXPECT_EQ(bimodal.paired_rounds, 5u);
    EXPECT_DOUBLE_EQ(bimodal.auto_gbps, 9.6); // median of 10, 3, 9.6, 9.5, 10
    EXPECT_DOUBLE_EQ(bimodal.best_gbps, 10);  // median of 3, 10, 10, 10.4, 3.3
    EXPECT_NEAR(bimodal.ratio, 0.96, 1e-12);
    EXPECT_TRUE(bimodal.within_10_percent);
    // Consistently 15 % slower is a miss.
    const auto slower = compare_paired(automatic, best, {{8.5, 10}, {4.25, 5}, {17, 20}});
    EXPECT_NEAR(slower.ratio, 0.85, 1e-12);
    EXPECT_FALSE(slower.within_10_percent);
}

TEST(bench_statistics, scenario_names_round_trip) {
    for (const auto s : all_scenarios()) EXPECT_EQ(parse_scenario(scenario_name(s)), s);
    EXPECT_FALSE(parse_scenario("file-to-nowhere").has_value());
}

TEST(bench_calibration, memcpy_gives_a_positive_bandwidth) {
    EXPECT_GT(calibrate_memcpy(8u << 20, 2), 0.0);
}

TEST(bench_calibration, machine_line_names_kernel_cores_and_filesystem) {
    const auto m = probe_machine(".");
    EXPECT_FALSE(m.kernel.empty());
    EXPECT_FALSE(m.cpu.empty());
    EXPECT_GT(m.cores, 0u);
    EXPECT_FALSE(m.filesystem.empty());
}

} // namespace
} // namespace zc::bench
