// The scenarios of zc bench, one timed run at a time. Private to src/bench/.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::bench::detail {

// One test file per size, created once, filled with the test pattern and
// flushed (fdatasync) so that writeback does not run during the timings.
struct fixture {
    std::filesystem::path directory;
    std::filesystem::path source;
    std::uint64_t size = 0;
    std::uint64_t hash = 0;     // stream_hash of the content
    std::uint64_t checksum = 0; // xor_words of the content
    unique_fd fd;

    static std::expected<fixture, error> create(const std::filesystem::path& directory, std::uint64_t size);
    // Cold cache: write back and drop the source's pages (fdatasync +
    // posix_fadvise(POSIX_FADV_DONTNEED)).
    std::expected<void, error> drop_cache() const;
};

// The methods a scenario tries: "auto" and every strategy, or the scan methods.
std::vector<std::string> methods_of(scenario which);

struct verification {
    bool matched = false;
    std::optional<std::uint64_t> checksum; // scan
    std::string detail;                    // what did not match
};

// One untimed transfer, checked byte for byte (hash) against the source.
// errc::unsupported_pair / strategy_unavailable: the method does not apply.
std::expected<verification, error> verify(scenario which, const std::string& method, const fixture& source);

// One timed run of `repeats` transfers (or scans).
std::expected<run_sample, error> measure(scenario which, const std::string& method, const fixture& source,
                                         std::uint64_t repeats);

// Scan methods (scan.cpp): the checksum and the syscalls it took.
struct scan_outcome {
    std::uint64_t checksum = 0;
    std::uint64_t syscalls = 0;
};
std::expected<scan_outcome, error> scan_file(const std::string& method, const fixture& source);

// Hash of a whole file, read with pread.
std::expected<std::uint64_t, error> hash_file(int fd);

} // namespace zc::bench::detail
