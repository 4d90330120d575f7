#include "fault/fault_plan.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>

namespace zc::test {
namespace {

thread_local fault_plan* active = nullptr;
std::atomic<fault_plan*> ring_plan{nullptr};

constexpr std::size_t index(auto e) { return static_cast<std::size_t>(e); }

bool moves_data(call_kind c) { return c != call_kind::recvmsg; }

bool may_refuse(call_kind c) {
    return c == call_kind::sendfile || c == call_kind::splice || c == call_kind::copy_file_range ||
           c == call_kind::uring_splice || c == call_kind::uring_send_zc;
}

// A short count moves a multiple of this: O_DIRECT I/O stops at a block
// boundary (4096 covers every logical block size), anything else anywhere.
std::size_t short_granule(const fd_facts& in, const fd_facts& out) { return in.direct || out.direct ? 4096 : 1; }

// Would the kernel be allowed to say EAGAIN here? Only where the call was
// asked not to block, or one of its descriptors is non-blocking.
// copy_file_range never blocks on a pipe or socket, so never says it.
bool may_would_block(const call_site& site, const fd_facts& in, const fd_facts& out) {
    if (site.kind == call_kind::copy_file_range) return false;
    return site.dont_wait || in.nonblocking || out.nonblocking;
}

// The faults the kernel can return for this call on these descriptors:
//   EINTR        any call that may sleep (signal before any byte moved)
//   EAGAIN       non-blocking descriptor or MSG_DONTWAIT / SPLICE_F_NONBLOCK
//   short count  any call that moves data (a prefix really moves)
//   ENOSPC       a regular file being written
//   EIO          a regular file being read or written
//   ECONNRESET   a socket at either end
//   EINVAL/EXDEV the zero-copy calls, which refuse descriptors they cannot serve
//   ENOBUFS      send(MSG_ZEROCOPY): too much pinned (optmem_max, RLIMIT_MEMLOCK)
template <std::size_t N>
std::size_t candidates(const call_site& site, bool hard, std::array<fault_kind, N>& out_faults) {
    const fd_facts in = site.in_fd >= 0 ? fd_facts::of(site.in_fd) : fd_facts{};
    const fd_facts out = site.out_fd >= 0 ? fd_facts::of(site.out_fd) : fd_facts{};
    std::size_t n = 0;
    out_faults[n++] = fault_kind::eintr;
    if (may_would_block(site, in, out)) out_faults[n++] = fault_kind::eagain;
    if (moves_data(site.kind) && site.length > short_granule(in, out)) out_faults[n++] = fault_kind::short_count;
    if (!hard || !moves_data(site.kind)) return n;
    if (out.regular_file) out_faults[n++] = fault_kind::enospc;
    if (in.regular_file || out.regular_file) out_faults[n++] = fault_kind::eio;
    if (in.socket || out.socket) out_faults[n++] = fault_kind::econnreset;
    if (may_refuse(site.kind)) out_faults[n++] = fault_kind::refusal;
    if (site.zero_copy) out_faults[n++] = fault_kind::enobufs;
    return n;
}

int errno_for(fault_kind f, call_kind c, std::mt19937_64& random) {
    switch (f) {
    case fault_kind::eintr: return EINTR;
    case fault_kind::eagain: return EAGAIN;
    case fault_kind::enospc: return ENOSPC;
    case fault_kind::eio: return EIO;
    case fault_kind::econnreset: return ECONNRESET;
    case fault_kind::refusal: return c == call_kind::copy_file_range && random() % 2 ? EXDEV : EINVAL;
    case fault_kind::enobufs: return ENOBUFS;
    case fault_kind::short_count:
    case fault_kind::count: break;
    }
    return 0;
}

fault_kind kind_of(int errno_value) {
    switch (errno_value) {
    case EINTR: return fault_kind::eintr;
    case EAGAIN: return fault_kind::eagain;
    case ENOSPC: return fault_kind::enospc;
    case EIO: return fault_kind::eio;
    case ECONNRESET: return fault_kind::econnreset;
    case ENOBUFS: return fault_kind::enobufs;
    default: return fault_kind::refusal;
    }
}

} // namespace

std::string_view call_name(call_kind c) noexcept {
    static constexpr std::string_view names[] = {"read",   "write",           "pread",        "pwrite",
                                                 "send",   "recvmsg",         "sendfile",     "splice",
                                                 "copy_file_range", "io_uring splice", "io_uring send_zc",
                                                 "io_uring send", "io_uring recv"};
    return names[index(c)];
}

std::string_view fault_name(fault_kind f) noexcept {
    static constexpr std::string_view names[] = {"EINTR", "EAGAIN",     "short",  "ENOSPC",
                                                 "EIO",   "ECONNRESET", "refusal", "ENOBUFS"};
    return names[index(f)];
}

fd_facts fd_facts::of(int fd) noexcept {
    fd_facts facts;
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
        facts.regular_file = S_ISREG(st.st_mode);
        facts.socket = S_ISSOCK(st.st_mode);
    }
    const int flags = ::fcntl(fd, F_GETFL);
    facts.nonblocking = flags >= 0 && (flags & O_NONBLOCK);
    facts.direct = flags >= 0 && (flags & O_DIRECT);
    return facts;
}

