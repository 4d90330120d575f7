// zc copy [--strategy S] [--offset N] [--length N] [--no-preserve-holes] [--json] SRC DST
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>

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

mode_t mode_of(const fs::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
}

mode_t current_umask() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

} // namespace

TEST(copy, copies_a_small_file) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 1000, 1);
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "dst"), data);
    EXPECT_TRUE(r.out.empty()) << "silent without --json: " << r;
    EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"src", "dst"})) << "no temporary file left behind";
}

TEST(copy, copies_a_multi_mib_file_byte_exact) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", (12u << 20) + 123, 2);
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    const auto copied = read_file(dir / "dst");
    ASSERT_EQ(copied.size(), data.size());
    EXPECT_EQ(hash_bytes(copied), hash_bytes(data));
}

// Like cp: a sparse source gives a sparse copy, compared by stat(2) blocks.
TEST(copy, keeps_the_holes_of_a_sparse_file_unless_told_not_to) {
    temp_dir dir;
    const std::string head = random_bytes(70000, 8), tail = random_bytes(3000, 9);
    const off_t size = (64 << 20) + 3000;
    {
        auto fd = open_write(dir / "src");
        ASSERT_EQ(::pwrite(fd.get(), head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
        ASSERT_EQ(::pwrite(fd.get(), tail.data(), tail.size(), 64 << 20), static_cast<ssize_t>(tail.size()));
        ASSERT_EQ(::ftruncate(fd.get(), size), 0);
    }
    struct stat source {};
    ASSERT_EQ(::stat((dir / "src").c_str(), &source), 0);
    ASSERT_LT(source.st_blocks * 512, 1 << 20) << "this filesystem did not make a sparse file";
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    struct stat copied {};
    ASSERT_EQ(::stat((dir / "dst").c_str(), &copied), 0);
    EXPECT_EQ(copied.st_size, size);
    EXPECT_LE(copied.st_blocks, source.st_blocks + 64) << "blocks of the source: " << source.st_blocks;
    const auto bytes = read_file(dir / "dst");
    EXPECT_EQ(bytes.substr(0, head.size()), head);
    EXPECT_EQ(bytes.substr(64 << 20), tail);
    EXPECT_EQ(bytes.find_first_not_of('\0', head.size()), static_cast<std::size_t>(64 << 20)) << "zeros between";

    auto dense = run_zc({"copy", "--no-preserve-holes", "--strategy", "read-write", (dir / "src").string(), (dir / "dense").string()});
    ASSERT_EQ(dense.exit_code, 0) << dense;
    EXPECT_EQ(read_file(dir / "dense"), bytes);
    struct stat written {};
    ASSERT_EQ(::stat((dir / "dense").c_str(), &written), 0);
    EXPECT_GE(written.st_blocks * 512, size) << "every zero written";
}

TEST(copy, copies_an_empty_file) {
    temp_dir dir;
    write_random_file(dir / "src", 0, 3);
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    ASSERT_TRUE(fs::exists(dir / "dst"));
    EXPECT_EQ(fs::file_size(dir / "dst"), 0u);
}

TEST(copy, offset_and_length_with_suffixes_select_a_range) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 3u << 20, 4);
    auto r = run_zc({"copy", "--offset", "64K", "--length", "1M", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "dst"), data.substr(64 << 10, 1 << 20));
}

TEST(copy, unaligned_offset_and_length_in_plain_bytes) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 100000, 5);
    auto r = run_zc({"copy", "--offset", "4097", "--length", "10001", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "dst"), data.substr(4097, 10001));
}

TEST(copy, offset_alone_copies_to_the_end) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 50000, 6);
    auto r = run_zc({"copy", "--offset", "1K", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "dst"), data.substr(1024));
}

