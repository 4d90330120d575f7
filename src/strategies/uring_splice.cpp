// uring-splice: being written (placeholder so the tree builds; never shipped as done).
#include "strategies/strategy.hpp"

namespace zc::detail {
namespace {
std::optional<std::string> refuses(const endpoint&, const endpoint&) { return std::nullopt; }
std::optional<error> probe() { return error::from_errno(ENOSYS, "uring-splice: not implemented yet"); }
std::expected<std::unique_ptr<mover>, error> open(transfer_context&) {
    return std::unexpected(error::from_errno(ENOSYS, "uring-splice"));
}
} // namespace
extern const strategy_ops uring_splice_ops{strategy_id::uring_splice, "uring-splice", "", "", refuses, probe, open};
} // namespace zc::detail
