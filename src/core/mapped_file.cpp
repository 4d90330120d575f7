#include "zerocopy/mapped_file.hpp"

#include "core/aligned_buffer.hpp"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

namespace zc {
namespace {

thread_local sigjmp_buf* sigbus_target = nullptr;
struct sigaction previous_sigbus_action {};

void on_sigbus(int signo, siginfo_t* info, void* ucontext) {
    if (sigjmp_buf* target = sigbus_target) siglongjmp(*target, 1);
    // Not ours: behave as the previous disposition would.
    if (previous_sigbus_action.sa_flags & SA_SIGINFO) {
        previous_sigbus_action.sa_sigaction(signo, info, ucontext);
        return;
    }
    if (previous_sigbus_action.sa_handler == SIG_IGN) return;
    if (previous_sigbus_action.sa_handler != SIG_DFL) {
        previous_sigbus_action.sa_handler(signo);
        return;
    }
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
}

void install_sigbus_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_sigaction = on_sigbus;
        action.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&action.sa_mask);
        sigaction(SIGBUS, &action, &previous_sigbus_action);
    });
}

} // namespace

std::expected<void, error> with_sigbus_guard(void (*body)(void*), void* context) {
    install_sigbus_handler();
    sigjmp_buf here;
    sigjmp_buf* const outer = sigbus_target;
    if (sigsetjmp(here, 1) != 0) {
        sigbus_target = outer;
        return std::unexpected(error::from(errc::source_shrank, "SIGBUS reading a mapped file"));
    }
    sigbus_target = &here;
    body(context);
    sigbus_target = outer;
    return {};
}

std::expected<mapped_file, error> mapped_file::map(int fd, std::uint64_t offset, std::size_t length,
                                                   access mode) {
    mapped_file m;
    if (length == 0) return m;
    const std::uint64_t aligned = offset - offset % detail::page_size();
    const std::size_t lead = static_cast<std::size_t>(offset - aligned);
    const int prot = mode == access::read_only ? PROT_READ : PROT_READ | PROT_WRITE;
    void* p = ::mmap(nullptr, length + lead, prot, MAP_SHARED, fd, static_cast<off_t>(aligned));
    if (p == MAP_FAILED) return std::unexpected(error::from_errno(errno, "mmap"));
    m.base_ = static_cast<std::byte*>(p);
    m.map_length_ = length + lead;
    m.data_ = m.base_ + lead;
    m.length_ = length;
    return m;
}

mapped_file::mapped_file(mapped_file&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)), map_length_(std::exchange(other.map_length_, 0)),
      data_(std::exchange(other.data_, nullptr)), length_(std::exchange(other.length_, 0)) {}

mapped_file& mapped_file::operator=(mapped_file&& other) noexcept {
    mapped_file taken(std::move(other));
    std::swap(base_, taken.base_);
    std::swap(map_length_, taken.map_length_);
    std::swap(data_, taken.data_);
    std::swap(length_, taken.length_);
    return *this; // taken unmaps what this held
}

mapped_file::~mapped_file() {
    if (base_) ::munmap(base_, map_length_);
}

std::expected<void, error> mapped_file::read(std::size_t offset, std::span<std::byte> out) const {
    if (offset > length_ || out.size() > length_ - offset)
        return std::unexpected(error::from_errno(ERANGE, "mapped_file::read past the mapping"));
    struct copy_args {
        std::byte* to;
        const std::byte* from;
        std::size_t n;
    } args{out.data(), data_ + offset, out.size()};
    return with_sigbus_guard([](void* p) {
        auto* a = static_cast<copy_args*>(p);
        std::memcpy(a->to, a->from, a->n);
    }, &args);
}

std::expected<void, error> mapped_file::sync() const {
    if (base_ && ::msync(base_, map_length_, MS_SYNC) != 0)
        return std::unexpected(error::from_errno(errno, "msync"));
    return {};
}

void mapped_file::advise(int advice) const noexcept {
    if (base_) ::posix_madvise(base_, map_length_, advice);
}

} // namespace zc
