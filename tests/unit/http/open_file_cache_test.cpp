// open_file_cache: hits reuse the descriptor; a file truncated, rewritten,
// replaced or deleted is never served from the old entry with a stale length;
// the cache is bounded and forgets idle entries.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <string>
#include <thread>

#include "http/http.hpp"
#include "http/open_file_cache.hpp"
#include "http/static_parts.hpp"
#include "support/test_support.hpp"

namespace zc::http {
namespace {

namespace fs = std::filesystem;

class http_open_file_cache : public ::testing::Test {
protected:
    void SetUp() override {
        root_fd = test::open_read(dir.path());
        ASSERT_TRUE(root_fd);
        config.root_fd = root_fd.get();
    }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir.path() / name, std::ios::binary | std::ios::trunc) << text;
    }
    // The handler's plan for a GET through cache `c` (a 200 expected).
    response_plan plan_get(open_file_cache& c, const std::string& target) {
        request req;
        req.verb = method::get;
        req.method_name = "GET";
        req.target = target;
        response_plan plan = handle_static(req, config, &c);
        EXPECT_EQ(plan.status, 200) << plan.head_bytes();
        return plan;
    }
    // Its body as the connection would send it: the kept bytes, else read
    // from the planned descriptor.
    static std::string body_of(const response_plan& plan) {
        std::string body(plan.length, '\0');
        if (plan.file_bytes) {
            body = plan.file_bytes->substr(plan.offset, plan.length);
        } else if (plan.file) {
            EXPECT_EQ(::pread(plan.file.get(), body.data(), body.size(), 0), static_cast<ssize_t>(body.size()));
        }
        return body;
    }
    // GET through the handler with the cache; returns the Content-Length and the body.
    std::pair<std::string, std::string> get(const std::string& target) {
        const response_plan plan = plan_get(cache, target);
        const std::string_view head = plan.head_bytes();
        const auto at = head.find("Content-Length: ");
        std::string length(head.substr(at + 16, head.find("\r\n", at) - at - 16));
        return {length, body_of(plan)};
    }

    test::temp_dir dir;
    unique_fd root_fd;
    static_config config;
    open_file_cache cache;
};

TEST_F(http_open_file_cache, a_hit_reuses_the_descriptor) {
    write("a.txt", "alpha");
    struct stat st {};
    EXPECT_FALSE(cache.find(root_fd.get(), "a.txt", st)) << "empty cache";
    EXPECT_EQ(get("/a.txt").second, "alpha");
    ASSERT_EQ(cache.size(), 1u);
    const shared_fd first = cache.find(root_fd.get(), "a.txt", st);
    ASSERT_TRUE(first);
    EXPECT_EQ(st.st_size, 5);
    EXPECT_EQ(cache.find(root_fd.get(), "a.txt", st).get(), first.get()) << "the same descriptor again";
    EXPECT_EQ(get("/a.txt").second, "alpha");
}

TEST_F(http_open_file_cache, truncated_in_place_is_served_with_its_new_length) {
    write("t.txt", std::string(1000, 'x'));
    EXPECT_EQ(get("/t.txt").first, "1000");
    ASSERT_EQ(::truncate((dir.path() / "t.txt").c_str(), 10), 0);
    const auto after = get("/t.txt");
    EXPECT_EQ(after.first, "10");
    EXPECT_EQ(after.second, std::string(10, 'x'));
}

TEST_F(http_open_file_cache, rewritten_in_place_is_served_as_it_is_now) {
    write("w.txt", "old contents");
    EXPECT_EQ(get("/w.txt").second, "old contents");
    write("w.txt", "new, longer contents"); // O_TRUNC + write: same inode
    const auto after = get("/w.txt");
    EXPECT_EQ(after.first, "20");
    EXPECT_EQ(after.second, "new, longer contents");
}

