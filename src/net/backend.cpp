// The backend selector: explicit kinds as asked (or why not), automatic the
// first available of automatic_order.
//
// automatic_order is measured, not assumed (docs/serve.md "Backends"): with
// completion I/O, multishot receives and accepts, a 1 KiB keep-alive
// request costs about 1 system call on io-uring against 3 on epoll, and the
// server's CPU per request, pinned, 0.96x epoll's (0.93x with a new
// connection per request); the TCP paths that both pay dominate the rest.
// So auto takes io-uring where the kernel allows it (5.13+, not disabled,
// not refused by a seccomp profile) and epoll, with the reason said once,
// everywhere else.
#include "net/backend.hpp"

#include <array>
#include <cerrno>
#include <string>

namespace zc::net {

std::expected<std::unique_ptr<backend>, error> make_epoll_backend();          // epoll_backend.cpp
std::optional<error> io_uring_backend_unavailable();                          // uring_backend.cpp
std::expected<std::unique_ptr<backend>, error> make_io_uring_backend_default(); // uring_backend.cpp

namespace {

constexpr std::array automatic_order = {backend_kind::io_uring, backend_kind::epoll};

} // namespace

std::string_view backend_name(backend_kind kind) noexcept {
    switch (kind) {
    case backend_kind::automatic: return "auto";
    case backend_kind::epoll: return "epoll";
    case backend_kind::io_uring: return "io-uring";
    }
    return "auto";
}

std::optional<backend_kind> backend_from_name(std::string_view name) noexcept {
    for (backend_kind kind : {backend_kind::automatic, backend_kind::epoll, backend_kind::io_uring})
        if (name == backend_name(kind)) return kind;
    return std::nullopt;
}

std::optional<error> backend_unavailable(backend_kind kind) {
    switch (kind) {
    case backend_kind::automatic:
    case backend_kind::epoll: return std::nullopt;
    case backend_kind::io_uring: return io_uring_backend_unavailable();
    }
    return std::nullopt;
}

std::expected<backend_choice, error> choose_backend(backend_kind kind) {
    if (kind != backend_kind::automatic) {
        if (auto refused = backend_unavailable(kind)) return std::unexpected(refused->wrap(std::string(backend_name(kind))));
        return backend_choice{kind, std::nullopt};
    }
    std::optional<error> passed_over;
    for (backend_kind candidate : automatic_order) {
        auto refused = backend_unavailable(candidate);
        if (!refused) return backend_choice{candidate, std::move(passed_over)};
        if (!passed_over) passed_over = refused->wrap(std::string(backend_name(candidate)));
    }
    return std::unexpected(passed_over ? *passed_over : error::from_errno(ENOSYS, "no event backend"));
}

std::expected<std::unique_ptr<backend>, error> make_backend(backend_kind kind) {
    auto chosen = choose_backend(kind);
    if (!chosen) return std::unexpected(chosen.error());
    switch (chosen->kind) {
    case backend_kind::io_uring: return make_io_uring_backend_default();
    case backend_kind::automatic:
    case backend_kind::epoll: break;
    }
    return make_epoll_backend();
}

} // namespace zc::net
