// Bench results → profile (src/bench/profile_from_bench.cpp): what `zc tune`
// writes, its variant names and the tuning candidates it measures.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/profile_from_bench.hpp"
#include "support/test_support.hpp"
#include "zerocopy/profile.hpp"

namespace zc::test {
namespace {

using enum strategy_id;

nlohmann::json bench_row(const char* scenario_text, const char* strategy, std::uint64_t size, double gbps,
                         bool verified = true, const char* cache = "warm") {
    return {{"scenario", scenario_text}, {"strategy", strategy}, {"size", size}, {"cache", cache},
            {"verified", verified}, {"median", {{"gbps", gbps}, {"seconds", 0.1}}}};
}

TEST(profile_from_bench, fastest_verified_strategy_per_size_merged_into_bands_with_geometric_edges) {
    nlohmann::json rows = nlohmann::json::array();
    // file-to-socket: read-write wins at 4 KiB and 64 KiB, sendfile from 1 MiB on.
    for (std::uint64_t size : {4096u, 65536u}) {
        rows.push_back(bench_row("file-to-socket", "read-write", size, 2.0));
        rows.push_back(bench_row("file-to-socket", "sendfile", size, 1.5));
    }
    for (std::uint64_t size : {1u << 20, 64u << 20}) {
        rows.push_back(bench_row("file-to-socket", "read-write", size, 3.3));
        rows.push_back(bench_row("file-to-socket", "sendfile", size, 5.9));
        rows.push_back(bench_row("file-to-socket", "auto", size, 9.9)); // auto is not a choice
        rows.push_back(bench_row("file-to-socket", "msg-zerocopy", size, 7.0, false)); // unverified
        rows.push_back(bench_row("file-to-socket", "splice", size, 8.0, true, "cold")); // cold when warm exists
    }
    rows.push_back(bench_row("file-to-file", "copy-file-range", 4096, 1.0));
    rows.push_back(bench_row("socket-to-file", "read-write", 1u << 20, 2.0));
    rows.push_back(bench_row("socket-to-file", "splice", 1u << 20, 1.0));
    rows.push_back(bench_row("scan", "mmap", 1u << 20, 9.0));
    const nlohmann::json document = {
        {"machine", {{"kernel", "6.1.0-test"}, {"cpu", "Test CPU"}, {"cores", 4}, {"filesystem", "ext4"}}},
        {"results", rows}};

    auto p = detail::profile_from_bench(document, "2026-11-22T03:00:00Z");
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->measured_at, "2026-11-22T03:00:00Z");
    EXPECT_EQ(p->machine, "Linux 6.1.0-test, Test CPU, 4 cores, ext4");
    const auto& socket = p->scenarios.at(scenario::file_to_socket);
    ASSERT_EQ(socket.size(), 2u);
    EXPECT_EQ(socket[0].strategy, read_write);
    EXPECT_EQ(socket[0].up_to, 262144u) << "sqrt(64 KiB × 1 MiB) = 256 KiB";
    EXPECT_EQ(socket[1].strategy, sendfile);
    EXPECT_FALSE(socket[1].up_to);
    EXPECT_EQ(p->scenarios.at(scenario::file_to_file), (std::vector<size_band>{{std::nullopt, copy_file_range, {}}}));
    EXPECT_EQ(p->scenarios.at(scenario::stream_to_any), (std::vector<size_band>{{std::nullopt, read_write, {}}}));
    EXPECT_FALSE(p->scenarios.contains(scenario::file_to_pipe)) << "not measured: the built-in choice stays";

