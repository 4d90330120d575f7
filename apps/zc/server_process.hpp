// What a serving verb (zc serve, zc log serve) does around its server: room
// for many descriptors, and stop signals taken by one thread with sigwait.
#pragma once

#include <signal.h>

namespace zc::cli {

// 10,000 connections need 10,000 descriptors; the usual soft limit is 1024.
void raise_descriptor_limit();

// SIGTERM and SIGINT blocked in the calling thread, before any worker exists
// (threads inherit the mask), so that only wait_for_stop_signal() sees them.
class stop_signals {
public:
    stop_signals();
    // The signal that came: SIGTERM or SIGINT.
    int wait() const;
    static const char* name(int signal) { return signal == SIGINT ? "SIGINT" : "SIGTERM"; }

private:
    sigset_t set_;
};

} // namespace zc::cli
