// How zc reports: exit codes, the one-line messages on stderr, and — under
// --json — the same failures as one JSON object for scripts.
#pragma once

#include <cstdio>
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

// --json: from now on every error printed is also kept, and
// print_json_errors() writes them to `stream` (where the verb's statistics
// would have gone: stdout, or stderr when stdout carries the data).
void report_errors_as_json(std::FILE* stream);
// The kept errors as one line on the chosen stream, if --json asked for it
// and there were any: {"error": {"message", "reason", "errno", "errno_name",
// "context"}} — errno, errno_name and context are null for a failure that is
// not a syscall's — plus "errors": [every one] when there were several.
void print_json_errors();

} // namespace zc::cli