    auto reloaded = profile::from_json(p->to_json());
    ASSERT_TRUE(reloaded) << reloaded.error().message();
    EXPECT_EQ(reloaded->scenarios, p->scenarios);
}

TEST(profile_from_bench, alternating_winners_make_one_band_each_with_rising_edges) {
    nlohmann::json rows = nlohmann::json::array();
    const std::vector<std::pair<std::uint64_t, const char*>> winners = {
        {4096, "splice"}, {16384, "splice"}, {65536, "read-write"}, {1u << 20, "splice"}, {1u << 30, "read-write"}};
    for (const auto& [size, name] : winners) {
        rows.push_back(bench_row("file-to-pipe", name, size, 2.0));
        rows.push_back(bench_row("file-to-pipe", std::string(name) == "splice" ? "read-write" : "splice", size, 1.0));
    }
    auto p = detail::profile_from_bench({{"results", rows}});
    ASSERT_TRUE(p) << p.error().message();
    const auto& bands = p->scenarios.at(scenario::file_to_pipe);
    ASSERT_EQ(bands.size(), 4u);
    EXPECT_EQ(bands[0].up_to, 32768u);
    EXPECT_EQ(bands[1].up_to, 262144u);
    EXPECT_EQ(bands[2].up_to, 33554432u);
    EXPECT_FALSE(bands[3].up_to);
    EXPECT_EQ(p->choose(scenario::file_to_pipe, 16384)->strategy, splice);
    EXPECT_EQ(p->choose(scenario::file_to_pipe, 65536)->strategy, read_write);
    EXPECT_EQ(p->choose(scenario::file_to_pipe, std::nullopt)->strategy, read_write);
}

TEST(profile_from_bench, a_winner_within_ten_percent_of_the_built_in_choice_does_not_replace_it) {
    nlohmann::json rows = nlohmann::json::array();
    // 1 MiB: read-write 5 % ahead of copy-file-range (noise); 64 MiB: 20 % ahead.
    rows.push_back(bench_row("file-to-file", "read-write", 1u << 20, 2.10));
    rows.push_back(bench_row("file-to-file", "copy-file-range", 1u << 20, 2.00));
    rows.push_back(bench_row("file-to-file", "read-write", 64u << 20, 2.40));
    rows.push_back(bench_row("file-to-file", "copy-file-range", 64u << 20, 2.00));
    auto p = detail::profile_from_bench({{"results", rows}});
    ASSERT_TRUE(p) << p.error().message();
    const auto& bands = p->scenarios.at(scenario::file_to_file);
    ASSERT_EQ(bands.size(), 2u);
    EXPECT_EQ(bands[0].strategy, copy_file_range);
    EXPECT_EQ(bands[0].up_to, 8388608u);
    EXPECT_EQ(bands[1].strategy, read_write);
}

TEST(profile_from_bench, tuning_variant_that_beats_the_defaults_by_ten_percent_goes_into_the_band) {
    nlohmann::json rows = nlohmann::json::array(), tuned = nlohmann::json::array();
    for (std::uint64_t size : {65536u, 1u << 20, 64u << 20}) {
        rows.push_back(bench_row("file-to-pipe", "splice", size, 5.0));
        rows.push_back(bench_row("file-to-pipe", "read-write", size, 2.0));
    }
    // The tuning run: defaults again, side by side with the variants.
    tuned.push_back(bench_row("file-to-pipe", "splice", 65536, 4.0));
    tuned.push_back(bench_row("file-to-pipe", "splice pipe_size=65536", 65536, 4.2)); // 5 %: noise
    tuned.push_back(bench_row("file-to-pipe", "splice", 1u << 20, 4.0));
    tuned.push_back(bench_row("file-to-pipe", "splice pipe_size=262144", 1u << 20, 5.0)); // 25 %
    tuned.push_back(bench_row("file-to-pipe", "splice pipe_size=65536", 1u << 20, 4.8));
    tuned.push_back(bench_row("file-to-pipe", "splice", 64u << 20, 4.0));
    tuned.push_back(bench_row("file-to-pipe", "splice pipe_size=262144", 64u << 20, 4.6)); // 15 %
    tuned.push_back(bench_row("file-to-pipe", "read-write buffer_size=1048576", 64u << 20, 9.0)); // not the winner
    auto p = detail::profile_from_bench({{"results", rows}, {"tuning_results", tuned}});
    ASSERT_TRUE(p) << p.error().message();
    const auto& bands = p->scenarios.at(scenario::file_to_pipe);
    ASSERT_EQ(bands.size(), 2u) << p->to_json();
    EXPECT_EQ(bands[0].strategy, splice);
    EXPECT_TRUE(bands[0].tune.empty());
    EXPECT_EQ(bands[0].up_to, 262144u);
    EXPECT_EQ(bands[1].strategy, splice);
    EXPECT_EQ(bands[1].tune.pipe_size, 262144u) << "1 MiB and 64 MiB share the variant: one band";
    EXPECT_FALSE(bands[1].up_to);

    // Written and read back with its tuning.
    temp_dir dir;
    ASSERT_TRUE(p->save(dir / "p.json"));
    auto loaded = profile::load(dir / "p.json");
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->scenarios, p->scenarios);
}

