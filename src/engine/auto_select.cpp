// auto: pick by source/sink kind and size, best first.
//
// The order per pair is the measured one (docs/auto.md, `zc bench`); every
// chain ends in read-write, which serves any pair, so a refusal anywhere
// above it still completes the transfer.
#include "engine/auto_select.hpp"

#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {

using enum strategy_id;

std::vector<strategy_id> preferred_order(const endpoint& source, const endpoint& sink) {
    if (source.kind == fd_kind::regular_file) {
        switch (sink.kind) {
        case fd_kind::regular_file: return {copy_file_range, sendfile, splice, read_write};
        case fd_kind::tcp_socket:
        case fd_kind::unix_socket:
        case fd_kind::other_socket: return {sendfile, splice, read_write};
        case fd_kind::pipe: return {splice, sendfile, read_write};
        default: return {sendfile, read_write};
        }
    }
    return {splice, read_write};
}

} // namespace

std::vector<strategy_id> auto_chain(const endpoint& source, const endpoint& sink,
                                    std::optional<std::uint64_t> /*total*/) {
    std::vector<strategy_id> chain;
    for (strategy_id id : preferred_order(source, sink))
        if (!ops_for(id).refuses(source, sink)) chain.push_back(id);
    return chain;
}

} // namespace zc::detail
