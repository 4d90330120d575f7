// uring-send-zc: being written (placeholder so the tree builds; never shipped as done).
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {
std::optional<std::string> refuses(const endpoint&, const endpoint&) { return std::nullopt; }
std::optional<error> probe() { return error::from_errno(ENOSYS, "uring-send-zc: not implemented yet"); }
std::expected<std::unique_ptr<mover>, error> open(transfer_context&) {
    return std::unexpected(error::from_errno(ENOSYS, "uring-send-zc"));
}
} // namespace
extern const strategy_ops uring_send_zc_ops{strategy_id::uring_send_zc, "uring-send-zc", "", "", refuses, probe, open};
} // namespace zc::detail
