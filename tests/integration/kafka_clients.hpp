// What the tests of zc log serve with real Kafka clients share: a broker
// process on a free loopback port, and clients run under /bin/sh with a hard
// time limit so that a stuck client cannot hang the suite.
//
// Header-only: tests/CMakeLists.txt compiles integration/*_test.cpp only.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "zc_process.hpp"

namespace zc::test {

inline const char* const kafka_clients_dir = ZC_SOURCE_DIR "/tests/clients";
// The python3 that Debian's python3-kafka and python3-confluent-kafka are for
// (a python3 earlier on PATH may be another installation without them).
inline const char* const debian_python = "/usr/bin/python3";

struct shell_result {
    int exit_code = -1;
    std::string out;
};

// `command` under /bin/sh, stdout captured, killed after `seconds`.
inline shell_result shell(const std::string& command, int seconds = 120) {
    const std::string bounded = "timeout -s KILL " + std::to_string(seconds) + " sh -c '" + command + "'";
    shell_result result;
    FILE* pipe = ::popen(bounded.c_str(), "r");
    if (!pipe) return result;
    char chunk[65536];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) result.out.append(chunk, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

inline bool have_program(const std::string& name) {
    return shell("command -v " + name + " >/dev/null 2>&1", 10).exit_code == 0;
}
inline bool have_python_module(const std::string& module) {
    return shell(std::string(debian_python) + " -c \"import " + module + "\" 2>/dev/null", 30).exit_code == 0;
}

// zc log serve on DIR and a free 127.0.0.1 port, with `extra` options.
class broker_process {
public:
    explicit broker_process(const std::filesystem::path& dir, std::vector<std::string> extra = {}) {
        using namespace std::chrono_literals;
        std::vector<std::string> args = {"log", "serve", "--dir", dir.string(), "--listen", "127.0.0.1:0"};
        args.insert(args.end(), extra.begin(), extra.end());
        process_ = std::make_unique<zc_process>(args, within(600s));
        if (!process_->wait_for_stderr("zc log: listening on ")) return;
        static const std::regex pattern(R"(listening on 127\.0\.0\.1:(\d+))");
        std::smatch m;
        const std::string err = process_->stderr_so_far();
        if (std::regex_search(err, m, pattern)) port_ = std::stoi(m[1]);
    }
    bool started() const { return port_ > 0; }
    int port() const { return port_; }
    std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
    void kill_hard() { ::kill(process_->pid(), SIGKILL); }
    run_result stop() {
        ::kill(process_->pid(), SIGTERM);
        return process_->finish();
    }
    run_result finish() { return process_->finish(); }
    std::string stderr_so_far() { return process_->stderr_so_far(); }

private:
    std::unique_ptr<zc_process> process_;
    int port_ = 0;
};

} // namespace zc::test
