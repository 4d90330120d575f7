// zc bench, end to end and tiny: one size, one run. Checks that every
// strategy the machine can run shows up in each scenario it can serve, that
// verification ran, and that scan methods agree. No timing assertions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "zc_cli_support.hpp"

namespace zc::test {
namespace {

struct bench_run {
    run_result result;
    nlohmann::json document;
};

const bench_run& tiny_bench() {
    static const bench_run run = [] {
        const auto dir = std::filesystem::temp_directory_path() / ("zc-bench-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        const auto json_file = dir / "bench.json";
        // --dir: the test files go in the build tree's filesystem (/tmp may be tmpfs).
        bench_run r{run_zc({"bench", "--sizes", "64K", "--runs", "1", "--json", json_file.string(), "--dir", "."},
                           within(120s)),
                    nullptr};
        std::ifstream in(json_file);
        if (in) r.document = nlohmann::json::parse(in, nullptr, false);
        std::filesystem::remove_all(dir);
        return r;
    }();
    return run;
}

// Scenario → the source and sink kinds of its transfers.
const std::map<std::string, std::pair<endpoint_kind, endpoint_kind>>& scenario_pairs() {
    using enum endpoint_kind;
    static const std::map<std::string, std::pair<endpoint_kind, endpoint_kind>> pairs = {
        {"file-to-socket", {file, socket}},
        {"file-to-file", {file, file}},
        {"file-to-pipe", {file, pipe}},
        {"socket-to-file", {socket, file}},
    };
    return pairs;
}

TEST(bench, tiny_run_succeeds_and_writes_json) {
    const auto& r = tiny_bench();
    ASSERT_EQ(r.result.exit_code, 0) << r.result;
    ASSERT_TRUE(r.document.is_object()) << r.result;
    for (const char* key : {"kernel", "cpu", "cores", "filesystem"})
        EXPECT_TRUE(r.document.at("machine").contains(key)) << key;
    EXPECT_GT(r.document.at("memcpy_gbps").get<double>(), 0);
    EXPECT_NE(r.result.out.find("machine: kernel"), std::string::npos) << r.result;
    EXPECT_TRUE(r.document.at("failures").empty()) << r.document.at("failures").dump();
}

TEST(bench, every_available_strategy_appears_in_each_scenario_it_serves_and_is_verified) {
    const auto& r = tiny_bench();
    ASSERT_EQ(r.result.exit_code, 0) << r.result;
    std::map<std::string, std::set<std::string>> measured;
    for (const auto& cell : r.document.at("results")) {
        EXPECT_TRUE(cell.at("verified").get<bool>()) << cell.dump();
        EXPECT_EQ(cell.at("size"), 65536);
        EXPECT_FALSE(cell.at("runs").empty()) << cell.dump();
        measured[cell.at("scenario").get<std::string>()].insert(cell.at("strategy").get<std::string>());
    }
    for (const auto& [scenario, kinds] : scenario_pairs()) {
        EXPECT_TRUE(measured[scenario].contains("auto")) << scenario;
        for (const auto& name : strategy_names_under_test()) {
            if (name == "auto") continue;
            // Skipped exactly when the catalog says it cannot run or cannot serve the pair.
            const bool expected = !why_untestable(name, kinds.first, kinds.second).has_value();
            EXPECT_EQ(measured[scenario].contains(name), expected) << scenario << " " << name;
        }
    }
}

TEST(bench, scan_methods_agree_on_the_checksum) {
    const auto& r = tiny_bench();
    ASSERT_EQ(r.result.exit_code, 0) << r.result;
    std::set<std::string> checksums, methods;
    for (const auto& cell : r.document.at("results")) {
        if (cell.at("scenario") != "scan") continue;
        methods.insert(cell.at("strategy").get<std::string>());
        checksums.insert(cell.at("checksum").get<std::string>());
    }
    EXPECT_TRUE(methods.contains("read"));
    EXPECT_TRUE(methods.contains("mmap"));
    EXPECT_EQ(checksums.size(), 1u);
}

TEST(bench, rejects_an_unknown_scenario_as_usage_error) {
    auto r = run_zc({"bench", "--scenarios", "file-to-moon"});
    EXPECT_EQ(r.exit_code, 2) << r;
}

} // namespace
} // namespace zc::test
