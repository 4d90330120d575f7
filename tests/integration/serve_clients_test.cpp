// zc serve against HTTP clients nobody here wrote, run as a user would run
// them against the real binary on a free loopback port: curl and h2load
// here; wget, aria2c and ffprobe/ffmpeg in serve_downloaders_test.cpp. They
// bring their own ideas of ranges, resumption, validators, connection reuse
// and URL escaping, which our own test client (http_client.hpp) shares with
// the server's authors.
//
// A client that is not installed is a skip with its name. Every invocation is
// bounded twice: the client's own timeout option, and zc_process's kill.
// ZC_TEST_BACKEND=epoll|io-uring runs the server on that backend.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "http_clients.hpp"
#include "support/test_support.hpp"
#include "zc_net_support.hpp"

namespace zc::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- curl

class serve_with_curl : public client_test {
protected:
    void SetUp() override { require("curl", "curl"); }

    // curl without ~/.curlrc (-q must come first), errors shown, bounded.
    run_result curl(std::vector<std::string> args) {
        std::vector<std::string> all = {"-q", "--silent", "--show-error", "--max-time", "30"};
        all.insert(all.end(), args.begin(), args.end());
        return run(std::move(all), 90s);
    }
};

TEST_F(serve_with_curl, get_is_byte_exact_at_every_size) {
    const std::vector<std::pair<std::string, std::size_t>> files = {
        {"zero.bin", 0}, {"one-kib.bin", kib}, {"one-mib-plus-one.bin", mib + 1}, {"sixty-four-mib.bin", 64 * mib}};
    unsigned seed = 1;
    for (const auto& [name, size] : files) make_file(name, size, seed++);
    served_root server(root);
    for (const auto& [name, size] : files) {
        const fs::path got = out / name;
        auto r = curl({"-o", got.string(), "-w", "%{http_code} %{size_download}", server.url("/" + name)});
        ASSERT_EQ(r.exit_code, 0) << name << ": " << r;
        EXPECT_EQ(r.out, "200 " + std::to_string(size)) << name;
        EXPECT_EQ(sha256_of(got), sha256_of(root / name)) << name;
    }
}

TEST_F(serve_with_curl, head_reports_length_last_modified_etag_and_ranges) {
    const fs::path file = make_file("one-mib-plus-one.bin", mib + 1);
    served_root server(root);
    auto head = curl({"-I", server.url("/one-mib-plus-one.bin")});
    ASSERT_EQ(head.exit_code, 0) << head;
    EXPECT_EQ(head.out.rfind("HTTP/1.1 200", 0), 0u) << head.out;
    EXPECT_EQ(header_value(head.out, "Content-Length"), std::to_string(mib + 1));
    EXPECT_EQ(header_value(head.out, "Last-Modified"), http_date_of_mtime(file));
    EXPECT_EQ(header_value(head.out, "Accept-Ranges"), "bytes");
    const std::string etag = header_value(head.out, "ETag");
    EXPECT_TRUE(etag.size() > 2 && etag.front() == '"' && etag.back() == '"') << etag;

    // GET carries the same validators as HEAD.
    const fs::path headers = out / "get-headers";
    auto get = curl({"-D", headers.string(), "-o", (out / "body").string(), server.url("/one-mib-plus-one.bin")});
    ASSERT_EQ(get.exit_code, 0) << get;
    EXPECT_EQ(header_value(read_file(headers), "ETag"), etag);
    EXPECT_EQ(header_value(read_file(headers), "Last-Modified"), header_value(head.out, "Last-Modified"));
}

