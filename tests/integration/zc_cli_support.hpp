// What several integration tests share: the strategy catalogue as
// `zc strategies --json` reports it, skip decisions per strategy and pair,
// the port a `zc recv ...:0` announces, and JSON checks.
//
// Header-only: tests/CMakeLists.txt compiles integration/*_test.cpp only.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zc_process.hpp"

namespace zc::test {

// Every --strategy value. strategies_test checks that `zc strategies` lists
// exactly these (plus auto), so a new strategy cannot go untested.
inline const std::vector<std::string>& strategy_names_under_test() {
    static const std::vector<std::string> names = {
        "auto",          "read-write",   "mmap-write",    "sendfile",     "splice",
        "copy-file-range", "direct-io", "uring-splice", "uring-send-zc", "msg-zerocopy",
    };
    return names;
}

// gtest parameter names may only hold [A-Za-z0-9_].
inline std::string param_name(const testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (char& c : name)
        if (c == '-') c = '_';
    return name;
}

// `zc strategies --json`, run once.
inline const nlohmann::json& strategy_catalog() {
    static const nlohmann::json catalog = [] {
        auto r = run_zc({"strategies", "--json"});
        if (r.exit_code != 0) throw std::runtime_error("zc strategies --json failed: " + r.err);
        return nlohmann::json::parse(r.out);
    }();
    return catalog;
}

enum class endpoint_kind { file, socket, pipe };

// Whether one side of a "serves" text ("regular file → socket, pipe, file",
// "any → any") names this kind.
inline bool names_kind(const std::string& side, endpoint_kind kind) {
    if (side.find("any") != std::string::npos) return true;
    switch (kind) {
    case endpoint_kind::file: return side.find("file") != std::string::npos;
    case endpoint_kind::socket: return side.find("socket") != std::string::npos || side.find("TCP") != std::string::npos;
    case endpoint_kind::pipe: return side.find("pipe") != std::string::npos;
    }
    return false;
}

// Why `strategy` cannot be tested for source → sink here, from its catalogue
// entry (unavailable, or its "serves" line excludes the pair); nullopt when
// it should work. An empty "serves" is not held against it: the run decides.
inline std::optional<std::string> why_untestable(const std::string& strategy, endpoint_kind source, endpoint_kind sink) {
    if (strategy == "auto") return std::nullopt;
    for (const auto& entry : strategy_catalog()) {
        if (entry.at("name") != strategy) continue;
        if (!entry.at("available").get<bool>())
            return strategy + " is unavailable here: " + entry.at("reason").get<std::string>();
        const std::string serves = entry.at("serves").get<std::string>();
        const std::string arrow = "\u2192";
        const auto at = serves.find(arrow);
        if (at == std::string::npos) return std::nullopt;
        if (!names_kind(serves.substr(0, at), source) || !names_kind(serves.substr(at + arrow.size()), sink))
            return strategy + " does not serve this pair (serves: " + serves + ")";
        return std::nullopt;
    }
    return strategy + " is not listed by `zc strategies --json`";
}

// The engine refused the pair before moving a byte (errc::unsupported_pair):
// the strategy's own, authoritative "no" — a skip, not a failure.
inline bool refused_pair(const run_result& r) {
    return r.exit_code == 1 && r.err.find("cannot serve") != std::string::npos;
}

// The port in "zc: listening on 127.0.0.1:PORT" / "[::1]:PORT"; 0 if absent.
inline int announced_port(const std::string& err) {
    static const std::regex pattern(R"(zc: listening on .*:(\d+))");
    std::smatch m;
    return std::regex_search(err, m, pattern) ? std::stoi(m[1]) : 0;
}

// Starts `zc recv ARGS...` on port 0 of `host` and returns it once listening
// (its port in *port). Fails the test if it does not announce a port.
inline std::unique_ptr<zc_process> start_receiver(const std::string& host, std::vector<std::string> extra,
                                                  const std::string& out, int* port, run_options options = {}) {
    std::vector<std::string> args = {"recv"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(host + ":0");
    args.push_back(out);
    auto receiver = std::make_unique<zc_process>(args, std::move(options));
    receiver->wait_for_stderr("zc: listening on ");
    *port = announced_port(receiver->stderr_so_far());
    EXPECT_NE(*port, 0) << "recv did not announce its port: " << receiver->stderr_so_far();
    return receiver;
}

// The last non-empty line of text, parsed as JSON (stderr may hold other
// lines before it).
inline nlohmann::json last_json_line(const std::string& text) {
    auto end = text.find_last_not_of('\n');
    if (end == std::string::npos) return nlohmann::json::parse(text); // throws with a message
    auto start = text.rfind('\n', end);
    start = start == std::string::npos ? 0 : start + 1;
    return nlohmann::json::parse(text.substr(start, end - start + 1));
}

// The statistics object every --json verb prints.
inline void expect_stats_object(const nlohmann::json& stats, std::uint64_t bytes) {
    ASSERT_TRUE(stats.is_object()) << stats.dump();
    EXPECT_EQ(stats.at("bytes").get<std::uint64_t>(), bytes);
    EXPECT_TRUE(stats.at("strategy").is_string());
    EXPECT_NE(stats.at("strategy").get<std::string>(), "auto") << "the strategy used, not the one asked for";
    ASSERT_TRUE(stats.at("fallbacks").is_array());
    for (const auto& fallback : stats.at("fallbacks")) {
        EXPECT_TRUE(fallback.at("from").is_string());
        EXPECT_TRUE(fallback.at("to").is_string());
        EXPECT_TRUE(fallback.at("at_byte").is_number_unsigned());
        EXPECT_TRUE(fallback.at("reason").is_string());
    }
    EXPECT_TRUE(stats.at("seconds").is_number());
    EXPECT_GE(stats.at("seconds").get<double>(), 0.0);
    EXPECT_TRUE(stats.at("syscalls").is_number_unsigned());
    EXPECT_TRUE(stats.at("zerocopy_sends").is_number_unsigned());
    EXPECT_TRUE(stats.at("zerocopy_copied").is_number_unsigned());
}

// The usage-error shape: exit 2, "zc: error: ...", then the usage line.
inline void expect_usage_error(const run_result& r, const std::string& message_part, const std::string& verb) {
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_NE(r.err.find("zc: error: "), std::string::npos) << r;
    EXPECT_NE(r.err.find(message_part), std::string::npos) << "expected '" << message_part << "' in\n" << r;
    EXPECT_NE(r.err.find("Usage: zc " + verb), std::string::npos) << r;
}

// A failed transfer: exit 1 and one "zc: error: ..." line naming `what`.
inline void expect_failure(const run_result& r, const std::vector<std::string>& message_parts) {
    EXPECT_EQ(r.exit_code, 1) << r;
    const auto at = r.err.find("zc: error: ");
    EXPECT_TRUE(at != std::string::npos && (at == 0 || r.err[at - 1] == '\n')) << r;
    EXPECT_EQ(r.err.find("zc: error: ", at + 1), std::string::npos) << "one error line: " << r;
    EXPECT_EQ(r.err.find('\n', at), r.err.size() - 1) << "the error is the last line: " << r;
    for (const auto& part : message_parts)
        EXPECT_NE(r.err.find(part), std::string::npos) << "expected '" << part << "' in\n" << r;
}

// The user permission tests run as: nobody when we are root (root ignores
// file permissions), else ourselves.
inline std::optional<uid_t> unprivileged_user() {
    return ::geteuid() == 0 ? std::optional<uid_t>(65534) : std::nullopt;
}

} // namespace zc::test
