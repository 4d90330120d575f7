// zc copy [--strategy S] [--offset N] [--length N] [--json] SRC DST
//
// Like cp for one file. DST appears whole or not at all: the bytes go to a
// temporary file beside it, renamed over DST on success (output_file.hpp).
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "manual.hpp"
#include "input_file.hpp"
#include "output_file.hpp"
#include "transfer_flags.hpp"
#include "transfer_report.hpp"

namespace zc::cli {
namespace {

// The prose of `zc copy --help` and zc-copy(1); the options are the ones below.
const verb_manual copy_manual = {
    .description =
        "Like cp for one file. DST is created with SRC's permission bits (minus the umask), or replaced: the bytes "
        "go to a temporary file beside DST, renamed over it once the copy succeeded, so a failed copy leaves the "
        "previous DST untouched and never a partial file. A DST that is a device or FIFO (/dev/null) is written "
        "into, as cp does. DST may not be a directory, and SRC and DST may not be the same file.\n\n"
        "auto uses copy_file_range(2) where the kernel can (reflinks and in-kernel copies on one filesystem), "
        "else the fastest strategy that serves a file to a file.",
    .examples = {{"zc copy big.iso /mnt/backup/big.iso", "Copy a file."},
                 {"zc copy --offset 1M --length 64K disk.img chunk.bin", "Copy 64 KiB from 1 MiB into disk.img."},
                 {"zc copy --strategy copy-file-range --json a b", "Force one strategy and print what happened."}},
    .exit_status = {{0, "DST is complete"}, {1, "the copy failed and DST is as it was"}, {2, "bad usage"}},
    .see_also = {"cp(1)", "copy_file_range(2)"},
};

struct copy_arguments {
    transfer_flags flags;
    std::string source;
    std::string destination;
};

bool same_file(const struct stat& source, const std::string& destination) {
    struct stat st {};
    return ::stat(destination.c_str(), &st) == 0 && st.st_dev == source.st_dev && st.st_ino == source.st_ino;
}

int run_copy(const copy_arguments& args) {
    auto input = open_input(args.source);
    if (!input) return report_failure(input.error());
    if (same_file(input->st, args.destination)) {
        print_error(fmt::format("'{}' and '{}' are the same file", args.source, args.destination));
        return exit_failure;
    }
    auto output = output_file::create(args.destination, input->st.st_mode & 07777);
    if (!output) return report_failure(output.error());

    progress_meter meter(args.flags.progress_choice());
    auto options = args.flags.to_options();
    options.on_progress = meter.callback();
    auto stats = transfer(input->fd.get(), output->fd(), options);
    meter.finish();
    if (!stats) {
        output->discard();
        return report_failure(stats.error().wrap(fmt::format("copy '{}' → '{}'", args.source, args.destination)));
    }
    if (auto committed = output->commit(); !committed) return report_failure(committed.error());
    if (args.flags.json) print_json(stdout, stats_to_json(*stats));
    return exit_success;
}

} // namespace

command add_copy_command(CLI::App& zc) {
    auto args = std::make_shared<copy_arguments>();
    auto* app = zc.add_subcommand("copy", "Copy one file (or a byte range of it) to DST, created or replaced whole");
    add_strategy_option(*app, args->flags);
    add_range_options(*app, args->flags);
    add_json_option(*app, args->flags, "stdout");
    add_progress_options(*app, args->flags);
    app->add_option("SRC", args->source, "File to read")->type_name("")->required();
    app->add_option("DST", args->destination, "File to create or replace (not a directory)")->type_name("")->required();
    attach_manual(*app, copy_manual);
    return {app, [args] { return run_copy(*args); }};
}

} // namespace zc::cli
