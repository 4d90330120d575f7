// Strategies: the ways libzerocopy can move bytes, and what this machine can run.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "zerocopy/export.hpp"

namespace zc {

enum class strategy_id {
    automatic,       // "auto": pick the fastest safe strategy, fall back on refusal
    read_write,      // read(2) into a reusable buffer, write(2) out
    mmap_write,      // mmap(2) the source in windows, write(2) from the mapping
    sendfile,        // sendfile(2)
    splice,          // splice(2), through a private pipe unless one side is a pipe
    copy_file_range, // copy_file_range(2), in-kernel file to file
    direct_io,       // O_DIRECT reads into aligned buffers
    uring_splice,    // io_uring IORING_OP_SPLICE file → pipe → sink, linked
    uring_send_zc,   // io_uring IORING_OP_SEND_ZC from a mapping
    msg_zerocopy,    // send(MSG_ZEROCOPY) from a mapping, completions from the error queue
};

// Every explicit strategy (not automatic), in registry order.
ZEROCOPY_API std::span<const strategy_id> all_strategies() noexcept;

// CLI name, e.g. "copy-file-range"; "auto" for automatic.
ZEROCOPY_API std::string_view strategy_name(strategy_id id) noexcept;
// Accepts the CLI names ("auto" included); nullopt for anything else.
ZEROCOPY_API std::optional<strategy_id> parse_strategy(std::string_view name) noexcept;

// What kinds of descriptor a strategy serves.
enum class fd_kind { regular_file, pipe, tcp_socket, unix_socket, other_socket, char_device, directory, other };
ZEROCOPY_API std::string_view fd_kind_name(fd_kind kind) noexcept;

struct strategy_info {
    strategy_id id;
    std::string_view name;
    std::string_view summary;   // one line: the syscalls it uses
    std::string_view serves;    // e.g. "regular file → any"
    bool available;             // probed on this kernel, once per process
    std::string reason;         // why not, when !available ("io_uring_setup: Operation not permitted")
};

// Probes (once, cached) and describes every explicit strategy.
ZEROCOPY_API std::span<const strategy_info> describe_strategies();
ZEROCOPY_API const strategy_info& describe_strategy(strategy_id id);

} // namespace zc