TEST_F(serve_with_curl, ranges) {
    const std::size_t size = mib + 1;
    make_file("file.bin", size);
    const std::string content = pattern(size, 1);
    served_root server(root);
    const std::string url = server.url("/file.bin");

    struct range_case {
        std::string range;
        std::size_t first, length;
    };
    for (const auto& c : {range_case{"0-99", 0, 100}, range_case{"100-", 100, size - 100}, range_case{"-50", size - 50, 50}}) {
        const fs::path body = out / "range", headers = out / "range-headers";
        auto r = curl({"-r", c.range, "-D", headers.string(), "-o", body.string(), "-w", "%{http_code}", url});
        ASSERT_EQ(r.exit_code, 0) << c.range << ": " << r;
        EXPECT_EQ(r.out, "206") << c.range;
        EXPECT_EQ(header_value(read_file(headers), "Content-Range"),
                  "bytes " + std::to_string(c.first) + "-" + std::to_string(c.first + c.length - 1) + "/" +
                      std::to_string(size))
            << c.range;
        EXPECT_TRUE(read_file(body) == content.substr(c.first, c.length)) << c.range;
    }

    // Several ranges: documented (docs/http.md) as ignored — the whole file
    // with 200, no multipart/byteranges.
    const fs::path whole = out / "multi";
    auto multi = curl({"-r", "0-1,5-6", "-o", whole.string(), "-w", "%{http_code}", url});
    ASSERT_EQ(multi.exit_code, 0) << multi;
    EXPECT_EQ(multi.out, "200");
    EXPECT_EQ(sha256_of(whole), sha256_of(root / "file.bin"));

    // Past the end: 416 with the length.
    const fs::path headers = out / "past-headers";
    auto past = curl({"-r", std::to_string(size) + "-", "-D", headers.string(), "-o", (out / "past").string(), "-w",
                      "%{http_code}", url});
    EXPECT_EQ(past.out, "416");
    EXPECT_EQ(header_value(read_file(headers), "Content-Range"), "bytes */" + std::to_string(size));
}

