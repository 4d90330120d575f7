#include "diagnostics.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace zc::cli {

void print_error(std::string_view message) { fmt::print(stderr, "zc: error: {}\n", message); }

int report_failure(const error& failure) {
    print_error(failure.message());
    return exit_failure;
}

void print_warning(std::string_view message) { fmt::print(stderr, "zc: warning: {}\n", message); }

} // namespace zc::cli
