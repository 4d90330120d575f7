// sigpipe_guard — keeps SIGPIPE from killing the process during a transfer.
//
// sendfile(2) and splice(2) to a closed socket or a pipe without readers raise
// SIGPIPE, and unlike send(2) they take no MSG_NOSIGNAL. The guard blocks
// SIGPIPE for the calling thread (the signal is thread-directed for these
// calls), and on the way out discards a SIGPIPE that the guarded calls raised
// before restoring the mask — the pattern libcurl and OpenSSL use. The syscall
// itself still reports EPIPE, which the strategy returns as an error.
#pragma once

#include <signal.h>

namespace zc::detail {

class sigpipe_guard {
public:
    explicit sigpipe_guard(bool enabled) noexcept;
    ~sigpipe_guard();
    sigpipe_guard(const sigpipe_guard&) = delete;
    sigpipe_guard& operator=(const sigpipe_guard&) = delete;

private:
    bool active_ = false;
    bool was_pending_ = false;
    sigset_t old_mask_{};
};

} // namespace zc::detail
