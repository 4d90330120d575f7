// The EINTR- and short-transfer-retrying wrappers of src/core/io.hpp.
//
// Signals are made to land while the other thread is really blocked in the
// syscall: /proc/self/task/<tid>/syscall names the call a sleeping thread is
// in, so the tests wait for it (bounded) instead of sleeping and hoping.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "core/io.hpp"
#include "support/test_support.hpp"

namespace zc::detail {
namespace {

using namespace std::chrono_literals;

std::atomic<int> signals_handled{0};
void count_signal(int) { signals_handled.fetch_add(1); }

// SIGUSR1 with a handler installed without SA_RESTART: a blocking call it
// interrupts fails with EINTR (or returns short) instead of resuming.
class interrupting_signal {
public:
    interrupting_signal() {
        struct sigaction action {};
        action.sa_handler = count_signal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = 0;
        ::sigaction(SIGUSR1, &action, &previous_);
        signals_handled = 0;
    }
    ~interrupting_signal() { ::sigaction(SIGUSR1, &previous_, nullptr); }
    interrupting_signal(const interrupting_signal&) = delete;
    interrupting_signal& operator=(const interrupting_signal&) = delete;

private:
    struct sigaction previous_ {};
};

// The syscall number thread `tid` sleeps in, nullopt while it runs (or when
// /proc does not say).
std::optional<long> blocked_in(pid_t tid) {
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/syscall");
    std::string first;
    if (!(in >> first) || first == "running") return std::nullopt;
    try {
        return std::stol(first);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool proc_shows_syscalls() {
    std::ifstream in("/proc/self/task/" + std::to_string(::gettid()) + "/syscall");
    std::string first;
    return static_cast<bool>(in >> first);
}

// Waits (at most 10 s) until `tid` sleeps in syscall `number`.
bool wait_until_blocked_in(pid_t tid, long number) {
    for (int i = 0; i < 10000; ++i) {
        if (blocked_in(tid) == number) return true;
        std::this_thread::sleep_for(1ms);
    }
    return false;
}

// Waits (at most 10 s) until the handler has run `count` times.
bool wait_for_signals(int count) {
    for (int i = 0; i < 10000 && signals_handled.load() < count; ++i) std::this_thread::sleep_for(1ms);
    return signals_handled.load() >= count;
}

// A pipe holding one page, so that larger writes fill it at once.
std::pair<unique_fd, unique_fd> small_pipe() {
    auto ends = test::pipe_pair();
    ::fcntl(ends.first.get(), F_SETPIPE_SZ, 4096);
    return ends;
}

std::span<std::byte> writable(std::string& s) { return std::as_writable_bytes(std::span(s.data(), s.size())); }

TEST(retry_on_eintr, repeats_the_call_while_it_fails_with_eintr) {
    int calls = 0;
    const int result = retry_on_eintr([&] {
        if (++calls < 3) {
            errno = EINTR;
            return -1;
        }
        return 7;
    });
    EXPECT_EQ(result, 7);
    EXPECT_EQ(calls, 3);
}

TEST(retry_on_eintr, returns_other_failures_at_once_with_their_errno) {
    int calls = 0;
    const long result = retry_on_eintr([&] {
        ++calls;
        errno = EBADF;
        return -1L;
    });
    EXPECT_EQ(result, -1);
    EXPECT_EQ(errno, EBADF);
    EXPECT_EQ(calls, 1);
}

TEST(read_full, stops_short_only_at_end_of_file) {
    auto [write_end, read_end] = test::pipe_pair();
    ASSERT_TRUE(write_all(write_end.get(), as_bytes("hello")));
    write_end.reset();
    std::string buffer(100, '\0');
    auto got = read_full(read_end.get(), writable(buffer));
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(*got, 5u);
    EXPECT_EQ(buffer.substr(0, 5), "hello");
    got = read_full(read_end.get(), writable(buffer));
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, 0u);
}

TEST(read_full, gathers_a_buffer_from_many_short_reads) {
    auto [write_end, read_end] = small_pipe();
    const std::string data = test::random_bytes(256 * 1024, 1);
    std::thread writer([&, fd = write_end.get()] { ASSERT_TRUE(write_all(fd, as_bytes(data))); });
    std::string buffer(data.size(), '\0');
    auto got = read_full(read_end.get(), writable(buffer));
    writer.join();
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(*got, data.size());
    EXPECT_TRUE(buffer == data);
}

TEST(read_full, reports_eagain_on_an_empty_non_blocking_pipe) {
    auto [write_end, read_end] = test::pipe_pair();
    test::set_nonblocking(read_end.get());
    std::string buffer(10, '\0');
    auto got = read_full(read_end.get(), writable(buffer));
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().errno_value(), EAGAIN);
    EXPECT_EQ(got.error().context(), "read(fd=" + std::to_string(read_end.get()) + ")");
}

TEST(pread_full, reads_from_the_offset_to_end_of_file_and_leaves_the_fd_offset) {
    test::temp_dir dir;
    const std::string data = test::write_random_file(dir / "f", 10000, 2);
    unique_fd fd = test::open_read(dir / "f");
    std::string buffer(4096, '\0');
    auto got = pread_full(fd.get(), writable(buffer), 8000);
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(*got, 2000u);
    EXPECT_TRUE(buffer.substr(0, 2000) == data.substr(8000));
    EXPECT_EQ(::lseek(fd.get(), 0, SEEK_CUR), 0);
    got = pread_full(fd.get(), writable(buffer), 1000);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, 4096u);
    EXPECT_TRUE(buffer == data.substr(1000, 4096));
}

TEST(write_some, stops_at_eagain_with_the_partial_count_and_resumes) {
    auto [write_end, read_end] = small_pipe();
    test::set_nonblocking(write_end.get());
    const std::string data = test::random_bytes(64 * 1024, 3);
    std::size_t done = 0;
    std::uint64_t syscalls = 0;
    auto wrote = write_some(write_end.get(), as_bytes(data), done, &syscalls);
    ASSERT_TRUE(wrote) << wrote.error().message();
    EXPECT_GT(done, 0u);
    EXPECT_LT(done, data.size());
    EXPECT_GE(syscalls, 2u); // the write that filled the pipe, then the EAGAIN
    std::string received;
    for (int round = 0; round < 10000 && received.size() < data.size(); ++round) {
        std::string piece(done - received.size(), '\0');
        auto got = read_full(read_end.get(), writable(piece));
        ASSERT_TRUE(got) << got.error().message();
        received += piece;
        ASSERT_TRUE(write_some(write_end.get(), as_bytes(data), done));
    }
    EXPECT_EQ(done, data.size());
    EXPECT_TRUE(received == data);
}

TEST(write_all, reports_eagain_when_a_non_blocking_pipe_is_full) {
    auto [write_end, read_end] = small_pipe();
    test::set_nonblocking(write_end.get());
    const std::string data(64 * 1024, 'x');
    auto wrote = write_all(write_end.get(), as_bytes(data));
    ASSERT_FALSE(wrote);
    EXPECT_EQ(wrote.error().errno_value(), EAGAIN);
}

TEST(send_all, names_the_syscall_when_the_peer_is_gone) {
    auto [ours, theirs] = test::unix_pair();
    theirs.reset();
    auto sent = send_all(ours.get(), as_bytes("lost"));
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().errno_value(), EPIPE);
    EXPECT_EQ(sent.error().context(), "send(fd=" + std::to_string(ours.get()) + ")");
}

