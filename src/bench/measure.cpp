// Test pattern, hashes, rusage, memcpy calibration and the machine line.
#include "bench/measure.hpp"

#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <linux/magic.h>

#include "bench/bench.hpp"

namespace zc::bench {
namespace detail {

namespace {

std::uint64_t splitmix(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

std::uint64_t load_word(const std::byte* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    return w;
}

double seconds_of(const timeval& t) noexcept {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

} // namespace

void fill_pattern(std::span<std::byte> out, std::uint64_t seed, std::uint64_t at) {
    std::size_t i = 0;
    for (std::uint64_t word_index = at / 8; i < out.size(); ++word_index) {
        const std::uint64_t w = splitmix(seed * 0x100000001b3ull + word_index);
        const std::size_t n = std::min<std::size_t>(8, out.size() - i);
        std::memcpy(out.data() + i, &w, n);
        i += n;
    }
}

void stream_hash::mix(std::uint64_t word) noexcept {
    state_ = std::rotl(state_ ^ word, 27) * 0x100000001b3ull + 0x52dce729ull;
}

void stream_hash::update(std::span<const std::byte> bytes) noexcept {
    length_ += bytes.size();
    std::size_t i = 0;
    if (carried_) {
        const std::size_t n = std::min(8 - carried_, bytes.size());
        std::memcpy(carry_ + carried_, bytes.data(), n);
        carried_ += n;
        i = n;
        if (carried_ < 8) return;
        mix(load_word(carry_));
        carried_ = 0;
    }
    for (; i + 8 <= bytes.size(); i += 8) mix(load_word(bytes.data() + i));
    carried_ = bytes.size() - i;
    std::memcpy(carry_, bytes.data() + i, carried_);
}

std::uint64_t stream_hash::digest() const noexcept {
    std::uint64_t h = state_;
    if (carried_) {
        std::byte last[8]{};
        std::memcpy(last, carry_, carried_);
        h = std::rotl(h ^ load_word(last), 27) * 0x100000001b3ull;
    }
    return splitmix(h ^ length_);
}

std::uint64_t xor_words(std::span<const std::byte> bytes) noexcept {
    std::uint64_t x = 0;
    std::size_t i = 0;
    for (; i + 8 <= bytes.size(); i += 8) x ^= load_word(bytes.data() + i);
    if (i < bytes.size()) {
        std::byte last[8]{};
        std::memcpy(last, bytes.data() + i, bytes.size() - i);
        x ^= load_word(last);
    }
    return x;
}

usage usage::from(const rusage& r) noexcept {
    usage u;
    u.user_s = seconds_of(r.ru_utime);
    u.sys_s = seconds_of(r.ru_stime);
    u.voluntary = static_cast<std::uint64_t>(r.ru_nvcsw);
    u.involuntary = static_cast<std::uint64_t>(r.ru_nivcsw);
    u.minor = static_cast<std::uint64_t>(r.ru_minflt);
    u.major = static_cast<std::uint64_t>(r.ru_majflt);
    return u;
}

usage usage::of_thread() noexcept {
    rusage r{};
    ::getrusage(RUSAGE_THREAD, &r);
    return from(r);
}

usage usage::operator-(const usage& before) const noexcept {
    usage d;
    d.user_s = user_s - before.user_s;
    d.sys_s = sys_s - before.sys_s;
    d.voluntary = voluntary - before.voluntary;
    d.involuntary = involuntary - before.involuntary;
    d.minor = minor - before.minor;
    d.major = major - before.major;
    return d;
}

} // namespace detail

double calibrate_memcpy(std::size_t bytes, unsigned attempts) {
    bytes = std::max<std::size_t>(bytes, 4096);
    std::vector<std::byte> from(bytes, std::byte{1}), to(bytes, std::byte{0}); // touched: no faults timed
    double best = 0;
    for (unsigned i = 0; i < std::max(attempts, 1u); ++i) {
        from[i % bytes] = std::byte(i); // keep the copies observable
        const auto start = std::chrono::steady_clock::now();
        std::memcpy(to.data(), from.data(), bytes);
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        asm volatile("" : : "r"(to.data()) : "memory"); // the copy must happen
        if (took.count() > 0) best = std::max(best, static_cast<double>(bytes) / took.count() / 1e9);
    }
    return best;
}

machine_info probe_machine(const std::filesystem::path& directory) {
    machine_info info;
    utsname u{};
    if (::uname(&u) == 0) info.kernel = u.release;
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) info.cpu = line.substr(line.find_first_not_of(' ', colon + 1));
            break;
        }
    }
    if (info.cpu.empty()) info.cpu = "unknown";
    const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
    info.cores = cores > 0 ? static_cast<unsigned>(cores) : 0;
    struct statfs fs {};
    if (::statfs(directory.c_str(), &fs) == 0) {
        switch (static_cast<unsigned long>(fs.f_type)) {
        case EXT4_SUPER_MAGIC: info.filesystem = "ext4"; break; // also ext2/ext3: one magic
        case TMPFS_MAGIC: info.filesystem = "tmpfs"; break;
        case BTRFS_SUPER_MAGIC: info.filesystem = "btrfs"; break;
        case XFS_SUPER_MAGIC: info.filesystem = "xfs"; break;
        case OVERLAYFS_SUPER_MAGIC: info.filesystem = "overlayfs"; break;
        case NFS_SUPER_MAGIC: info.filesystem = "nfs"; break;
        default: info.filesystem = fmt::format("unknown (statfs type {:#x})", static_cast<unsigned long>(fs.f_type));
        }
    } else {
        info.filesystem = "unknown";
    }
    return info;
}

} // namespace zc::bench
