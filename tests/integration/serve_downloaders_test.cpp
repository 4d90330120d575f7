// zc serve against download tools nobody here wrote: wget (recursive mirror,
// -c, -N), aria2c (parallel and pipelined ranges, --continue) and
// ffprobe/ffmpeg (media read and seeked over HTTP); curl is in
// serve_clients_test.cpp. Each runs as a user would run it against the real
// binary on a free loopback port, with its own ideas of ranges, resumption,
// validators and listings.
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

namespace zc::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- wget

class serve_with_wget : public client_test {
protected:
    void SetUp() override { require("wget", "wget"); }

    // wget without ~/.wgetrc, bounded, printing the server's heads (-S) on
    // stderr; it writes into out/.
    run_result wget(std::vector<std::string> args) {
        std::vector<std::string> all = {"--no-config", "--no-verbose", "-S", "--timeout=30", "--tries=1", "-P", out.string()};
        all.insert(all.end(), args.begin(), args.end());
        return run(std::move(all), 120s);
    }
};

TEST_F(serve_with_wget, recursive_mirror_through_the_listings) {
    const std::vector<std::string> files = {
        "top.txt", "big.bin", "sub/inner.bin", "sub/deeper/empty.bin", "with space/caf\xc3\xa9.bin", "sub/plus+amp&.txt"};
    const std::vector<std::size_t> sizes = {13, mib + 1, 64 * kib, 0, 3000, 10};
    for (std::size_t i = 0; i < files.size(); ++i) make_file("tree/" + files[i], sizes[i], static_cast<unsigned>(i + 1));
    serve_options listings;
    listings.listings = true;
    served_root server(root, listings);

    auto r = wget({"-r", "-np", "-nH", "-e", "robots=off", server.url("/tree/")});
    ASSERT_EQ(r.exit_code, 0) << r;
    for (const auto& name : files) {
        const fs::path got = out / "tree" / fs::path(name);
        EXPECT_TRUE(fs::is_regular_file(got)) << name << " was not mirrored; " << r.err;
        EXPECT_EQ(sha256_of(got), sha256_of(root / "tree" / fs::path(name))) << name;
    }
    // Nothing else came down but the listings (saved as index.html), and
    // nothing from above the start (-np: the listings' ../ links).
    for (const auto& entry : fs::recursive_directory_iterator(out)) {
        if (!entry.is_regular_file()) continue;
        const fs::path relative = fs::relative(entry.path(), out / "tree");
        const bool source = std::find(files.begin(), files.end(), relative.string()) != files.end();
        EXPECT_TRUE(source || relative.filename() == "index.html") << entry.path();
        EXPECT_EQ(relative.begin()->string() == "..", false) << entry.path();
    }
}

