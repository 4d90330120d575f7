// zc's HOST:PORT arguments: parse_host_port never accepts a host with
// brackets, a slash, a space or a control byte, nor an unbracketed IPv6
// literal; the port text is 1–5 digits ≤ 65535; and an accepted address
// round-trips through host_port::to_string().
#include <string>

#include "fuzz_check.hpp"
#include "host_port.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = zc::fuzz::as_text(data, size);
    const auto parsed = zc::cli::parse_host_port(text);
    if (!parsed) {
        FUZZ_CHECK(parsed.error().find("is not HOST:PORT") != std::string::npos, "reason '%s'", parsed.error().c_str());
        return 0;
    }
    const std::string& host = parsed->host;
    for (char c : host) {
        FUZZ_CHECK(c != '[' && c != ']' && c != '/' && static_cast<unsigned char>(c) > ' ',
                   "'%.*s' → host '%s'", int(text.size()), text.data(), host.c_str());
    }
    if (host.find(':') != std::string::npos) {
        FUZZ_CHECK(text.front() == '[', "'%.*s': unbracketed IPv6 host '%s'", int(text.size()), text.data(), host.c_str());
    }
    const std::string_view port_text = text.substr(text.rfind(':') + 1);
    FUZZ_CHECK(!port_text.empty() && port_text.size() <= 5 &&
                   port_text.find_first_not_of("0123456789") == std::string_view::npos &&
                   std::stoul(std::string(port_text)) == parsed->port,
               "'%.*s' → port %u", int(text.size()), text.data(), unsigned(parsed->port));

    const std::string printed = parsed->to_string();
    const auto again = zc::cli::parse_host_port(printed);
    FUZZ_CHECK(again && again->host == host && again->port == parsed->port, "'%.*s' printed as '%s' reads back %s",
               int(text.size()), text.data(), printed.c_str(), again ? again->to_string().c_str() : again.error().c_str());
    return 0;
}
