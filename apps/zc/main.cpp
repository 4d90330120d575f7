// zc — the command-line face of libzerocopy.
//
// main() builds the CLI11 command tree (one cmd_<verb>.cpp per verb), maps
// parse errors to exit 2 with the usage line, and runs the chosen verb.
// apps/ is the only place in the project that prints or exits.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "manual.hpp"
#include "zerocopy/profile.hpp"

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

// The profile `auto` uses: --profile FILE, else ZEROCOPY_PROFILE or the
// default paths (docs/auto.md). One that does not load is a usage error:
// running with another profile than the one configured would be a surprise.
int activate_profile(const std::string& path) {
    auto loaded = path.empty() ? zc::load_default_profile() : zc::profile::load(path);
    if (!loaded) {
        print_error(fmt::format("bad profile: {}{}", loaded.error().message(),
                                path.empty() ? " (fix or remove it, or run with ZEROCOPY_PROFILE=builtin)" : ""));
        return exit_usage;
    }
    zc::set_active_profile(std::move(*loaded));
    return exit_success;
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
        add_serve_command(app),
        add_tune_command(app),
    };

    // --profile FILE, before the verb or after it. A verb with its own
    // --profile (zc tune: where to write one) keeps its meaning.
    std::string profile_path;
    const char* profile_help = "Let auto use this profile (from `zc tune`) instead of the default one";
    app.add_option("--profile", profile_path, profile_help)->type_name("FILE");
    std::vector<const CLI::App*> verbs_using_profile;
    for (const auto& c : commands)
        if (!c.app->get_option_no_throw("--profile")) {
            c.app->add_option("--profile", profile_path, profile_help)->type_name("FILE");
            verbs_using_profile.push_back(c.app);
        }

    // zc __manpages DIR, __manpage VERB, __completion FILE (manual.hpp): the
    // build's man pages and completion, from the tree built above.
    if (const auto manual_status = run_manual_command(app, argc, argv)) return *manual_status;

    // CLI11 would take an unknown verb for a stray argument and only say that
    // a subcommand is required; name it instead.
    const auto is_verb = [&](std::string_view word) {
        return std::any_of(commands.begin(), commands.end(), [&](const command& c) { return c.app->get_name() == word; });
    };
    if (argc > 1 && argv[1][0] != '-' && !is_verb(argv[1])) {
        print_error(fmt::format("unknown command '{}' (one of: strategies, copy, cat, send, recv, bench, tune, serve)", argv[1]));
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

    // A verb with a --profile of its own (zc tune writes one) runs even when
    // the configured profile is broken: it is how one gets a good one.
    const bool uses_profile = std::any_of(verbs_using_profile.begin(), verbs_using_profile.end(),
                                          [](const CLI::App* verb) { return verb->parsed(); });
    if (uses_profile || !profile_path.empty())
        if (const int code = activate_profile(profile_path); code != exit_success) return code;

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
