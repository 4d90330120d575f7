#include "net/server.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include "net/listener.hpp"

namespace zc::net {

struct server::impl {
    std::atomic<std::size_t> open_connections{0};
    std::vector<std::unique_ptr<loop>> loops;
    std::vector<std::thread> threads;
    std::string address;
};

std::expected<server, error> server::start(const server_settings& settings, const protocol_factory& make_protocol) {
    auto p = std::make_unique<impl>();
    const unsigned workers = settings.workers ? settings.workers : std::max(1u, std::thread::hardware_concurrency());
    auto bound = listen_on(settings.host, settings.port, workers);
    if (!bound) return std::unexpected(bound.error());
    p->address = bound->address;
    for (auto& listener : bound->sockets) {
        auto l = loop::create(std::move(listener), settings.limits, p->open_connections, settings.backend);
        if (!l) return std::unexpected(l.error());
        auto protocol = make_protocol(**l);
        if (!protocol) return std::unexpected(protocol.error());
        (*l)->set_protocol(std::move(*protocol));
        p->loops.push_back(std::move(*l));
    }
    for (auto& l : p->loops) p->threads.emplace_back([worker = l.get()] { worker->run(); });
    return server(std::move(p));
}

server::server(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
server::server(server&&) noexcept = default;
server& server::operator=(server&&) noexcept = default;

server::~server() {
    if (!impl_) return;
    stop();
    wait();
}

const std::string& server::local_address() const noexcept { return impl_->address; }
unsigned server::workers() const noexcept { return static_cast<unsigned>(impl_->loops.size()); }

void server::stop() noexcept {
    for (auto& l : impl_->loops) l->stop();
}

void server::wait() {
    for (auto& t : impl_->threads)
        if (t.joinable()) t.join();
}

} // namespace zc::net
