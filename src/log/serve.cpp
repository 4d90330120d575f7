#include "log/serve.hpp"

#include <atomic>
#include <charconv>

#include <fmt/format.h>

namespace zc::log {

bool is_wildcard_host(std::string_view host) noexcept {
    return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

namespace {

// "127.0.0.1:9092" / "[::1]:9092" → host, port.
std::optional<broker::address> split_address(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const auto digits = text.substr(colon + 1);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), port).ec != std::errc{} || port > 65535)
        return std::nullopt;
    return broker::address{std::string(host), static_cast<std::uint16_t>(port)};
}

} // namespace

std::expected<std::unique_ptr<server>, error> server::start(const serve_settings& settings) {
    if (!settings.advertise_host && is_wildcard_host(settings.net.host))
        return std::unexpected(error::from_errno(
            EINVAL, fmt::format("listening on every address ({}) needs --advertise HOST:PORT: clients connect to "
                                "the address Metadata names, and {} is none",
                                settings.net.host.empty() ? "*" : settings.net.host,
                                settings.net.host.empty() ? "*" : settings.net.host)));
    std::unique_ptr<server> s(new server());
    auto opened = broker::open(settings.broker);
    if (!opened) return std::unexpected(opened.error());
    s->broker_ = std::move(*opened);
    s->shared_.log = s->broker_.get();
    s->shared_.apis = settings.apis;
    for (const auto& make : settings.api_factories) {
        auto api = make(*s->broker_);
        if (!api) return std::unexpected(api.error());
        s->shared_.apis.push_back(api->get());
        s->owned_apis_.push_back(std::move(*api));
    }
    s->shared_.transfer = settings.transfer;
    s->shared_.transfer.guard_sigpipe = false; // the process ignores SIGPIPE
    s->shared_.limits = settings.limits;

    auto first = std::make_shared<std::atomic<bool>>(true);
    auto workers = net::server::start(settings.net, [state = &s->shared_, first](net::loop& loop) {
        // One loop runs the timers: retention and flushes touch every
        // partition (each under its mutex), and an api's tick is its own.
        if (first->exchange(false)) {
            broker* b = state->log;
            loop.add_timer({[b] { return b->next_due(); }, [b](auto now) { b->run_due(now); }});
            for (async_api* api : state->apis)
                loop.add_timer({[api] { return api->next_due(); }, [api](auto now) { api->tick(now); }});
        }
        return std::expected<std::unique_ptr<net::protocol_worker>, error>(
            std::make_unique<kafka_worker>(loop, *state));
    });
    if (!workers) return std::unexpected(workers.error());
    s->workers_.emplace(std::move(*workers));
    auto bound = split_address(s->workers_->local_address());
    broker::address advertised = bound.value_or(broker::address{settings.net.host, settings.net.port});
    if (settings.advertise_host) advertised.host = *settings.advertise_host;
    if (settings.advertise_port) advertised.port = *settings.advertise_port;
    s->broker_->set_advertised(advertised.host, advertised.port);
    return s;
}

server::~server() {
    if (workers_) {
        stop();
        wait();
    }
    // An api answers what still waits as it goes (a JoinGroup in a join
    // phase): its replies go through loop::resume, so the loops, stopped,
    // must still exist then.
    owned_apis_.clear();
    (void)close();
}

std::expected<void, error> server::close() { return broker_ ? broker_->close() : std::expected<void, error>{}; }

} // namespace zc::log
