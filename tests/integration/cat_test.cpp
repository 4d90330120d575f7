// zc cat [--strategy S] [--json] [FILE...]
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <termios.h>

#include <filesystem>

#include "support/test_support.hpp"
#include "zc_cli_support.hpp"

namespace zc::test {

namespace fs = std::filesystem;

TEST(cat, writes_one_file_to_a_pipe) {
    temp_dir dir;
    const auto data = write_random_file(dir / "a", (5u << 20) + 7, 1);
    auto r = run_zc({"cat", (dir / "a").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(hash_bytes(r.out), hash_bytes(data));
    EXPECT_EQ(r.out.size(), data.size());
}

TEST(cat, concatenates_files_in_order_with_stdin_for_dash) {
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 70000, 2);
    const auto b = write_random_file(dir / "b", 1, 3);
    const std::string in = random_bytes(200000, 4);
    run_options options;
    options.stdin_data = in;
    auto r = run_zc({"cat", (dir / "a").string(), "-", (dir / "b").string(), (dir / "a").string()}, options);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, a + in + b + a);
}

TEST(cat, writes_to_a_regular_file) {
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 300000, 5);
    const auto b = write_random_file(dir / "b", 4097, 6);
    run_options options;
    options.stdout_file = dir / "out";
    auto r = run_zc({"cat", (dir / "a").string(), (dir / "b").string()}, options);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "out"), a + b);
}

TEST(cat, appends_to_a_file_opened_for_append) {
    // `zc cat x >> log`: O_APPEND stdout, which copy_file_range refuses.
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 100000, 7);
    const auto old = write_random_file(dir / "out", 999, 8);
    run_options options;
    options.stdout_file = dir / "out";
    options.stdout_append = true;
    auto r = run_zc({"cat", (dir / "a").string()}, options);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "out"), old + a);
}

TEST(cat, writes_to_a_terminal) {
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 3000, 9);
    int master = -1, slave = -1;
    if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
        GTEST_SKIP() << "no pseudo-terminal here";
    }
    unique_fd master_fd(master), slave_fd(slave);
    termios raw{};
    ASSERT_EQ(::tcgetattr(slave, &raw), 0);
    ::cfmakeraw(&raw); // no \n → \r\n translation
    ASSERT_EQ(::tcsetattr(slave, TCSANOW, &raw), 0);
    run_options options;
    options.stdout_fd = slave;
    zc_process zc({"cat", (dir / "a").string()}, options);
    slave_fd.reset();
    std::string seen;
    char buffer[4096];
    while (seen.size() < a.size()) { // read while it writes: the pty buffer is small
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 10000) <= 0) break;
        const ssize_t n = ::read(master, buffer, sizeof buffer);
        if (n <= 0) break;
        seen.append(buffer, static_cast<std::size_t>(n));
    }
    auto r = zc.finish();
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(seen, a);
}

TEST(cat, json_goes_to_stderr_and_sums_the_files) {
    temp_dir dir;
    write_random_file(dir / "a", 100000, 10);
    write_random_file(dir / "b", 23456, 11);
    auto r = run_zc({"cat", "--json", (dir / "a").string(), (dir / "b").string()});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out.size(), 123456u) << "stdout carries only the data";
    expect_stats_object(last_json_line(r.err), 123456);
}

class cat_strategy : public testing::TestWithParam<std::string> {};

TEST_P(cat_strategy, writes_byte_exact_to_a_pipe) {
    const std::string strategy = GetParam();
    if (auto why = why_untestable(strategy, endpoint_kind::file, endpoint_kind::pipe)) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    const auto a = write_random_file(dir / "a", (2u << 20) + 333, 12);
    const auto b = write_random_file(dir / "b", 4096, 13);
    auto r = run_zc({"cat", "--strategy", strategy, "--json", (dir / "a").string(), (dir / "b").string()});
    if (refused_pair(r)) {
        GTEST_SKIP() << strategy << " refuses file → pipe: " << r.err;
    }
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(hash_bytes(r.out), hash_bytes(a + b));
    const auto stats = last_json_line(r.err);
    expect_stats_object(stats, a.size() + b.size());
    if (strategy != "auto") {
        EXPECT_EQ(stats.at("strategy"), strategy);
    }
}

