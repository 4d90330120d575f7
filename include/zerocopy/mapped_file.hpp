// zc::mapped_file — a memory mapping of (part of) a file, safe against SIGBUS.
//
// Touching a mapped page past the end of a file that another process truncated
// raises SIGBUS, which kills the process by default (the seeds' mmap hazard).
// bytes() gives raw access for code that can live with that; read() and
// with_sigbus_guard() turn the fault into errc::source_shrank instead: a
// process-wide SIGBUS handler (installed once, chaining to any previous one)
// jumps back out of the guarded region of the faulting thread.
// A shared writable mapping doubles as shared memory between processes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>

#include "zerocopy/error.hpp"
#include "zerocopy/export.hpp"

namespace zc {

class ZEROCOPY_API mapped_file {
public:
    enum class access { read_only, read_write_shared };

    // Maps `length` bytes of `fd` starting at `offset` (any offset: the page
    // alignment is handled inside). length 0 gives an empty mapping.
    static std::expected<mapped_file, error> map(int fd, std::uint64_t offset, std::size_t length,
                                                 access mode = access::read_only);

    mapped_file() = default;
    mapped_file(mapped_file&& other) noexcept;
    mapped_file& operator=(mapped_file&& other) noexcept;
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    ~mapped_file();

    std::span<const std::byte> bytes() const noexcept { return {data_, length_}; }
    std::span<std::byte> writable_bytes() noexcept { return {data_, length_}; }
    std::size_t size() const noexcept { return length_; }

    // Copies [offset, offset + out.size()) of the mapping; source_shrank if the
    // file no longer backs those bytes.
    std::expected<void, error> read(std::size_t offset, std::span<std::byte> out) const;
    // msync(MS_SYNC) of the whole mapping.
    std::expected<void, error> sync() const;
    // posix_madvise hint for the whole mapping (e.g. MADV_SEQUENTIAL).
    void advise(int advice) const noexcept;

private:
    std::byte* base_ = nullptr;  // page-aligned start of the mapping
    std::size_t map_length_ = 0; // bytes mapped from base_
    std::byte* data_ = nullptr;  // first byte asked for
    std::size_t length_ = 0;
};

// Runs body(context) with SIGBUS turned into an error: a fault inside body
// makes this return errc::source_shrank. body must not own anything with a
// destructor (it is left by siglongjmp) and must not be reentered from a
// signal handler. Thread-safe; nests.
ZEROCOPY_API std::expected<void, error> with_sigbus_guard(void (*body)(void*), void* context);

} // namespace zc
