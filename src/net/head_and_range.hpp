// head_and_range — what every protocol's response is: bytes from memory (a
// head, with a small body inside it when the protocol put one there), then
// bytes [offset, offset + length) of a file. The protocol names the range;
// the engine (zc::transfer_job, with the active profile and its tuning)
// picks the syscall — nginx's static module and transport, Kafka's
// FileRecords.writeTo.
//
// Never blocks: send_some() moves what the socket takes and says whether it
// is done or waits for the socket to become writable. The head leaves with
// MSG_MORE when a file range follows, so a small response is one segment.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "zerocopy/error.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::net {

struct file_range {
    int fd = -1;                    // not owned: the caller keeps it open until the send ends
    std::uint64_t size_at_open = 0; // its size when the caller looked (fstat): the truncation guard
    std::uint64_t offset = 0;
    std::uint64_t length = 0;       // 0: no file part
};

class head_and_range {
public:
    // Starts the engine's job for the file part (without asking the kernel
    // about either descriptor again). errc::source_too_short: the range is
    // not inside size_at_open. Nothing is sent yet.
    static std::expected<head_and_range, error> start(int socket, const descriptor_facts& socket_facts,
                                                      std::string head, const file_range& body,
                                                      const transfer_options& options);

    enum class progress { done, blocked };
    // errors: the peer went away (EPIPE, ECONNRESET), or the file ended
    // before the range did (errc::source_shrank: it was truncated while
    // sent). Either way the bytes sent so far are exact; the caller closes.
    std::expected<progress, error> send_some();

    std::uint64_t head_sent() const noexcept { return head_sent_; }
    std::uint64_t body_sent() const noexcept { return job_ ? job_->bytes_done() : 0; }
    std::uint64_t bytes_sent() const noexcept { return head_sent_ + body_sent(); }
    const std::string& head() const noexcept { return head_; }
    // The engine's record of the file part (strategy used, fallbacks, syscalls).
    const transfer_stats* body_stats() const noexcept { return job_ ? &job_->stats() : nullptr; }

private:
    head_and_range(int socket, std::string head) : socket_(socket), head_(std::move(head)) {}
    int socket_;
    std::string head_;
    std::size_t head_sent_ = 0;
    std::optional<transfer_job> job_;
};

} // namespace zc::net
