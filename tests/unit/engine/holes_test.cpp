// transfer_options::preserve_holes: file → file keeps the source's holes under
// every strategy that serves the pair — same size, same bytes, few blocks —
// and falls back to writing every byte where holes cannot be kept.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "strategies/strategy.hpp"
#include "support/test_support.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {
namespace {

using extent = std::pair<std::uint64_t, std::uint64_t>; // [begin, end)

// A sparse file: `size` bytes, data only at the pieces given, holes elsewhere.
struct sparse_layout {
    std::uint64_t size = 0;
    std::vector<std::pair<std::uint64_t, std::string>> pieces; // offset, bytes

    std::uint64_t data_bytes() const {
        std::uint64_t n = 0;
        for (const auto& [offset, bytes] : pieces) n += bytes.size();
        return n;
    }
    // The whole content; only for layouts small enough to hold in memory.
    std::string bytes() const {
        std::string all(size, '\0');
        for (const auto& [offset, piece] : pieces) all.replace(offset, piece.size(), piece);
        return all;
    }
    void write(const std::filesystem::path& path) const {
        auto fd = open_write(path);
        for (const auto& [offset, piece] : pieces)
            ASSERT_EQ(::pwrite(fd.get(), piece.data(), piece.size(), static_cast<off_t>(offset)),
                      static_cast<ssize_t>(piece.size()));
        ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(size)), 0);
    }
};

// data, hole, data, hole, a short data tail; the data ends are not block-aligned.
sparse_layout data_hole_data_hole_tail() {
    return {(3u << 20) + 5000,
            {{0, random_bytes(100000, 1)}, {1u << 20, random_bytes((300u << 10) + 7, 2)}, {3u << 20, random_bytes(5000, 3)}}};
}
sparse_layout all_hole() { return {64u << 20, {}}; }
sparse_layout hole_at_the_end() { return {16u << 20, {{0, random_bytes(200000, 4)}}}; }

struct stat stat_of(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st;
}

std::uint64_t allocated_bytes(const std::filesystem::path& path) {
    return static_cast<std::uint64_t>(stat_of(path).st_blocks) * 512;
}

// Data plus a little slack for block rounding and metadata: what a copy that
// kept the holes takes.
std::uint64_t sparse_budget(const sparse_layout& layout) { return layout.data_bytes() + (256u << 10); }

// The data extents of a file, as SEEK_DATA/SEEK_HOLE report them.
std::vector<extent> data_extents(const std::filesystem::path& path) {
    auto fd = open_read(path);
    const off_t size = ::lseek(fd.get(), 0, SEEK_END);
    std::vector<extent> out;
    for (off_t at = 0; at < size;) {
        const off_t data = ::lseek(fd.get(), at, SEEK_DATA);
        if (data < 0) break;
        const off_t hole = ::lseek(fd.get(), data, SEEK_HOLE);
        out.emplace_back(data, hole);
        at = hole;
    }
    return out;
}

// Byte equality of two files too large to read whole: outside the data
// extents of either, both are holes and read as zeros.
testing::AssertionResult same_bytes(const std::filesystem::path& a, const std::filesystem::path& b) {
    if (stat_of(a).st_size != stat_of(b).st_size) return testing::AssertionFailure() << "sizes differ";
    auto extents = data_extents(a);
    for (const auto& e : data_extents(b)) extents.push_back(e);
    auto fa = open_read(a);
    auto fb = open_read(b);
    std::string ba(1u << 20, '\0'), bb(1u << 20, '\0');
    for (const auto& [begin, end] : extents)
        for (std::uint64_t at = begin; at < end;) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(ba.size(), end - at));
            if (::pread(fa.get(), ba.data(), n, static_cast<off_t>(at)) != static_cast<ssize_t>(n) ||
                ::pread(fb.get(), bb.data(), n, static_cast<off_t>(at)) != static_cast<ssize_t>(n))
                return testing::AssertionFailure() << "short read at " << at;
            if (ba.compare(0, n, bb, 0, n) != 0) return testing::AssertionFailure() << "bytes differ near " << at;
            at += n;
        }
    return testing::AssertionSuccess();
}

// Every strategy that serves file → file here, then auto.
std::vector<strategy_id> file_to_file_strategies(const std::filesystem::path& dir) {
    auto sink_fd = open_write(dir / "probe");
    auto source_fd = open_read(dir / "probe");
    auto source = detail::inspect(source_fd.get(), "source");
    auto sink = detail::inspect(sink_fd.get(), "sink");
    std::vector<strategy_id> out;
    for (strategy_id id : all_strategies())
        if (!detail::ops_for(id).refuses(*source, *sink) && !detail::availability(id)) out.push_back(id);
    out.push_back(strategy_id::automatic);
    return out;
}

std::string name_of(strategy_id id) { return std::string(strategy_name(id)); }

