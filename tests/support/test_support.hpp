// Helpers shared by unit and integration tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>

#include "zerocopy/unique_fd.hpp"

namespace zc::test {

// A fresh directory, removed with everything in it. Lives under $ZC_TEST_DIR,
// else /var/tmp (disk-backed on Debian, so O_DIRECT works), else /tmp.
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

// Deterministic pseudo-random bytes.
std::string random_bytes(std::size_t size, std::uint64_t seed);
// Writes random_bytes(size, seed) to path, returns them.
std::string write_random_file(const std::filesystem::path& path, std::size_t size, std::uint64_t seed);
std::string read_file(const std::filesystem::path& path);
// 64-bit content hash, for comparing large buffers in assertions.
std::uint64_t hash_bytes(std::string_view data);

unique_fd open_read(const std::filesystem::path& path);
unique_fd open_write(const std::filesystem::path& path); // created or truncated

// Connected pairs: first is the sending end, second the receiving end.
std::pair<unique_fd, unique_fd> tcp_pair(bool ipv6 = false);
std::pair<unique_fd, unique_fd> unix_pair();
std::pair<unique_fd, unique_fd> pipe_pair(); // {write end, read end}

void set_nonblocking(int fd, bool on = true);

// Reads fd until EOF on a thread; join() returns everything read.
class collector {
public:
    explicit collector(unique_fd fd);
    ~collector();
    collector(const collector&) = delete;
    collector& operator=(const collector&) = delete;
    std::string join();

private:
    unique_fd fd_;
    std::string data_;
    std::thread thread_;
};

// Open descriptors of this process (entries of /proc/self/fd).
int open_fd_count();

// A free TCP port on 127.0.0.1 (bound then released).
int free_port();

} // namespace zc::test