INSTANTIATE_TEST_SUITE_P(every, cat_strategy, testing::ValuesIn(strategy_names_under_test()), param_name);

TEST(cat, stdin_through_splice_and_read_write) {
    // A pipe source: only the strategies that serve "any" source.
    const std::string in = random_bytes(1 << 20, 14);
    for (const char* strategy : {"splice", "read-write"}) {
        run_options options;
        options.stdin_data = in;
        auto r = run_zc({"cat", "--strategy", strategy, "-"}, options);
        ASSERT_EQ(r.exit_code, 0) << strategy << ": " << r;
        EXPECT_EQ(hash_bytes(r.out), hash_bytes(in)) << strategy;
    }
}

TEST(cat, missing_file_is_reported_and_the_others_still_written) {
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 1000, 15);
    auto r = run_zc({"cat", (dir / "a").string(), (dir / "missing.txt").string(), (dir / "a").string()});
    expect_failure(r, {"missing.txt", "No such file or directory"});
    EXPECT_EQ(r.out, a + a) << "like cat: report, skip, go on";
}

TEST(cat, directory_is_an_error) {
    temp_dir dir;
    auto r = run_zc({"cat", dir.path().string()});
    expect_failure(r, {dir.path().string(), "Is a directory"});
    EXPECT_TRUE(r.out.empty());
}

TEST(cat, unreadable_file_is_an_error) {
    temp_dir dir;
    fs::permissions(dir.path(), fs::perms(0755));
    write_random_file(dir / "secret", 10, 16);
    ASSERT_EQ(::chmod((dir / "secret").c_str(), 0), 0);
    run_options as_user;
    as_user.run_as = unprivileged_user();
    auto r = run_zc({"cat", (dir / "secret").string()}, as_user);
    if (r.exit_code == 126 || r.exit_code == 127) {
        GTEST_SKIP() << "cannot run zc as an unprivileged user here";
    }
    expect_failure(r, {"secret", "Permission denied"});
}

TEST(cat, a_closed_stdout_ends_it_like_cat) {
    // The reader is gone before zc starts. With SIGPIPE at its default, zc
    // dies of it quietly, as cat does; started with SIGPIPE ignored, it is
    // EPIPE: one message, exit 1 (signals_test.cpp has the `| head` case).
    temp_dir dir;
    write_random_file(dir / "a", 8u << 20, 17);
    auto [write_end, read_end] = pipe_pair();
    read_end.reset();
    run_options options;
    options.stdout_fd = write_end.get();
    auto r = run_zc({"cat", (dir / "a").string(), (dir / "a").string()}, options);
    EXPECT_EQ(r.term_signal, SIGPIPE) << r;
    EXPECT_EQ(r.err, "") << r;

    options.ignored_signals = {SIGPIPE};
    r = run_zc({"cat", (dir / "a").string(), (dir / "a").string()}, options);
    EXPECT_EQ(r.term_signal, 0) << r;
    expect_failure(r, {"Broken pipe"});
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "stops at the first failed write: " << r;
}

TEST(cat, no_operand_reads_stdin) {
    const std::string in = random_bytes(150000, 18);
    run_options options;
    options.stdin_data = in;
    auto r = run_zc({"cat"}, options);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, in);
}

TEST(cat, every_dash_reads_stdin_again) {
    // As with cat, the second '-' reads on from where the first stopped: at
    // the end of a pipe, nothing.
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 3000, 19);
    const std::string in = random_bytes(5000, 20);
    run_options options;
    options.stdin_data = in;
    auto r = run_zc({"cat", "-", (dir / "a").string(), "-"}, options);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, in + a);
}

TEST(cat, dash_reads_a_file_on_stdin_from_its_position) {
    temp_dir dir;
    const auto in = write_random_file(dir / "in", 10000, 21);
    const auto a = write_random_file(dir / "a", 100, 22);
    // stdin is the file itself (zc < in): '-' twice writes it once.
    auto r = run_zc({"cat", "-", "-", (dir / "a").string()}, [&] {
        run_options options;
        options.stdin_file = dir / "in";
        return options;
    }());
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, in + a);
}

TEST(cat, offsets_are_not_options_of_cat) {
    expect_usage_error(run_zc({"cat", "--offset", "5", "-"}), "--offset", "cat");
}

} // namespace zc::test
