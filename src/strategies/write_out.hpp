// write_out — write a user-space buffer to the sink, the way every strategy
// that holds the bytes in user space (read-write, mmap-write, direct-io) must.
#pragma once

#include <cstddef>
#include <expected>

#include "strategies/strategy.hpp"

namespace zc::detail {

struct write_outcome {
    std::size_t written = 0;
    bool sink_blocked = false; // a non-blocking sink took only `written` bytes
};

// Writes [data, data + n) with write(2) (send(2) with MSG_NOSIGNAL on
// sockets), retrying EINTR and short writes, and accounts every byte written
// with ctx.advance(). Stops early only when a non-blocking sink would block.
// On error, the bytes written before it are already accounted.
std::expected<write_outcome, error> write_out(transfer_context& ctx, const std::byte* data, std::size_t n);

} // namespace zc::detail
