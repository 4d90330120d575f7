#include "input_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace zc::cli {

std::expected<input_file, error> open_input(const std::string& path) {
    const std::string context = fmt::format("open '{}'", path);
    input_file input;
    input.fd = unique_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!input.fd) return std::unexpected(error::from_errno(errno, context));
    if (::fstat(input.fd.get(), &input.st) != 0) return std::unexpected(error::from_errno(errno, context));
    if (S_ISDIR(input.st.st_mode)) return std::unexpected(error::from_errno(EISDIR, context));
    return input;
}

} // namespace zc::cli
