// zc's man pages and bash completion, generated from the CLI11 command tree
// that --help prints (manual.hpp). The build runs `zc __manpages build/man`
// and `zc __completion build/completion/zc` after linking zc, and
// tests/integration/manual_test.cpp checks that every option of every
// verb's --help is in its page and that groff renders each page cleanly.
//
// Roff is written for man(7) plus groff's .SY/.OP/.EX extensions, which
// groff and mandoc both know. Every '-' is written \- (an ASCII hyphen-minus
// on the terminal, so an option can be copied from the page), and non-ASCII
// text as \[uXXXX], so the pages need no preconv.
#include "manual.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "diagnostics.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::cli {
namespace {

// ---- the prose -------------------------------------------------------------

std::map<std::string, verb_manual>& manuals() {
    static std::map<std::string, verb_manual> by_verb;
    return by_verb;
}

const verb_manual* manual_of(const CLI::App& verb) {
    const auto found = manuals().find(verb.get_name());
    return found == manuals().end() ? nullptr : &found->second;
}

const std::vector<manual_exit_code>& usual_exit_status() {
    static const std::vector<manual_exit_code> codes = {
        {0, "success"}, {1, "the operation failed (the message on stderr says what and why)"}, {2, "bad usage"}};
    return codes;
}

const std::vector<manual_exit_code>& exit_status_of(const verb_manual* manual) {
    return manual && !manual->exit_status.empty() ? manual->exit_status : usual_exit_status();
}

// zc(1) itself: the tool as a whole, which no cmd_<verb>.cpp owns.
const verb_manual& zc_manual() {
    static const verb_manual manual = {
        .description =
            "zc moves bytes between files, pipes and TCP sockets with the zero-copy system calls Linux offers: "
            "sendfile(2), splice(2), copy_file_range(2), io_uring, MSG_ZEROCOPY, mmap(2) and O_DIRECT, with "
            "read(2)/write(2) as the portable baseline. Each way of moving bytes is a strategy; every verb takes "
            "`--strategy` to force one.\n\n"
            "The default strategy, auto, picks the fastest strategy that is safe for the source and destination at "
            "hand (file, pipe, socket; their size and flags) and falls back along a chain when the kernel refuses "
            "one (EINVAL, ENOSYS, EXDEV, EOPNOTSUPP, a container without io_uring), down to read-write, which "
            "moves anything. Which strategy auto tries first per scenario and size comes from a profile: the "
            "built-in one, or one `zc tune` measured on this machine (see ENVIRONMENT and FILES).\n\n"
            "Every verb has a page of its own, listed under COMMANDS, and prints the same options with "
            "`zc VERB --help`.",
        .examples =
            {
                {"zc strategies", "What this kernel can run, and what auto picks first."},
                {"zc copy big.iso /mnt/backup/big.iso", "Copy a file; DST appears whole or not at all."},
                {"zc serve --root ./public --listen :8080", "Serve a directory over HTTP."},
                {"zc tune --quick && zc bench --quick", "Measure this machine, then compare every strategy."},
            },
        .exit_status = {},
        .see_also = {"sendfile(2)", "splice(2)", "copy_file_range(2)", "io_uring(7)"},
    };
    return manual;
}

// ---- plain text for --help -------------------------------------------------

std::vector<std::string> paragraphs(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto end = text.find("\n\n");
        std::string paragraph(text.substr(0, end));
        std::replace(paragraph.begin(), paragraph.end(), '\n', ' ');
        if (!paragraph.empty()) out.push_back(std::move(paragraph));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 2);
    }
    return out;
}

