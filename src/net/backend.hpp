// backend — how a loop learns which descriptors are ready (seastar's
// reactor_backend): one interface, a selector that lists the backends best
// first and probes the kernel at run time.
//
// Readiness, edge-triggered: a descriptor watched with `edge_*` is reported
// once per change of state (new bytes, room to write, a hang-up), so its
// session must work until the socket would block before it waits again —
// which every session does anyway. A backend never blocks except in wait().
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "zerocopy/error.hpp"

namespace zc::net {

enum class watch_mode : std::uint8_t {
    level_read,      // reported while readable (the stop eventfd)
    edge_read,       // listeners: one report per burst of connections
    edge_read_write, // sessions: readable, writable, hang-up
};

struct readiness {
    bool readable = false;
    bool writable = false;
    bool hung_up = false; // the peer closed its side, or an error is pending
};

// The bytes of one completion send: the sender's own, or shared with whoever
// keeps them for many sends (the open-file cache's ready responses), which
// then leave without a copy. Either way they stay put when a send_bytes is
// moved (the backend's store of sends grows while the kernel reads them):
// a string short enough to hold its bytes inside itself is put on the heap.
class send_bytes {
public:
    send_bytes() = default;
    send_bytes(std::string owned) : owned_(std::move(owned)) {
        if (owned_.capacity() < sizeof(std::string)) owned_.reserve(sizeof(std::string));
    }
    send_bytes(std::shared_ptr<const std::string> shared) : shared_(std::move(shared)) {}
    std::string_view view() const noexcept { return shared_ ? std::string_view(*shared_) : std::string_view(owned_); }
    // The bytes as a string of the caller's (a copy only when shared).
    std::string take() && { return shared_ ? std::string(*shared_) : std::move(owned_); }
    void release() noexcept {
        std::string().swap(owned_); // the buffer too: a moved-from or cleared string keeps it
        shared_.reset();
    }

private:
    std::string owned_;
    std::shared_ptr<const std::string> shared_;
};

// What a completion backend did for a session (watch_completions):
// `received` carries the bytes of one receive (none: the peer closed or the
// connection failed), `sent` says whether all the bytes of a send() left;
// for a listener (watch_accepts), `accepted` one new connection.
enum class event_kind : std::uint8_t { ready, received, sent, accepted };

struct ready_event {
    void* tag = nullptr; // what watch() was given
    readiness what;
    event_kind kind = event_kind::ready;
    bool sent_all = false;            // sent: every byte left
    std::span<const std::byte> bytes; // received: valid until recycle(*this)
    std::uint16_t buffer_id = 0;      // received: the provided buffer holding `bytes`
    // accepted: the new connection's descriptor (non-blocking, close-on-exec;
    // the loop owns it), or -errno when accepting failed in a way the loop
    // must act on (EMFILE, ENFILE, ENOMEM, ENOBUFS: it pauses).
    int accepted = -1;
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

    // Completion I/O (io_uring; the other backends say false and are never
    // asked): the backend does the session's receives and sends itself, each
    // one a request in the ring submitted with the next wait, so that a pass
    // of the loop costs one system call however many connections it serves.
    virtual bool completes_io() const noexcept { return false; }
    // Takes fd without asking for readiness; unwatch() ends it and cancels
    // what is in flight.
    virtual std::expected<void, error> watch_completions(int fd, void* tag) {
        (void)fd, (void)tag;
        return std::unexpected(error::from_errno(EOPNOTSUPP, "completion I/O"));
    }
    // One receive into a buffer of the backend's: a `received` event. At
    // most one in flight per descriptor (a second call is ignored).
    virtual void receive(int fd) { (void)fd; }
    // Sends all of `bytes` (the backend keeps them until they left, also
    // past unwatch()): a `sent` event. One send in flight per descriptor.
    virtual void send(int fd, send_bytes bytes) { (void)fd, (void)bytes; }
    // One report of room to write: a `ready` event with writable set.
    virtual void wait_writable(int fd) { (void)fd; }
    // A `received` event's buffer goes back to the backend.
    virtual void recycle(const ready_event& event) noexcept { (void)event; }
    // Accepts on a listening socket itself (io_uring's multishot accept:
    // no accept4 per connection), one `accepted` event per connection, until
    // unwatch(). EOPNOTSUPP: use watch(edge_read) and accept4.
    virtual std::expected<void, error> watch_accepts(int listener, void* tag) {
        (void)listener, (void)tag;
        return std::unexpected(error::from_errno(EOPNOTSUPP, "completion accept"));
    }
};

// An accept error that concerns one queued connection (reset while it
// waited, a signal, a firewall's refusal), not the listener: skip it and
// accept the next. The others (EMFILE, ENFILE, ENOMEM…) the loop acts on.
constexpr bool accept_error_passes(int e) noexcept {
    return e == EINTR || e == ECONNABORTED || e == EPROTO || e == EPERM;
}

enum class backend_kind { automatic, epoll, io_uring };

// "auto", "epoll", "io-uring" (the spelling of zc serve --backend).
std::string_view backend_name(backend_kind kind) noexcept;
std::optional<backend_kind> backend_from_name(std::string_view name) noexcept;

// Why this process cannot run `kind` here (io_uring: the ring cannot be
// created — EPERM under a seccomp profile or io_uring_disabled, ENOSYS — or
// the kernel has no multishot poll, Linux < 5.13); nullopt: it can. Probed
// once per process; automatic is always available.
std::optional<error> backend_unavailable(backend_kind kind);

// What `kind` resolves to: explicit kinds themselves (or why this kernel
// refuses them), automatic the first available in its order, with the
// reason each one before it was passed over (said once, by the caller).
struct backend_choice {
    backend_kind kind = backend_kind::epoll;
    std::optional<error> passed_over;
};
std::expected<backend_choice, error> choose_backend(backend_kind kind);

// The best backend of `kind` this kernel runs (automatic: the first that
// works, best first); the error says why none does.
std::expected<std::unique_ptr<backend>, error> make_backend(backend_kind kind);

// io_uring with the given ring sizes (make_backend uses 4096 submission and
// 16384 completion entries); tests give it small rings so that a full
// submission queue and an overflowing completion queue happen.
std::expected<std::unique_ptr<backend>, error> make_io_uring_backend(unsigned sq_entries, unsigned cq_entries);

} // namespace zc::net
