// zc's man pages (build/man/) and bash completion (build/completion/zc),
// which the build generates from the command tree --help prints
// (apps/zc/manual.cpp): every verb has a page, every page lists exactly the
// options its --help lists and the examples its --help footer shows, groff
// renders every page without a warning, and completion offers verbs, options
// and strategy names.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "zc_cli_support.hpp"

namespace zc::test {
namespace {

const std::filesystem::path man_dir = ZC_MAN_DIR;
const std::filesystem::path completion_script = ZC_COMPLETION_SCRIPT;

struct shell_result {
    int exit_code = -1;
    std::string output; // stdout and stderr together
};

std::string shell_quoted(const std::string& word) {
    std::string quoted = "'";
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// The words, each quoted for sh, separated by spaces.
std::string command_line(const std::vector<std::string>& words) {
    std::string line;
    for (const auto& word : words) {
        if (!line.empty()) line += ' ';
        line += shell_quoted(word);
    }
    return line;
}

shell_result run_shell(const std::string& command) {
    shell_result result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.output.append(buffer, n);
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

bool have_program(const std::string& name) { return run_shell("command -v " + command_line({name})).exit_code == 0; }

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The verbs `zc --help` lists under "Subcommands:".
std::vector<std::string> verbs_in_help() {
    auto r = run_zc({"--help"});
    std::vector<std::string> verbs;
    bool in_list = false;
    for (const auto& line : lines_of(r.out)) {
        if (line.starts_with("Subcommands:")) {
            in_list = true;
            continue;
        }
        if (in_list && line.empty()) break;
        std::smatch m;
        if (in_list && std::regex_search(line, m, std::regex("^  ([a-z][a-z-]*)"))) verbs.push_back(m[1]);
    }
    return verbs;
}

// The option names (-s, --strategy) a --help output lists under "Options:".
std::set<std::string> options_in_help(const std::string& help) {
    std::set<std::string> names;
    bool in_options = false;
    for (const auto& line : lines_of(help)) {
        if (line.starts_with("Options:")) {
            in_options = true;
            continue;
        }
        if (in_options && (line.empty() || line[0] != ' ')) break;
        std::smatch m;
        if (!in_options || !std::regex_search(line, m, std::regex("^  (-[^ ]+)"))) continue;
        std::istringstream list(m[1]);
        for (std::string name; std::getline(list, name, ',');) names.insert(name);
    }
    return names;
}

// Roff text back to plain text: the escapes manual.cpp writes.
std::string unescaped(const std::string& roff) {
    std::string out;
    for (std::size_t i = 0; i < roff.size(); ++i) {
        if (roff[i] != '\\' || i + 1 == roff.size()) {
            out += roff[i];
            continue;
        }
        const char next = roff[++i];
        if (next == '-') out += '-';
        else if (next == 'e') out += '\\';
        else if (next == 'f') ++i; // \fB \fI \fR
        else if (next == '~') out += ' ';
        else if (next == '[') {
            const auto close = roff.find(']', i);
            const unsigned code = std::stoul(roff.substr(i + 2, close - i - 2), nullptr, 16); // [uXXXX]
            if (code < 0x800) {
                out += static_cast<char>(0xC0 | (code >> 6));
            } else {
                out += static_cast<char>(0xE0 | (code >> 12));
                out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            }
            out += static_cast<char>(0x80 | (code & 0x3F));
            i = close;
        } // \& and \| stand for nothing
    }
    return out;
}

// The lines of one section (.SH NAME up to the next .SH).
std::vector<std::string> section(const std::string& page, const std::string& name) {
    std::vector<std::string> lines;
    bool inside = false;
    for (const auto& line : lines_of(page)) {
        if (line.starts_with(".SH ")) {
            inside = line == ".SH " + name;
            continue;
        }
        if (inside) lines.push_back(line);
    }
    return lines;
}

// The option names the .TP tags of a page's OPTIONS section give.
std::set<std::string> options_in_page(const std::string& page) {
    std::set<std::string> names;
    const auto lines = section(page, "OPTIONS");
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        if (lines[i] != ".TP") continue;
        const std::string tag = unescaped(lines[i + 1]);
        std::istringstream words(tag);
        for (std::string word; words >> word;) {
            if (word.back() == ',') word.pop_back();
            if (std::regex_match(word, std::regex("--?[A-Za-z][A-Za-z0-9-]*"))) names.insert(word);
        }
    }
    return names;
}

std::vector<std::string> examples_in_help(const std::string& help) {
    std::vector<std::string> commands;
    bool in_examples = false;
    for (const auto& line : lines_of(help)) {
        if (line == "Examples:") in_examples = true;
        else if (in_examples && line.empty()) break;
        else if (in_examples && line.starts_with("  zc ")) commands.push_back(line.substr(2));
    }
    return commands;
}

// zc.1 and zc-VERB.1 for every verb --help lists.
std::vector<std::pair<std::string, std::filesystem::path>> every_page() {
    std::vector<std::pair<std::string, std::filesystem::path>> pages = {{"", man_dir / "zc.1"}};
    for (const auto& verb : verbs_in_help()) pages.emplace_back(verb, man_dir / ("zc-" + verb + ".1"));
    return pages;
}

TEST(manual, help_lists_the_verbs) {
    const auto verbs = verbs_in_help();
    for (const char* verb : {"strategies", "copy", "cat", "send", "recv", "bench", "serve", "tune"})
        EXPECT_NE(std::find(verbs.begin(), verbs.end(), verb), verbs.end()) << verb;
}

TEST(manual, every_page_lists_exactly_the_options_of_its_help) {
    for (const auto& [verb, path] : every_page()) {
        ASSERT_TRUE(std::filesystem::exists(path)) << path << " was not generated";
        auto help = verb.empty() ? run_zc({"--help"}) : run_zc({verb, "--help"});
        ASSERT_EQ(help.exit_code, 0) << help;
        const auto expected = options_in_help(help.out);
        EXPECT_FALSE(expected.empty()) << help;
        const std::string page = read_text(path);
        EXPECT_EQ(options_in_page(page), expected) << path;
        if (!verb.empty()) {
            EXPECT_NE(page.find(".SY \"zc " + verb + "\""), std::string::npos) << path;
        }
    }
}

TEST(manual, every_example_of_help_is_in_the_page) {
    std::size_t examples = 0;
    for (const auto& [verb, path] : every_page()) {
        if (verb.empty()) continue;
        auto help = run_zc({verb, "--help"});
        const std::string page = unescaped(read_text(path));
        for (const auto& command : examples_in_help(help.out)) {
            ++examples;
            EXPECT_NE(page.find("$ " + command), std::string::npos) << command << " is not in " << path;
        }
        EXPECT_NE(help.out.find("Exit status: 0: "), std::string::npos) << help;
        EXPECT_FALSE(section(read_text(path), "EXIT STATUS").empty()) << path;
    }
    EXPECT_GE(examples, 8u) << "the verbs' --help show examples";
}

// What any man(7) reader needs: known requests only, no raw non-ASCII, no
// escape manual.cpp does not mean to write. Runs without groff.
TEST(manual, pages_are_plain_man_roff) {
    const std::set<std::string> requests = {".TH", ".SH", ".PP", ".TP", ".RS", ".RE", ".EX", ".EE", ".SY",
                                            ".OP", ".YS", ".B",  ".I",  ".BR", ".nh", ".ad", ".nr"};
    const std::regex escape(R"(\\(-|e|&|~|\||f[BIR]|\[u[0-9A-F]{4}\]))");
    for (const auto& [verb, path] : every_page()) {
        const std::string page = read_text(path);
        ASSERT_TRUE(page.starts_with(".TH ")) << path;
        for (const char* name : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "SEE ALSO"})
            EXPECT_FALSE(section(page, name).empty()) << path << " has no " << name;
        for (const auto& line : lines_of(page)) {
            if (line.starts_with(".") || line.starts_with("'")) {
                EXPECT_TRUE(requests.contains(line.substr(0, line.find(' ')))) << path << ": " << line;
            }
            for (unsigned char c : line) EXPECT_LT(c, 0x80) << path << ": " << line;
            const std::string bare = std::regex_replace(line, escape, "");
            EXPECT_EQ(bare.find('\\'), std::string::npos) << path << ": " << line;
        }
    }
}

TEST(manual, groff_renders_every_page_without_warnings) {
    if (!have_program("groff")) GTEST_SKIP() << "groff is not installed (Debian: groff-base)";
    for (const auto& [verb, path] : every_page()) {
        const auto r = run_shell(command_line({"groff", "-man", "-Tutf8", "-ww", "-z", path.string()}));
        EXPECT_EQ(r.exit_code, 0) << path << "\n" << r.output;
        EXPECT_EQ(r.output, "") << path;
        // Rendered, the options read as typed (Debian's groff sets \- as '-').
        const auto text = run_shell(command_line({"groff", "-man", "-Tutf8", "-P-cbou", path.string()})).output;
        auto help = verb.empty() ? run_zc({"--help"}) : run_zc({verb, "--help"});
        for (const auto& option : options_in_help(help.out))
            EXPECT_TRUE(std::regex_search(text, std::regex("(^|[ ,\\[])" + option + "([ ,\\]]|$)",
                                                           std::regex::multiline)))
                << option << " is not in the rendered " << path;
    }
}

// What bash offers for the command line `words`, the last being completed.
std::set<std::string> completions(const std::vector<std::string>& words) {
    std::vector<std::string> argv = {"bash", "--norc", "--noprofile", "-c",
                                     "source \"$1\" || exit 3; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 )); "
                                     "_zc; printf '%s\\n' \"${COMPREPLY[@]}\"",
                                     "bash", completion_script.string()};
    argv.insert(argv.end(), words.begin(), words.end());
    const std::string command = command_line(argv);
    const auto r = run_shell(command);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::set<std::string> offered;
    for (const auto& line : lines_of(r.output))
        if (!line.empty()) offered.insert(line);
    return offered;
}

TEST(completion, completes_verbs) {
    ASSERT_TRUE(std::filesystem::exists(completion_script)) << completion_script << " was not generated";
    EXPECT_EQ(completions({"zc", "co"}), std::set<std::string>{"copy"});
    EXPECT_EQ(completions({"zc", "s"}), (std::set<std::string>{"send", "serve", "strategies"}));
    EXPECT_EQ(completions({"zc", "--profile", "p.json", "ca"}), std::set<std::string>{"cat"});
}

TEST(completion, completes_options_of_the_verb) {
    EXPECT_EQ(completions({"zc", "copy", "--str"}), std::set<std::string>{"--strategy"});
    EXPECT_EQ(completions({"zc", "send", "--c"}), (std::set<std::string>{"--connect-timeout", "--close-timeout"}));
    const auto serve = completions({"zc", "serve", "--"});
    for (const char* option : {"--listen", "--root", "--workers", "--help", "--profile"})
        EXPECT_TRUE(serve.contains(option)) << option;
    EXPECT_FALSE(serve.contains("--offset"));
}

TEST(completion, completes_strategy_names) {
    const auto offered = completions({"zc", "copy", "--strategy", "s"});
    EXPECT_TRUE(offered.contains("sendfile"));
    EXPECT_TRUE(offered.contains("splice"));
    for (const auto& name : offered) EXPECT_TRUE(name.starts_with("s")) << name;
    EXPECT_EQ(completions({"zc", "copy", "--strategy", "=", "s"}), offered) << "--strategy=s";
    EXPECT_EQ(completions({"zc", "cat", "-s", "s"}), offered);

    std::set<std::string> every = {"auto"};
    for (const auto& entry : strategy_catalog()) every.insert(entry["name"].get<std::string>());
    EXPECT_EQ(completions({"zc", "serve", "--strategy", ""}), every);
}

TEST(completion, completes_listed_values) {
    EXPECT_EQ(completions({"zc", "bench", "--cache", ""}), (std::set<std::string>{"warm", "cold", "both"}));
}

} // namespace
} // namespace zc::test