TEST(profile_from_bench, tuned_method_names_round_trip_and_bad_ones_are_rejected) {
    for (const auto id : all_strategies()) {
        const auto plain = detail::parse_tuned_strategy(strategy_name(id));
        ASSERT_TRUE(plain) << strategy_name(id);
        EXPECT_EQ(plain->strategy, id);
        EXPECT_TRUE(plain->tune.empty());
        const auto candidates = detail::tuning_candidates(id, scenario::file_to_socket, 64u << 20);
        EXPECT_GE(candidates.size(), 2u) << strategy_name(id) << " has something to tune";
        for (const auto& tune : candidates) {
            EXPECT_FALSE(tune.empty());
            const std::string name = detail::tuned_strategy_name({id, tune});
            const auto parsed = detail::parse_tuned_strategy(name);
            ASSERT_TRUE(parsed) << name;
            EXPECT_EQ(parsed->strategy, id) << name;
            EXPECT_EQ(parsed->tune, tune) << name;
        }
    }
    tuning both;
    both.pipe_size = 65536;
    both.uring_depth = 32;
    EXPECT_EQ(detail::tuned_strategy_name({uring_splice, both}), "uring-splice pipe_size=65536 uring_depth=32");
    for (const char* bad : {"auto", "teleport", "splice pipe_size", "splice pipe_size=0", "splice pipe_size=64K",
                            "splice colour=blue", "splice  pipe_size=1", ""})
        EXPECT_FALSE(detail::parse_tuned_strategy(bad)) << bad;
}

TEST(profile_from_bench, tuning_candidates_leave_out_values_that_cannot_change_the_transfer) {
    // A 64 KiB sendfile is one call with any chunk of 256 KiB or more.
    EXPECT_TRUE(detail::tuning_candidates(sendfile, scenario::file_to_socket, 65536).empty());
    EXPECT_EQ(detail::tuning_candidates(sendfile, scenario::file_to_socket, 64u << 20).size(), 2u);
    // splice into a pipe sink has no pipe of its own: no pipe_size variants.
    for (const auto& tune : detail::tuning_candidates(splice, scenario::file_to_pipe, 64u << 20))
        EXPECT_FALSE(tune.pipe_size);
    const auto stream = detail::tuning_candidates(splice, scenario::stream_to_any, 64u << 20);
    ASSERT_EQ(stream.size(), 2u);
    EXPECT_EQ(stream[0].pipe_size, 65536u);
    EXPECT_EQ(stream[1].pipe_size, 262144u);
    // A ring's depth can matter at any size.
    EXPECT_EQ(detail::tuning_candidates(uring_splice, scenario::file_to_pipe, 65536).size(), 2u);
}

TEST(profile_from_bench, tuning_compares_run_by_run_when_the_rows_have_runs) {
    // Round 1 was slow for both; the variant is 20 % ahead in 3 rounds of 5 and
    // only 5 % ahead by the medians — the per-round ratios decide.
    const auto with_runs = [](nlohmann::json row, std::vector<double> runs) {
        row["runs"] = nlohmann::json::array();
        for (double gbps : runs) row["runs"].push_back({{"gbps", gbps}});
        return row;
    };
    nlohmann::json rows = {bench_row("socket-to-file", "splice", 64u << 20, 2.0),
                           bench_row("socket-to-file", "read-write", 64u << 20, 1.0)};
    nlohmann::json tuned = {
        with_runs(bench_row("socket-to-file", "splice", 64u << 20, 10.0), {2, 10, 10, 10, 10}),
        with_runs(bench_row("socket-to-file", "splice pipe_size=262144", 64u << 20, 10.5), {2.4, 10.5, 10.5, 12, 12})};
    auto p = detail::profile_from_bench({{"results", rows}, {"tuning_results", tuned}});
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->scenarios.at(scenario::stream_to_any).front().tune.pipe_size, 262144u);
}

TEST(profile_from_bench, uses_cold_results_when_there_are_no_warm_ones) {
    const nlohmann::json document = {{"results", {bench_row("file-to-file", "read-write", 4096, 1.0, true, "cold"),
                                                  bench_row("file-to-file", "sendfile", 4096, 2.0, true, "cold")}}};
    auto p = detail::profile_from_bench(document);
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->choose(scenario::file_to_file, 1)->strategy, sendfile);
}

TEST(profile_from_bench, rejects_documents_without_usable_results) {
    EXPECT_FALSE(detail::profile_from_bench(nlohmann::json::array()));
    EXPECT_FALSE(detail::profile_from_bench({{"results", 3}}));
    auto none = detail::profile_from_bench(
        {{"results", {bench_row("file-to-file", "auto", 4096, 1.0), bench_row("file-to-file", "splice", 4096, 1.0, false),
                      bench_row("scan", "read", 4096, 1.0), bench_row("file-to-file", "teleport", 4096, 1.0)}}});
    ASSERT_FALSE(none);
    EXPECT_NE(none.error().message().find("no verified result"), std::string::npos) << none.error().message();
}