TEST_F(serve_with_curl, resume_of_a_partial_download) {
    const std::size_t size = mib + 1;
    make_file("file.bin", size);
    served_root server(root);
    const fs::path partial = out / "file.bin";
    write_file(partial, pattern(size, 1).substr(0, 300'000));

    auto r = curl({"-C", "-", "-o", partial.string(), "-w", "%{http_code}", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "206");
    EXPECT_EQ(sha256_of(partial), sha256_of(root / "file.bin"));

    // Resuming a finished download: the server says 416 (nothing past the
    // end) and curl, seeing the length it has, leaves the file as it is.
    auto again = curl({"-C", "-", "-o", partial.string(), "-w", "%{http_code}", server.url("/file.bin")});
    EXPECT_EQ(again.exit_code, 0) << again;
    EXPECT_EQ(again.out, "416");
    EXPECT_EQ(sha256_of(partial), sha256_of(root / "file.bin"));
}

TEST_F(serve_with_curl, conditional_requests) {
    const fs::path file = make_file("file.bin", 10 * kib);
    served_root server(root);
    const std::string url = server.url("/file.bin");

    // -z FILE: If-Modified-Since with that file's time (the served file's own).
    auto same_time = curl({"-z", file.string(), "-o", (out / "a").string(), "-w", "%{http_code} %{size_download}", url});
    ASSERT_EQ(same_time.exit_code, 0) << same_time;
    EXPECT_EQ(same_time.out, "304 0");
    auto older = curl({"-z", "Sat, 01 Jan 2000 00:00:00 GMT", "-o", (out / "b").string(), "-w", "%{http_code}", url});
    EXPECT_EQ(older.out, "200");

    // --etag-save, then --etag-compare: If-None-Match with the saved ETag.
    const fs::path etag = out / "etag";
    auto save = curl({"--etag-save", etag.string(), "-o", (out / "c").string(), "-w", "%{http_code}", url});
    ASSERT_EQ(save.exit_code, 0) << save;
    EXPECT_EQ(save.out, "200");
    EXPECT_FALSE(read_file(etag).empty());
    auto compare = curl({"--etag-compare", etag.string(), "-o", (out / "d").string(), "-w", "%{http_code}", url});
    ASSERT_EQ(compare.exit_code, 0) << compare;
    EXPECT_EQ(compare.out, "304");
    auto other = curl({"-H", "If-None-Match: \"not-this-one\"", "-o", (out / "e").string(), "-w", "%{http_code}", url});
    EXPECT_EQ(other.out, "200");
}

TEST_F(serve_with_curl, several_urls_share_one_keep_alive_connection) {
    make_file("a.bin", 100, 1);
    make_file("b.bin", 64 * kib, 2);
    make_file("c.bin", mib, 3);
    served_root server(root);
    const std::vector<std::string> names = {"a.bin", "b.bin", "c.bin", "a.bin"};
    std::vector<std::string> args = {"-w", "%{http_code} %{num_connects}\\n"};
    for (std::size_t i = 0; i < names.size(); ++i)
        args.insert(args.end(), {"-o", (out / (std::to_string(i) + names[i])).string(), server.url("/" + names[i])});
    auto r = curl(args);
    ASSERT_EQ(r.exit_code, 0) << r;
    // One connection made, then reused for every other URL.
    EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{"200 1", "200 0", "200 0", "200 0"}));
    for (std::size_t i = 0; i < names.size(); ++i)
        EXPECT_EQ(sha256_of(out / (std::to_string(i) + names[i])), sha256_of(root / names[i])) << names[i];
}

TEST_F(serve_with_curl, parallel_transfers) {
    make_file("file.bin", mib + 1);
    make_file("small.bin", 3 * kib, 2);
    served_root server(root);
    // 40 transfers, 20 at a time (curl --parallel), half large, half small.
    std::vector<std::string> args = {"--parallel", "--parallel-max", "20", "-w", "%{http_code}\\n"};
    for (int i = 0; i < 40; ++i)
        args.insert(args.end(), {"-o", (out / std::to_string(i)).string(), server.url(i % 2 ? "/small.bin" : "/file.bin")});
    auto r = curl(args);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(lines_of(r.out), std::vector<std::string>(40, "200"));
    const std::string large_sum = sha256_of(root / "file.bin"), small_sum = sha256_of(root / "small.bin");
    for (int i = 0; i < 40; ++i) EXPECT_EQ(sha256_of(out / std::to_string(i)), i % 2 ? small_sum : large_sum) << i;
}

TEST_F(serve_with_curl, a_slow_reader_gets_every_byte) {
    // curl reads at 16 MB/s, so the socket buffers fill and the server
    // continues the file range, at the exact byte, on each EPOLLOUT.
    make_file("file.bin", 32 * mib + 7);
    served_root server(root);
    const fs::path got = out / "file.bin";
    auto r = curl({"--limit-rate", "16M", "-o", got.string(), "-w", "%{http_code} %{size_download}", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "200 " + std::to_string(32 * mib + 7));
    EXPECT_EQ(sha256_of(got), sha256_of(root / "file.bin"));
}

TEST_F(serve_with_curl, other_methods_get_405_and_the_connection_goes_on) {
    make_file("file.bin", 5000);
    served_root server(root);
    const fs::path headers = out / "headers";
    // A POST with a body (read and thrown away), then a GET on the same
    // connection (--next: another transfer, same connection pool).
    auto r = curl({"-d", "name=value", "-D", headers.string(), "-o", (out / "post").string(), "-w",
                   "%{http_code} %{num_connects}\\n", server.url("/file.bin"), "--next", "-o", (out / "get").string(),
                   "-w", "%{http_code} %{num_connects}\\n", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{"405 1", "200 0"}));
    EXPECT_EQ(header_value(read_file(headers), "Allow"), "GET, HEAD");
    EXPECT_EQ(sha256_of(out / "get"), sha256_of(root / "file.bin"));
}

TEST_F(serve_with_curl, an_upload_expecting_100_continue_is_answered_at_once) {
    // curl -T sends "Expect: 100-continue" and holds the body back until 100
    // or a final status comes; here it would wait 60 s, past --max-time
    // (30 s, exit 28), if the server waited for the body before answering.
    write_file(out / "upload", pattern(200 * kib, 4));
    make_file("file.bin", 5000);
    served_root server(root);
    const fs::path headers = out / "headers";
    auto r = curl({"--expect100-timeout", "60", "-T", (out / "upload").string(), "-D", headers.string(), "-o",
                   (out / "put").string(), "-w", "%{http_code}\\n", server.url("/file.bin"), "--next", "-o",
                   (out / "get").string(), "-w", "%{http_code}\\n", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{"405", "200"}));
    EXPECT_EQ(header_value(read_file(headers), "Connection"), "close");
    EXPECT_EQ(sha256_of(out / "get"), sha256_of(root / "file.bin"));
}

TEST_F(serve_with_curl, http_1_0) {
    make_file("file.bin", 100 * kib);
    served_root server(root);
    const fs::path headers = out / "headers";
    std::vector<std::string> args = {"--http1.0", "-D", headers.string(), "-w", "%{http_code} %{num_connects}\\n"};
    for (const char* name : {"first", "second"})
        args.insert(args.end(), {"-o", (out / name).string(), server.url("/file.bin")});
    auto r = curl(args);
    ASSERT_EQ(r.exit_code, 0) << r;
    // Without keep-alive asked for, an HTTP/1.0 connection closes after its
    // response, so the second URL needs a connection of its own.
    EXPECT_EQ(lines_of(r.out), (std::vector<std::string>{"200 1", "200 1"}));
    EXPECT_EQ(header_value(read_file(headers), "Connection"), "close");
    EXPECT_EQ(header_value(read_file(headers), "Content-Length"), std::to_string(100 * kib));
    EXPECT_EQ(sha256_of(out / "first"), sha256_of(root / "file.bin"));
    EXPECT_EQ(sha256_of(out / "second"), sha256_of(root / "file.bin"));

    // An HTTP/1.0 client that asks for keep-alive is told so, and keeps it.
    std::vector<std::string> kept = {"--http1.0", "-H", "Connection: keep-alive", "-D", headers.string(), "-w",
                                     "%{http_code} %{num_connects}\\n"};
    for (const char* name : {"third", "fourth"})
        kept.insert(kept.end(), {"-o", (out / name).string(), server.url("/file.bin")});
    auto k = curl(kept);
    ASSERT_EQ(k.exit_code, 0) << k;
    EXPECT_EQ(lines_of(k.out), (std::vector<std::string>{"200 1", "200 0"}));
    EXPECT_EQ(header_value(read_file(headers), "Connection"), "keep-alive");
    EXPECT_EQ(sha256_of(out / "fourth"), sha256_of(root / "file.bin"));
}

TEST_F(serve_with_curl, missing_file_and_paths_out_of_the_root) {
    make_file("file.bin", 10);
    fs::create_directories(root / "dir");
    write_file(dir.path() / "secret.txt", "outside the root");
    served_root server(root);
    auto missing = curl({"-o", (out / "missing").string(), "-w", "%{http_code}", server.url("/no-such-file")});
    EXPECT_EQ(missing.out, "404");
    auto failing = curl({"-f", "-o", (out / "missing2").string(), server.url("/no-such-file")});
    EXPECT_EQ(failing.exit_code, 22) << failing; // curl -f: "HTTP page not retrieved"

    // A `..` segment, raw or encoded, is refused before any lookup (400,
    // docs/http.md), whether or not it would climb out.
    for (const char* target : {"/../etc/passwd", "/dir/../../etc/passwd", "/%2e%2e/secret.txt", "/dir/../../secret.txt"}) {
        const fs::path body = out / "escape";
        auto r = curl({"--path-as-is", "-o", body.string(), "-w", "%{http_code}", server.url(target)});
        EXPECT_EQ(r.exit_code, 0) << target << ": " << r;
        EXPECT_EQ(r.out, "400") << target;
        const std::string text = read_file(body);
        EXPECT_EQ(text.find("root:"), std::string::npos) << target;
        EXPECT_EQ(text.find("outside the root"), std::string::npos) << target;
    }
}

TEST_F(serve_with_curl, percent_encoded_names) {
    make_file("with space.bin", 5000, 1);
    make_file("caf\xc3\xa9 \xe2\x82\xac.bin", 7000, 2); // "café €.bin" in UTF-8
    make_file("dir one/hash#plus+amp&.bin", 3000, 3);
    served_root server(root);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"/with%20space.bin", "with space.bin"},
        {"/caf%C3%A9%20%E2%82%AC.bin", "caf\xc3\xa9 \xe2\x82\xac.bin"},
        {"/caf%c3%a9%20%e2%82%ac.bin", "caf\xc3\xa9 \xe2\x82\xac.bin"}, // lower-case hex digits
        {"/dir%20one/hash%23plus%2Bamp%26.bin", "dir one/hash#plus+amp&.bin"},
        {"/dir%20one/hash%23plus+amp&.bin", "dir one/hash#plus+amp&.bin"}, // + and & need no escape in a path
    };
    for (const auto& [target, name] : cases) {
        const fs::path got = out / "got";
        auto r = curl({"-o", got.string(), "-w", "%{http_code}", server.url(target)});
        ASSERT_EQ(r.exit_code, 0) << target << ": " << r;
        EXPECT_EQ(r.out, "200") << target;
        EXPECT_EQ(sha256_of(got), sha256_of(root / fs::path(name))) << target;
    }
}

