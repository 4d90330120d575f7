// zc — the command-line face of libzerocopy.
//
// main() builds the CLI11 command tree (one cmd_<verb>.cpp per verb), maps
// parse errors to exit 2 with the usage line, and runs the chosen verb.
// apps/ is the only place in the project that prints or exits.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "diagnostics.hpp"

namespace {

using namespace zc::cli;

// The subcommand the parse got into (the deepest one), or the root.
const CLI::App* parsed_command(const CLI::App& root) {
    for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; }))
        if (sub->parsed()) return sub;
    return &root;
}

int report_usage_error(const CLI::App& root, const CLI::ParseError& failure) {
    const CLI::App* command = parsed_command(root);
    const std::string name = command == &root ? "zc" : "zc " + command->get_name();
    print_error(failure.what());
    const CLI::Formatter formatter;
    fmt::print(stderr, "{}Run '{} --help' for more information.\n", formatter.make_usage(command, name), name);
    return exit_usage;
}

} // namespace

int main(int argc, char** argv) {
    // A peer or reader that goes away must be an EPIPE error with a message,
    // not a silent death; transfers then skip their own SIGPIPE guard.
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app("zc — move bytes between files and sockets with interchangeable zero-copy strategies", "zc");
    app.set_version_flag("--version", "zc " ZC_VERSION " (libzerocopy)");
    app.require_subcommand(1);
    app.footer("Exit status: 0 success, 1 transfer failed, 2 bad usage. Run 'zc VERB --help' for each verb.");

    const std::vector<command> commands = {
        add_strategies_command(app), add_copy_command(app), add_cat_command(app),
        add_send_command(app),       add_recv_command(app),   add_bench_command(app),
    };

    // CLI11 would take an unknown verb for a stray argument and only say that
    // a subcommand is required; name it instead.
    const auto is_verb = [&](std::string_view word) {
        return std::any_of(commands.begin(), commands.end(), [&](const command& c) { return c.app->get_name() == word; });
    };
    if (argc > 1 && argv[1][0] != '-' && !is_verb(argv[1])) {
        print_error(fmt::format("unknown command '{}' (one of: strategies, copy, cat, send, recv, bench)", argv[1]));
        fmt::print(stderr, "Usage: zc [OPTIONS] SUBCOMMAND\nRun 'zc --help' for more information.\n");
        return exit_usage;
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return report_usage_error(app, e);
    }

    try {
        for (const auto& c : commands)
            if (c.app->parsed()) return c.run();
    } catch (const std::exception& e) {
        print_error(fmt::format("internal error: {}", e.what()));
        return exit_failure;
    }
    print_error("no command given");
    return exit_usage;
}
