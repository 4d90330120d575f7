#include "transfer_report.hpp"

#include <chrono>

#include <fmt/format.h>

namespace zc::cli {

nlohmann::json stats_to_json(const transfer_stats& stats) {
    nlohmann::json fallbacks = nlohmann::json::array();
    for (const auto& fallback : stats.fallbacks) {
        fallbacks.push_back({{"from", strategy_name(fallback.from)},
                             {"to", strategy_name(fallback.to)},
                             {"at_byte", fallback.at_byte},
                             {"reason", fallback.reason.message()}});
    }
    return {
        {"bytes", stats.bytes},
        {"strategy", strategy_name(stats.strategy_used)},
        {"fallbacks", std::move(fallbacks)},
        {"seconds", std::chrono::duration<double>(stats.elapsed).count()},
        {"syscalls", stats.syscalls},
        {"zerocopy_sends", stats.zerocopy_sends},
        {"zerocopy_copied", stats.zerocopy_copied},
    };
}

void accumulate(transfer_stats& total, const transfer_stats& more) {
    total.bytes += more.bytes;
    total.strategy_used = more.strategy_used;
    total.fallbacks.insert(total.fallbacks.end(), more.fallbacks.begin(), more.fallbacks.end());
    total.syscalls += more.syscalls;
    total.elapsed += more.elapsed;
    total.zerocopy_sends += more.zerocopy_sends;
    total.zerocopy_copied += more.zerocopy_copied;
}

void print_json(std::FILE* stream, const nlohmann::json& object) {
    fmt::print(stream, "{}\n", object.dump());
    std::fflush(stream);
}

} // namespace zc::cli
