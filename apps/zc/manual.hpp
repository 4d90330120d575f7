// zc's manual: the prose of each verb's man page, kept beside the verb's
// CLI11 definition in cmd_<verb>.cpp, and the generators that turn the command
// tree plus that prose into man pages (roff) and a bash completion script.
//
// The options themselves (names, value names, descriptions) are read from the
// CLI11 apps, the same objects --help prints, so a page cannot list an option
// --help lacks or miss one it has (docs/cli.md, "Man pages and completion").
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace zc::cli {

struct manual_example {
    std::string_view command;     // as typed, without the prompt
    std::string_view explanation; // one sentence
};

struct manual_exit_code {
    int code;
    std::string_view meaning; // lower case, no full stop: "the copy failed"
};

struct verb_manual {
    // Paragraphs separated by a blank line; `text` in backquotes is set in bold.
    std::string_view description;
    std::vector<manual_example> examples;
    std::vector<manual_exit_code> exit_status; // empty: 0 success, 1 failure, 2 bad usage
    std::vector<std::string_view> see_also;    // beyond zc(1): "sendfile(2)", "zc-recv(1)"
};

// Keeps `manual` for `verb`'s page and makes the --help footer from it
// (description, examples, exit status), replacing any footer set before.
void attach_manual(CLI::App& verb, const verb_manual& manual);

// The hidden commands, run before the command line is parsed (so no profile
// is loaded) once every verb is registered:
//   zc __manpages DIR      zc.1 and zc-VERB.1 for every verb into DIR
//   zc __manpage [VERB]    one page to stdout (zc.1 without VERB)
//   zc __completion [FILE] the bash completion script to FILE or stdout
// nullopt when argv[1] is none of them; else the exit code.
std::optional<int> run_manual_command(const CLI::App& zc, int argc, char** argv);

} // namespace zc::cli
