// backend — how a loop learns which descriptors are ready (seastar's
// reactor_backend): one interface, a selector that lists the backends best
// first and probes the kernel at run time.
//
// Readiness, edge-triggered: a descriptor watched with `edge_*` is reported
// once per change of state (new bytes, room to write, a hang-up), so its
// session must work until the socket would block before it waits again —
// which every session does anyway. A backend never blocks except in wait().
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string_view>

#include "zerocopy/error.hpp"

namespace zc::net {

enum class watch_mode {
    level_read,      // reported while readable (the stop eventfd)
    edge_read,       // listeners: one report per burst of connections
    edge_read_write, // sessions: readable, writable, hang-up
};

struct readiness {
    bool readable = false;
    bool writable = false;
    bool hung_up = false; // the peer closed its side, or an error is pending
};

struct ready_event {
    void* tag = nullptr; // what watch() was given
    readiness what;
};

class backend {
public:
    virtual ~backend() = default;
    virtual std::string_view name() const noexcept = 0;
    virtual std::expected<void, error> watch(int fd, void* tag, watch_mode mode) = 0;
    // Stops reporting fd (before it is closed, or to pause a listener).
    virtual void unwatch(int fd) noexcept = 0;
    // Waits up to timeout_ms (-1: until something is ready; 0: not at all)
    // and fills `out` with what is ready. Returns how many; EINTR is 0.
    virtual std::expected<std::size_t, error> wait(std::span<ready_event> out, int timeout_ms) = 0;
};

enum class backend_kind { automatic, epoll };

std::string_view backend_name(backend_kind kind) noexcept;
// The best backend of `kind` this kernel runs (automatic: the first that
// works, best first); the error says why none does.
std::expected<std::unique_ptr<backend>, error> make_backend(backend_kind kind);

} // namespace zc::net
