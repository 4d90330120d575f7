// handle_static against a temporary root: files, directories, symlinks in and
// out of the root, conditionals, ranges, HEAD, errors.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "http/http.hpp"
#include "support/test_support.hpp"

namespace zc::http {
namespace {

namespace fs = std::filesystem;

struct parsed_response {
    int status = 0;
    std::map<std::string, std::string> headers; // lower-case names
    std::string body;                            // inline body or the planned file bytes
};

parsed_response parse(const response_plan& plan) {
    parsed_response out;
    out.status = plan.status;
    std::string_view head = plan.head;
    EXPECT_TRUE(head.starts_with("HTTP/1.1 " + std::to_string(plan.status) + " ")) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
    std::size_t line_end = head.find("\r\n");
    std::size_t pos = line_end + 2;
    while (pos < head.size()) {
        std::size_t end = head.find("\r\n", pos);
        std::string_view line = head.substr(pos, end - pos);
        pos = end + 2;
        if (line.empty()) break;
        auto colon = line.find(": ");
        std::string name(line.substr(0, colon));
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_FALSE(out.headers.contains(name)) << "duplicate header " << name;
        out.headers[name] = std::string(line.substr(colon + 2));
    }
    if (plan.file) {
        out.body.resize(plan.length);
        ssize_t n = ::pread(plan.file.get(), out.body.data(), plan.length, static_cast<off_t>(plan.offset));
        EXPECT_EQ(n, static_cast<ssize_t>(plan.length));
    } else {
        out.body = plan.inline_body;
    }
    EXPECT_EQ(plan.body_bytes(), out.body.size());
    return out;
}

request make_request(std::string target, unsigned minor = 1, bool keep_alive = true) {
    request r;
    r.verb = method::get;
    r.method_name = "GET";
    r.target = std::move(target);
    r.version_minor = minor;
    r.keep_alive = keep_alive;
    return r;
}

class http_static : public ::testing::Test {
protected:
    void SetUp() override {
        root = dir / "root";
        fs::create_directories(root / "sub" / "deeper");
        fs::create_directories(root / "with index");
        fs::create_directories(root / "listed");
        fs::create_directories(root / "listed" / "z-dir");
        secret = test::write_random_file(dir / "secret.txt", 100, 99);
        hello = test::write_random_file(root / "hello.txt", 1000, 1);
        index = "<html>index</html>";
        write(root / "with index" / "index.html", index);
        write(root / "listed" / "b.txt", "bb");
        write(root / "listed" / "a<script>.txt", "a");
        write(root / "listed" / ".hidden", "h");
        write(root / "empty.txt", "");
        fs::create_symlink("../hello.txt", root / "sub" / "link-inside.txt");
        fs::create_symlink("../../secret.txt", root / "sub" / "link-outside.txt");
        fs::create_symlink((dir / "secret.txt").string(), root / "absolute-link.txt");
        fs::create_symlink("..", root / "up");
        fs::create_symlink("../../secret.txt", root / "listed" / "escape.txt");
        fs::create_symlink("../hello.txt", root / "listed" / "inside.txt");
        root_fd = test::open_read(root); // O_RDONLY on a directory works like O_PATH here
        ASSERT_TRUE(root_fd);
        config.root_fd = root_fd.get();
    }