TEST_F(http_open_file_cache, a_file_replaced_by_rename_is_opened_anew) {
    write("r.txt", "first version");
    EXPECT_EQ(get("/r.txt").second, "first version");
    struct stat st {};
    const shared_fd old_fd = cache.find(root_fd.get(), "r.txt", st);
    ASSERT_TRUE(old_fd);
    write("r.new", "second");
    ASSERT_EQ(std::rename((dir.path() / "r.new").c_str(), (dir.path() / "r.txt").c_str()), 0);
    EXPECT_FALSE(cache.find(root_fd.get(), "r.txt", st)) << "another inode: the entry is dropped";
    const auto after = get("/r.txt");
    EXPECT_EQ(after.first, "6");
    EXPECT_EQ(after.second, "second");
    // The old descriptor (a response still sending it) stays valid.
    char byte = 0;
    EXPECT_EQ(::pread(old_fd.get(), &byte, 1, 0), 1);
    EXPECT_EQ(byte, 'f');
}

TEST_F(http_open_file_cache, a_deleted_file_is_404) {
    write("d.txt", "here");
    EXPECT_EQ(get("/d.txt").second, "here");
    fs::remove(dir.path() / "d.txt");
    request req;
    req.verb = method::get;
    req.method_name = "GET";
    req.target = "/d.txt";
    EXPECT_EQ(handle_static(req, config, &cache).status, 404);
    EXPECT_EQ(cache.size(), 0u);
}

TEST_F(http_open_file_cache, bounded_least_recently_used_first) {
    open_file_cache small(2);
    struct stat st {};
    for (const char* name : {"1", "2", "3"}) {
        write(name, name);
        auto fd = test::open_read(dir.path() / name);
        ASSERT_EQ(::fstat(fd.get(), &st), 0);
        small.insert(name, shared_fd(std::move(fd)), st);
        if (std::string(name) == "2") {
            EXPECT_TRUE(small.find(root_fd.get(), "1", st)); // 1 used after 2
        }
    }
    EXPECT_EQ(small.size(), 2u);
    EXPECT_TRUE(small.find(root_fd.get(), "1", st));
    EXPECT_FALSE(small.find(root_fd.get(), "2", st)) << "least recently used: evicted";
    EXPECT_TRUE(small.find(root_fd.get(), "3", st));
}

TEST_F(http_open_file_cache, idle_entries_expire_and_zero_capacity_keeps_nothing) {
    open_file_cache cache_with_ttl(8, std::chrono::seconds(60));
    write("e.txt", "e");
    struct stat st {};
    auto fd = test::open_read(dir.path() / "e.txt");
    ASSERT_EQ(::fstat(fd.get(), &st), 0);
    cache_with_ttl.insert("e.txt", shared_fd(std::move(fd)), st);
    cache_with_ttl.expire(open_file_cache::clock::now());
    EXPECT_EQ(cache_with_ttl.size(), 1u);
    cache_with_ttl.expire(open_file_cache::clock::now() + std::chrono::seconds(61));
    EXPECT_EQ(cache_with_ttl.size(), 0u);

    open_file_cache off(0);
    off.insert("e.txt", shared_fd(test::open_read(dir.path() / "e.txt")), st);
    EXPECT_EQ(off.size(), 0u);
}

// The validators a hit reuses (formatted once per entry) are the ones the
// file's stat gives: the same ETag and Last-Modified as without the cache.
TEST_F(http_open_file_cache, a_hit_carries_the_validators_of_the_files_stat) {
    write("e.txt", "etag me");
    request req;
    req.verb = method::get;
    req.method_name = "GET";
    req.target = "/e.txt";
    struct stat st {};
    ASSERT_EQ(::stat((dir.path() / "e.txt").c_str(), &st), 0);
    const std::string etag = "ETag: " + entity_tag(st) + "\r\n";
    const std::string modified = "Last-Modified: " + http_date(st.st_mtim.tv_sec) + "\r\n";
    for (const char* pass : {"miss", "hit"}) {
        const response_plan plan = handle_static(req, config, &cache);
        EXPECT_NE(plan.head_bytes().find(etag), std::string::npos) << pass << ": " << plan.head_bytes();
        EXPECT_NE(plan.head_bytes().find(modified), std::string::npos) << pass << ": " << plan.head_bytes();
    }
    EXPECT_EQ(cache.size(), 1u);
}

