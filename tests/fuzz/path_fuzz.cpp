// normalize_path + open_beneath: a request-target either is refused or names
// something inside the root. Checked three ways: the normalised path's shape
// (no "." / ".." / empty segment, no control byte or backslash), its
// round trip through percent_encode_path (what Location headers carry), and
// the real path of whatever open_beneath opens for it under a root holding
// symlinks that leave it (fuzz_root.hpp).
#include <fcntl.h>

#include <string>

#include "fuzz_check.hpp"
#include "fuzz_root.hpp"
#include "http/http.hpp"
#include "http/static_parts.hpp"

namespace {

void check_shape(std::string_view target, const std::string& path) {
    FUZZ_CHECK(!path.empty() && path.front() == '/', "'%.*s' → '%s'", int(target.size()), target.data(), path.c_str());
    for (char c : path) {
        auto byte = static_cast<unsigned char>(c);
        FUZZ_CHECK(byte >= 0x20 && byte != 0x7f && c != '\\', "'%s' holds byte 0x%02x", path.c_str(), byte);
    }
    std::string_view rest = std::string_view(path).substr(1);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.empty()) return;
    std::size_t start = 0;
    while (true) {
        std::size_t end = rest.find('/', start);
        std::string_view segment = rest.substr(start, end == std::string_view::npos ? end : end - start);
        FUZZ_CHECK(!segment.empty() && segment != "." && segment != "..", "'%s' has segment '%.*s'", path.c_str(),
                   int(segment.size()), segment.data());
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view target = zc::fuzz::as_text(data, size);
    const auto path = zc::http::normalize_path(target);
    if (!path) return 0;
    check_shape(target, *path);

    const std::string encoded = zc::http::percent_encode_path(*path);
    const auto again = zc::http::normalize_path(encoded);
    FUZZ_CHECK(again && *again == *path, "'%s' encoded as '%s' normalises to '%s'", path->c_str(), encoded.c_str(),
               again ? again->c_str() : "(refused)");

    std::string_view inner = std::string_view(*path).substr(1);
    if (!inner.empty() && inner.back() == '/') inner.remove_suffix(1);
    const std::string relative = inner.empty() ? std::string(".") : std::string(inner);
    const auto& root = zc::fuzz::fuzz_root();
    auto fd = zc::http::open_beneath(root.root_fd, relative, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd) FUZZ_CHECK(zc::fuzz::is_inside_root(fd->get()), "'%s' opened outside the root", relative.c_str());
    return 0;
}
