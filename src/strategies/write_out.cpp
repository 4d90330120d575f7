#include "strategies/write_out.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/io.hpp"

namespace zc::detail {

std::expected<write_outcome, error> write_out(transfer_context& ctx, const std::byte* data, std::size_t n) {
    write_outcome out;
    const bool socket = ctx.sink.is_socket();
    while (out.written < n) {
        const std::byte* from = data + out.written;
        const std::size_t left = n - out.written;
        const ssize_t w = retry_on_eintr([&] {
            ctx.count_syscall();
            return socket ? ::send(ctx.sink.fd, from, left, MSG_NOSIGNAL) : ::write(ctx.sink.fd, from, left);
        });
        if (w < 0) {
            if (would_block(errno)) {
                out.sink_blocked = true;
                return out;
            }
            return std::unexpected(syscall_error(errno, socket ? "send" : "write", ctx));
        }
        out.written += static_cast<std::size_t>(w);
        ctx.advance(static_cast<std::uint64_t>(w));
    }
    return out;
}

} // namespace zc::detail