TEST_F(serve_with_curl, ipv6_loopback) {
    if (!ipv6_loopback_usable()) GTEST_SKIP() << "::1 cannot be bound here (no IPv6 loopback)";
    make_file("file.bin", mib + 1);
    serve_options ipv6;
    ipv6.address = "[::1]";
    served_root server(root, ipv6);
    ASSERT_EQ(server.base_url().rfind("http://[::1]:", 0), 0u) << server.base_url();
    const fs::path got = out / "file.bin";
    auto r = curl({"-g", "-o", got.string(), "-w", "%{http_code} %{remote_ip}", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, "200 ::1");
    EXPECT_EQ(sha256_of(got), sha256_of(root / "file.bin"));
    auto range = curl({"-g", "-r", "10-19", "-o", (out / "range").string(), "-w", "%{http_code}", server.url("/file.bin")});
    EXPECT_EQ(range.out, "206");
    EXPECT_TRUE(read_file(out / "range") == pattern(mib + 1, 1).substr(10, 10));
}

// ---------------------------------------------------------------- h2load

// h2load (nghttp2-client) --h1 -m N keeps N requests in flight on each
// connection: HTTP/1.1 pipelining, which curl, wget and browsers no longer do.
class serve_with_h2load : public client_test {
protected:
    void SetUp() override { require("h2load", "nghttp2-client"); }

    struct load_summary {
        std::string requests; // "N succeeded, 0 failed, 0 errored, 0 timeout"
        std::string statuses; // "N 2xx, 0 3xx, 0 4xx, 0 5xx"
        long long data_bytes = -1;
    };

    load_summary load(const std::string& url, int requests, int connections, int in_flight) {
        auto r = run({"--h1", "-n", std::to_string(requests), "-c", std::to_string(connections), "-m",
                      std::to_string(in_flight), "-t", "1", "--connection-inactivity-timeout=30", url},
                     120s);
        EXPECT_EQ(r.exit_code, 0) << r;
        load_summary summary;
        for (const auto& line : lines_of(r.out)) {
            if (line.rfind("requests: ", 0) == 0) summary.requests = line.substr(line.find("done, ") + 6);
            if (line.rfind("status codes: ", 0) == 0) summary.statuses = line.substr(14);
            if (line.rfind("traffic: ", 0) == 0) {
                const auto close = line.rfind(") data");
                const auto open = line.rfind('(', close);
                if (open != std::string::npos && close != std::string::npos)
                    summary.data_bytes = std::stoll(line.substr(open + 1, close - open - 1));
            }
        }
        return summary;
    }
};

TEST_F(serve_with_h2load, pipelined_requests_all_answered_with_every_byte) {
    make_file("small.txt", 13);
    make_file("file.bin", mib + 1);
    served_root server(root);

    auto small = load(server.url("/small.txt"), 2000, 10, 10);
    EXPECT_EQ(small.requests, "2000 succeeded, 0 failed, 0 errored, 0 timeout");
    EXPECT_EQ(small.statuses, "2000 2xx, 0 3xx, 0 4xx, 0 5xx");
    EXPECT_EQ(small.data_bytes, 2000 * 13);

    // Bodies sent through the engine, eight requests deep per connection.
    auto large = load(server.url("/file.bin"), 200, 4, 8);
    EXPECT_EQ(large.requests, "200 succeeded, 0 failed, 0 errored, 0 timeout");
    EXPECT_EQ(large.statuses, "200 2xx, 0 3xx, 0 4xx, 0 5xx");
    EXPECT_EQ(large.data_bytes, 200 * static_cast<long long>(mib + 1));
}

} // namespace
} // namespace zc::test
