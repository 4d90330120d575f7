// serve_settings — everything zc serve is told, declared once: the CLI fills
// it (apps/zc/cmd_serve.cpp, whose --help shows these defaults), the server,
// its workers and their connections read it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "http/http.hpp"
#include "net/server.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::http {

struct serve_settings {
    // Listen address, workers, --max-connections, the drain timeout.
    net::server_settings net;
    std::string root = ".";
    bool list_directories = false;
    std::string access_log; // empty = off; "-" = standard output
    strategy_id strategy = strategy_id::automatic;
    // A new connection's first request head, and any head from its first byte.
    std::chrono::milliseconds header_timeout{10'000};
    // An idle keep-alive connection between requests.
    std::chrono::milliseconds keepalive_timeout{15'000};
    // A response that the client stops reading: reset by every byte of progress.
    std::chrono::milliseconds send_timeout{60'000};
    // After Connection: close, reading the client's EOF (nginx's lingering close).
    std::chrono::milliseconds linger_timeout{5'000};
    // Files up to this size are read into the head's buffer and leave in one
    // send(); larger ones go head (MSG_MORE), then the file range by the engine.
    std::size_t inline_file_limit = 16 * 1024;
    std::size_t open_file_cache = 256; // entries per worker; 0 = off
    // A cached file unused this long is closed (nginx: open_file_cache inactive=).
    std::chrono::milliseconds open_file_cache_inactive{60'000};
    // A cached file's stat trusted this long without looking at the path
    // again (nginx: open_file_cache_valid, 60 s there); 0 = a stat on every
    // request, never stale.
    std::chrono::milliseconds open_file_cache_valid{0};
    parser_limits limits;

    // The read buffer of a connection: a whole head at the limit, and a little more.
    std::size_t read_buffer_size() const noexcept { return limits.max_head_bytes + 8 * 1024; }
};

} // namespace zc::http
