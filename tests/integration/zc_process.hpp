// Runs the real zc binary (ZC_BINARY) for the integration tests: fork/exec,
// stdout and stderr captured on a thread (so a chatty child never blocks on a
// full pipe), optional stdin data, and a deadline after which the child is
// killed, so that no test can hang.
//
// Header-only: tests/CMakeLists.txt compiles integration/*_test.cpp only.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/io.hpp"

namespace zc::test {

using namespace std::chrono_literals;

struct run_options {
    // Run this program (an absolute path: a client a test drives, such as
    // curl) instead of zc; `args` are its arguments.
    std::optional<std::filesystem::path> program;
    // Bytes fed to the child's stdin, then EOF. Without: stdin is /dev/null.
    std::optional<std::string> stdin_data;
    // Child's stdin is this file instead (`zc … < file`).
    std::optional<std::filesystem::path> stdin_file;
    // Child's stdout goes to this file (created or truncated; appended to with
    // stdout_append) instead of being captured.
    std::optional<std::filesystem::path> stdout_file;
    bool stdout_append = false;
    // Child's stdout is this descriptor (a pty, a socket) instead.
    int stdout_fd = -1;
    // Run as this user and group (needs root): permission tests as root.
    std::optional<uid_t> run_as;
    // Signals the child starts with ignored (as under nohup or `trap '' PIPE`);
    // SIGPIPE, SIGHUP, SIGINT and SIGTERM otherwise start at their default.
    std::vector<int> ignored_signals;
    // RLIMIT_NOFILE the child starts with, soft and hard (it cannot raise it).
    std::optional<rlim_t> descriptor_limit;
    std::chrono::milliseconds timeout = 60s;
};

// Default options with another deadline.
inline run_options within(std::chrono::milliseconds timeout) {
    run_options options;
    options.timeout = timeout;
    return options;
}

struct run_result {
    int exit_code = -1;  // -1 when killed by a signal
    int term_signal = 0; // the signal that ended it, if any
    bool timed_out = false;
    std::string out;
    std::string err;
};

inline std::ostream& operator<<(std::ostream& os, const run_result& r) {
    os << "exit " << r.exit_code;
    if (r.term_signal) os << " (signal " << r.term_signal << ")";
    if (r.timed_out) os << " (timed out)";
    return os << "\n--- stderr ---\n" << r.err << "\n--- stdout (" << r.out.size() << " bytes) ---\n"
              << r.out.substr(0, 2000);
}

class zc_process {
public:
    zc_process(std::vector<std::string> args, run_options options = {}) : options_(std::move(options)) {
        static const bool sigpipe_ignored = [] { // a child that exits without reading stdin
            ::signal(SIGPIPE, SIG_IGN);
            return true;
        }();
        (void)sigpipe_ignored;
        deadline_ = std::chrono::steady_clock::now() + options_.timeout;

        int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2];
        if (options_.stdin_data && ::pipe2(in, O_CLOEXEC) != 0) throw_errno("pipe2");
        const bool capture_out = !options_.stdout_file && options_.stdout_fd < 0;
        if (capture_out && ::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe2");
        if (::pipe2(err, O_CLOEXEC) != 0) throw_errno("pipe2");
        int file_out = -1, file_in = -1;
        if (options_.stdin_file) {
            file_in = ::open(options_.stdin_file->c_str(), O_RDONLY | O_CLOEXEC);
            if (file_in < 0) throw_errno("open stdin file");
        }
        if (options_.stdout_file) {
            const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (options_.stdout_append ? O_APPEND : O_TRUNC);
            file_out = ::open(options_.stdout_file->c_str(), flags, 0644);
            if (file_out < 0) throw_errno("open stdout file");
        }

        std::vector<std::string> argv_text = {options_.program ? options_.program->string() : std::string(ZC_BINARY)};
        argv_text.insert(argv_text.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_text) argv.push_back(a.data());
        argv.push_back(nullptr);

        pid_ = ::fork();
        if (pid_ < 0) throw_errno("fork");
        if (pid_ == 0) {
            // Child: only async-signal-safe calls until exec.
            const int devnull = ::open("/dev/null", O_RDWR);
            ::dup2(options_.stdin_data ? in[0] : (file_in >= 0 ? file_in : devnull), STDIN_FILENO);
            const int child_out = capture_out ? out[1] : (file_out >= 0 ? file_out : options_.stdout_fd);
            ::dup2(child_out, STDOUT_FILENO);
            ::dup2(err[1], STDERR_FILENO);
            for (int signal_number : {SIGPIPE, SIGHUP, SIGINT, SIGTERM}) ::signal(signal_number, SIG_DFL);
            for (int signal_number : options_.ignored_signals) ::signal(signal_number, SIG_IGN);
            if (options_.run_as && (::setgid(*options_.run_as) != 0 || ::setuid(*options_.run_as) != 0)) ::_exit(126);
            if (options_.descriptor_limit) {
                const rlimit limit{*options_.descriptor_limit, *options_.descriptor_limit};
                if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
            }
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        if (file_out >= 0) ::close(file_out);
        if (file_in >= 0) ::close(file_in);
        if (options_.stdin_data) {
            ::close(in[0]);
            stdin_fd_ = in[1];
            ::fcntl(stdin_fd_, F_SETFL, O_NONBLOCK);
        }
        if (capture_out) {
            ::close(out[1]);
            out_fd_ = out[0];
        }
        ::close(err[1]);
        err_fd_ = err[0];
        io_ = std::thread([this] { pump(); });
    }

    zc_process(const zc_process&) = delete;
    zc_process& operator=(const zc_process&) = delete;

    ~zc_process() {
        if (!reaped_) {
            ::kill(pid_, SIGKILL);
            int status;
            ::waitpid(pid_, &status, 0);
        }
        if (io_.joinable()) io_.join();
    }

    pid_t pid() const { return pid_; }

    // Waits until the child's stderr contains `needle` (true), or it closed
    // stderr or the deadline passed (false).
    bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout = 20s) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return err_.find(needle) != std::string::npos || io_done_; }) &&
               err_.find(needle) != std::string::npos;
    }

    std::string stderr_so_far() {
        std::lock_guard lock(mutex_);
        return err_;
    }

    // Waits for the child to exit (killing it at the deadline) and returns
    // what it printed.
    run_result finish() {
        run_result result;
        int status = 0;
        for (;;) {
            const pid_t r = zc::detail::retry_on_eintr([&] { return ::waitpid(pid_, &status, WNOHANG); });
            if (r == pid_) break;
            if (r < 0) throw_errno("waitpid");
            if (std::chrono::steady_clock::now() > deadline_) {
                result.timed_out = true;
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(2ms);
        }
        reaped_ = true;
        io_.join();
        if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
        if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
        std::lock_guard lock(mutex_);
        result.out = std::move(out_);
        result.err = std::move(err_);
        return result;
    }

private:
    [[noreturn]] static void throw_errno(const char* what) {
        throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
    }

    // Feeds stdin and drains stdout/stderr until both reach EOF.
    void pump() {
        std::size_t fed = 0;
        char buffer[65536];
        for (;;) {
            pollfd fds[3];
            int n = 0;
            int in_slot = -1, out_slot = -1, err_slot = -1;
            if (stdin_fd_ >= 0) fds[in_slot = n++] = {stdin_fd_, POLLOUT, 0};
            if (out_fd_ >= 0) fds[out_slot = n++] = {out_fd_, POLLIN, 0};
            if (err_fd_ >= 0) fds[err_slot = n++] = {err_fd_, POLLIN, 0};
            if (out_fd_ < 0 && err_fd_ < 0) break;
            if (zc::detail::retry_on_eintr([&] { return ::poll(fds, static_cast<nfds_t>(n), 100); }) < 0) break;
            if (in_slot >= 0 && fds[in_slot].revents) {
                const std::string& data = *options_.stdin_data;
                const ssize_t w =
                    zc::detail::retry_on_eintr([&] { return ::write(stdin_fd_, data.data() + fed, data.size() - fed); });
                if (w > 0) fed += static_cast<std::size_t>(w);
                if ((w < 0 && errno != EAGAIN) || fed == data.size()) close_fd(stdin_fd_);
            }
            for (auto [slot, fd, text] : {std::tuple{out_slot, &out_fd_, &out_}, std::tuple{err_slot, &err_fd_, &err_}}) {
                if (slot < 0 || !fds[slot].revents) continue;
                const int from = *fd;
                const ssize_t r = zc::detail::retry_on_eintr([&] { return ::read(from, buffer, sizeof buffer); });
                if (r < 0 && errno == EAGAIN) continue;
                if (r <= 0) {
                    close_fd(*fd);
                    continue;
                }
                std::lock_guard lock(mutex_);
                text->append(buffer, static_cast<std::size_t>(r));
                changed_.notify_all();
            }
        }
        close_fd(stdin_fd_);
        std::lock_guard lock(mutex_);
        io_done_ = true;
        changed_.notify_all();
    }

    static void close_fd(int& fd) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }

    run_options options_;
    std::chrono::steady_clock::time_point deadline_;
    pid_t pid_ = -1;
    bool reaped_ = false;
    int stdin_fd_ = -1, out_fd_ = -1, err_fd_ = -1;
    std::thread io_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string out_, err_;
    bool io_done_ = false;
};

// Runs zc with `args` to completion (or its deadline).
inline run_result run_zc(std::vector<std::string> args, run_options options = {}) {
    return zc_process(std::move(args), std::move(options)).finish();
}

} // namespace zc::test
