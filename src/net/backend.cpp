// The backend selector: best first, each probed by creating it.
#include "net/backend.hpp"

namespace zc::net {

std::expected<std::unique_ptr<backend>, error> make_epoll_backend(); // epoll_backend.cpp

std::string_view backend_name(backend_kind kind) noexcept {
    switch (kind) {
    case backend_kind::automatic: return "auto";
    case backend_kind::epoll: return "epoll";
    }
    return "auto";
}

std::expected<std::unique_ptr<backend>, error> make_backend(backend_kind kind) {
    switch (kind) {
    case backend_kind::automatic:
    case backend_kind::epoll: return make_epoll_backend();
    }
    return make_epoll_backend();
}

} // namespace zc::net
