// scan: seed 001's program — the XOR checksum of a file's 8-byte words —
// read four ways. Every way must print the same checksum.
//   read      pread(2) 1 MiB at a time into one buffer (through the page cache)
//   mmap      zc::mapped_file of the whole file, read under with_sigbus_guard
//             (a file truncated meanwhile is an error, not a SIGBUS death)
//   direct-io O_DIRECT preads into a 4 KiB-aligned 1 MiB buffer; tmpfs and
//             some others refuse O_DIRECT (EINVAL): skipped with that reason
//   io-uring  IORING_OP_READ, 8 reads of 1 MiB in flight; skipped when this
//             process cannot create a ring (disabled, seccomp, old kernel)
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "bench/measure.hpp"
#include "bench/scenarios.hpp"
#include "core/aligned_buffer.hpp"
#include "core/io.hpp"
#include "core/uring.hpp"
#include "zerocopy/mapped_file.hpp"

namespace zc::bench::detail {

namespace {

constexpr std::size_t block = 1u << 20;
constexpr unsigned uring_depth = 8;

std::expected<scan_outcome, error> scan_pread(int fd, std::uint64_t size, std::span<std::byte> buffer) {
    scan_outcome out;
    for (std::uint64_t at = 0; at < size;) {
        const ssize_t n = zc::detail::retry_on_eintr([&] {
            ++out.syscalls;
            return ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(at));
        });
        if (n < 0) return std::unexpected(error::from_errno(errno, "pread"));
        if (n == 0) return std::unexpected(error::from(errc::source_shrank, "scan: file ended early"));
        // Reads of a regular file are short only at EOF, so every piece but
        // the last starts at a multiple of 8 (and of the buffer size).
        out.checksum ^= xor_words(buffer.first(static_cast<std::size_t>(n)));
        at += static_cast<std::uint64_t>(n);
    }
    return out;
}

struct mapped_scan {
    std::span<const std::byte> bytes;
    std::uint64_t checksum = 0;
};

std::expected<scan_outcome, error> scan_mmap(const fixture& source) {
    auto map = mapped_file::map(source.fd.get(), 0, static_cast<std::size_t>(source.size));
    if (!map) return std::unexpected(map.error());
    mapped_scan context{map->bytes()};
    auto guarded = with_sigbus_guard(
        [](void* p) {
            auto* c = static_cast<mapped_scan*>(p);
            c->checksum = xor_words(c->bytes);
        },
        &context);
    if (!guarded) return std::unexpected(guarded.error());
    return scan_outcome{context.checksum, 2}; // mmap + munmap
}

std::expected<scan_outcome, error> scan_direct(const fixture& source) {
    unique_fd fd(::open(source.source.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
    if (!fd) {
        const int saved = errno;
        if (saved == EINVAL)
            return std::unexpected(error::from(errc::strategy_unavailable,
                                               "the filesystem of " + source.directory.string() +
                                                   " refuses O_DIRECT (tmpfs does); use --dir on a disk filesystem"));
        return std::unexpected(error::from_errno(saved, "open(O_DIRECT)"));
    }
    static const ::zc::detail::aligned_buffer buffer(block, 4096); // reused by every run
    auto out = scan_pread(fd.get(), source.size, {buffer.data(), buffer.size()});
    if (!out && out.error().errno_value() == EINVAL)
        return std::unexpected(error::from(errc::strategy_unavailable, "O_DIRECT read refused: " + out.error().message()));
    if (out) ++out->syscalls; // the open
    return out;
}

std::expected<scan_outcome, error> scan_uring(const fixture& source) {
    // One ring and one set of buffers for every run, like a reader that
    // scans many files would keep: a run measures the reads, not the setup.
    static auto ring = ::zc::detail::uring::create(uring_depth);
    if (!ring) return std::unexpected(error::from(errc::strategy_unavailable, "io_uring: " + ring.error().message()));
    struct slot {
        std::byte* buffer = nullptr;
        std::uint64_t offset = 0;
        std::size_t length = 0, done = 0;
    };
    static const ::zc::detail::aligned_buffer buffers(block * uring_depth, 4096);
    std::vector<slot> slots(uring_depth);
    for (unsigned i = 0; i < uring_depth; ++i) slots[i].buffer = buffers.data() + i * block;
    scan_outcome out;
    std::uint64_t next = 0;
    unsigned in_flight = 0;
    const auto queue = [&](std::size_t index) {
        slot& s = slots[index];
        io_uring_sqe* sqe = io_uring_get_sqe(ring->get());
        io_uring_prep_read(sqe, source.fd.get(), s.buffer + s.done, static_cast<unsigned>(s.length - s.done),
                           s.offset + s.done);
        io_uring_sqe_set_data64(sqe, index);
        ++in_flight;
    };
    const auto start_next = [&](std::size_t index) {
        if (next >= source.size) return;
        slot& s = slots[index];
        s.offset = next;
        s.length = static_cast<std::size_t>(std::min<std::uint64_t>(block, source.size - next));
        s.done = 0;
        next += s.length;
        queue(index);
    };
    for (std::size_t i = 0; i < slots.size(); ++i) start_next(i);
    while (in_flight) {
        if (const int rc = ring->submit_and_wait(1, out.syscalls); rc < 0)
            return std::unexpected(error::from_errno(-rc, "io_uring_submit_and_wait"));
        io_uring_cqe* cqe = nullptr;
        while (ring->next_completion(&cqe, false, out.syscalls) == 0) {
            const auto index = static_cast<std::size_t>(io_uring_cqe_get_data64(cqe));
            const int res = cqe->res;
            ring->seen(cqe);
            --in_flight;
            if (res < 0) return std::unexpected(error::from_errno(-res, "IORING_OP_READ"));
            if (res == 0) return std::unexpected(error::from(errc::source_shrank, "scan: file ended early"));
            slot& s = slots[index];
            s.done += static_cast<std::size_t>(res);
            if (s.done < s.length) { // short read: ask for the rest
                queue(index);
                continue;
            }
            out.checksum ^= xor_words({s.buffer, s.length}); // order-free
            start_next(index);
        }
    }
    return out;
}

} // namespace

std::expected<scan_outcome, error> scan_file(const std::string& method, const fixture& source) {
    if (method == "read") {
        static std::vector<std::byte> buffer(block);
        return scan_pread(source.fd.get(), source.size, buffer);
    }
    if (method == "mmap") return scan_mmap(source);
    if (method == "direct-io") return scan_direct(source);
    if (method == "io-uring") return scan_uring(source);
    return std::unexpected(error::from(errc::unsupported_pair, "unknown scan method " + method));
}

} // namespace zc::bench::detail
