// direct-io: being written (placeholder so the tree builds; never shipped as done).
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {
std::optional<std::string> refuses(const endpoint&, const endpoint&) { return std::nullopt; }
std::optional<error> probe() { return error::from_errno(ENOSYS, "direct-io: not implemented yet"); }
std::expected<std::unique_ptr<mover>, error> open(transfer_context&) {
    return std::unexpected(error::from_errno(ENOSYS, "direct-io"));
}
} // namespace
extern const strategy_ops direct_io_ops{strategy_id::direct_io, "direct-io", "", "", refuses, probe, open};
} // namespace zc::detail
