#include "host_port.hpp"

#include <charconv>

#include <fmt/format.h>

namespace zc::cli {

std::string host_port::to_string() const {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

std::expected<host_port, std::string> parse_host_port(std::string_view text) {
    auto fail = [&](std::string_view why) {
        return std::unexpected(fmt::format("'{}' is not HOST:PORT: {}", text, why));
    };
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
        host = text.substr(1, close - 1);
        if (host.empty()) return fail("empty IPv6 address in brackets");
        if (close + 1 >= text.size() || text[close + 1] != ':') return fail("expected ':PORT' after ']'");
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return fail("missing ':PORT'");
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return fail("an IPv6 address needs brackets, e.g. [::1]:9000");
    }
    for (char c : host) {
        if (c == '[' || c == ']' || c == '/' || static_cast<unsigned char>(c) <= ' ')
            return fail(fmt::format("invalid character in host '{}'", host));
    }
    if (port.empty()) return fail("missing port");
    if (port.size() > 5) return fail(fmt::format("port '{}' is not in 0..65535", port));
    for (char c : port)
        if (c < '0' || c > '9') return fail(fmt::format("port '{}' is not a number", port));
    unsigned value = 0;
    std::from_chars(port.data(), port.data() + port.size(), value);
    if (value > 65535) return fail(fmt::format("port '{}' is not in 0..65535", port));
    return host_port{std::string(host), static_cast<std::uint16_t>(value)};
}

} // namespace zc::cli