// Columns a UTF-8 string takes on a terminal (one per code point).
std::size_t columns(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::string wrapped(std::string_view text, std::size_t indent, std::size_t width = 78) {
    std::string out, line;
    std::istringstream words{std::string(text)};
    for (std::string word; words >> word;) {
        if (!line.empty() && indent + columns(line) + 1 + columns(word) > width) {
            out += std::string(indent, ' ') + line + "\n";
            line.clear();
        }
        line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
    return out;
}

std::string exit_status_sentence(const std::vector<manual_exit_code>& codes) {
    std::string sentence;
    for (const auto& c : codes) sentence += fmt::format("{}{}: {}", sentence.empty() ? "" : "; ", c.code, c.meaning);
    return sentence;
}

std::string help_footer(const verb_manual& manual) {
    std::string footer;
    for (const auto& paragraph : paragraphs(manual.description)) footer += wrapped(paragraph, 0) + "\n";
    if (!manual.examples.empty()) {
        footer += "Examples:\n";
        for (const auto& e : manual.examples) footer += "  " + std::string(e.command) + "\n" + wrapped(e.explanation, 6);
        footer += "\n";
    }
    footer += wrapped("Exit status: " + exit_status_sentence(exit_status_of(&manual)) + ".", 0);
    if (!footer.empty() && footer.back() == '\n') footer.pop_back(); // CLI11 adds one
    return footer;
}

// ---- roff --------------------------------------------------------------------

// The code point of the UTF-8 sequence at text[i], and its length.
std::pair<std::uint32_t, std::size_t> decode_utf8(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (length == 1 || i + length > text.size()) return {0xFFFD, 1};
    std::uint32_t code = lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) code = (code << 6) | (byte(i + k) & 0x3F);
    return {code, length};
}

// Text for a roff text line or macro argument: escapes, `code` in bold.
std::string roff_escaped(std::string_view text) {
    std::string out;
    bool bold = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (static_cast<unsigned char>(c) >= 0x80) {
            const auto [code, length] = decode_utf8(text, i);
            out += fmt::format("\\[u{:04X}]", code);
            i += length;
            continue;
        }
        switch (c) {
        case '\\': out += "\\e"; break;
        case '-': out += "\\-"; break;
        case '`':
            out += bold ? "\\fR" : "\\fB";
            bold = !bold;
            break;
        case '\n': out += ' '; break;
        default: out += c;
        }
        ++i;
    }
    if (bold) out += "\\fR";
    return out;
}

// One filled paragraph as a text line (a leading . or ' would be a request).
std::string roff_line(std::string_view text) {
    std::string line = roff_escaped(text);
    if (!line.empty() && (line.front() == '.' || line.front() == '\'')) line.insert(0, "\\&");
    return line + "\n";
}

std::string quoted_argument(std::string_view text) { return "\"" + roff_escaped(text) + "\""; }

bool is_visible(const CLI::Option* option) { return !option->get_group().empty(); }

// A flag (add_flag, --help, --version) expects no value; get_type_size() says 1 for it.
bool takes_value(const CLI::Option* option) { return option->get_expected_max() != 0; }

std::vector<std::string> option_names(const CLI::Option* option) {
    std::vector<std::string> names;
    for (const auto& s : option->get_snames()) names.push_back("-" + s);
    for (const auto& l : option->get_lnames()) names.push_back("--" + l);
    return names;
}

std::string primary_name(const CLI::Option* option) {
    const auto names = option_names(option);
    return names.empty() ? option->get_name() : names.back();
}

std::vector<const CLI::Option*> visible_options(const CLI::App& app, bool positional) {
    return app.get_options([positional](const CLI::Option* o) {
        return is_visible(o) && (o->nonpositional() != positional);
    });
}

std::vector<const CLI::App*> verbs_of(const CLI::App& zc) {
    return zc.get_subcommands([](const CLI::App* verb) { return !verb->get_group().empty(); });
}

std::string page_name(const CLI::App& verb, const CLI::App& zc) {
    return &verb == &zc ? zc.get_name() : zc.get_name() + "-" + verb.get_name();
}

std::string operand_synopsis(const CLI::Option* operand) {
    std::string text = "\\fI" + roff_escaped(operand->get_name()) + "\\fR";
    if (operand->get_expected_max() >= CLI::detail::expected_max_vector_size) text += "\\~.\\|.\\|.";
    return operand->get_required() ? text : "[" + text + "]";
}