std::uint64_t fault_counts::total_faults() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t c = 0; c < faults.size(); ++c) total += faults_of(static_cast<call_kind>(c));
    return total;
}

std::uint64_t fault_counts::hard_faults() const noexcept {
    std::uint64_t total = 0;
    for (const auto& per_call : faults)
        for (std::size_t f = 0; f < per_call.size(); ++f)
            if (!is_soft(static_cast<fault_kind>(f))) total += per_call[f];
    return total;
}

std::uint64_t fault_counts::fatal_faults() const noexcept {
    std::uint64_t total = 0;
    for (const auto& per_call : faults)
        total += per_call[index(fault_kind::enospc)] + per_call[index(fault_kind::eio)] +
                 per_call[index(fault_kind::econnreset)];
    return total;
}

std::uint64_t fault_counts::faults_of(call_kind c) const noexcept {
    std::uint64_t total = 0;
    for (auto n : faults[index(c)]) total += n;
    return total;
}

fault_counts& fault_counts::operator+=(const fault_counts& other) noexcept {
    for (std::size_t c = 0; c < calls.size(); ++c) {
        calls[c] += other.calls[c];
        for (std::size_t f = 0; f < faults[c].size(); ++f) faults[c][f] += other.faults[c][f];
    }
    return *this;
}

void fault_plan::fail_nth(call_kind kind, std::uint64_t nth, int errno_value) {
    script_.push_back({kind, nth, errno_value});
}

fault_decision fault_plan::decide(const call_site& site) {
    const std::uint64_t nth = ++counts_.calls[index(site.kind)];
    for (const auto& s : script_) {
        if (s.kind != site.kind || s.nth != nth) continue;
        const fault_kind f = kind_of(s.errno_value);
        ++counts_.faults[index(site.kind)][index(f)];
        return {fault_decision::fail, f, s.errno_value, 0};
    }
    if (std::uniform_real_distribution<double>(0, 1)(random_) >= probability_) return {};
    std::array<fault_kind, index(fault_kind::count)> possible{};
    const std::size_t n = candidates(site, hard_, possible);
    const fault_kind f = possible[random_() % n];
    ++counts_.faults[index(site.kind)][index(f)];
    if (f == fault_kind::short_count) {
        const fd_facts in = site.in_fd >= 0 ? fd_facts::of(site.in_fd) : fd_facts{};
        const fd_facts out = site.out_fd >= 0 ? fd_facts::of(site.out_fd) : fd_facts{};
        const std::size_t granule = short_granule(in, out);
        const std::size_t blocks = (site.length - 1) / granule; // whole granules shorter than asked
        return {fault_decision::shorten, f, 0, granule * (1 + static_cast<std::size_t>(random_() % blocks))};
    }
    return {fault_decision::fail, f, errno_for(f, site.kind, random_), 0};
}

void fault_plan::expect_completion(const void* ring, std::uint64_t user_data, int res) {
    faked_.push_back({ring, user_data, res});
}

std::optional<int> fault_plan::take_completion(const void* ring, std::uint64_t user_data) {
    for (auto it = faked_.begin(); it != faked_.end(); ++it) {
        if (it->ring != ring || it->user_data != user_data) continue;
        const int res = it->res;
        faked_.erase(it);
        return res;
    }
    return std::nullopt;
}

fault_scope::fault_scope(fault_plan& plan) noexcept { active = &plan; }
fault_scope::~fault_scope() { active = nullptr; }

fault_plan* active_fault_plan() noexcept { return active; }

ring_fault_scope::ring_fault_scope(fault_plan& plan) noexcept { ring_plan.store(&plan); }
ring_fault_scope::~ring_fault_scope() { ring_plan.store(nullptr); }

fault_plan* active_ring_fault_plan() noexcept { return active ? active : ring_plan.load(); }

} // namespace zc::test
