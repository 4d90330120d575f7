// The verbs of zc. Each cmd_<verb>.cpp registers its CLI11 subcommand and
// returns the function that runs it once the command line has parsed.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace zc::cli {

struct command {
    CLI::App* app;            // the subcommand, to know which one was given
    std::function<int()> run; // returns the exit code (diagnostics.hpp)
};

command add_strategies_command(CLI::App& zc);
command add_copy_command(CLI::App& zc);
command add_cat_command(CLI::App& zc);
command add_send_command(CLI::App& zc);
command add_recv_command(CLI::App& zc);
command add_bench_command(CLI::App& zc);
command add_serve_command(CLI::App& zc);
command add_tune_command(CLI::App& zc);
command add_log_command(CLI::App& zc);

} // namespace zc::cli