// `operands_text`: roff for the operands when they are not the app's own.
std::string synopsis(const CLI::App& app, std::string_view invocation, std::string_view operands_text = {}) {
    std::string out = ".SY " + quoted_argument(invocation) + "\n";
    for (const auto* option : visible_options(app, false)) {
        if (option == app.get_help_ptr()) continue;
        out += ".OP " + roff_escaped(primary_name(option));
        if (takes_value(option) && !option->get_type_name().empty()) out += " " + quoted_argument(option->get_type_name());
        out += "\n";
    }
    for (const auto* operand : visible_options(app, true)) out += operand_synopsis(operand) + "\n";
    if (!operands_text.empty()) out += std::string(operands_text) + "\n";
    return out + ".YS\n";
}

std::string option_tag(const CLI::Option* option) {
    std::string tag;
    for (const auto& name : option_names(option))
        tag += (tag.empty() ? "" : ", ") + std::string("\\fB") + roff_escaped(name) + "\\fR";
    if (takes_value(option) && !option->get_type_name().empty())
        tag += " \\fI" + roff_escaped(option->get_type_name()) + "\\fR";
    return tag;
}

std::string option_body(const CLI::Option* option) {
    std::string body = option->get_description();
    if (!option->get_default_str().empty()) body += fmt::format(" (default: {})", option->get_default_str());
    std::vector<std::string> excluded;
    for (const auto* other : option->get_excludes()) excluded.push_back("`" + primary_name(other) + "`");
    std::sort(excluded.begin(), excluded.end());
    if (!excluded.empty()) body += fmt::format(". Cannot be combined with {}", fmt::join(excluded, ", "));
    return body;
}

std::string options_section(const CLI::App& app) {
    std::string out;
    const auto operands = visible_options(app, true);
    if (!operands.empty()) {
        out += ".SH ARGUMENTS\n";
        for (const auto* operand : operands)
            out += ".TP\n\\fI" + roff_escaped(operand->get_name()) + "\\fR\n" + roff_line(operand->get_description());
    }
    out += ".SH OPTIONS\n";
    for (const auto* option : visible_options(app, false)) out += ".TP\n" + option_tag(option) + "\n" + roff_line(option_body(option));
    return out;
}

std::string description_section(std::string summary, const verb_manual* manual) {
    if (!summary.empty()) summary[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
    std::string out = ".SH DESCRIPTION\n";
    if (!summary.empty()) out += roff_line(summary);
    if (manual)
        for (const auto& paragraph : paragraphs(manual->description))
            out += (out.ends_with("DESCRIPTION\n") ? "" : ".PP\n") + roff_line(paragraph);
    return out;
}

std::string examples_section(const verb_manual* manual) {
    if (!manual || manual->examples.empty()) return {};
    std::string out = ".SH EXAMPLES\n";
    for (const auto& e : manual->examples)
        out += ".PP\n" + roff_line(e.explanation) + ".PP\n.RS\n.EX\n" + roff_line("$ " + std::string(e.command)) + ".EE\n.RE\n";
    return out;
}

std::string exit_status_section(const verb_manual* manual) {
    std::string out = ".SH EXIT STATUS\n";
    for (const auto& c : exit_status_of(manual)) out += fmt::format(".TP\n\\fB{}\\fR\n{}", c.code, roff_line(c.meaning));
    return out;
}

std::string see_also_section(std::vector<std::string> pages) {
    std::string out = ".SH SEE ALSO\n";
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const auto open = pages[i].find('(');
        out += ".BR " + roff_escaped(pages[i].substr(0, open)) + " " + pages[i].substr(open) +
               (i + 1 < pages.size() ? " ," : "") + "\n";
    }
    return out;
}

