#include "core/sigpipe_guard.hpp"

#include <pthread.h>

#include <ctime>

namespace zc::detail {
namespace {

sigset_t sigpipe_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    return set;
}

bool sigpipe_pending() {
    sigset_t pending;
    sigemptyset(&pending);
    return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

} // namespace

sigpipe_guard::sigpipe_guard(bool enabled) noexcept {
    if (!enabled) return;
    sigset_t set = sigpipe_set();
    if (pthread_sigmask(SIG_BLOCK, &set, &old_mask_) != 0) return;
    // Already blocked by the caller: leave their pending signals alone.
    if (sigismember(&old_mask_, SIGPIPE) == 1) return;
    active_ = true;
    was_pending_ = sigpipe_pending();
}

sigpipe_guard::~sigpipe_guard() {
    if (!active_) return;
    if (!was_pending_ && sigpipe_pending()) {
        sigset_t set = sigpipe_set();
        const timespec no_wait{0, 0};
        sigtimedwait(&set, nullptr, &no_wait);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

} // namespace zc::detail
