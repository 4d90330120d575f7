// Signals as coreutils handle them: a signal ignored when zc starts (nohup)
// stays ignored, and a reader of stdout that goes away ends `zc cat` as it
// ends GNU cat — killed by SIGPIPE, quietly, or, when SIGPIPE was ignored at
// start, "Broken pipe" and exit 1.
#include <gtest/gtest.h>
#include <signal.h>

#include <fcntl.h>

#include <filesystem>
#include <set>
#include <thread>

#include "support/test_support.hpp"
#include "zc_cli_support.hpp"
#include "zc_net_support.hpp"

namespace zc::test {
namespace {

namespace fs = std::filesystem;

std::size_t entry_count(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

// Waits (bounded) until `dir` holds `count` entries: zc made its temporary file.
bool wait_for_entries(const fs::path& dir, std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (entry_count(dir) < count && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
    return entry_count(dir) >= count;
}

// A pipe whose reader takes `keep` bytes, then closes, as `head -c 10` does.
struct short_reader {
    std::pair<unique_fd, unique_fd> ends = pipe_pair(); // {write, read}
    std::string got;
    std::thread thread;

    explicit short_reader(std::size_t keep) {
        thread = std::thread([this, keep] {
            char buffer[64];
            while (got.size() < keep) {
                const ssize_t r = ::read(ends.second.get(), buffer, std::min(sizeof buffer, keep - got.size()));
                if (r <= 0) break;
                got.append(buffer, static_cast<std::size_t>(r));
            }
            ends.second.reset();
        });
    }
    ~short_reader() {
        if (thread.joinable()) thread.join();
    }
};

} // namespace

TEST(signals, recv_started_with_sighup_ignored_survives_a_hangup) {
    temp_dir dir;
    const std::string data = random_bytes(300000, 1);
    run_options options;
    options.ignored_signals = {SIGHUP};
    int port = 0;
    auto receiver = start_receiver("127.0.0.1", {}, (dir / "out").string(), &port, options);
    ASSERT_NE(port, 0);
    ASSERT_EQ(::kill(receiver->pid(), SIGHUP), 0);
    {
        auto s = connect_loopback(port);
        ASSERT_TRUE(write_all(s.get(), data));
    }
    auto r = receiver->finish();
    EXPECT_EQ(r.term_signal, 0) << "nohup's SIGHUP must stay ignored: " << r;
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "out"), data);
}

TEST(signals, recv_with_default_sighup_dies_and_leaves_no_file) {
    temp_dir dir;
    int port = 0;
    auto receiver = start_receiver("127.0.0.1", {}, (dir / "out").string(), &port);
    ASSERT_NE(port, 0);
    ASSERT_EQ(::kill(receiver->pid(), SIGHUP), 0);
    auto r = receiver->finish();
    EXPECT_EQ(r.term_signal, SIGHUP) << r;
    EXPECT_EQ(entry_count(dir.path()), 0u) << "temporary file removed";
}

TEST(signals, copy_started_with_sighup_ignored_finishes_after_a_hangup) {
    temp_dir dir;
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    unique_fd writer(::open((dir / "fifo").c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(writer);
    ASSERT_EQ(::write(writer.get(), "first ", 6), 6);
    run_options options;
    options.ignored_signals = {SIGHUP};
    zc_process zc({"copy", (dir / "fifo").string(), (dir / "dst").string()}, options);
    ASSERT_TRUE(wait_for_entries(dir.path(), 2)) << "zc never created its temporary file";
    ASSERT_EQ(::kill(zc.pid(), SIGHUP), 0);
    ASSERT_EQ(::write(writer.get(), "second", 6), 6);
    writer.reset(); // EOF for zc
    auto r = zc.finish();
    EXPECT_EQ(r.term_signal, 0) << r;
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(read_file(dir / "dst"), "first second");
}

TEST(signals, cat_into_a_reader_that_leaves_dies_of_sigpipe_quietly) {
    // `zc cat big big big | head -c 10`: GNU cat is killed by SIGPIPE (141 in
    // a shell) and prints nothing.
    temp_dir dir;
    write_random_file(dir / "big", 4u << 20, 2);
    short_reader head(10);
    run_options options;
    options.stdout_fd = head.ends.first.get();
    zc_process zc({"cat", (dir / "big").string(), (dir / "big").string(), (dir / "big").string()}, options);
    head.ends.first.reset(); // only zc holds the write end
    auto r = zc.finish();
    head.thread.join();
    EXPECT_EQ(head.got.size(), 10u);
    EXPECT_EQ(r.term_signal, SIGPIPE) << r;
    EXPECT_EQ(r.err, "") << r;
}

TEST(signals, cat_started_with_sigpipe_ignored_reports_broken_pipe_and_exits_1) {
    // GNU cat with SIGPIPE ignored: "cat: write error: Broken pipe", exit 1.
    temp_dir dir;
    write_random_file(dir / "big", 4u << 20, 3);
    short_reader head(10);
    run_options options;
    options.stdout_fd = head.ends.first.get();
    options.ignored_signals = {SIGPIPE};
    zc_process zc({"cat", (dir / "big").string(), (dir / "big").string()}, options);
    head.ends.first.reset();
    auto r = zc.finish();
    head.thread.join();
    EXPECT_EQ(r.term_signal, 0) << r;
    expect_failure(r, {"Broken pipe"});
}

TEST(signals, recv_to_a_stdout_whose_reader_left_dies_of_sigpipe) {
    int port = 0;
    auto [write_end, read_end] = pipe_pair();
    read_end.reset();
    run_options options;
    options.stdout_fd = write_end.get();
    auto receiver = start_receiver("127.0.0.1", {}, "-", &port, options);
    write_end.reset();
    ASSERT_NE(port, 0);
    {
        auto s = connect_loopback(port);
        write_all(s.get(), random_bytes(100000, 4)); // may fail once zc is gone
    }
    auto r = receiver->finish();
    EXPECT_EQ(r.term_signal, SIGPIPE) << r;
}

} // namespace zc::test
