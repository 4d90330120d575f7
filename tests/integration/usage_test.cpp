// zc itself: --version, --help on every verb, bad verbs and missing arguments.
#include <gtest/gtest.h>

#include "zc_cli_support.hpp"
#include "zerocopy/version.hpp"

namespace zc::test {

TEST(usage, version_prints_the_version) {
    auto r = run_zc({"--version"});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find("zc 0."), std::string::npos) << r;
}

TEST(usage, version_names_the_library_version) {
    auto r = run_zc({"--version"});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out.rfind(std::string("zc ") + ZEROCOPY_VERSION_STRING + "\n", 0), 0u) << r;
    EXPECT_NE(r.out.find(std::string("libzerocopy ") + ZEROCOPY_VERSION_STRING), std::string::npos) << r;
}

TEST(usage, help_verb_is_help) {
    auto plain = run_zc({"--help"});
    auto verb = run_zc({"help"});
    EXPECT_EQ(verb.exit_code, 0) << verb;
    EXPECT_EQ(verb.out, plain.out);
    for (const char* name : {"copy", "cat", "recv"}) {
        auto of_verb = run_zc({"help", name});
        EXPECT_EQ(of_verb.exit_code, 0) << name << ": " << of_verb;
        EXPECT_EQ(of_verb.out, run_zc({name, "--help"}).out) << name;
        EXPECT_NE(of_verb.out.find(std::string("Usage: zc ") + name), std::string::npos) << of_verb;
    }
}

TEST(usage, help_for_an_unknown_verb_is_a_usage_error) {
    expect_usage_error(run_zc({"help", "frobnicate"}), "frobnicate", "");
}

TEST(usage, help_lists_every_verb) {
    auto r = run_zc({"--help"});
    EXPECT_EQ(r.exit_code, 0) << r;
    for (const char* verb : {"strategies", "copy", "cat", "send", "recv"})
        EXPECT_NE(r.out.find(verb), std::string::npos) << verb << "\n" << r;
}

TEST(usage, every_verb_has_help) {
    for (const char* verb : {"strategies", "copy", "cat", "send", "recv"}) {
        auto r = run_zc({verb, "--help"});
        EXPECT_EQ(r.exit_code, 0) << verb << ": " << r;
        EXPECT_NE(r.out.find(std::string("Usage: zc ") + verb), std::string::npos) << r;
    }
}

TEST(usage, no_verb_is_a_usage_error) { expect_usage_error(run_zc({}), "subcommand", ""); }

TEST(usage, unknown_verb_is_a_usage_error) { expect_usage_error(run_zc({"frobnicate"}), "frobnicate", ""); }

TEST(usage, missing_arguments_are_usage_errors) {
    expect_usage_error(run_zc({"copy", "only-one"}), "DST", "copy");
    expect_usage_error(run_zc({"send", "file"}), "HOST:PORT", "send");
    expect_usage_error(run_zc({"recv", "127.0.0.1:0"}), "OUT", "recv");
}

TEST(usage, progress_and_no_progress_exclude_each_other) {
    expect_usage_error(run_zc({"cat", "--progress", "--no-progress", "-"}), "progress", "cat");
}

} // namespace zc::test