TEST(copy, json_reports_the_transfer_on_stdout) {
    temp_dir dir;
    write_random_file(dir / "src", 300000, 7);
    auto r = run_zc({"copy", "--json", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    const auto stats = nlohmann::json::parse(r.out);
    expect_stats_object(stats, 300000);
    EXPECT_GE(stats.at("syscalls").get<std::uint64_t>(), 1u);
}

TEST(copy, new_destination_gets_the_source_mode) {
    temp_dir dir;
    write_random_file(dir / "src", 10, 8);
    for (mode_t mode : {0640, 0755, 0600}) {
        ASSERT_EQ(::chmod((dir / "src").c_str(), mode), 0);
        fs::remove(dir / "dst");
        auto r = run_zc({"copy", (dir / "src").string(), (dir / "dst").string()});
        ASSERT_EQ(r.exit_code, 0) << r;
        EXPECT_EQ(mode_of(dir / "dst"), mode & ~current_umask()) << std::oct << mode;
    }
}

TEST(copy, replaces_a_longer_destination_and_keeps_its_mode) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 10, 9);
    write_random_file(dir / "dst", 1 << 20, 10);
    ASSERT_EQ(::chmod((dir / "dst").c_str(), 0604), 0);
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "dst"), data) << "truncated to the new contents";
    EXPECT_EQ(mode_of(dir / "dst"), 0604u);
}

TEST(copy, a_symlink_destination_is_followed) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 5000, 11);
    write_random_file(dir / "target", 100, 12);
    fs::create_symlink(dir / "target", dir / "link");
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "link").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(fs::is_symlink(dir / "link"));
    EXPECT_EQ(read_file(dir / "target"), data);
}

TEST(copy, writes_into_a_device_without_replacing_it) {
    temp_dir dir;
    write_random_file(dir / "src", 100000, 13);
    auto r = run_zc({"copy", (dir / "src").string(), "/dev/null"});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(copy, copies_from_a_fifo_until_eof) {
    temp_dir dir;
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    const std::string data = random_bytes(300000, 14);
    unique_fd writer(::open((dir / "fifo").c_str(), O_RDWR | O_CLOEXEC)); // does not wait for a reader
    ASSERT_TRUE(writer);
    zc_process zc({"copy", (dir / "fifo").string(), (dir / "dst").string()});
    std::thread feed([&] {
        for (std::size_t at = 0; at < data.size();) {
            const ssize_t n = ::write(writer.get(), data.data() + at, data.size() - at);
            if (n <= 0) break;
            at += static_cast<std::size_t>(n);
        }
        writer.reset(); // EOF for zc
    });
    feed.join();
    auto r = zc.finish();
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "dst"), data);
}

class copy_strategy : public testing::TestWithParam<std::string> {};

TEST_P(copy_strategy, copies_byte_exact) {
    const std::string strategy = GetParam();
    if (auto why = why_untestable(strategy, endpoint_kind::file, endpoint_kind::file)) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    const auto data = write_random_file(dir / "src", (3u << 20) + 4097, 15);
    auto r = run_zc({"copy", "--strategy", strategy, "--json", (dir / "src").string(), (dir / "dst").string()});
    if (refused_pair(r)) {
        GTEST_SKIP() << strategy << " refuses file → file: " << r.err;
    }
    ASSERT_EQ(r.exit_code, 0) << r;
    const auto stats = nlohmann::json::parse(r.out);
    expect_stats_object(stats, data.size());
    if (strategy != "auto") {
        EXPECT_EQ(stats.at("strategy"), strategy);
    }
    EXPECT_EQ(hash_bytes(read_file(dir / "dst")), hash_bytes(data));

    // And a range, which exercises the offset path of every strategy.
    auto ranged = run_zc({"copy", "--strategy", strategy, "--offset", "12345", "--length", "1M",
                          (dir / "src").string(), (dir / "range").string()});
    ASSERT_EQ(ranged.exit_code, 0) << ranged;
    EXPECT_EQ(read_file(dir / "range"), data.substr(12345, 1 << 20));
}

INSTANTIATE_TEST_SUITE_P(every, copy_strategy, testing::ValuesIn(strategy_names_under_test()), param_name);

// ---- errors: one clear line, the right exit code, no DST -------------------

TEST(copy, missing_source_names_it) {
    temp_dir dir;
    auto r = run_zc({"copy", (dir / "missing.bin").string(), (dir / "dst").string()});
    expect_failure(r, {"missing.bin", "No such file or directory"});
    EXPECT_TRUE(entries(dir.path()).empty()) << "no DST, no temporary file";
}

TEST(copy, directory_as_source_is_an_error) {
    temp_dir dir;
    fs::create_directory(dir / "sub");
    auto r = run_zc({"copy", (dir / "sub").string(), (dir / "dst").string()});
    expect_failure(r, {"sub", "Is a directory"});
    EXPECT_FALSE(fs::exists(dir / "dst"));
}

