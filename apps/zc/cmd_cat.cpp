// zc cat [--strategy S] [--json] [FILE...]
//
// Each file to stdout in order, whatever stdout is (pipe, file, terminal,
// socket); "-" is stdin, and no FILE at all means stdin. Like cat, a file that
// cannot be read is reported and skipped, and the exit code is 1; a stdout
// that fails (EPIPE, ENOSPC) stops everything, since every later file would
// fail the same way. A reader that went away (EPIPE) ends zc as it ends cat
// (broken_pipe.hpp).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "broken_pipe.hpp"
#include "commands.hpp"
#include "diagnostics.hpp"
#include "manual.hpp"
#include "input_file.hpp"
#include "transfer_flags.hpp"
#include "transfer_report.hpp"

namespace zc::cli {
namespace {

// The prose of `zc cat --help` and zc-cat(1); the options are the ones below.
const verb_manual cat_manual = {
    .description =
        "Each FILE to stdout, in order, whatever stdout is: a pipe, a file (also one opened with >>), a terminal, a "
        "socket. '-' is stdin, and so is no FILE at all. Like cat, a FILE that cannot be opened is reported and skipped and the others are "
        "still written; a failing stdout (ENOSPC) stops at once, and a closed one (EPIPE) ends zc as it ends cat.\n\n"
        "With several files `--json` sums them (bytes, syscalls, seconds; fallbacks concatenated; strategy is the "
        "last one used), on stderr.",
    .examples = {{"zc cat header.bin - trailer.bin < body.bin | nc host 9000", "Frame stdin between two files."},
                 {"zc cat --json log.1 log.2 > all.log", "Concatenate, with statistics on stderr."}},
    .exit_status = {{0, "every FILE was written"},
                    {1, "a FILE could not be read, or stdout failed"},
                    {2, "bad usage"}},
    .see_also = {"cat(1)", "splice(2)", "sendfile(2)"},
};

struct cat_arguments {
    transfer_flags flags;
    std::vector<std::string> files;
};

// Errors that concern stdout rather than the file being read.
bool sink_failed(const error& failure) {
    const int e = failure.errno_value();
    return e == EPIPE || e == ECONNRESET || e == ENOSPC || e == EDQUOT || e == EFBIG;
}

int run_cat(const cat_arguments& args) {
    if (args.flags.json) report_errors_as_json(stderr);
    int status = exit_success;
    transfer_stats total;
    progress_meter meter(args.flags.progress_choice());
    for (const auto& name : args.files) {
        input_file input;
        int source_fd = STDIN_FILENO;
        if (name != "-") {
            auto opened = open_input(name);
            if (!opened) {
                status = report_failure(opened.error());
                continue;
            }
            input = std::move(*opened);
            source_fd = input.fd.get();
        }
        auto options = args.flags.to_options();
        const std::uint64_t before = total.bytes;
        if (meter.enabled())
            options.on_progress = [&meter, before](std::uint64_t done, std::optional<std::uint64_t>) {
                meter.update(before + done, std::nullopt);
            };
        auto stats = transfer(source_fd, STDOUT_FILENO, options);
        if (!stats) {
            auto failure = stats.error();
            if (failure.errno_value() == EPIPE) {
                meter.finish();
                end_like_cat_on_broken_stdout();
            }
            status = report_failure(failure.wrap(fmt::format("cat '{}'", name == "-" ? "stdin" : name)));
            if (sink_failed(failure)) break;
            continue;
        }
        accumulate(total, *stats);
    }
    meter.finish();
    if (args.flags.json && status == exit_success) print_json(stderr, stats_to_json(total));
    return status;
}

} // namespace

command add_cat_command(CLI::App& zc) {
    auto args = std::make_shared<cat_arguments>();
    auto* app = zc.add_subcommand("cat", "Write each FILE to stdout, in order ('-' or no FILE: stdin)");
    add_strategy_option(*app, args->flags);
    add_json_option(*app, args->flags, "stderr (stdout carries the data)");
    add_progress_options(*app, args->flags);
    app->add_option("FILE", args->files, "Files to write out; '-' reads stdin (each time it is given)")->type_name("");
    attach_manual(*app, cat_manual);
    return {app, [args] {
                if (args->files.empty()) args->files.push_back("-");
                return run_cat(*args);
            }};
}

} // namespace zc::cli
