#include "server_process.hpp"

#include <pthread.h>
#include <sys/resource.h>

namespace zc::cli {

void raise_descriptor_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
}

stop_signals::stop_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int stop_signals::wait() const {
    int received = 0;
    while (sigwait(&set_, &received) != 0) {
    }
    return received;
}

} // namespace zc::cli