// The variants `zc tune` measured before the strategies' ops tables held them
// (tuning_trials), per strategy: file → socket at 64 KiB and 64 MiB, then
// file → pipe at the same sizes. A change here changes what `zc tune` times.
TEST(profile_from_bench, tuning_candidates_are_the_measured_variants_of_each_strategy) {
    const std::map<std::string, std::array<std::string, 4>> expected = {
        {"read-write", {"read-write buffer_size=32768|", "read-write buffer_size=32768|read-write buffer_size=1048576|",
                        "read-write buffer_size=32768|", "read-write buffer_size=32768|read-write buffer_size=1048576|"}},
        {"mmap-write", {"", "mmap-write chunk_size=262144|mmap-write chunk_size=4194304|", "",
                        "mmap-write chunk_size=262144|mmap-write chunk_size=4194304|"}},
        {"sendfile", {"", "sendfile chunk_size=262144|sendfile chunk_size=4194304|", "",
                      "sendfile chunk_size=262144|sendfile chunk_size=4194304|"}},
        {"splice", {"", "splice pipe_size=65536|splice pipe_size=262144|", "",
                    "splice chunk_size=262144|splice chunk_size=4194304|"}},
        {"copy-file-range", {"", "copy-file-range chunk_size=1048576|copy-file-range chunk_size=16777216|", "",
                             "copy-file-range chunk_size=1048576|copy-file-range chunk_size=16777216|"}},
        {"direct-io", {"", "direct-io buffer_size=1048576|direct-io buffer_size=4194304|", "",
                       "direct-io buffer_size=1048576|direct-io buffer_size=4194304|"}},
        {"uring-splice", {"uring-splice uring_depth=2|uring-splice uring_depth=32|",
                          "uring-splice uring_depth=2|uring-splice uring_depth=32|uring-splice pipe_size=262144|",
                          "uring-splice uring_depth=2|uring-splice uring_depth=32|",
                          "uring-splice uring_depth=2|uring-splice uring_depth=32|"}},
        {"uring-send-zc", {"uring-send-zc uring_depth=2|uring-send-zc uring_depth=32|",
                           "uring-send-zc uring_depth=2|uring-send-zc uring_depth=32|uring-send-zc chunk_size=262144|",
                           "uring-send-zc uring_depth=2|uring-send-zc uring_depth=32|",
                           "uring-send-zc uring_depth=2|uring-send-zc uring_depth=32|uring-send-zc chunk_size=262144|"}},
        {"msg-zerocopy", {"", "msg-zerocopy chunk_size=262144|msg-zerocopy chunk_size=4194304|", "",
                          "msg-zerocopy chunk_size=262144|msg-zerocopy chunk_size=4194304|"}},
    };
    const auto names = [](strategy_id id, scenario s, std::uint64_t size) {
        std::string out;
        for (const auto& tune : detail::tuning_candidates(id, s, size)) out += detail::tuned_strategy_name({id, tune}) + "|";
        return out;
    };
    ASSERT_EQ(all_strategies().size(), expected.size()) << "a new strategy: add its variants here";
    for (const auto id : all_strategies()) {
        const auto& want = expected.at(std::string(strategy_name(id)));
        EXPECT_EQ(names(id, scenario::file_to_socket, 65536), want[0]) << strategy_name(id);
        EXPECT_EQ(names(id, scenario::file_to_socket, 64u << 20), want[1]) << strategy_name(id);
        EXPECT_EQ(names(id, scenario::file_to_pipe, 65536), want[2]) << strategy_name(id);
        EXPECT_EQ(names(id, scenario::file_to_pipe, 64u << 20), want[3]) << strategy_name(id);
        // Only file → pipe differs between scenarios.
        for (const scenario s : {scenario::file_to_file, scenario::file_to_other, scenario::stream_to_any})
            EXPECT_EQ(names(id, s, 64u << 20), want[1]) << strategy_name(id) << " " << scenario_name(s);
    }
    EXPECT_TRUE(detail::tuning_candidates(automatic, scenario::file_to_file, 64u << 20).empty());
}

// The edge of "can change the transfer": the smaller of value and default
// must lie below the size.
TEST(profile_from_bench, a_size_variant_is_tried_only_below_the_transfer_size) {
    // read-write's buffer: default 128 KiB, variants 32 KiB and 1 MiB.
    EXPECT_EQ(detail::tuning_candidates(read_write, scenario::file_to_file, 32768).size(), 0u);
    EXPECT_EQ(detail::tuning_candidates(read_write, scenario::file_to_file, 32769).size(), 1u);
    EXPECT_EQ(detail::tuning_candidates(read_write, scenario::file_to_file, 131072).size(), 1u);
    EXPECT_EQ(detail::tuning_candidates(read_write, scenario::file_to_file, 131073).size(), 2u);
    // sendfile's own cap (0x7ffff000) is its default when chunk_size is 0.
    EXPECT_EQ(detail::tuning_candidates(sendfile, scenario::file_to_socket, 262145).size(), 1u);
}

} // namespace
} // namespace zc::test
