// Opening the file a verb reads from, with the checks cp and cat make.
#pragma once

#include <sys/stat.h>

#include <expected>
#include <string>

#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::cli {

struct input_file {
    unique_fd fd;
    struct stat st {};
};

// open(2) read-only; a directory is EISDIR. Errors name the path:
// "open 'a.bin': No such file or directory".
std::expected<input_file, error> open_input(const std::string& path);

} // namespace zc::cli