std::string page_header(std::string_view name, std::string_view summary) {
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    // No hyphenation, ragged right: option names in the prose stay whole.
    // HY too, because groff's .YS and .EE restore hyphenation from it.
    return fmt::format(".TH {} 1 \"\" {} \"zc manual\"\n.nr HY 0\n.nh\n.ad l\n.SH NAME\n{} \\- {}\n",
                       quoted_argument(upper),
                       quoted_argument("zc " ZC_VERSION), roff_escaped(name), roff_escaped(summary));
}

// The summary line without the "zc — " the root description starts with.
std::string summary_of(const CLI::App& app) {
    std::string summary = app.get_description();
    const std::string prefix = app.get_name() + " — ";
    if (summary.starts_with(prefix)) summary.erase(0, prefix.size());
    return summary;
}

std::string verb_page(const CLI::App& verb, const CLI::App& zc) {
    const verb_manual* manual = manual_of(verb);
    const std::string name = page_name(verb, zc);
    const std::string invocation = zc.get_name() + " " + verb.get_name();
    std::string out = page_header(name, summary_of(verb));
    out += ".SH SYNOPSIS\n" + synopsis(verb, invocation);
    out += description_section(summary_of(verb) + ".", manual);
    out += options_section(verb);
    out += exit_status_section(manual);
    out += examples_section(manual);
    std::vector<std::string> see_also = {zc.get_name() + "(1)"};
    if (manual) see_also.insert(see_also.end(), manual->see_also.begin(), manual->see_also.end());
    return out + see_also_section(see_also);
}

std::string commands_section(const CLI::App& zc) {
    std::string out = ".SH COMMANDS\n";
    for (const auto* verb : verbs_of(zc))
        out += ".TP\n\\fB" + roff_escaped(zc.get_name() + " " + verb->get_name()) + "\\fR\n" +
               roff_line(verb->get_description() + ". See " + page_name(*verb, zc) + "(1).");
    return out;
}

std::string strategies_section() {
    std::string out = ".SH STRATEGIES\n" +
                      roff_line("The values of `--strategy`, besides auto; `zc strategies` tells which ones this "
                                "machine can run, and why not.");
    for (const auto& info : describe_strategies())
        out += ".TP\n\\fB" + roff_escaped(info.name) + "\\fR\n" +
               roff_line(fmt::format("{}. Serves {}.", info.summary, info.serves));
    return out;
}

std::string zc_page(const CLI::App& zc) {
    const verb_manual& manual = zc_manual();
    std::string out = page_header(zc.get_name(), summary_of(zc));
    out += ".SH SYNOPSIS\n" + synopsis(zc, zc.get_name(), "\\fIVERB\\fR [\\fIVERB\\-OPTIONS\\fR] [\\fIARGUMENTS\\fR]");
    out += description_section({}, &manual); // the NAME line says it already
    out += commands_section(zc);
    out += options_section(zc);
    out += strategies_section();
    out += ".SH ENVIRONMENT\n.TP\n.B ZEROCOPY_PROFILE\n" +
           roff_line("The profile auto uses: a path, or builtin for the built-in one. `--profile FILE` overrides it.");
    out += ".SH FILES\n";
    const std::pair<const char*, const char*> files[] = {
        {"$XDG_CONFIG_HOME/zerocopy/profile.json",
         "The per-user profile auto reads when ZEROCOPY_PROFILE is unset; `zc tune` writes it."},
        {"~/.config/zerocopy/profile.json", "The same, when XDG_CONFIG_HOME is unset or relative."},
        {"/etc/zerocopy/profile.json", "The system-wide profile, read when there is no per-user one."},
    };
    for (const auto& [path, meaning] : files) out += ".TP\n.I " + roff_escaped(path) + "\n" + roff_line(meaning);
    out += exit_status_section(&manual);
    out += examples_section(&manual);
    std::vector<std::string> see_also;
    for (const auto* verb : verbs_of(zc)) see_also.push_back(page_name(*verb, zc) + "(1)");
    see_also.insert(see_also.end(), manual.see_also.begin(), manual.see_also.end());
    return out + see_also_section(see_also);
}