std::expected<transfer_stats, error> copy_file(const std::filesystem::path& from, const std::filesystem::path& to,
                                               transfer_options options = {}) {
    auto source = open_read(from);
    auto sink = open_write(to);
    return transfer(source.get(), sink.get(), options);
}

void expect_kept_under_every_strategy(const sparse_layout& layout, const temp_dir& dir) {
    layout.write(dir / "in");
    const std::string expected = layout.bytes();
    for (strategy_id id : file_to_file_strategies(dir.path())) {
        SCOPED_TRACE(name_of(id));
        transfer_options options;
        options.strategy = id;
        auto stats = copy_file(dir / "in", dir / "out", options);
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_EQ(stats->bytes, layout.size) << "holes count as moved";
        EXPECT_EQ(stat_of(dir / "out").st_size, static_cast<off_t>(layout.size));
        EXPECT_TRUE(read_file(dir / "out") == expected) << "bytes differ";
        EXPECT_LE(allocated_bytes(dir / "out"), sparse_budget(layout)) << "the holes were written";
        std::filesystem::remove(dir / "out");
    }
}

TEST(preserve_holes, data_hole_data_hole_tail_under_every_strategy) {
    temp_dir dir;
    expect_kept_under_every_strategy(data_hole_data_hole_tail(), dir);
}

TEST(preserve_holes, a_file_that_is_all_hole_under_every_strategy) {
    temp_dir dir;
    expect_kept_under_every_strategy(all_hole(), dir);
}

TEST(preserve_holes, a_hole_at_the_end_under_every_strategy) {
    temp_dir dir;
    expect_kept_under_every_strategy(hole_at_the_end(), dir);
}

TEST(preserve_holes, a_sparse_file_past_four_gib_under_every_strategy) {
    temp_dir dir;
    const sparse_layout layout{(5ull << 30) + 1,
                               {{0, random_bytes(4096, 5)}, {(1ull << 32) + 12345, random_bytes((1u << 20) + 77, 6)}}};
    layout.write(dir / "in");
    for (strategy_id id : file_to_file_strategies(dir.path())) {
        SCOPED_TRACE(name_of(id));
        transfer_options options;
        options.strategy = id;
        auto stats = copy_file(dir / "in", dir / "out", options);
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_EQ(stats->bytes, layout.size);
        // Checked first: comparing a sink with 5 GiB of written zeros would be slow.
        ASSERT_LE(allocated_bytes(dir / "out"), sparse_budget(layout)) << "the holes were written";
        EXPECT_TRUE(same_bytes(dir / "in", dir / "out"));
        std::filesystem::remove(dir / "out");
    }
}

TEST(preserve_holes, tmpfs_keeps_them_too) {
    if (!std::filesystem::is_directory("/dev/shm")) GTEST_SKIP() << "no /dev/shm here";
    shm_temp_file in("zc-holes-in"), out("zc-holes-out");
    const auto layout = data_hole_data_hole_tail();
    layout.write(in.path());
    for (strategy_id id : {strategy_id::read_write, strategy_id::copy_file_range, strategy_id::automatic}) {
        SCOPED_TRACE(name_of(id));
        transfer_options options;
        options.strategy = id;
        auto stats = copy_file(in.path(), out.path(), options);
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_TRUE(read_file(out.path()) == layout.bytes());
        EXPECT_LE(allocated_bytes(out.path()), sparse_budget(layout));
    }
}

// The option is what keeps them: off, write(2) of the zeros allocates them.
// (copy_file_range, auto's first choice, wrote all 16 MiB too on ext4 and
// tmpfs under Linux 6.18; reflink filesystems may share the holes instead.)
TEST(preserve_holes, off_writes_every_byte) {
    temp_dir dir;
    const auto layout = hole_at_the_end();
    layout.write(dir / "in");
    transfer_options options;
    options.strategy = strategy_id::read_write;
    options.preserve_holes = false;
    auto stats = copy_file(dir / "in", dir / "out", options);
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_TRUE(read_file(dir / "out") == layout.bytes());
    EXPECT_GE(allocated_bytes(dir / "out"), layout.size);
}

TEST(preserve_holes, progress_counts_holes_and_reaches_the_total) {
    temp_dir dir;
    const auto layout = data_hole_data_hole_tail();
    layout.write(dir / "in");
    std::vector<std::uint64_t> seen;
    transfer_options options;
    options.on_progress = [&](std::uint64_t done, std::optional<std::uint64_t> total) {
        EXPECT_EQ(total, layout.size);
        seen.push_back(done);
    };
    auto stats = copy_file(dir / "in", dir / "out", options);
    ASSERT_TRUE(stats) << stats.error().message();
    ASSERT_FALSE(seen.empty());
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(seen.back(), layout.size);
    EXPECT_GE(seen.size(), 5u) << "three extents and two holes";
}