    static void write(const fs::path& path, std::string_view text) {
        unique_fd fd = test::open_write(path);
        ASSERT_EQ(::write(fd.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }

    parsed_response get(std::string target, method verb = method::get) {
        req.verb = verb;
        req.method_name = verb == method::get ? "GET" : verb == method::head ? "HEAD" : "POST";
        req.target = std::move(target);
        return parse(handle_static(req, config));
    }

    test::temp_dir dir;
    fs::path root;
    std::string secret, hello, index;
    unique_fd root_fd;
    static_config config;
    request req;
};

TEST_F(http_static, serves_a_file_with_all_headers) {
    auto r = get("/hello.txt?v=3");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, hello);
    EXPECT_EQ(r.headers["content-length"], "1000");
    EXPECT_EQ(r.headers["content-type"], "text/plain; charset=utf-8");
    EXPECT_EQ(r.headers["accept-ranges"], "bytes");
    EXPECT_EQ(r.headers["server"], "zerocopy");
    EXPECT_TRUE(parse_http_date(r.headers["date"]).has_value());
    struct stat st {};
    ASSERT_EQ(::stat((root / "hello.txt").c_str(), &st), 0);
    EXPECT_EQ(r.headers["last-modified"], http_date(st.st_mtim.tv_sec));
    EXPECT_EQ(r.headers["etag"], entity_tag(st));
    EXPECT_TRUE(r.headers["etag"].starts_with("\"") && r.headers["etag"].ends_with("\""));
    EXPECT_FALSE(r.headers.contains("connection"));

    auto plan = handle_static(req, config);
    EXPECT_EQ(plan.offset, 0u);
    EXPECT_EQ(plan.length, 1000u);
    EXPECT_EQ(plan.file_size_at_open, 1000u);
    EXPECT_FALSE(plan.close_after);
    int flags = ::fcntl(plan.file.get(), F_GETFL);
    EXPECT_EQ(flags & O_NONBLOCK, 0) << "the file must come back blocking";
    EXPECT_NE(::fcntl(plan.file.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(http_static, head_has_the_same_headers_and_no_body) {
    auto full = get("/hello.txt");
    auto head = get("/hello.txt", method::head);
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
    full.headers.erase("date");
    head.headers.erase("date");
    EXPECT_EQ(head.headers, full.headers);
    auto missing = get("/nope", method::head);
    EXPECT_EQ(missing.status, 404);
    EXPECT_TRUE(missing.body.empty());
    EXPECT_NE(missing.headers["content-length"], "0");
}

TEST_F(http_static, other_methods_are_405_with_allow) {
    auto r = get("/hello.txt", method::other);
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.headers["allow"], "GET, HEAD");
    EXPECT_NE(r.body.find("405"), std::string::npos);
}

TEST_F(http_static, not_found_and_bad_targets) {
    EXPECT_EQ(get("/missing.txt").status, 404);
    EXPECT_EQ(get("/sub/missing/x").status, 404);
    EXPECT_EQ(get("/hello.txt/").status, 404);
    EXPECT_EQ(get("/hello.txt/x").status, 404);
    EXPECT_EQ(get("/../secret.txt").status, 400);
    EXPECT_EQ(get("*").status, 400);
    auto r = get("/missing.txt");
    EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("404 Not Found"), std::string::npos);
}

TEST_F(http_static, no_hostile_target_reaches_the_secret) {
    const char* targets[] = {
        "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2e%2fsecret.txt", "/..%2fsecret.txt", "/.%2e/secret.txt",
        "/sub/../../secret.txt", "//../secret.txt", "/up/secret.txt", "/up/../secret.txt",
        "/%252e%252e/secret.txt", "/..\\secret.txt", "/%5c..%5csecret.txt", "/sub/link-outside.txt",
        "/absolute-link.txt", "http://h/../secret.txt", "/secret.txt%00.html", "/%c0%ae%c0%ae/secret.txt",
        "/up/up/secret.txt", "/sub/%2e%2e/%2e%2e/secret.txt", "/listed/escape.txt",
    };
    for (const char* target : targets) {
        auto r = get(target);
        EXPECT_NE(r.status, 200) << target;
        EXPECT_EQ(r.body.find(secret), std::string::npos) << target;
    }
}

TEST_F(http_static, symlinks_inside_are_served_outside_refused_with_403) {
    auto inside = get("/sub/link-inside.txt");
    EXPECT_EQ(inside.status, 200);
    EXPECT_EQ(inside.body, hello);
    EXPECT_EQ(get("/sub/link-outside.txt").status, 403);
    EXPECT_EQ(get("/absolute-link.txt").status, 403);
    EXPECT_EQ(get("/up/secret.txt").status, 403);
    EXPECT_EQ(get("/up/").status, 403);
}

TEST_F(http_static, unreadable_file_is_403) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
    write(root / "locked.txt", "x");
    fs::permissions(root / "locked.txt", fs::perms::none);
    EXPECT_EQ(get("/locked.txt").status, 403);
}

TEST_F(http_static, fifo_is_404_and_does_not_block) {
    ASSERT_EQ(::mkfifo((root / "pipe").c_str(), 0644), 0);
    EXPECT_EQ(get("/pipe").status, 404);
}

TEST_F(http_static, empty_file_has_no_body_to_send) {
    auto plan = handle_static(make_request("/empty.txt"), config);
    EXPECT_EQ(plan.status, 200);
    EXPECT_FALSE(plan.file);
    EXPECT_EQ(plan.body_bytes(), 0u);
    EXPECT_EQ(parse(plan).headers["content-length"], "0");
}

TEST_F(http_static, directory_without_slash_redirects_keeping_the_query) {
    auto r = get("/sub");
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(r.headers["location"], "/sub/");
    EXPECT_EQ(get("/sub?x=1&y=2").headers["location"], "/sub/?x=1&y=2");
    EXPECT_EQ(get("/with%20index").headers["location"], "/with%20index/");
    EXPECT_EQ(get("/sub/deeper").headers["location"], "/sub/deeper/");
}

TEST_F(http_static, directory_index_listing_or_403) {
    auto with_index = get("/with%20index/");
    EXPECT_EQ(with_index.status, 200);
    EXPECT_EQ(with_index.body, index);
    EXPECT_EQ(with_index.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(get("/listed/").status, 403);
    EXPECT_EQ(get("/").status, 403);
}

TEST_F(http_static, directory_listing) {
    config.list_directories = true;
    auto r = get("/listed/");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
    EXPECT_EQ(r.headers["content-length"], std::to_string(r.body.size()));
    const std::string& html = r.body;
    EXPECT_NE(html.find("Index of /listed/"), std::string::npos);
    EXPECT_NE(html.find("href=\"../\""), std::string::npos);
    EXPECT_EQ(html.find("<script>"), std::string::npos) << "names are escaped";
    EXPECT_NE(html.find("a&lt;script&gt;.txt"), std::string::npos);
    EXPECT_NE(html.find("href=\"a%3Cscript%3E.txt\""), std::string::npos);
    EXPECT_EQ(html.find(".hidden"), std::string::npos);
    EXPECT_EQ(html.find("escape.txt"), std::string::npos) << "a symlink leaving the root is not listed";
    EXPECT_NE(html.find("inside.txt"), std::string::npos);
    EXPECT_NE(html.find(">1000<"), std::string::npos) << "a symlink shows its target's size";
    // Directories first, then names in byte order.
    auto dir_at = html.find("z-dir/");
    auto a_at = html.find("a&lt;script");
    auto b_at = html.find(">b.txt<");
    ASSERT_NE(dir_at, std::string::npos);
    EXPECT_LT(dir_at, a_at);
    EXPECT_LT(a_at, b_at);

    auto top = get("/");
    EXPECT_EQ(top.status, 200);
    EXPECT_EQ(top.body.find("href=\"../\""), std::string::npos) << "no parent link at the root";
    EXPECT_NE(top.body.find("href=\"with%20index/\""), std::string::npos);
    auto head = get("/listed/", method::head);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(head.headers["content-length"], std::to_string(html.size()));
}

TEST_F(http_static, if_none_match) {
    std::string etag = get("/hello.txt").headers["etag"];
    for (std::string header : {etag, "\"x\", " + etag, "W/" + etag, std::string("*"), " \"x\" ,W/\"y\", " + etag}) {
        req.if_none_match = header;
        auto r = get("/hello.txt");
        EXPECT_EQ(r.status, 304) << header;
        EXPECT_TRUE(r.body.empty());
        EXPECT_EQ(r.headers["etag"], etag);
        EXPECT_FALSE(r.headers.contains("content-length"));
    }
    req.if_none_match = "\"other\"";
    req.if_modified_since = http_date(4102444799); // would say "not modified"; If-None-Match wins
    EXPECT_EQ(get("/hello.txt").status, 200);
}

TEST_F(http_static, if_modified_since) {
    std::string last_modified = get("/hello.txt").headers["last-modified"];
    req.if_modified_since = last_modified;
    EXPECT_EQ(get("/hello.txt").status, 304);
    req.if_modified_since = http_date(*parse_http_date(last_modified) + 3600);
    EXPECT_EQ(get("/hello.txt").status, 304);
    req.if_modified_since = http_date(*parse_http_date(last_modified) - 1);
    EXPECT_EQ(get("/hello.txt").status, 200);
    req.if_modified_since = "garbage";
    EXPECT_EQ(get("/hello.txt").status, 200);
}

request req_with_range(std::string range) {
    request r = make_request("/hello.txt");
    r.range = std::move(range);
    return r;
}

TEST_F(http_static, ranges) {
    req.range = "bytes=10-19";
    auto plan = handle_static(req_with_range("bytes=10-19"), config);
    EXPECT_EQ(plan.offset, 10u);
    EXPECT_EQ(plan.length, 10u);
    auto r = get("/hello.txt");
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.body, hello.substr(10, 10));
    EXPECT_EQ(r.headers["content-range"], "bytes 10-19/1000");
    EXPECT_EQ(r.headers["content-length"], "10");

    req.range = "bytes=-5";
    r = get("/hello.txt");
    EXPECT_EQ(r.headers["content-range"], "bytes 995-999/1000");
    EXPECT_EQ(r.body, hello.substr(995));

    req.range = "bytes=1000-";
    r = get("/hello.txt");
    EXPECT_EQ(r.status, 416);
    EXPECT_EQ(r.headers["content-range"], "bytes */1000");

    for (const char* ignored : {"bytes=0-1,5-6", "bytes=x-y", "lines=1-2", "bytes=9-3"}) {
        req.range = ignored;
        r = get("/hello.txt");
        EXPECT_EQ(r.status, 200) << ignored;
        EXPECT_EQ(r.body, hello) << ignored;
    }

    req.range = "bytes=0-0";
    EXPECT_EQ(get("/hello.txt", method::head).status, 200) << "Range is for GET only";
}

TEST_F(http_static, if_range) {
    auto full = get("/hello.txt");
    req.range = "bytes=0-0";
    req.if_range = full.headers["etag"];
    EXPECT_EQ(get("/hello.txt").status, 206);
    req.if_range = "\"stale\"";
    EXPECT_EQ(get("/hello.txt").status, 200);
    req.if_range = "W/" + full.headers["etag"]; // weak tags never match strongly
    EXPECT_EQ(get("/hello.txt").status, 200);
    req.if_range = full.headers["last-modified"];
    EXPECT_EQ(get("/hello.txt").status, 206);
    req.if_range = http_date(*parse_http_date(full.headers["last-modified"]) - 10);
    EXPECT_EQ(get("/hello.txt").status, 200);
    req.if_range = "not a date";
    EXPECT_EQ(get("/hello.txt").status, 200);
}

TEST_F(http_static, connection_headers) {
    req.keep_alive = false;
    auto plan = handle_static(make_request("/hello.txt", 1, false), config);
    EXPECT_TRUE(plan.close_after);
    EXPECT_EQ(parse(plan).headers["connection"], "close");
    auto error = handle_static(make_request("/missing", 1, false), config);
    EXPECT_TRUE(error.close_after);
    EXPECT_EQ(parse(error).headers["connection"], "close");
    auto http10 = handle_static(make_request("/hello.txt", 0, true), config);
    EXPECT_FALSE(http10.close_after);
    EXPECT_EQ(parse(http10).headers["connection"], "keep-alive");
}

TEST_F(http_static, follow_symlinks_outside_root_when_asked) {
    config.follow_symlinks_outside_root = true;
    auto r = get("/sub/link-outside.txt");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, secret);
    EXPECT_EQ(get("/../secret.txt").status, 400) << "\"..\" in the target is refused regardless";
}

TEST(http_error_response, short_html_with_close) {
    auto plan = error_response(431, true);
    auto r = parse(plan);
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(plan.close_after);
    EXPECT_EQ(r.headers["connection"], "close");
    EXPECT_EQ(r.headers["content-length"], std::to_string(plan.inline_body.size()));
    EXPECT_NE(plan.inline_body.find("431 Request Header Fields Too Large"), std::string::npos);
    EXPECT_EQ(parse(error_response(405, false)).headers["allow"], "GET, HEAD");
    EXPECT_FALSE(parse(error_response(400, false, "srv")).headers.contains("connection"));
    EXPECT_EQ(parse(error_response(400, false, "srv")).headers["server"], "srv");
}

} // namespace
} // namespace zc::http
