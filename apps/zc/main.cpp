// zc — the command-line face of libzerocopy.
//
// main() builds the CLI11 command tree (one cmd_<verb>.cpp per verb), maps
// parse errors to exit 2 with the usage line, and runs the chosen verb.
// apps/ is the only place in the project that prints or exits.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "broken_pipe.hpp"
#include "commands.hpp"
#include "diagnostics.hpp"
#include "manual.hpp"
#include "zerocopy/profile.hpp"
#include "zerocopy/version.hpp"

namespace {

using namespace zc::cli;

// The subcommand the parse got into (the deepest one), or the root.
const CLI::App* parsed_command(const CLI::App& root) {
    for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; }))
        if (sub->parsed()) return sub;
    return &root;
}

// Where a usage error's --json object goes, or null without --json (the
// verb's --json flag among the words; not `--json FILE` of bench and tune).
// stdout, unless it is to carry data: cat, or an operand "-".
std::FILE* json_stream_for_usage_error(const CLI::App& command, const std::vector<std::string>& words) {
    const CLI::Option* json = command.get_option_no_throw("--json");
    if (!json || json->get_items_expected_max() != 0) return nullptr;
    if (std::find(words.begin(), words.end(), "--json") == words.end()) return nullptr;
    const bool stdout_is_data =
        command.get_name() == "cat" || std::find(words.begin(), words.end(), "-") != words.end();
    return stdout_is_data ? stderr : stdout;
}

int report_usage_error(const CLI::App& root, const CLI::ParseError& failure, const std::vector<std::string>& words) {
    const CLI::App* command = parsed_command(root);
    const std::string name = command == &root ? "zc" : "zc " + command->get_name();
    if (std::FILE* stream = json_stream_for_usage_error(*command, words)) report_errors_as_json(stream);
    print_error(failure.what());
    const CLI::Formatter formatter;
    fmt::print(stderr, "{}Run '{} --help' for more information.\n", formatter.make_usage(command, name), name);
    print_json_errors();
    return exit_usage;
}

// The profile `auto` uses: --profile FILE, else ZEROCOPY_PROFILE or the
// default paths (docs/auto.md). One that does not load is a usage error:
// running with another profile than the one configured would be a surprise.
int activate_profile(const std::string& path) {
    std::expected<void, zc::error> activated;
    if (path.empty()) activated = zc::use_default_profile(); // the library reads nothing unless asked
    else if (auto loaded = zc::profile::load(path)) zc::set_active_profile(std::move(*loaded));
    else activated = std::unexpected(loaded.error());
    if (!activated) {
        print_error(fmt::format("bad profile: {}{}", activated.error().message(),
                                path.empty() ? " (fix or remove it, or run with ZEROCOPY_PROFILE=builtin)" : ""));
        return exit_usage;
    }
    return exit_success;
}

// `zc help` is `zc --help`, `zc help VERB` is `zc VERB --help`: the words
// are rewritten before parsing, so help has one implementation.
std::vector<std::string> expand_help_verb(int argc, char** argv) {
    std::vector<std::string> words(argv, argv + argc);
    if (words.size() < 2 || words[1] != "help") return words;
    if (words.size() == 2) return {words[0], "--help"};
    return {words[0], words[2], "--help"};
}

// What the binary was built from and the library it runs: the same release
// unless headers and library were mixed.
std::string version_text() {
    return fmt::format("zc {}\nlibzerocopy {} (built against headers {})", ZC_VERSION, zc::version().string,
                       ZEROCOPY_VERSION_STRING);
}

} // namespace

int main(int argc, char** argv) {
    // A peer or reader that goes away must be an EPIPE error with a message,
    // not a silent death; transfers then skip their own SIGPIPE guard. On
    // stdout, cat's behaviour wins (broken_pipe.hpp).
    ignore_sigpipe_remembering_inherited();

    std::vector<std::string> words = expand_help_verb(argc, argv);
    std::vector<char*> word_pointers;
    for (auto& word : words) word_pointers.push_back(word.data());
    argc = static_cast<int>(word_pointers.size());
    word_pointers.push_back(nullptr);
    argv = word_pointers.data();

    CLI::App app("zc — move bytes between files and sockets with interchangeable zero-copy strategies", "zc");
    app.set_version_flag("--version", version_text());
    app.require_subcommand(1);
    app.footer("Exit status: 0 success, 1 transfer failed, 2 bad usage. Run 'zc VERB --help' or 'zc help VERB' for each verb.");

    const std::vector<command> commands = {
        add_strategies_command(app), add_copy_command(app), add_cat_command(app),
        add_send_command(app),       add_recv_command(app),   add_bench_command(app),
        add_serve_command(app),
        add_tune_command(app),
        add_log_command(app),
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
        print_error(fmt::format("unknown command '{}' (one of: strategies, copy, cat, send, recv, bench, tune, serve, log)", argv[1]));
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
        return report_usage_error(app, e, words);
    }

    // A verb with a --profile of its own (zc tune writes one) runs even when
    // the configured profile is broken: it is how one gets a good one.
    const bool uses_profile = std::any_of(verbs_using_profile.begin(), verbs_using_profile.end(),
                                          [](const CLI::App* verb) { return verb->parsed(); });
    if (uses_profile || !profile_path.empty())
        if (const int code = activate_profile(profile_path); code != exit_success) return code;

    try {
        for (const auto& c : commands)
            if (c.app->parsed()) {
                const int code = c.run();
                if (code != exit_success) print_json_errors(); // only under --json
                return code;
            }
    } catch (const std::exception& e) {
        print_error(fmt::format("internal error: {}", e.what()));
        print_json_errors();
        return exit_failure;
    }
    print_error("no command given");
    return exit_usage;
}