// ---- bash completion -----------------------------------------------------------

std::string joined_names(const std::vector<const CLI::Option*>& options) {
    std::vector<std::string> names;
    for (const auto* option : options)
        for (auto& name : option_names(option)) names.push_back(std::move(name));
    return fmt::format("{}", fmt::join(names, " "));
}

std::string strategy_words() {
    std::string words = "auto";
    for (const auto id : all_strategies()) words += fmt::format(" {}", strategy_name(id));
    return words;
}

// The values a type name such as STATE:{warm,cold,both} lists (CLI11's
// IsMember), else empty.
std::string listed_values(const std::string& type_name) {
    const auto open = type_name.find('{');
    const auto close = type_name.rfind('}');
    if (open == std::string::npos || close == std::string::npos || close < open) return {};
    std::string values = type_name.substr(open + 1, close - open - 1);
    std::replace(values.begin(), values.end(), ',', ' ');
    return values;
}

// The bash for completing the value of `option`.
std::string value_completion(const CLI::Option* option) {
    const std::string type = option->get_type_name();
    const auto& long_names = option->get_lnames();
    if (std::find(long_names.begin(), long_names.end(), "strategy") != long_names.end())
        return fmt::format("COMPREPLY=($(compgen -W '{}' -- \"$cur\"))", strategy_words());
    if (const std::string values = listed_values(type); !values.empty())
        return fmt::format("COMPREPLY=($(compgen -W '{}' -- \"$cur\"))", values);
    if (type.starts_with("DIR")) return "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\"))";
    if (type.starts_with("FILE") || type.starts_with("PATH")) return "COMPREPLY=()"; // -o default: file names
    return "compopt +o default 2>/dev/null; COMPREPLY=()";                          // a number, an address
}

// case patterns ("VERB OPTION") → value completion, for every valued option.
void add_value_cases(std::map<std::string, std::vector<std::string>>& cases, const CLI::App& app,
                     const std::string& verb) {
    for (const auto* option : visible_options(app, false)) {
        if (!takes_value(option)) continue;
        for (const auto& name : option_names(option)) cases[value_completion(option)].push_back("\"" + verb + " " + name + "\"");
    }
}

std::string completion_script(const CLI::App& zc) {
    std::vector<std::string> verb_names;
    for (const auto* verb : verbs_of(zc)) verb_names.push_back(verb->get_name());
    std::map<std::string, std::vector<std::string>> value_cases;
    add_value_cases(value_cases, zc, "");
    std::string verb_options;
    for (const auto* verb : verbs_of(zc)) {
        add_value_cases(value_cases, *verb, verb->get_name());
        verb_options += fmt::format("    {}) options='{}'; operands={} ;;\n", verb->get_name(),
                                    joined_names(visible_options(*verb, false)),
                                    visible_options(*verb, true).empty() ? 0 : 1);
    }
    std::string global_skips;
    for (const auto* option : visible_options(zc, false))
        if (takes_value(option))
            for (const auto& name : option_names(option)) global_skips += (global_skips.empty() ? "" : "|") + name;

    std::string script = fmt::format(
        "# bash completion for {0}, generated by `{0} __completion` from the command\n"
        "# definitions `{0} --help` prints (apps/zc/manual.cpp). Do not edit.\n"
        "_{0}() {{\n"
        "    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=\n"
        "    (( COMP_CWORD > 0 )) && prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
        "    # --option=value: bash splits the word at '='.\n"
        "    if [[ $cur == = ]]; then cur=\n"
        "    elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then prev=${{COMP_WORDS[COMP_CWORD-2]}}\n"
        "    fi\n"
        "    local verb= i\n"
        "    for (( i = 1; i < COMP_CWORD; i++ )); do\n"
        "        case ${{COMP_WORDS[i]}} in\n"
        "        {1}) (( i++ )) ;;\n"
        "        {2}) verb=${{COMP_WORDS[i]}}; break ;;\n"
        "        esac\n"
        "    done\n"
        "    case \"$verb $prev\" in\n",
        zc.get_name(), global_skips.empty() ? "--" : global_skips, fmt::join(verb_names, "|"));
    for (const auto& [action, patterns] : value_cases)
        script += fmt::format("    {}) {}; return ;;\n", fmt::join(patterns, "|"), action);
    script += fmt::format(
        "    esac\n"
        "    local options operands=0\n"
        "    case $verb in\n"
        "    '') options='{}'\n"
        "        if [[ $cur != -* ]]; then COMPREPLY=($(compgen -W '{}' -- \"$cur\")); return; fi ;;\n"
        "{}"
        "    esac\n"
        "    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$options\" -- \"$cur\")); return; fi\n"
        "    # Operands are file names (complete -o default), for a verb that takes any.\n"
        "    (( operands )) || compopt +o default 2>/dev/null\n"
        "    COMPREPLY=()\n"
        "}}\n"
        "complete -o default -F _{} {}\n",
        joined_names(visible_options(zc, false)), fmt::join(verb_names, " "), verb_options, zc.get_name(), zc.get_name());
    return script;
}

