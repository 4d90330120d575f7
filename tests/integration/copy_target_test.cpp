// zc copy SRC DIR, zc copy SRC... DIR, zc copy -t DIR SRC...: into a directory
// as cp does, and the destinations cp refuses (a dangling symlink, "new/").
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>

#include "support/test_support.hpp"
#include "zc_cli_support.hpp"

namespace zc::test {
namespace {

namespace fs = std::filesystem;

std::set<std::string> entries(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

} // namespace

TEST(copy_target, existing_directory_as_destination_receives_the_basename) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src.bin", 70000, 1);
    fs::create_directory(dir / "sub");
    auto r = run_zc({"copy", (dir / "src.bin").string(), (dir / "sub").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "sub" / "src.bin"), data);
    EXPECT_EQ(entries(dir / "sub"), std::set<std::string>{"src.bin"}) << "no temporary file left";
}

TEST(copy_target, trailing_slash_on_a_directory_copies_into_it) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 1000, 2);
    fs::create_directory(dir / "sub");
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "sub").string() + "/"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "sub" / "src"), data);
}

TEST(copy_target, several_sources_go_into_the_last_operand) {
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 5000, 3);
    const auto b = write_random_file(dir / "b", 0, 4);
    fs::create_directory(dir / "nested");
    const auto c = write_random_file(dir / "nested" / "c", 100000, 5);
    fs::create_directory(dir / "out");
    auto r = run_zc({"copy", (dir / "a").string(), (dir / "b").string(), (dir / "nested" / "c").string(),
                     (dir / "out").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(entries(dir / "out"), (std::set<std::string>{"a", "b", "c"}));
    EXPECT_EQ(read_file(dir / "out" / "a"), a);
    EXPECT_EQ(read_file(dir / "out" / "b"), b);
    EXPECT_EQ(read_file(dir / "out" / "c"), c);
}

TEST(copy_target, json_sums_the_files) {
    temp_dir dir;
    write_random_file(dir / "a", 3000, 6);
    write_random_file(dir / "b", 4000, 7);
    fs::create_directory(dir / "out");
    auto r = run_zc({"copy", "--json", (dir / "a").string(), (dir / "b").string(), (dir / "out").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    expect_stats_object(nlohmann::json::parse(r.out), 7000);
}

TEST(copy_target, target_directory_option_takes_every_operand_as_a_source) {
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 123, 8);
    const auto b = write_random_file(dir / "b", 456, 9);
    fs::create_directory(dir / "t1");
    fs::create_directory(dir / "t2");
    auto r = run_zc({"copy", "-t", (dir / "t1").string(), (dir / "a").string(), (dir / "b").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "t1" / "a"), a);
    EXPECT_EQ(read_file(dir / "t1" / "b"), b);
    r = run_zc({"copy", "--target-directory=" + (dir / "t2").string(), (dir / "a").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(entries(dir / "t2"), std::set<std::string>{"a"});
    EXPECT_EQ(read_file(dir / "t2" / "a"), a);
}

TEST(copy_target, target_directory_that_is_a_file_is_an_error) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 10);
    const auto kept = write_random_file(dir / "file", 10, 11);
    auto r = run_zc({"copy", "-t", (dir / "file").string(), (dir / "a").string()});
    expect_failure(r, {"target directory", "file", "Not a directory"});
    EXPECT_EQ(read_file(dir / "file"), kept);
}

TEST(copy_target, several_sources_need_a_directory) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 12);
    write_random_file(dir / "b", 10, 13);
    const auto kept = write_random_file(dir / "c", 10, 14);
    auto r = run_zc({"copy", (dir / "a").string(), (dir / "b").string(), (dir / "c").string()});
    expect_failure(r, {"target", (dir / "c").string(), "Not a directory"});
    EXPECT_EQ(read_file(dir / "c"), kept);
    r = run_zc({"copy", (dir / "a").string(), (dir / "b").string(), (dir / "missing").string()});
    expect_failure(r, {"target", "missing", "No such file or directory"});
    EXPECT_FALSE(fs::exists(dir / "missing"));
}

TEST(copy_target, a_failing_source_is_reported_and_the_others_still_copied) {
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 2000, 15);
    fs::create_directory(dir / "out");
    auto r = run_zc({"copy", (dir / "missing").string(), (dir / "a").string(), (dir / "out").string()});
    expect_failure(r, {"missing", "No such file or directory"});
    EXPECT_EQ(entries(dir / "out"), std::set<std::string>{"a"});
    EXPECT_EQ(read_file(dir / "out" / "a"), a);
}

TEST(copy_target, a_directory_in_the_way_is_an_error) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 16);
    fs::create_directories(dir / "out" / "a");
    auto r = run_zc({"copy", (dir / "a").string(), (dir / "out").string()});
    expect_failure(r, {"out/a", "Is a directory"});
    EXPECT_TRUE(fs::is_empty(dir / "out" / "a"));
}

TEST(copy_target, trailing_slash_on_a_missing_directory_is_an_error) {
    // cp: "cannot create regular file 'new/': Not a directory".
    temp_dir dir;
    write_random_file(dir / "a", 10, 17);
    auto r = run_zc({"copy", (dir / "a").string(), (dir / "new").string() + "/"});
    expect_failure(r, {"new/", "Not a directory"});
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"a"});
}

TEST(copy_target, one_operand_is_a_usage_error) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 18);
    expect_usage_error(run_zc({"copy", (dir / "a").string()}), "missing destination", "copy");
    expect_usage_error(run_zc({"copy", "-t", dir.path().string()}), "SRC", "copy");
}

TEST(copy_target, dangling_symlink_destination_is_refused) {
    // cp: "not writing through dangling symlink 'dl'", exit 1.
    temp_dir dir;
    write_random_file(dir / "a", 10, 19);
    fs::create_symlink(dir / "nowhere", dir / "link");
    auto r = run_zc({"copy", (dir / "a").string(), (dir / "link").string()});
    expect_failure(r, {"dangling symlink", "link"});
    EXPECT_TRUE(fs::is_symlink(dir / "link")) << "the link is kept";
    EXPECT_EQ(fs::read_symlink(dir / "link"), dir / "nowhere");
    EXPECT_FALSE(fs::exists(dir / "nowhere")) << "nothing written through it";
    EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"a", "link"}));
}

TEST(copy_target, dangling_symlink_inside_the_target_directory_is_refused) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 20);
    fs::create_directory(dir / "out");
    fs::create_symlink(dir / "nowhere", dir / "out" / "a");
    auto r = run_zc({"copy", (dir / "a").string(), (dir / "out").string()});
    expect_failure(r, {"dangling symlink"});
    EXPECT_TRUE(fs::is_symlink(dir / "out" / "a"));
    EXPECT_FALSE(fs::exists(dir / "nowhere"));
}

TEST(copy_target, recv_refuses_a_dangling_symlink_before_listening) {
    temp_dir dir;
    fs::create_symlink(dir / "nowhere", dir / "link");
    auto r = run_zc({"recv", "127.0.0.1:0", (dir / "link").string()}, within(10s));
    expect_failure(r, {"dangling symlink", "link"});
    EXPECT_EQ(r.err.find("listening"), std::string::npos) << r;
    EXPECT_TRUE(fs::is_symlink(dir / "link"));
}

} // namespace zc::test