TEST(copy, directory_as_destination_copies_into_it) {
    // As cp: DIR/basename(SRC) (copy_target_test.cpp has the other forms).
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 10, 16);
    fs::create_directory(dir / "sub");
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "sub").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "sub" / "src"), data);
}

TEST(copy, destination_in_a_missing_directory_is_an_error) {
    temp_dir dir;
    write_random_file(dir / "src", 10, 17);
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "nowhere" / "dst").string()});
    expect_failure(r, {"nowhere/dst", "No such file or directory"});
}

TEST(copy, unreadable_source_is_an_error) {
    temp_dir dir;
    fs::permissions(dir.path(), fs::perms(0755));
    write_random_file(dir / "secret", 10, 18);
    ASSERT_EQ(::chmod((dir / "secret").c_str(), 0), 0);
    fs::create_directory(dir / "out");
    fs::permissions(dir / "out", fs::perms(0777));
    run_options as_user;
    as_user.run_as = unprivileged_user();
    auto r = run_zc({"copy", (dir / "secret").string(), (dir / "out" / "dst").string()}, as_user);
    if (r.exit_code == 126 || r.exit_code == 127) {
        GTEST_SKIP() << "cannot run zc as an unprivileged user here";
    }
    expect_failure(r, {"secret", "Permission denied"});
    EXPECT_TRUE(fs::is_empty(dir / "out"));
}

TEST(copy, unwritable_destination_directory_is_an_error) {
    temp_dir dir;
    fs::permissions(dir.path(), fs::perms(0755)); // not writable by others
    write_random_file(dir / "src", 10, 19);
    ASSERT_EQ(::chmod((dir / "src").c_str(), 0644), 0);
    run_options as_user;
    as_user.run_as = unprivileged_user();
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "dst").string()}, as_user);
    if (r.exit_code == 126 || r.exit_code == 127) {
        GTEST_SKIP() << "cannot run zc as an unprivileged user here";
    }
    expect_failure(r, {"dst", "Permission denied"});
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"src"});
}

TEST(copy, read_only_existing_destination_is_an_error_and_kept) {
    temp_dir dir;
    fs::permissions(dir.path(), fs::perms(0777)); // the directory would allow a rename
    write_random_file(dir / "src", 10, 20);
    ASSERT_EQ(::chmod((dir / "src").c_str(), 0644), 0);
    const auto old = write_random_file(dir / "dst", 100, 21);
    ASSERT_EQ(::chmod((dir / "dst").c_str(), 0444), 0);
    run_options as_user;
    as_user.run_as = unprivileged_user();
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "dst").string()}, as_user);
    if (r.exit_code == 126 || r.exit_code == 127) {
        GTEST_SKIP() << "cannot run zc as an unprivileged user here";
    }
    expect_failure(r, {"dst", "Permission denied"});
    EXPECT_EQ(read_file(dir / "dst"), old);
    EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"src", "dst"}));
}

TEST(copy, range_past_the_end_leaves_no_destination) {
    temp_dir dir;
    write_random_file(dir / "src", 10000, 22);
    auto r = run_zc({"copy", "--offset", "5000", "--length", "1M", (dir / "src").string(), (dir / "dst").string()});
    expect_failure(r, {"src", "dst"});
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"src"});
}

TEST(copy, failed_copy_keeps_the_previous_destination) {
    temp_dir dir;
    write_random_file(dir / "src", 10000, 23);
    const auto old = write_random_file(dir / "dst", 777, 24);
    auto r = run_zc({"copy", "--length", "1G", (dir / "src").string(), (dir / "dst").string()});
    expect_failure(r, {"src"});
    EXPECT_EQ(read_file(dir / "dst"), old);
    EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"src", "dst"}));
}

TEST(copy, a_strategy_that_cannot_serve_the_pair_is_an_error) {
    temp_dir dir;
    write_random_file(dir / "src", 10, 25);
    auto r = run_zc({"copy", "--strategy", "copy-file-range", (dir / "src").string(), "/dev/null"});
    expect_failure(r, {"copy-file-range", "cannot serve"});
}

