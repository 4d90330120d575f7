#include "net/head_and_range.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>

namespace zc::net {

std::expected<head_and_range, error> head_and_range::start(int socket, const descriptor_facts& socket_facts,
                                                           std::string head, const file_range& body,
                                                           const transfer_options& options) {
    head_and_range out(socket, std::move(head));
    if (body.length == 0) return out;
    transfer_options range = options;
    range.offset = body.offset;
    range.length = body.length;
    const descriptor_facts file{.kind = fd_kind::regular_file, .status_flags = O_RDONLY, .size = body.size_at_open};
    auto job = transfer_job::start(body.fd, file, socket, socket_facts, range);
    if (!job) return std::unexpected(job.error());
    out.job_.emplace(std::move(*job));
    return out;
}

std::expected<head_and_range::progress, error> head_and_range::send_some() {
    // MSG_MORE: the head waits for the file's first bytes (one segment for a
    // small response, like TCP_CORK without its two setsockopts).
    const int flags = MSG_NOSIGNAL | (job_ ? MSG_MORE : 0);
    while (head_sent_ < head_.size()) {
        const ssize_t n = ::send(socket_, head_.data() + head_sent_, head_.size() - head_sent_, flags);
        if (n > 0) {
            head_sent_ += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return progress::blocked;
        return std::unexpected(error::from_errno(n < 0 ? errno : EPIPE, "send"));
    }
    if (!job_) return progress::done;
    const auto state = job_->step();
    if (!state) return std::unexpected(state.error());
    return *state == transfer_job::state::done ? progress::done : progress::blocked;
}

} // namespace zc::net
