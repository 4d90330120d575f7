#include "http/worker.hpp"

#include <sys/socket.h>

#include "http/connection.hpp"

namespace zc::http {

namespace {
constexpr std::size_t spare_buffers_kept = 64;
constexpr std::size_t spare_parsers_kept = 64;
// Small files' bytes kept in the open-file cache, per worker: 64 files of
// 16 KiB (the inline limit), or a thousand of 1 KiB.
constexpr std::size_t small_file_bytes_per_worker = 1 << 20;
}

worker::worker(net::loop& loop, const server_state& shared)
    : loop_(loop), shared_(shared), log_(shared.log),
      files_(shared.settings->open_file_cache, shared.settings->open_file_cache_inactive, small_file_bytes_per_worker,
             shared.settings->open_file_cache_valid) {
    // Both timers are asked before every wait, so an idle worker still wakes
    // to flush its log lines and to close files unused for a minute (a
    // deleted file's blocks are not pinned while nobody asks for anything).
    loop_.add_timer({[this] { return log_.next_flush(); }, [this](auto now) { log_.flush_if_due(now); }});
    loop_.add_timer({[this] { return files_.next_expiry(); }, [this](auto now) { files_.expire(now); }});
}

std::unique_ptr<net::session> worker::open_session(unique_fd socket, const sockaddr_storage& peer) {
    return std::make_unique<connection>(std::move(socket), peer, *this);
}

// Past --max-connections: a 503 that says so, then close. The response fits
// in an empty socket buffer, so one non-blocking send either delivers it or
// the client was not going to read it anyway. Request bytes already here are
// read first, so that the close does not turn into a reset that eats the 503.
void worker::refuse(int socket) {
    char scratch[4096];
    while (::recv(socket, scratch, sizeof scratch, MSG_DONTWAIT) > 0) {
    }
    const response_plan plan = error_response(503, true, shared_.handler.server_name);
    const std::string out = plan.head + plan.inline_body;
    (void)::send(socket, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(socket, SHUT_WR);
    log_.add("-", "-", 503, plan.inline_body.size());
}

void worker::on_stop() { log_.flush(); }

std::unique_ptr<char[]> worker::take_buffer() {
    if (spare_buffers_.empty()) return std::make_unique<char[]>(settings().read_buffer_size());
    auto buffer = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
    return buffer;
}

void worker::give_back_buffer(std::unique_ptr<char[]> buffer) {
    // The rest are freed, so that a burst of connections does not pin memory.
    if (buffer && spare_buffers_.size() < spare_buffers_kept) spare_buffers_.push_back(std::move(buffer));
}

request_parser worker::take_parser() {
    if (spare_parsers_.empty()) return request_parser(settings().limits);
    request_parser parser = std::move(spare_parsers_.back());
    spare_parsers_.pop_back();
    parser.reset();
    return parser;
}

void worker::give_back_parser(request_parser parser) {
    if (spare_parsers_.size() < spare_parsers_kept) spare_parsers_.push_back(std::move(parser));
}

} // namespace zc::http
