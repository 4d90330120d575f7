#include "log/flush_policy.hpp"

#include <charconv>

#include <fmt/format.h>

namespace zc::log {

std::expected<flush_policy, error> flush_policy::parse(std::string_view text) {
    if (text == "sync") return flush_policy{kind::sync, {}};
    if (text == "async") return flush_policy{kind::async, {}};
    constexpr std::string_view prefix = "interval:";
    if (text.starts_with(prefix)) {
        const std::string_view number = text.substr(prefix.size());
        long long ms = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), ms);
        if (ec == std::errc() && end == number.data() + number.size() && ms > 0)
            return flush_policy{kind::interval, std::chrono::milliseconds(ms)};
    }
    return std::unexpected(error(std::make_error_code(std::errc::invalid_argument),
                                 fmt::format("flush policy '{}' (one of: sync, async, interval:MS with MS > 0)", text)));
}

std::string flush_policy::to_string() const {
    switch (when) {
    case kind::sync: return "sync";
    case kind::async: return "async";
    case kind::interval: return fmt::format("interval:{}", every.count());
    }
    return "async";
}

} // namespace zc::log