TEST(copy, same_file_is_an_error_and_the_file_survives) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 1000, 26);
    auto r = run_zc({"copy", (dir / "src").string(), (dir / "src").string()});
    expect_failure(r, {"same file"});
    EXPECT_EQ(read_file(dir / "src"), data);
}

TEST(copy, interrupted_copy_removes_its_temporary_file) {
    temp_dir dir;
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    unique_fd writer(::open((dir / "fifo").c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(writer);
    ASSERT_EQ(::write(writer.get(), "partial", 7), 7);
    zc_process zc({"copy", (dir / "fifo").string(), (dir / "dst").string()});
    // Wait for the temporary file: zc is then blocked reading the FIFO.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (entries(dir.path()).size() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    ASSERT_EQ(entries(dir.path()).size(), 2u) << "zc never created its temporary file";
    std::this_thread::sleep_for(100ms); // let it consume the bytes and block
    ::kill(zc.pid(), SIGTERM);
    auto r = zc.finish();
    EXPECT_EQ(r.term_signal, SIGTERM) << r;
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"fifo"}) << "temporary file left behind";
}

// ---- usage errors: exit 2 with the usage line ------------------------------

TEST(copy, negative_size_is_a_usage_error) {
    temp_dir dir;
    write_random_file(dir / "src", 10, 27);
    expect_usage_error(run_zc({"copy", "--length", "-5", (dir / "src").string(), (dir / "dst").string()}),
                       "--length", "copy");
    expect_usage_error(run_zc({"copy", "--offset=-1", (dir / "src").string(), (dir / "dst").string()}),
                       "--offset", "copy");
    EXPECT_FALSE(fs::exists(dir / "dst"));
}

TEST(copy, malformed_sizes_are_usage_errors) {
    temp_dir dir;
    write_random_file(dir / "src", 10, 28);
    for (const char* size : {"abc", "12X", "1.5M", "", "K", "0x10", " 5", "99999999999999999999", "17179869184G"}) {
        auto r = run_zc({"copy", "--length", size, (dir / "src").string(), (dir / "dst").string()});
        expect_usage_error(r, "is not a size", "copy");
    }
    EXPECT_FALSE(fs::exists(dir / "dst"));
}

TEST(copy, size_suffixes_are_powers_of_1024) {
    temp_dir dir;
    const auto data = write_random_file(dir / "src", 3u << 20, 29);
    for (auto [size, bytes] : {std::pair{"2k", 2048u}, std::pair{"1M", 1u << 20}, std::pair{"3m", 3u << 20}}) {
        auto r = run_zc({"copy", "--length", size, (dir / "src").string(), (dir / "dst").string()});
        ASSERT_EQ(r.exit_code, 0) << size << ": " << r;
        EXPECT_EQ(fs::file_size(dir / "dst"), bytes) << size;
    }
    // 1G of a 3 MiB file: the size parses, the range does not fit.
    expect_failure(run_zc({"copy", "--length", "1G", (dir / "src").string(), (dir / "dst").string()}), {"src"});
}

TEST(copy, unknown_strategy_is_a_usage_error) {
    temp_dir dir;
    write_random_file(dir / "src", 10, 30);
    auto r = run_zc({"copy", "--strategy", "teleport", (dir / "src").string(), (dir / "dst").string()});
    expect_usage_error(r, "unknown strategy 'teleport'", "copy");
    EXPECT_NE(r.err.find("sendfile"), std::string::npos) << "lists the known names: " << r;
    EXPECT_FALSE(fs::exists(dir / "dst"));
}

TEST(copy, progress_forced_on_draws_to_stderr_and_off_stays_silent) {
    temp_dir dir;
    write_random_file(dir / "src", 2u << 20, 31);
    auto on = run_zc({"copy", "--progress", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(on.exit_code, 0) << on;
    EXPECT_NE(on.err.find("100%"), std::string::npos) << on;
    auto off = run_zc({"copy", "--no-progress", (dir / "src").string(), (dir / "dst2").string()});
    ASSERT_EQ(off.exit_code, 0) << off;
    EXPECT_TRUE(off.err.empty()) << off;
    // Not a terminal: no progress by default.
    auto automatic = run_zc({"copy", (dir / "src").string(), (dir / "dst3").string()});
    EXPECT_TRUE(automatic.err.empty()) << automatic;
}

} // namespace zc::test
