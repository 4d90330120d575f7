#include "broken_pipe.hpp"

#include <signal.h>

namespace zc::cli {
namespace {

bool sigpipe_ignored_at_start = false;

} // namespace

void ignore_sigpipe_remembering_inherited() {
    struct sigaction inherited {};
    if (::sigaction(SIGPIPE, nullptr, &inherited) == 0) sigpipe_ignored_at_start = inherited.sa_handler == SIG_IGN;
    ::signal(SIGPIPE, SIG_IGN);
}

void end_like_cat_on_broken_stdout() {
    if (sigpipe_ignored_at_start) return;
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t only_sigpipe;
    sigemptyset(&only_sigpipe);
    sigaddset(&only_sigpipe, SIGPIPE);
    ::pthread_sigmask(SIG_UNBLOCK, &only_sigpipe, nullptr);
    ::raise(SIGPIPE); // delivered before raise returns: the default action ends the process
}

} // namespace zc::cli
