// Helpers shared by unit and integration tests.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "zerocopy/error.hpp"
#include "zerocopy/transfer.hpp"
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

// A file path on /dev/shm — tmpfs, so another filesystem than temp_dir's and
// one without O_DIRECT — named <prefix>-<pid>, removed (if it exists) on
// destruction. Check that /dev/shm exists before making one.
class shm_temp_file {
public:
    explicit shm_temp_file(const std::string& prefix);
    ~shm_temp_file();
    shm_temp_file(const shm_temp_file&) = delete;
    shm_temp_file& operator=(const shm_temp_file&) = delete;
    const std::filesystem::path& path() const { return path_; }

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
// The same pair with both ends non-blocking: non_blocking(tcp_pair()).
std::pair<unique_fd, unique_fd> non_blocking(std::pair<unique_fd, unique_fd> pair);

// The sending end of a loopback TCP connection whose receiving end is closed.
unique_fd tcp_sender_with_closed_peer();
// EPIPE or ECONNRESET: how a peer that went away must show up.
testing::AssertionResult peer_vanished(const error& e);

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

// A loopback TCP connection whose receiving end a collector reads on a thread:
// a socket sink that always drains.
class collected_tcp_sink {
public:
    explicit collected_tcp_sink(bool ipv6 = false);
    ~collected_tcp_sink(); // closes the sending end first, so the reader sees EOF
    collected_tcp_sink(const collected_tcp_sink&) = delete;
    collected_tcp_sink& operator=(const collected_tcp_sink&) = delete;
    int fd() const { return sender_.get(); } // the sending end, to transfer to
    // Closes the sending end; returns everything the receiving end read.
    std::string join();

private:
    explicit collected_tcp_sink(std::pair<unique_fd, unique_fd> pair);
    unique_fd sender_;
    collector received_;
};

// Steps a job whose sink is non-blocking until it is done, reading the
// non-blocking `reader` (the sink's other end) dry whenever a step stops
// short; then closes `sink` and reads `reader` to EOF. A failed step ends it
// with that step's error.
struct drained_job {
    std::string received;                // all the reader got, in order
    int would_block_on_sink_steps = 0;   // steps that stopped on the sink
    int would_block_on_source_steps = 0; // steps that stopped on the source
};
std::expected<drained_job, error> step_until_done_draining(transfer_job& job, unique_fd sink, unique_fd reader);

// Reads what the non-blocking fd has right now and throws it away.
void discard_available(int fd);
// Steps `job` at most `rounds` times while `last` is neither an error nor
// done, discarding what reached the non-blocking `reader` before each step.
// Returns the last step's result (`last` itself when no round ran).
std::expected<transfer_job::state, error> step_discarding(transfer_job& job, int reader,
                                                          std::expected<transfer_job::state, error> last, int rounds);

// Open descriptors of this process (entries of /proc/self/fd).
int open_fd_count();
// Makes room for at least `needed` descriptors: below that, the soft limit
// is raised to needed + headroom (at most the hard limit). False when the
// limit stays below `needed` (the caller skips).
bool ensure_descriptor_limit(std::size_t needed, std::size_t headroom = 0);
// Runs `round` three times and expects as many descriptors open afterwards as
// before. A fatal failure inside a round stops it there.
void expect_no_descriptor_leaks(const std::function<void()>& round);

// A free TCP port on 127.0.0.1 (bound then released).
int free_port();

} // namespace zc::test
