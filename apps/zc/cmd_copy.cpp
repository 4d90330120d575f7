// zc copy [--strategy S] [--offset N] [--length N] [--no-preserve-holes] [--json] SRC DST
// zc copy [OPTIONS] SRC... DIR        zc copy [OPTIONS] -t DIR SRC...
//
// Like cp: one file to DST, or each SRC into the existing directory DIR as
// DIR/basename(SRC). Each destination appears whole or not at all: the bytes
// go to a temporary file beside it, renamed over it on success
// (output_file.hpp). As with cp, a SRC that fails is reported and the others
// are still copied; the exit code is then 1. Holes in SRC stay holes in DST
// (transfer_options::preserve_holes), as with cp's default --sparse=auto.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

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
        "Like cp. With one SRC and a DST that is not a directory, DST is created with SRC's permission bits "
        "(minus the umask), or replaced: the bytes go to a temporary file beside DST, renamed over it once the copy "
        "succeeded, so a failed copy leaves the previous DST untouched and never a partial file. A DST that is a "
        "device or FIFO (/dev/null) is written into, as cp does. A DST that is an existing directory receives "
        "DST/basename(SRC); with several sources the last operand must be a directory, or -t DIR names it first. "
        "A source that fails is reported and the others are still copied. A dangling symbolic link as DST is "
        "refused, as cp refuses it. SRC and DST may not be the same file.\n\n"
        "Holes in SRC stay holes in DST (SEEK_DATA/SEEK_HOLE), as with cp; --no-preserve-holes writes them out as "
        "zeros. auto uses copy_file_range(2) where the kernel can (reflinks and in-kernel copies on one "
        "filesystem), else the fastest strategy that serves a file to a file.",
    .examples = {{"zc copy big.iso /mnt/backup/big.iso", "Copy a file."},
                 {"zc copy a.log b.log /mnt/backup/", "Copy two files into a directory."},
                 {"zc copy --offset 1M --length 64K disk.img chunk.bin", "Copy 64 KiB from 1 MiB into disk.img."},
                 {"zc copy --strategy copy-file-range --json a b", "Force one strategy and print what happened."}},
    .exit_status = {{0, "every destination is complete"},
                    {1, "a copy failed (its destination is as it was)"},
                    {2, "bad usage"}},
    .see_also = {"cp(1)", "copy_file_range(2)", "lseek(2)"},
};

struct copy_arguments {
    transfer_flags flags;
    std::vector<std::string> sources;
    std::string destination;      // DST or DIR; empty with -t
    std::string target_directory; // -t DIR; empty: not given
    bool no_preserve_holes = false;
};

// One source and the file it goes to.
struct copy_job {
    std::string source;
    std::string destination;
};

bool same_file(const struct stat& source, const std::string& destination) {
    struct stat st {};
    return ::stat(destination.c_str(), &st) == 0 && st.st_dev == source.st_dev && st.st_ino == source.st_ino;
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// DIR/basename(SRC); "a/b/" has the basename "b", as for cp.
std::string inside(const std::string& directory, const std::string& source) {
    std::filesystem::path name = std::filesystem::path(source).lexically_normal();
    if (!name.has_filename()) name = name.parent_path();
    return (std::filesystem::path(directory) / name.filename()).string();
}

// The copies the operands ask for; an error (cp's wording) when the target
// directory is not one.
std::expected<std::vector<copy_job>, error> plan_copies(const copy_arguments& args) {
    std::vector<copy_job> jobs;
    const auto& sources = args.sources;
    const std::string& directory = args.target_directory.empty() ? args.destination : args.target_directory;
    if (args.target_directory.empty() && sources.size() == 1 && !is_directory(directory))
        return std::vector<copy_job>{{sources[0], directory}};
    if (!is_directory(directory)) {
        struct stat st {};
        const int reason = ::stat(directory.c_str(), &st) == 0 ? ENOTDIR : errno;
        const char* what = args.target_directory.empty() ? "target" : "target directory";
        return std::unexpected(error::from_errno(reason, fmt::format("{} '{}'", what, directory)));
    }
    for (const auto& source : sources) jobs.push_back({source, inside(directory, source)});
    return jobs;
}

// Copies one file, adding what moved to `total`; false once the error is
// reported.
bool copy_one(const copy_job& job, const copy_arguments& args, transfer_stats& total) {
    const transfer_flags& flags = args.flags;
    auto input = open_input(job.source);
    if (!input) {
        report_failure(input.error());
        return false;
    }
    if (same_file(input->st, job.destination)) {
        print_error(fmt::format("'{}' and '{}' are the same file", job.source, job.destination));
        return false;
    }
    auto output = output_file::create(job.destination, input->st.st_mode & 07777);
    if (!output) {
        report_failure(output.error());
        return false;
    }

    progress_meter meter(flags.progress_choice());
    auto options = flags.to_options();
    options.on_progress = meter.callback();
    options.preserve_holes = !args.no_preserve_holes;
    auto stats = transfer(input->fd.get(), output->fd(), options);
    meter.finish();
    if (!stats) {
        output->discard();
        report_failure(stats.error().wrap(fmt::format("copy '{}' → '{}'", job.source, job.destination)));
        return false;
    }
    if (auto committed = output->commit(); !committed) {
        report_failure(committed.error());
        return false;
    }
    accumulate(total, *stats);
    return true;
}

int run_copy(const copy_arguments& args) {
    if (args.flags.json) report_errors_as_json(stdout);
    auto jobs = plan_copies(args);
    if (!jobs) return report_failure(jobs.error());
    int status = exit_success;
    transfer_stats total;
    for (const auto& job : *jobs) {
        if (!copy_one(job, args, total)) status = exit_failure;
    }
    if (args.flags.json && status == exit_success) print_json(stdout, stats_to_json(total));
    return status;
}

// CLI11 gives every operand to the SRC... vector; the last one is DST unless
// -t names the directory. Without -t, one operand is a usage error.
void split_operands(copy_arguments& args) {
    if (!args.target_directory.empty()) {
        if (!args.destination.empty()) args.sources.push_back(std::exchange(args.destination, {}));
        return;
    }
    if (!args.destination.empty()) return;
    if (args.sources.size() < 2)
        throw CLI::ValidationError(
            "DST", fmt::format("missing destination after '{}'", args.sources.empty() ? "" : args.sources.back()));
    args.destination = args.sources.back();
    args.sources.pop_back();
}

} // namespace

command add_copy_command(CLI::App& zc) {
    auto args = std::make_shared<copy_arguments>();
    auto* app = zc.add_subcommand(
        "copy", "Copy SRC to DST (created or replaced whole), or each SRC into the directory DIR");
    add_strategy_option(*app, args->flags);
    add_range_options(*app, args->flags);
    add_json_option(*app, args->flags, "stdout (one object for all the files)");
    add_progress_options(*app, args->flags);
    app->add_flag("--no-preserve-holes", args->no_preserve_holes,
                  "Write the source's holes out as zeros (default: DST keeps them, like cp)");
    app->add_option("-t,--target-directory", args->target_directory,
                    "Copy every SRC into DIR (an existing directory), as DIR/basename(SRC)")
        ->type_name("DIR");
    app->add_option("SRC", args->sources, "Files to read")->type_name("")->required();
    app->add_option("DST", args->destination,
                    "File to create or replace, or existing directory to copy into (not with -t)")
        ->type_name("");
    app->parse_complete_callback([args] { split_operands(*args); });
    attach_manual(*app, copy_manual);
    return {app, [args] { return run_copy(*args); }};
}

} // namespace zc::cli