// A validity window (nginx's open_file_cache_valid): the last stat is trusted
// for that long, so a change is seen only after it, or after forget().
TEST_F(http_open_file_cache, a_trusted_stat_serves_the_file_as_it_was_until_the_window_ends) {
    open_file_cache trusting(8, std::chrono::seconds(60), 1 << 20, std::chrono::milliseconds(300));
    write("v.txt", "first");
    request req;
    req.verb = method::get;
    req.method_name = "GET";
    req.target = "/v.txt";
    EXPECT_EQ(handle_static(req, config, &trusting).length, 5u);
    write("v.txt", "second, longer");
    const response_plan trusted = handle_static(req, config, &trusting);
    EXPECT_EQ(trusted.length, 5u) << "inside the window: the stat of the last check";
    EXPECT_NE(trusted.head_bytes().find("Content-Length: 5\r\n"), std::string::npos);
    trusting.forget(trusted.file);
    EXPECT_EQ(handle_static(req, config, &trusting).length, 14u) << "forgotten: looked at again";
    write("v.txt", "third");
    EXPECT_EQ(handle_static(req, config, &trusting).length, 14u);
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    EXPECT_EQ(handle_static(req, config, &trusting).length, 5u) << "after the window: the path's stat again";
}

// Small files' bytes (keep_bytes): only a file unchanged for a second is kept,
// and the bytes are handed out only while the file still stats the same.
class http_open_file_cache_bytes : public http_open_file_cache {
protected:
    void SetUp() override {
        http_open_file_cache::SetUp();
        config.keep_bytes_up_to = 64;
    }
    // A GET's kept bytes (or null) and its body as the connection would send it.
    std::pair<open_file_cache::bytes_ptr, std::string> planned(open_file_cache& c, const std::string& target) {
        const response_plan plan = plan_get(c, target);
        return {plan.file_bytes, body_of(plan)};
    }
    static void wait_until_settled() { std::this_thread::sleep_for(std::chrono::milliseconds(1100)); }
};

TEST_F(http_open_file_cache_bytes, settled_is_one_second_without_a_change) {
    struct stat st {};
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    st.st_mtim.tv_sec = st.st_ctim.tv_sec = seconds - 2;
    EXPECT_TRUE(open_file_cache::settled(st, now));
    st.st_ctim.tv_sec = seconds; // a chmod or a write just now
    EXPECT_FALSE(open_file_cache::settled(st, now));
    st.st_ctim.tv_sec = seconds - 2;
    st.st_mtim.tv_sec = seconds + 5; // mtime set into the future (touch -d)
    EXPECT_FALSE(open_file_cache::settled(st, now));
}

TEST_F(http_open_file_cache_bytes, a_fresh_file_is_read_for_each_response_not_kept) {
    write("f.txt", "just written");
    EXPECT_EQ(planned(cache, "/f.txt").second, "just written");
    const auto again = planned(cache, "/f.txt");
    EXPECT_FALSE(again.first) << "changed less than a second ago: not kept";
    EXPECT_EQ(again.second, "just written");
    EXPECT_EQ(cache.kept_bytes(), 0u);
}

TEST_F(http_open_file_cache_bytes, a_settled_file_is_kept_and_dropped_when_rewritten_in_place) {
    write("k.txt", "kept bytes");
    write("big.txt", std::string(65, 'b')); // above keep_bytes_up_to
    wait_until_settled();
    const auto first = planned(cache, "/k.txt");
    ASSERT_TRUE(first.first);
    EXPECT_EQ(first.second, "kept bytes");
    EXPECT_EQ(cache.kept_bytes(), 10u);
    const auto hit = planned(cache, "/k.txt");
    EXPECT_EQ(hit.first.get(), first.first.get()) << "the same bytes, no read";
    EXPECT_FALSE(planned(cache, "/big.txt").first) << "too large to keep";

    write("k.txt", "KEPT BYTES"); // same size, same inode: only mtime and ctime move
    const auto after = planned(cache, "/k.txt");
    EXPECT_EQ(after.second, "KEPT BYTES");
    EXPECT_FALSE(after.first) << "just changed: not kept again yet";
    EXPECT_EQ(cache.kept_bytes(), 0u) << "the old bytes went with their entry";
}

