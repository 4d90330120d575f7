// Parsing of network addresses given on the command line: HOST:PORT.
//
// Kept apart from the commands so that a fuzzer can drive it directly.
// Accepted forms:
//   127.0.0.1:9000   example.org:80   [::1]:9000   [fe80::1%eth0]:9000   :9000
// An IPv6 literal must be in brackets (its colons would be ambiguous); an
// empty host (":9000") is returned as empty and left to the caller: `recv`
// takes it as "every local address", `send` refuses it. The port is decimal,
// 0..65535 (0 = "any free port", meaningful only when listening).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace zc::cli {

struct host_port {
    std::string host;   // without brackets; may be empty
    std::uint16_t port = 0;

    // Back to text, brackets restored for IPv6: "[::1]:9000".
    std::string to_string() const;
};

// On failure: a one-line reason ready to print.
std::expected<host_port, std::string> parse_host_port(std::string_view text);

} // namespace zc::cli
