// --json on failure: every verb with --json prints one error object
// {"error": {"message", "reason", "errno", "errno_name", "context"}} where its
// statistics would have gone (stdout; stderr for cat and recv … -), beside
// the usual "zc: error: …" line, and exits non-zero.
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>

#include "support/test_support.hpp"
#include "zc_cli_support.hpp"
#include "zc_net_support.hpp"

namespace zc::test {
namespace {

namespace fs = std::filesystem;

// The error object of a failed --json run, checked for its shape.
nlohmann::json expect_error_object(const std::string& text, int errno_value, const std::string& message_part) {
    nlohmann::json object;
    try {
        object = last_json_line(text);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "no JSON error object in:\n" << text << "\n" << e.what();
        return object;
    }
    EXPECT_TRUE(object.is_object()) << object.dump();
    const auto& error = object.at("error");
    EXPECT_NE(error.at("message").get<std::string>().find(message_part), std::string::npos) << object.dump();
    EXPECT_TRUE(error.at("reason").is_string()) << object.dump();
    if (errno_value != 0) {
        EXPECT_EQ(error.at("errno").get<int>(), errno_value) << object.dump();
        EXPECT_EQ(error.at("errno_name").get<std::string>(), ::strerrorname_np(errno_value)) << object.dump();
        EXPECT_TRUE(error.at("context").is_string()) << object.dump();
    }
    return object;
}

} // namespace

TEST(json_errors, copy_prints_the_error_on_stdout) {
    temp_dir dir;
    auto r = run_zc({"copy", "--json", (dir / "missing.bin").string(), (dir / "dst").string()});
    expect_failure(r, {"missing.bin"});
    const auto object = expect_error_object(r.out, ENOENT, "missing.bin");
    EXPECT_EQ(object.at("error").at("context").get<std::string>(), "open '" + (dir / "missing.bin").string() + "'");
    EXPECT_FALSE(object.contains("bytes")) << "no statistics on failure";
}

TEST(json_errors, copy_failure_without_an_errno_has_null_fields) {
    temp_dir dir;
    write_random_file(dir / "src", 100, 1);
    auto r = run_zc({"copy", "--json", (dir / "src").string(), (dir / "src").string()});
    expect_failure(r, {"same file"});
    const auto object = expect_error_object(r.out, 0, "same file");
    EXPECT_TRUE(object.at("error").at("errno").is_null()) << object.dump();
    EXPECT_TRUE(object.at("error").at("errno_name").is_null()) << object.dump();
}

TEST(json_errors, cat_prints_every_error_on_stderr_and_keeps_stdout_for_data) {
    temp_dir dir;
    const auto a = write_random_file(dir / "a", 1000, 2);
    auto r = run_zc({"cat", "--json", (dir / "gone1").string(), (dir / "a").string(), (dir / "gone2").string()});
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_EQ(r.out, a) << "stdout carries only the data";
    const auto object = expect_error_object(r.err, ENOENT, "gone1");
    ASSERT_TRUE(object.contains("errors")) << object.dump();
    ASSERT_EQ(object.at("errors").size(), 2u) << object.dump();
    EXPECT_NE(object.at("errors").at(1).at("message").get<std::string>().find("gone2"), std::string::npos);
}

TEST(json_errors, send_prints_the_error_on_stdout) {
    temp_dir dir;
    write_random_file(dir / "a", 100, 3);
    int port = 0;
    {
        test_listener closed; // a port that was just free, now refused
        port = closed.port;
    }
    auto r = run_zc({"send", "--json", "--connect-timeout", "5", (dir / "a").string(), "127.0.0.1:" + std::to_string(port)},
                    within(20s));
    expect_failure(r, {"Connection refused"});
    expect_error_object(r.out, ECONNREFUSED, "Connection refused");
}

TEST(json_errors, recv_prints_the_error_on_stdout_for_a_file) {
    temp_dir dir;
    auto r = run_zc({"recv", "--json", "127.0.0.1:0", (dir / "nowhere" / "out").string()}, within(10s));
    expect_failure(r, {"nowhere/out"});
    expect_error_object(r.out, ENOENT, "nowhere/out");
}

TEST(json_errors, recv_to_stdout_prints_the_error_on_stderr) {
    temp_dir dir;
    test_listener busy;
    auto r = run_zc({"recv", "--json", "127.0.0.1:" + std::to_string(busy.port), "-"}, within(10s));
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_NE(r.err.find("zc: error: "), std::string::npos) << r;
    EXPECT_EQ(r.out, "");
    expect_error_object(r.err, EADDRINUSE, "Address already in use");
}

TEST(json_errors, usage_errors_print_the_error_object_too) {
    temp_dir dir;
    write_random_file(dir / "a", 10, 4);
    auto r = run_zc({"copy", "--json", "--length", "-5", (dir / "a").string(), (dir / "b").string()});
    expect_usage_error(r, "--length", "copy");
    const auto object = expect_error_object(r.out, 0, "--length");
    EXPECT_TRUE(object.at("error").at("errno").is_null()) << object.dump();

    r = run_zc({"cat", "--json", "--offset", "5", "-"});
    expect_usage_error(r, "--offset", "cat");
    EXPECT_EQ(r.out, "") << "cat's stdout is for data";
    expect_error_object(r.err, 0, "--offset");
}

TEST(json_errors, without_json_nothing_goes_to_stdout) {
    temp_dir dir;
    auto r = run_zc({"copy", (dir / "missing").string(), (dir / "dst").string()});
    expect_failure(r, {"missing"});
    EXPECT_EQ(r.out, "");
}

} // namespace zc::test
