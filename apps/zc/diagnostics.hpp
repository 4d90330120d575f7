// How zc reports: exit codes and the one-line messages on stderr.
#pragma once

#include <string_view>

#include "zerocopy/error.hpp"

namespace zc::cli {

// The exit codes of every verb (docs/cli.md).
enum exit_code : int {
    exit_success = 0, // everything moved
    exit_failure = 1, // a transfer (or the open/connect before it) failed
    exit_usage = 2,   // bad command line; nothing was attempted
};

// "zc: error: <message>" on stderr.
void print_error(std::string_view message);
// "zc: error: <error.message()>" on stderr; returns exit_failure.
int report_failure(const error& failure);
// "zc: warning: <message>" on stderr.
void print_warning(std::string_view message);

} // namespace zc::cli
