// What serve_clients_test and serve_downloaders_test need to drive HTTP
// clients nobody here wrote (curl, wget, aria2c, ffmpeg) against the real
// `zc serve`: finding a client on PATH (a missing one is a skip, never a
// pass), running it with a deadline through zc_process, a `zc serve` started
// on a free loopback port (with the backend from ZC_TEST_BACKEND when that is
// set), file checksums, and reading what the clients print.
//
// Header-only: tests/CMakeLists.txt compiles integration/*_test.cpp only.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/test_support.hpp"
#include "zc_process.hpp"

namespace zc::test {

// The absolute path of `name` on PATH, if it is there and executable.
inline std::optional<std::filesystem::path> find_program(std::string_view name) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!dirs.empty()) {
        const auto colon = dirs.find(':');
        const std::string_view dir = dirs.substr(0, colon);
        dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
        if (dir.empty()) continue;
        const auto candidate = std::filesystem::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

// Runs a client to completion, killed at `timeout` if its own timeouts failed.
inline run_result run_program(const std::filesystem::path& program, std::vector<std::string> args,
                              std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    run_options options = within(timeout);
    options.program = program;
    return zc_process(std::move(args), std::move(options)).finish();
}

// The clients must reach the loopback directly, whatever proxy the
// environment names (curl, wget, aria2c and ffmpeg all honour http_proxy).
inline void forget_proxies() {
    for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
        ::unsetenv(name);
}

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, std::string_view data) {
    std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));
}

// sha256sum's digest of a file ("" when it cannot be read, so a missing
// download never equals a source).
inline std::string sha256_of(const std::filesystem::path& path) {
    static const auto sha256sum = find_program("sha256sum");
    if (!sha256sum) throw std::runtime_error("sha256sum (coreutils) not found");
    if (!std::filesystem::is_regular_file(path)) return "";
    const auto r = run_program(*sha256sum, {path.string()});
    if (r.exit_code != 0) return "";
    return r.out.substr(0, r.out.find(' '));
}

// An HTTP date (RFC 9110 IMF-fixdate) of a file's modification time, as the
// server's Last-Modified must say it.
inline std::string http_date_of_mtime(const std::filesystem::path& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) return "";
    std::tm tm{};
    ::gmtime_r(&st.st_mtime, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return text;
}

// The --backend arguments when ZC_TEST_BACKEND (or ZC_TEST_SERVE_BACKEND,
// which the serve suite's second CTest pass sets) names a backend (epoll,
// io-uring), so that the same tests run on each reactor backend; none
// otherwise.
inline std::vector<std::string> backend_arguments() {
    for (const char* variable : {"ZC_TEST_BACKEND", "ZC_TEST_SERVE_BACKEND"}) {
        const char* backend = std::getenv(variable);
        if (backend && *backend) return {"--backend", backend};
    }
    return {};
}

struct serve_options {
    std::string address = "127.0.0.1";               // or "[::1]"
    bool listings = false;                           // --list
    std::optional<std::filesystem::path> access_log; // --access-log FILE
};

// A `zc serve` on a free loopback port; stop() ends it with SIGTERM (which
// flushes its access log), the destructor with SIGKILL.
class served_root {
public:
    served_root(const std::filesystem::path& root, const serve_options& opts)
        : process_(arguments(root, opts), within(std::chrono::seconds(600))) {
        if (!process_.wait_for_stderr("zc: serving"))
            throw std::runtime_error("zc serve did not start: " + process_.stderr_so_far());
        const std::string err = process_.stderr_so_far();
        const auto from = err.find("http://");
        const auto to = err.find(' ', from);
        base_url_ = err.substr(from, to - from);
        port_ = std::stoi(base_url_.substr(base_url_.rfind(':') + 1));
    }
    explicit served_root(const std::filesystem::path& root) : served_root(root, serve_options{}) {}

    // "http://127.0.0.1:PORT" (no slash at the end).
    const std::string& base_url() const { return base_url_; }
    std::string url(std::string_view target) const { return base_url_ + std::string(target); }
    int port() const { return port_; }

    // SIGTERM, then the exit: 0 after a graceful stop.
    run_result stop() {
        ::kill(process_.pid(), SIGTERM);
        return process_.finish();
    }

private:
    static std::vector<std::string> arguments(const std::filesystem::path& root, const serve_options& opts) {
        std::vector<std::string> args = {"serve", "--listen", opts.address + ":0", "--root", root.string(), "--workers", "2"};
        if (opts.listings) args.push_back("--list");
        if (opts.access_log) args.insert(args.end(), {"--access-log", opts.access_log->string()});
        for (auto& a : backend_arguments()) args.push_back(std::move(a));
        return args;
    }

    zc_process process_;
    std::string base_url_;
    int port_ = 0;
};

// One line of the common log format: "GET /x HTTP/1.1" STATUS BYTES.
struct access_log_entry {
    std::string request_line;
    int status = 0;
    long long bytes = 0;
};

inline std::vector<access_log_entry> read_access_log(const std::filesystem::path& path) {
    std::vector<access_log_entry> entries;
    std::istringstream lines(read_file(path));
    for (std::string line; std::getline(lines, line);) {
        const auto open = line.find('"');
        const auto close = line.rfind('"');
        if (open == std::string::npos || close <= open) continue;
        access_log_entry entry;
        entry.request_line = line.substr(open + 1, close - open - 1);
        std::istringstream rest(line.substr(close + 1));
        std::string bytes;
        rest >> entry.status >> bytes;
        entry.bytes = bytes == "-" ? 0 : std::atoll(bytes.c_str());
        entries.push_back(std::move(entry));
    }
    return entries;
}

inline constexpr std::size_t kib = 1024;
inline constexpr std::size_t mib = 1024 * kib;

// Deterministic bytes of every value (not only text), distinct per seed.
inline std::string pattern(std::size_t size, unsigned seed) {
    std::string s(size, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>(x >> 23);
    }
    return s;
}

// A header's value in a head as a client printed it (curl -D/-I, wget -S):
// the last occurrence, so that of the final response; "" when absent.
inline std::string header_value(const std::string& head, std::string name) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value;
    std::istringstream lines(head);
    for (std::string line; std::getline(lines, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
        std::size_t start = line.find_first_not_of(' ');
        if (start == std::string::npos) continue;
        const auto colon = line.find(':', start);
        if (colon == std::string::npos) continue;
        std::string key = line.substr(start, colon - start);
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
        if (key != name) continue;
        value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
    }
    return value;
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// A test of one client: a root to serve, a directory for downloads, and the
// client's path (require() skips the test when it is not installed).
class client_test : public ::testing::Test {
protected:
    void require(const char* program, const char* package) {
        forget_proxies();
        client = find_program(program);
        if (!client) GTEST_SKIP() << program << " is not installed (Debian package " << package << ")";
        root = dir.path() / "root";
        out = dir.path() / "out";
        std::filesystem::create_directories(root);
        std::filesystem::create_directories(out);
    }

    // Writes root/name with `size` pattern bytes and returns its path.
    std::filesystem::path make_file(const std::string& name, std::size_t size, unsigned seed = 1) {
        const std::filesystem::path path = root / std::filesystem::path(name);
        std::filesystem::create_directories(path.parent_path());
        write_file(path, pattern(size, seed));
        return path;
    }

    run_result run(std::vector<std::string> args, std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
        return run_program(*client, std::move(args), timeout);
    }

    temp_dir dir;
    std::optional<std::filesystem::path> client;
    std::filesystem::path root, out;
};

} // namespace zc::test
