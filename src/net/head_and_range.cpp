#include "net/head_and_range.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include "core/io.hpp"

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
    if (head_sent_ < head_.size()) {
        const int flags = MSG_NOSIGNAL | (job_ ? MSG_MORE : 0);
        if (auto sent = detail::send_some(socket_, detail::as_bytes(head_), head_sent_, flags); !sent)
            return std::unexpected(sent.error());
        if (head_sent_ < head_.size()) return progress::blocked;
    }
    if (!job_) return progress::done;
    const auto state = job_->step();
    if (!state) return std::unexpected(state.error());
    return *state == transfer_job::state::done ? progress::done : progress::blocked;
}

} // namespace zc::net