TEST_F(serve_with_wget, continue_a_truncated_download) {
    make_file("file.bin", mib + 1);
    served_root server(root);
    write_file(out / "file.bin", pattern(mib + 1, 1).substr(0, 123'457));
    auto r = wget({"-c", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_NE(r.err.find("HTTP/1.1 206"), std::string::npos) << r.err;
    EXPECT_EQ(header_value(r.err, "Content-Range"), "bytes 123457-1048576/1048577");
    EXPECT_EQ(sha256_of(out / "file.bin"), sha256_of(root / "file.bin"));

    // Continuing a complete file: 416 from the server, wget leaves it.
    auto again = wget({"-c", server.url("/file.bin")});
    EXPECT_EQ(again.exit_code, 0) << again;
    EXPECT_NE(again.err.find("HTTP/1.1 416"), std::string::npos) << again.err;
    EXPECT_EQ(sha256_of(out / "file.bin"), sha256_of(root / "file.bin"));
}

TEST_F(serve_with_wget, timestamping_skips_an_unchanged_file) {
    const fs::path file = make_file("file.bin", 100 * kib);
    // A time in the past, whole seconds: wget gives its copy the
    // Last-Modified time, which has one-second resolution.
    const auto past = fs::file_time_type::clock::now() - std::chrono::hours(50);
    fs::last_write_time(file, std::chrono::time_point_cast<std::chrono::seconds>(past));
    served_root server(root);

    auto first = wget({"-N", server.url("/file.bin")});
    ASSERT_EQ(first.exit_code, 0) << first;
    EXPECT_NE(first.err.find("HTTP/1.1 200"), std::string::npos) << first.err;
    EXPECT_EQ(sha256_of(out / "file.bin"), sha256_of(file));
    EXPECT_EQ(fs::last_write_time(out / "file.bin"), fs::last_write_time(file)) << "Last-Modified did not carry the time";

    auto second = wget({"-N", server.url("/file.bin")});
    ASSERT_EQ(second.exit_code, 0) << second;
    EXPECT_NE(second.err.find("HTTP/1.1 304"), std::string::npos) << second.err;
    EXPECT_EQ(second.err.find("HTTP/1.1 200"), std::string::npos) << second.err;
    EXPECT_EQ(sha256_of(out / "file.bin"), sha256_of(file));

    // The file changes on the server (newer time): fetched again.
    write_file(file, pattern(100 * kib, 9));
    auto third = wget({"-N", server.url("/file.bin")});
    ASSERT_EQ(third.exit_code, 0) << third;
    EXPECT_NE(third.err.find("HTTP/1.1 200"), std::string::npos) << third.err;
    EXPECT_EQ(sha256_of(out / "file.bin"), sha256_of(file));
}

// ---------------------------------------------------------------- aria2c

class serve_with_aria2c : public client_test {
protected:
    void SetUp() override { require("aria2c", "aria2"); }

    run_result aria2c(std::vector<std::string> args) {
        std::vector<std::string> all = {"--no-conf",        "--quiet",         "--timeout=30", "--connect-timeout=10",
                                        "--max-tries=1",    "--file-allocation=none", "--allow-overwrite=false",
                                        "--dir=" + out.string()};
        all.insert(all.end(), args.begin(), args.end());
        return run(std::move(all), 180s);
    }
};

TEST_F(serve_with_aria2c, sixty_four_mib_over_eight_range_connections) {
    make_file("file.bin", 64 * mib);
    const fs::path log = dir.path() / "access.log";
    serve_options logged;
    logged.access_log = log;
    served_root server(root, logged);
    // -k 1M: without it aria2 splits no piece below 20 MiB (three at most).
    auto r = aria2c({"-x", "8", "-s", "8", "-k", "1M", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(sha256_of(out / "file.bin"), sha256_of(root / "file.bin"));
    ASSERT_EQ(server.stop().exit_code, 0);

    // The first request asks for the whole file; the others are ranges on
    // connections of their own.
    const auto entries = read_access_log(log);
    const auto ranges = std::count_if(entries.begin(), entries.end(), [](const auto& e) { return e.status == 206; });
    EXPECT_GE(ranges, 2) << read_file(log);
    for (const auto& e : entries) EXPECT_TRUE(e.status == 200 || e.status == 206) << e.request_line << " " << e.status;
}

TEST_F(serve_with_aria2c, pipelined_ranges) {
    // Two connections, sixteen 1 MiB pieces, pipelining on: aria2 sends the
    // range request for a connection's next piece before it has read the
    // answer to the current one (its debug log shows two requests in a row).
    make_file("file.bin", 16 * mib + 5);
    const fs::path log = dir.path() / "access.log";
    serve_options logged;
    logged.access_log = log;
    served_root server(root, logged);
    auto r = aria2c({"-x", "2", "-s", "16", "-k", "1M", "--enable-http-pipelining=true", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(sha256_of(out / "file.bin"), sha256_of(root / "file.bin"));
    ASSERT_EQ(server.stop().exit_code, 0);
    const auto entries = read_access_log(log);
    const auto ranges = std::count_if(entries.begin(), entries.end(), [](const auto& e) { return e.status == 206; });
    EXPECT_GE(ranges, 2) << read_file(log);
}

TEST_F(serve_with_aria2c, continue_a_partial_download) {
    const std::size_t size = 8 * mib + 3;
    make_file("file.bin", size);
    const fs::path log = dir.path() / "access.log";
    serve_options logged;
    logged.access_log = log;
    served_root server(root, logged);
    const std::size_t had = 3 * mib + 17;
    write_file(out / "file.bin", pattern(size, 1).substr(0, had));
    auto r = aria2c({"--continue=true", server.url("/file.bin")});
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(sha256_of(out / "file.bin"), sha256_of(root / "file.bin"));
    ASSERT_EQ(server.stop().exit_code, 0);

    // It asked for the rest (from a piece boundary at or below what it had)
    // as a range, not for the whole file again.
    const auto entries = read_access_log(log);
    const bool rest_as_range = std::any_of(entries.begin(), entries.end(), [&](const auto& e) {
        return e.status == 206 && e.bytes >= static_cast<long long>(size - had) && e.bytes < static_cast<long long>(size);
    });
    EXPECT_TRUE(rest_as_range) << read_file(log);
}

// ---------------------------------------------------------------- ffmpeg

class serve_with_ffmpeg : public client_test {
protected:
    void SetUp() override {
        require("ffprobe", "ffmpeg");
        if (IsSkipped()) return;
        ffmpeg = find_program("ffmpeg");
        if (!ffmpeg) GTEST_SKIP() << "ffmpeg is not installed (Debian package ffmpeg)";
    }

    // A two-second test picture in `format`; mp4 puts its index (moov) after
    // the data, so a reader over HTTP must seek with ranges to find it.
    fs::path make_media(const std::string& name, const std::string& format) {
        const fs::path path = root / name;
        auto r = run_program(*ffmpeg, {"-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                                       "testsrc=duration=2:size=320x240:rate=25", "-c:v", "mpeg4", "-f", format,
                                       path.string()},
                             120s);
        if (r.exit_code != 0) throw std::runtime_error("ffmpeg could not make " + name + ": " + r.err);
        return path;
    }

    // What ffprobe says about the container and its streams, as JSON text.
    run_result probe(const std::string& input) {
        return run({"-v", "error", "-rw_timeout", "30000000", "-show_entries",
                    "format=duration,format_name,size:stream=index,codec_name,width,height,r_frame_rate,duration,nb_frames",
                    "-of", "json", input},
                   120s);
    }

    // The frame at one second, decoded to raw RGB.
    std::string frame_at_one_second(const std::string& input) {
        const fs::path frame = out / "frame.rgb";
        fs::remove(frame);
        auto r = run_program(*ffmpeg, {"-nostdin", "-loglevel", "error", "-rw_timeout", "30000000", "-ss", "1", "-i", input,
                                       "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", frame.string()},
                             120s);
        EXPECT_EQ(r.exit_code, 0) << input << ": " << r;
        return read_file(frame);
    }

    std::optional<fs::path> ffmpeg;
};

TEST_F(serve_with_ffmpeg, ffprobe_over_http_reads_what_it_reads_locally) {
    const fs::path mp4 = make_media("out.mp4", "mp4");
    const fs::path mkv = make_media("out.mkv", "matroska");
    const std::string bytes = read_file(mp4);
    ASSERT_GT(bytes.find("moov"), bytes.find("mdat")) << "expected the mp4 index after the data";
    const fs::path log = dir.path() / "access.log";
    serve_options logged;
    logged.access_log = log;
    served_root server(root, logged);

    for (const fs::path& media : {mp4, mkv}) {
        const std::string name = media.filename().string();
        auto local = probe(media.string());
        ASSERT_EQ(local.exit_code, 0) << local;
        auto remote = probe(server.url("/" + name));
        ASSERT_EQ(remote.exit_code, 0) << remote;
        EXPECT_EQ(remote.out, local.out) << name;
        EXPECT_NE(local.out.find("\"duration\": \"2.0"), std::string::npos) << local.out;
    }
    ASSERT_EQ(server.stop().exit_code, 0);
    // The mp4's index was found by a range request past the data.
    const auto entries = read_access_log(log);
    EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [](const auto& e) {
        return e.status == 206 && e.request_line.find("/out.mp4") != std::string::npos;
    })) << read_file(log);
}

TEST_F(serve_with_ffmpeg, seeking_through_ranges) {
    const fs::path mp4 = make_media("out.mp4", "mp4");
    const fs::path mkv = make_media("out.mkv", "matroska");
    served_root server(root);
    for (const fs::path& media : {mp4, mkv}) {
        const std::string name = media.filename().string();
        const std::string local = frame_at_one_second(media.string());
        ASSERT_EQ(local.size(), 320u * 240 * 3) << name;
        const std::string remote = frame_at_one_second(server.url("/" + name));
        EXPECT_TRUE(remote == local) << name << ": the frame at 1 s differs (" << remote.size() << " bytes)";
    }
}

} // namespace
} // namespace zc::test
