// http::worker — HTTP's part of one loop of zc serve (net::protocol_worker):
// makes a connection for each accepted socket, answers 503 past
// --max-connections, and owns what the loop's connections share: the
// access-log buffer, the open-file cache (with its expiry timer) and the
// spare read buffers and parsers.
#pragma once

#include <memory>
#include <vector>

#include "http/access_log.hpp"
#include "http/http.hpp"
#include "http/open_file_cache.hpp"
#include "http/settings.hpp"
#include "net/loop.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::http {

// What every worker of one server shares, read-only once the server runs.
struct server_state {
    const serve_settings* settings = nullptr;
    static_config handler;     // root descriptor, listing, server name
    transfer_options transfer; // the strategy (and under auto the server's profile); SIGPIPE is ignored
    access_log* log = nullptr; // nullptr: off
};

class worker final : public net::protocol_worker {
public:
    worker(net::loop& loop, const server_state& shared);

    std::unique_ptr<net::session> open_session(unique_fd socket, const sockaddr_storage& peer) override;
    void refuse(int socket) override;
    void on_stop() override;

    const serve_settings& settings() const noexcept { return *shared_.settings; }
    const server_state& shared() const noexcept { return shared_; }
    net::loop& loop() const noexcept { return loop_; }
    access_log_buffer& log() noexcept { return log_; }
    open_file_cache* files() noexcept { return settings().open_file_cache > 0 ? &files_ : nullptr; }
    // Read buffers not in use: a few are kept so that keep-alive requests do
    // not each malloc one.
    std::unique_ptr<char[]> take_buffer();
    void give_back_buffer(std::unique_ptr<char[]> buffer);
    // Parsers likewise: a request's parser is a fresh one from here, and a
    // connection that waits again gives it back.
    request_parser take_parser();
    void give_back_parser(request_parser parser);

private:
    net::loop& loop_;
    const server_state& shared_;
    access_log_buffer log_;
    open_file_cache files_;
    std::vector<std::unique_ptr<char[]>> spare_buffers_;
    std::vector<request_parser> spare_parsers_;
};

} // namespace zc::http
