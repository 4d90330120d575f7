// open_beneath — openat2(2) confined to the served root.
//
// glibc 2.36 has no openat2() wrapper, hence syscall(). RESOLVE_BENEATH makes
// the kernel refuse (EXDEV) any resolution that leaves root_fd — "..", an
// absolute symlink, a relative one climbing out — while symlinks that stay
// inside still work; RESOLVE_NO_MAGICLINKS refuses /proc/self/fd-style links.
// There is deliberately no fallback to openat() for kernels without openat2
// (ENOSYS, < 5.6): that would silently drop the confinement.
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "core/io.hpp"
#include "http/static_parts.hpp"

namespace zc::http {

std::expected<unique_fd, int> open_beneath(int root_fd, const std::string& relative, int flags, bool beneath) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags);
    how.resolve = RESOLVE_NO_MAGICLINKS | (beneath ? RESOLVE_BENEATH : 0);
    for (int attempt = 0;; ++attempt) {
        const long fd =
            detail::retry_on_eintr([&] { return ::syscall(SYS_openat2, root_fd, relative.c_str(), &how, sizeof how); });
        if (fd >= 0) return unique_fd(static_cast<int>(fd));
        const int saved = errno;
        if (saved == EAGAIN && attempt < 8) continue;
        return std::unexpected(saved);
    }
}

} // namespace zc::http
