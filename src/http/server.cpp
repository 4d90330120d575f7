#include "http/server.hpp"

#include <fcntl.h>

#include <cerrno>
#include <optional>

#include "http/access_log.hpp"
#include "http/worker.hpp"
#include "net/server.hpp"
#include "zerocopy/profile.hpp"

namespace zc::http {

struct server::impl {
    serve_settings settings;
    unique_fd root;
    std::optional<access_log> log;
    profile bodies; // what auto picks for response bodies (server_profile)
    server_state shared;
    std::optional<net::server> workers; // last: stopped and joined before the rest goes
};

namespace {

// Under auto, response bodies take the active profile's file → socket bands
// when they were measured on this machine (zc tune). The built-in bands come
// from one connection draining into one buffer, where splice led sendfile
// from 256 KiB to 8 MiB; with 64 connections on two vCPUs the pipe and
// second syscall per chunk cost more than they gave (docs/serve.md), so a
// server without a measured profile sends every body by sendfile.
profile server_profile() {
    profile chosen = *active_profile();
    const profile built_in = profile::built_in();
    const auto mine = chosen.scenarios.find(scenario::file_to_socket);
    const auto theirs = built_in.scenarios.find(scenario::file_to_socket);
    const bool measured = mine != chosen.scenarios.end() &&
                          (theirs == built_in.scenarios.end() || mine->second != theirs->second);
    if (!measured) chosen.scenarios[scenario::file_to_socket] = {size_band{std::nullopt, strategy_id::sendfile, {}}};
    return chosen;
}

} // namespace

std::expected<server, error> server::start(const serve_settings& settings) {
    auto p = std::make_unique<impl>();
    p->settings = settings;
    p->root.reset(::open(settings.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!p->root) return std::unexpected(error::from_errno(errno, "open root '" + settings.root + "'"));
    if (!settings.access_log.empty()) {
        auto log = access_log::open(settings.access_log);
        if (!log) return std::unexpected(log.error());
        p->log.emplace(std::move(*log));
    }
    p->bodies = server_profile();
    server_state& shared = p->shared;
    shared.settings = &p->settings;
    shared.handler.root_fd = p->root.get();
    shared.handler.list_directories = settings.list_directories;
    shared.handler.keep_bytes_up_to = settings.inline_file_limit; // the files sent with their head
    shared.transfer.strategy = settings.strategy;
    shared.transfer.profile = &p->bodies;
    shared.transfer.guard_sigpipe = false; // the process ignores SIGPIPE (cmd_serve)
    shared.log = p->log ? &*p->log : nullptr;

    auto workers = net::server::start(settings.net, [state = &p->shared](net::loop& loop) {
        return std::expected<std::unique_ptr<net::protocol_worker>, error>(std::make_unique<worker>(loop, *state));
    });
    if (!workers) return std::unexpected(workers.error());
    p->workers.emplace(std::move(*workers));
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

std::string server::local_address() const { return impl_->workers->local_address(); }
unsigned server::workers() const noexcept { return impl_->workers->workers(); }
void server::stop() noexcept { impl_->workers->stop(); }
void server::wait() { impl_->workers->wait(); }

} // namespace zc::http