// ---- the hidden commands -----------------------------------------------------

bool write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (out) return true;
    print_error(fmt::format("cannot write '{}': {}", path.string(), std::strerror(errno)));
    return false;
}

int write_manpages(const CLI::App& zc, const std::filesystem::path& directory) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) {
        print_error(fmt::format("cannot create '{}': {}", directory.string(), ec.message()));
        return exit_failure;
    }
    std::set<std::string> written = {zc.get_name() + ".1"};
    bool ok = write_text(directory / (zc.get_name() + ".1"), zc_page(zc));
    for (const auto* verb : verbs_of(zc)) {
        const std::string file = page_name(*verb, zc) + ".1";
        written.insert(file);
        ok &= write_text(directory / file, verb_page(*verb, zc));
    }
    // A page of a verb that no longer exists must not linger beside the others.
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        const std::string file = entry.path().filename().string();
        if (file.starts_with(zc.get_name() + "-") && file.ends_with(".1") && !written.contains(file))
            std::filesystem::remove(entry.path(), ec);
    }
    return ok ? exit_success : exit_failure;
}

int write_one_manpage(const CLI::App& zc, const char* verb_name) {
    if (!verb_name) {
        fmt::print("{}", zc_page(zc));
        return exit_success;
    }
    for (const auto* verb : verbs_of(zc))
        if (verb->get_name() == verb_name) {
            fmt::print("{}", verb_page(*verb, zc));
            return exit_success;
        }
    print_error(fmt::format("no verb '{}'", verb_name));
    return exit_usage;
}

int write_completion(const CLI::App& zc, const char* path) {
    const std::string script = completion_script(zc);
    if (!path || std::string_view(path) == "-") {
        fmt::print("{}", script);
        return exit_success;
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    return write_text(path, script) ? exit_success : exit_failure;
}

} // namespace

void attach_manual(CLI::App& verb, const verb_manual& manual) {
    manuals().insert_or_assign(verb.get_name(), manual);
    verb.footer(help_footer(manual));
}

std::optional<int> run_manual_command(const CLI::App& zc, int argc, char** argv) {
    if (argc < 2) return std::nullopt;
    const std::string_view word = argv[1];
    const char* argument = argc > 2 ? argv[2] : nullptr;
    if (argc > 3 && word.starts_with("__")) {
        print_error(fmt::format("{}: one argument at most", word));
        return exit_usage;
    }
    if (word == "__manpages") {
        if (!argument) {
            print_error("__manpages: which directory?");
            return exit_usage;
        }
        return write_manpages(zc, argument);
    }
    if (word == "__manpage") return write_one_manpage(zc, argument);
    if (word == "__completion") return write_completion(zc, argument);
    return std::nullopt;
}

} // namespace zc::cli