TEST(send_some, counts_bytes_written_before_an_error) {
    auto [ours, theirs] = test::unix_pair();
    theirs.reset();
    const std::string data = "abc";
    std::size_t done = 1;
    auto sent = send_some(ours.get(), as_bytes(data), done);
    ASSERT_FALSE(sent);
    EXPECT_EQ(done, 1u);
}

TEST(read_full, retries_a_read_a_signal_interrupted) {
    if (!proc_shows_syscalls()) GTEST_SKIP() << "/proc/self/task/<tid>/syscall is not readable here";
    interrupting_signal signal;
    auto [write_end, read_end] = test::pipe_pair();
    std::atomic<pid_t> tid{0};
    std::expected<std::size_t, error> got = 0;
    std::string buffer(5, '\0');
    std::thread reader([&] {
        tid = ::gettid();
        got = read_full(read_end.get(), writable(buffer));
    });
    while (tid.load() == 0) std::this_thread::yield();
    const bool blocked = wait_until_blocked_in(tid, SYS_read);
    ::pthread_kill(reader.native_handle(), SIGUSR1);
    const bool handled = wait_for_signals(1);
    // Back in read(2) after the EINTR: the wrapper retried.
    const bool blocked_again = wait_until_blocked_in(tid, SYS_read);
    auto wrote = write_all(write_end.get(), as_bytes("later")); // also ends the reader if something failed
    reader.join();
    ASSERT_TRUE(wrote) << wrote.error().message();
    EXPECT_TRUE(blocked);
    EXPECT_TRUE(handled);
    EXPECT_TRUE(blocked_again);
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(*got, 5u);
    EXPECT_EQ(buffer, "later");
}

TEST(write_all, survives_the_short_write_and_the_eintr_of_signals) {
    if (!proc_shows_syscalls()) GTEST_SKIP() << "/proc/self/task/<tid>/syscall is not readable here";
    interrupting_signal signal;
    auto [write_end, read_end] = small_pipe();
    const std::string data = test::random_bytes(64 * 1024, 4);
    std::atomic<pid_t> tid{0};
    std::expected<void, error> wrote;
    std::size_t done = 0;
    std::uint64_t syscalls = 0;
    std::thread writer([&] {
        tid = ::gettid();
        wrote = write_some(write_end.get(), as_bytes(data), done, &syscalls); // blocking fd: never EAGAIN
    });
    while (tid.load() == 0) std::this_thread::yield();
    // First signal: write(2) has filled the pipe and returns short. Second:
    // the next write(2) has moved nothing yet and fails with EINTR.
    bool all_blocked = true, all_handled = true;
    for (int i = 1; i <= 2; ++i) {
        all_blocked = all_blocked && wait_until_blocked_in(tid, SYS_write);
        ::pthread_kill(writer.native_handle(), SIGUSR1);
        all_handled = all_handled && wait_for_signals(i);
    }
    std::string received(data.size(), '\0');
    auto got = read_full(read_end.get(), writable(received));
    writer.join();
    EXPECT_TRUE(all_blocked);
    EXPECT_TRUE(all_handled);
    ASSERT_TRUE(wrote) << wrote.error().message();
    EXPECT_EQ(done, data.size());
    EXPECT_GE(syscalls, 3u);
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(*got, data.size());
    EXPECT_TRUE(received == data);
}

} // namespace
} // namespace zc::detail
