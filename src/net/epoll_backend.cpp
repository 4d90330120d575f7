// epoll_backend — readiness from epoll(7), edge-triggered for sockets
// (EPOLLET: one wake-up per change, no re-arming per event), level for the
// stop eventfd.
#include <sys/epoll.h>

#include <cerrno>
#include <vector>

#include "net/backend.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::net {
namespace {

std::uint32_t events_of(watch_mode mode) {
    switch (mode) {
    case watch_mode::level_read: return EPOLLIN;
    case watch_mode::edge_read: return EPOLLIN | EPOLLET;
    case watch_mode::edge_read_write: return EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    }
    return EPOLLIN;
}

class epoll_backend final : public backend {
public:
    explicit epoll_backend(unique_fd epoll) : epoll_(std::move(epoll)) {}

    std::string_view name() const noexcept override { return "epoll"; }

    std::expected<void, error> watch(int fd, void* tag, watch_mode mode) override {
        epoll_event ev{};
        ev.events = events_of(mode);
        ev.data.ptr = tag;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
            return std::unexpected(error::from_errno(errno, "epoll_ctl(ADD)"));
        return {};
    }

    void unwatch(int fd) noexcept override { ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); }

    std::expected<std::size_t, error> wait(std::span<ready_event> out, int timeout_ms) override {
        if (events_.size() < out.size()) events_.resize(out.size());
        const int n = ::epoll_wait(epoll_.get(), events_.data(), static_cast<int>(out.size()), timeout_ms);
        if (n < 0) {
            if (errno == EINTR) return 0;
            return std::unexpected(error::from_errno(errno, "epoll_wait"));
        }
        for (int i = 0; i < n; ++i) {
            const epoll_event& e = events_[static_cast<std::size_t>(i)];
            ready_event& r = out[static_cast<std::size_t>(i)];
            r.tag = e.data.ptr;
            r.what.readable = (e.events & EPOLLIN) != 0;
            r.what.writable = (e.events & EPOLLOUT) != 0;
            r.what.hung_up = (e.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
        }
        return static_cast<std::size_t>(n);
    }

private:
    unique_fd epoll_;
    std::vector<epoll_event> events_;
};

} // namespace

std::expected<std::unique_ptr<backend>, error> make_epoll_backend() {
    unique_fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) return std::unexpected(error::from_errno(errno, "epoll_create1"));
    return std::make_unique<epoll_backend>(std::move(epoll));
}

} // namespace zc::net
