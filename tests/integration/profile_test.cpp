// Auto-tuning profiles through the real binary: `zc strategies` shows the
// active profile and what auto picks; `--profile FILE` (before or after the
// verb) and ZEROCOPY_PROFILE steer every verb; a bad profile is exit 2.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "support/test_support.hpp"
#include "zc_cli_support.hpp"

namespace zc::test {
namespace {

// The child inherits the environment of the test process.
class scoped_env {
public:
    scoped_env(const char* name, const std::string& value) : name_(name) {
        if (const char* old = ::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~scoped_env() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

// file → file always read-write; file → socket read-write up to 256 KiB, then
// mmap-write up to 64 MiB.
std::filesystem::path write_profile(const temp_dir& dir) {
    const auto path = dir / "profile.json";
    std::ofstream(path) << R"({
  "version": 1,
  "machine": "integration test box",
  "measured_at": "2026-11-22T03:00:00Z",
  "scenarios": {
    "file-to-file": [{"strategy": "read-write", "buffer_size": "64K"}],
    "file-to-socket": [{"up_to": "256K", "strategy": "read-write"}, {"up_to": "64M", "strategy": "mmap-write"}]
  }
})";
    return path;
}

} // namespace

TEST(profile_cli, strategies_shows_the_built_in_profile_and_auto_picks) {
    scoped_env builtin("ZEROCOPY_PROFILE", "builtin");
    auto r = run_zc({"strategies"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find("PROFILE built-in"), std::string::npos) << r;
    for (const char* scenario_text : {"file-to-file", "file-to-socket", "file-to-pipe", "stream-to-any"})
        EXPECT_NE(r.out.find(scenario_text), std::string::npos) << scenario_text << "\n" << r;
}

TEST(profile_cli, strategies_with_a_profile_shows_its_path_machine_and_bands) {
    temp_dir dir;
    const auto path = write_profile(dir);
    auto r = run_zc({"strategies", "--profile", path.string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find("PROFILE " + path.string()), std::string::npos) << r;
    EXPECT_NE(r.out.find("integration test box"), std::string::npos) << r;
    EXPECT_NE(r.out.find("256 KiB"), std::string::npos) << r;
    EXPECT_NE(r.out.find("mmap-write"), std::string::npos) << r;
    EXPECT_NE(r.out.find("buffer_size=65536"), std::string::npos) << r;

    auto json = run_zc({"--profile", path.string(), "strategies", "--profile-json"});
    ASSERT_EQ(json.exit_code, 0) << json;
    const auto view = nlohmann::json::parse(json.out);
    EXPECT_EQ(view.at("origin"), path.string());
    EXPECT_EQ(view.at("machine"), "integration test box");
    std::vector<std::tuple<std::string, nlohmann::json, std::string, bool>> socket_rows, file_rows;
    for (const auto& row : view.at("auto")) {
        auto entry = std::tuple{row.at("scenario").get<std::string>(), row.at("up_to"), row.at("strategy").get<std::string>(),
                                row.at("from_profile").get<bool>()};
        if (row.at("scenario") == "file-to-socket") socket_rows.push_back(entry);
        if (row.at("scenario") == "file-to-file") file_rows.push_back(entry);
    }
    ASSERT_EQ(socket_rows.size(), 3u) << view.dump(2);
    EXPECT_EQ(std::get<1>(socket_rows[0]), 262144);
    EXPECT_EQ(std::get<2>(socket_rows[0]), "read-write");
    EXPECT_EQ(std::get<1>(socket_rows[1]), 64 << 20);
    EXPECT_EQ(std::get<2>(socket_rows[1]), "mmap-write");
    EXPECT_TRUE(std::get<1>(socket_rows[2]).is_null());
    EXPECT_FALSE(std::get<3>(socket_rows[2])) << "past the last band: the built-in choice";
    ASSERT_EQ(file_rows.size(), 1u);
    EXPECT_EQ(std::get<2>(file_rows[0]), "read-write");
}

TEST(profile_cli, strategies_json_stays_an_array_under_a_profile) {
    temp_dir dir;
    auto r = run_zc({"strategies", "--json", "--profile", write_profile(dir).string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(nlohmann::json::parse(r.out).is_array()) << r;
}

TEST(profile_cli, copy_follows_the_profile_given_before_or_after_the_verb_byte_exact) {
    temp_dir dir;
    const auto path = write_profile(dir);
    const auto data = write_random_file(dir / "src", (5u << 20) + 3, 4);
    for (const auto& args : {std::vector<std::string>{"--profile", path.string(), "copy", "--json"},
                             std::vector<std::string>{"copy", "--profile", path.string(), "--json"}}) {
        auto full = args;
        full.push_back((dir / "src").string());
        full.push_back((dir / "dst").string());
        auto r = run_zc(full);
        ASSERT_EQ(r.exit_code, 0) << r;
        const auto stats = nlohmann::json::parse(r.out);
        EXPECT_EQ(stats.at("strategy"), "read-write") << r;
        EXPECT_EQ(stats.at("bytes"), data.size());
        EXPECT_EQ(hash_bytes(read_file(dir / "dst")), hash_bytes(data));
        std::filesystem::remove(dir / "dst");
    }
}

TEST(profile_cli, environment_variable_selects_the_profile_for_every_verb) {
    temp_dir dir;
    scoped_env chosen("ZEROCOPY_PROFILE", write_profile(dir).string());
    const auto data = write_random_file(dir / "src", 300000, 5);
    auto r = run_zc({"copy", "--json", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("strategy"), "read-write") << r;
    EXPECT_EQ(read_file(dir / "dst"), data);

    run_options to_file;
    to_file.stdout_file = dir / "cat-out";
    auto cat = run_zc({"cat", (dir / "src").string()}, to_file);
    ASSERT_EQ(cat.exit_code, 0) << cat;
    EXPECT_EQ(read_file(dir / "cat-out"), data);
}

// The library itself reads no profile unless asked; zc asks at start-up, so
// the per-user file still steers it when ZEROCOPY_PROFILE is unset.
TEST(profile_cli, the_per_user_profile_still_steers_zc) {
    temp_dir dir;
    std::filesystem::create_directories(dir / "config" / "zerocopy");
    std::filesystem::copy_file(write_profile(dir), dir / "config" / "zerocopy" / "profile.json");
    scoped_env config("XDG_CONFIG_HOME", (dir / "config").string());
    scoped_env chosen("ZEROCOPY_PROFILE", "unset below");
    ::unsetenv("ZEROCOPY_PROFILE");
    const auto data = write_random_file(dir / "src", 300000, 7);
    auto r = run_zc({"copy", "--json", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("strategy"), "read-write") << r;
    EXPECT_EQ(read_file(dir / "dst"), data);

    auto shown = run_zc({"strategies"});
    ASSERT_EQ(shown.exit_code, 0) << shown;
    EXPECT_NE(shown.out.find((dir / "config" / "zerocopy" / "profile.json").string()), std::string::npos) << shown;
}

TEST(profile_cli, a_bad_profile_is_a_usage_error_that_names_the_file_and_the_problem) {
    temp_dir dir;
    const auto bad = dir / "bad.json";
    std::ofstream(bad) << R"({"scenarios": {"file-to-file": [{"strategy": "teleport"}]}})";
    write_random_file(dir / "src", 10, 6);

    auto r = run_zc({"--profile", bad.string(), "copy", (dir / "src").string(), (dir / "dst").string()});
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_NE(r.err.find("zc: error: bad profile: " + bad.string()), std::string::npos) << r;
    EXPECT_NE(r.err.find("unknown strategy \"teleport\""), std::string::npos) << r;
    EXPECT_FALSE(std::filesystem::exists(dir / "dst")) << "nothing was attempted";

    auto missing = run_zc({"strategies", "--profile", (dir / "absent.json").string()});
    EXPECT_EQ(missing.exit_code, 2) << missing;
    EXPECT_NE(missing.err.find("absent.json: No such file or directory"), std::string::npos) << missing;

    scoped_env chosen("ZEROCOPY_PROFILE", bad.string());
    auto from_env = run_zc({"strategies"});
    EXPECT_EQ(from_env.exit_code, 2) << from_env;
    EXPECT_NE(from_env.err.find("ZEROCOPY_PROFILE"), std::string::npos) << from_env;
}

TEST(profile_cli, tune_builds_a_profile_from_saved_bench_results_and_auto_follows_it) {
    temp_dir dir;
    nlohmann::json rows = nlohmann::json::array();
    const auto row = [&](const char* strategy, std::uint64_t size, double gbps) {
        rows.push_back({{"scenario", "file-to-file"}, {"strategy", strategy}, {"size", size}, {"cache", "warm"},
                        {"verified", true}, {"median", {{"gbps", gbps}}}});
    };
    row("read-write", 65536, 3.0);
    row("copy-file-range", 65536, 2.0);
    row("read-write", 1u << 20, 3.0);
    row("copy-file-range", 1u << 20, 4.0);
    const auto results = dir / "bench.json";
    std::ofstream(results) << nlohmann::json{{"machine", {{"kernel", "6.1-test"}, {"cores", 2}}}, {"results", rows}}.dump();
    const auto profile_path = dir / "out" / "profile.json";

    auto r = run_zc({"tune", "--from-json", results.string(), "--profile", profile_path.string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find("profile written to " + profile_path.string()), std::string::npos) << r;
    EXPECT_NE(r.out.find("≤ 256 KiB"), std::string::npos) << "prints the chosen bands: " << r;
    const auto written = nlohmann::json::parse(read_file(profile_path));
    const auto& bands = written.at("scenarios").at("file-to-file");
    ASSERT_EQ(bands.size(), 2u) << written.dump(2);
    EXPECT_EQ(bands[0].at("up_to"), 262144);
    EXPECT_EQ(bands[0].at("strategy"), "read-write");
    EXPECT_EQ(bands[1].at("strategy"), "copy-file-range");
    EXPECT_NE(written.at("machine").get<std::string>().find("Linux 6.1-test"), std::string::npos);
    EXPECT_FALSE(written.at("measured_at").get<std::string>().empty());

    // Small copies now take read-write, large ones keep copy-file-range first.
    const auto data = write_random_file(dir / "small", 100000, 9);
    auto copy = run_zc({"--profile", profile_path.string(), "copy", "--json", (dir / "small").string(), (dir / "copy").string()});
    ASSERT_EQ(copy.exit_code, 0) << copy;
    EXPECT_EQ(nlohmann::json::parse(copy.out).at("strategy"), "read-write") << copy;
    EXPECT_EQ(read_file(dir / "copy"), data);
}

TEST(profile_cli, tune_rejects_results_it_cannot_use_and_writes_nothing) {
    temp_dir dir;
    std::ofstream(dir / "empty.json") << R"({"results": []})";
    auto r = run_zc({"tune", "--from-json", (dir / "empty.json").string(), "--profile", (dir / "p.json").string()});
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_NE(r.err.find("no verified result"), std::string::npos) << r;
    EXPECT_FALSE(std::filesystem::exists(dir / "p.json"));

    std::ofstream(dir / "broken.json") << "{";
    auto broken = run_zc({"tune", "--from-json", (dir / "broken.json").string(), "--profile", (dir / "p.json").string()});
    EXPECT_EQ(broken.exit_code, 1) << broken;
    EXPECT_NE(broken.err.find("not valid JSON"), std::string::npos) << broken;
}

TEST(profile_cli, tune_runs_even_when_the_configured_profile_is_broken) {
    temp_dir dir;
    std::ofstream(dir / "bad.json") << "not json";
    scoped_env chosen("ZEROCOPY_PROFILE", (dir / "bad.json").string());
    nlohmann::json rows = {{{"scenario", "file-to-pipe"}, {"strategy", "splice"}, {"size", 4096}, {"cache", "warm"},
                            {"verified", true}, {"median", {{"gbps", 1.0}}}}};
    std::ofstream(dir / "bench.json") << nlohmann::json{{"results", rows}}.dump();
    auto r = run_zc({"tune", "--from-json", (dir / "bench.json").string(), "--profile", (dir / "good.json").string()});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(std::filesystem::exists(dir / "good.json"));
}

} // namespace zc::test