TEST_F(http_open_file_cache_bytes, the_budget_bounds_what_is_kept_and_eviction_returns_it) {
    open_file_cache small(2, std::chrono::seconds(60), 12);
    write("a.txt", "aaaaaaaa"); // 8
    write("b.txt", "bbbbbbbb"); // 8: past the budget with a
    write("c.txt", "cc");
    wait_until_settled();
    EXPECT_TRUE(planned(small, "/a.txt").first);
    const auto b = planned(small, "/b.txt");
    EXPECT_EQ(b.second, "bbbbbbbb") << "served all the same";
    EXPECT_EQ(small.kept_bytes(), 8u) << "b is not kept: 16 > 12";
    EXPECT_TRUE(planned(small, "/c.txt").first); // evicts a (capacity 2): its bytes return
    EXPECT_EQ(small.kept_bytes(), 2u);
}

// A kept file's whole response to a keep-alive HTTP/1.1 GET is built once (a
// second: its Date) and then handed out as the same bytes: head and body.
TEST_F(http_open_file_cache_bytes, a_kept_files_plain_get_is_one_ready_response) {
    write("r.txt", "ready body");
    wait_until_settled();
    const response_plan first = plan_get(cache, "/r.txt");
    ASSERT_TRUE(first.whole_response);
    const response_plan second = plan_get(cache, "/r.txt");
    ASSERT_TRUE(second.whole_response);
    if (second.whole_response != first.whole_response) { // the Date's second turned between the two
        EXPECT_NE(second.whole_response->find(current_http_date()), std::string::npos);
    }
    const std::string& bytes = *second.whole_response;
    const std::string_view head = second.head_bytes();
    EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
    EXPECT_NE(head.find("\r\nContent-Length: 10\r\n"), std::string_view::npos) << head;
    EXPECT_NE(head.find("\r\nContent-Type: text/plain"), std::string_view::npos) << head;
    EXPECT_EQ(head.find("Connection:"), std::string_view::npos) << head;
    EXPECT_EQ(bytes.substr(head.size()), "ready body");
    EXPECT_TRUE(second.head.empty());
    EXPECT_FALSE(second.file);

    write("r.txt", "READY BODY"); // rewritten in place: the entry and its response go
    const response_plan after = plan_get(cache, "/r.txt");
    EXPECT_FALSE(after.whole_response) << "just changed: not kept, nothing ready";
    EXPECT_EQ(body_of(after), "READY BODY");
}

// Every other answer to the same file is made for its request.
TEST_F(http_open_file_cache_bytes, only_a_plain_keep_alive_get_takes_the_ready_response) {
    write("r.txt", "ready body");
    wait_until_settled();
    ASSERT_TRUE(plan_get(cache, "/r.txt").whole_response);
    const auto answer = [&](auto change) {
        request req;
        req.verb = method::get;
        req.method_name = "GET";
        req.target = "/r.txt";
        change(req);
        return handle_static(req, config, &cache);
    };
    const response_plan head = answer([](request& r) { r.verb = method::head, r.method_name = "HEAD"; });
    const response_plan range = answer([](request& r) { r.range = "bytes=0-4"; });
    const response_plan closing = answer([](request& r) { r.keep_alive = false; });
    const response_plan old = answer([](request& r) { r.version_minor = 0; });
    const response_plan unchanged = answer([](request& r) { r.if_none_match = "*"; });
    for (const response_plan* plan : {&head, &range, &closing, &old, &unchanged})
        EXPECT_FALSE(plan->whole_response) << plan->status << ": " << plan->head;
    EXPECT_EQ(range.status, 206);
    EXPECT_EQ(body_of(range), "ready");
    EXPECT_NE(closing.head.find("Connection: close\r\n"), std::string::npos);
    EXPECT_NE(old.head.find("Connection: keep-alive\r\n"), std::string::npos);
    EXPECT_EQ(unchanged.status, 304);
}

} // namespace
} // namespace zc::http