TEST(preserve_holes, the_resumable_job_keeps_them_and_restores_the_source_offset) {
    temp_dir dir;
    const auto layout = data_hole_data_hole_tail();
    layout.write(dir / "in");
    auto source = open_read(dir / "in");
    ASSERT_EQ(::lseek(source.get(), 50000, SEEK_SET), 50000);
    auto sink = open_write(dir / "out");
    auto job = transfer_job::start(source.get(), sink.get());
    ASSERT_TRUE(job) << job.error().message();
    auto state = job->step();
    ASSERT_TRUE(state) << state.error().message();
    EXPECT_EQ(*state, transfer_job::state::done);
    EXPECT_EQ(job->bytes_done(), layout.size - 50000);
    EXPECT_EQ(job->bytes_total(), layout.size - 50000);
    EXPECT_EQ(::lseek(source.get(), 0, SEEK_CUR), static_cast<off_t>(layout.size)) << "as read(2) would leave it";
    EXPECT_EQ(::lseek(sink.get(), 0, SEEK_CUR), static_cast<off_t>(layout.size - 50000));
    EXPECT_TRUE(read_file(dir / "out") == layout.bytes().substr(50000));
    EXPECT_LE(allocated_bytes(dir / "out"), sparse_budget(layout));
}

TEST(preserve_holes, a_range_that_starts_and_ends_in_holes) {
    temp_dir dir;
    const auto layout = data_hole_data_hole_tail();
    layout.write(dir / "in");
    for (strategy_id id : file_to_file_strategies(dir.path())) {
        SCOPED_TRACE(name_of(id));
        transfer_options options;
        options.strategy = id;
        options.offset = 200000;             // in the first hole
        options.length = (2u << 20) - 100000; // to the middle of the second
        auto stats = copy_file(dir / "in", dir / "out", options);
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_TRUE(read_file(dir / "out") == layout.bytes().substr(200000, *options.length));
        EXPECT_LE(allocated_bytes(dir / "out"), sparse_budget(layout));
        std::filesystem::remove(dir / "out");
    }
}

// A sink with bytes past its offset must read back as the source there: a
// skipped hole would leave the old bytes, so every byte is written.
TEST(preserve_holes, a_sink_with_bytes_to_overwrite_gets_zeros_written) {
    temp_dir dir;
    const auto layout = data_hole_data_hole_tail();
    layout.write(dir / "in");
    const std::string old(4u << 20, '\xff');
    for (strategy_id id : file_to_file_strategies(dir.path())) {
        SCOPED_TRACE(name_of(id));
        {
            auto fd = open_write(dir / "out");
            ASSERT_EQ(::write(fd.get(), old.data(), old.size()), static_cast<ssize_t>(old.size()));
        }
        auto source = open_read(dir / "in");
        unique_fd sink(::open((dir / "out").c_str(), O_WRONLY | O_CLOEXEC));
        ASSERT_TRUE(sink);
        transfer_options options;
        options.strategy = id;
        auto stats = transfer(source.get(), sink.get(), options);
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_TRUE(read_file(dir / "out") == layout.bytes() + old.substr(layout.size)) << "old bytes left in a hole";
    }
}

// Written at the sink's end (its offset at its size), holes are kept after
// what the sink already held.
TEST(preserve_holes, a_sink_positioned_at_its_end_keeps_them_after_its_bytes) {
    temp_dir dir;
    const auto layout = hole_at_the_end();
    layout.write(dir / "in");
    const std::string head = random_bytes(10, 7);
    {
        auto fd = open_write(dir / "out");
        ASSERT_EQ(::write(fd.get(), head.data(), head.size()), 10);
    }
    auto source = open_read(dir / "in");
    unique_fd sink(::open((dir / "out").c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(sink);
    ASSERT_EQ(::lseek(sink.get(), 0, SEEK_END), 10);
    auto stats = transfer(source.get(), sink.get());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(stat_of(dir / "out").st_size, static_cast<off_t>(layout.size + 10));
    EXPECT_TRUE(read_file(dir / "out") == head + layout.bytes());
    EXPECT_LE(allocated_bytes(dir / "out"), sparse_budget(layout));
}

// O_APPEND writes go to the end whatever the offset: holes become zeros.
TEST(preserve_holes, an_append_sink_gets_every_byte) {
    temp_dir dir;
    const auto layout = data_hole_data_hole_tail();
    layout.write(dir / "in");
    { auto create = open_write(dir / "out"); }
    auto source = open_read(dir / "in");
    unique_fd sink(::open((dir / "out").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    ASSERT_TRUE(sink);
    auto stats = transfer(source.get(), sink.get());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_TRUE(read_file(dir / "out") == layout.bytes());
}

} // namespace
} // namespace zc::test
