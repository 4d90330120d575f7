// direct-io: O_DIRECT reads with unaligned starts and tails, O_DIRECT writes
// to file sinks with the caller's offset kept, refusal where the filesystem
// has no O_DIRECT, truncation, and no leaked descriptors.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <vector>

#include "strategy_test_support.hpp"

namespace zc::test {
namespace {

// O_DIRECT needs a filesystem that supports it; temp_dir lives on /var/tmp.
bool direct_io_works_in(const std::filesystem::path& dir, std::string& why) {
    unique_fd probe(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct statx sx {};
    if (::statx(probe.get(), "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) != 0 || !(sx.stx_mask & STATX_DIOALIGN)) {
        // Directories do not report it on every filesystem: ask a file instead.
        auto file = dir / "dio-probe";
        write_random_file(file, 1, 0);
        auto fd = open_read(file);
        sx = {};
        if (::statx(fd.get(), "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) != 0 || sx.stx_dio_offset_align == 0) {
            why = "the filesystem of " + dir.string() + " has no O_DIRECT (set ZC_TEST_DIR to a disk-backed one)";
            return false;
        }
    }
    return true;
}

class direct_io_test : public strategy_test<strategy_id::direct_io> {
protected:
    void SetUp() override {
        std::string why;
        if (!direct_io_works_in(dir.path(), why)) GTEST_SKIP() << why;
    }
};

TEST_F(direct_io_test, copies_file_to_file_byte_exact_over_sizes_and_offsets) {
    const std::size_t sizes[] = {1, 511, 512, 513, 4095, 4096, 4097, 300000, (1u << 20) + 123};
    const std::uint64_t offsets[] = {0, 1, 100, 512, 4097};
    for (std::size_t size : sizes) {
        const std::string data = write_random_file(dir / "in", size + 5000, size);
        for (std::uint64_t offset : offsets) {
            for (std::size_t buffer : {std::size_t{4096}, std::size_t{128 * 1024}}) {
                SCOPED_TRACE("size " + std::to_string(size) + " offset " + std::to_string(offset) + " buffer " +
                             std::to_string(buffer));
                auto in = open_read(dir / "in");
                auto out = open_write(dir / "out");
                auto options = strategy_options(offset, size);
                options.buffer_size = buffer;
                auto stats = transfer(in.get(), out.get(), options);
                ASSERT_TRUE(stats) << stats.error().message();
                EXPECT_EQ(stats->bytes, size);
                EXPECT_EQ(stats->strategy_used, strategy_id::direct_io);
                EXPECT_EQ(::lseek(out.get(), 0, SEEK_CUR), static_cast<off_t>(size));
                EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), 0) << "an explicit offset leaves the source fd alone";
                EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(std::string_view(data).substr(offset, size)));
            }
        }
    }
}

TEST_F(direct_io_test, reads_to_the_end_from_the_fd_offset_with_an_unaligned_tail) {
    const std::string data = write_random_file(dir / "in", 3 * 4096 + 77, 9);
    auto in = open_read(dir / "in");
    ASSERT_EQ(::lseek(in.get(), 1000, SEEK_SET), 1000);
    auto out = open_write(dir / "out");
    auto stats = transfer(in.get(), out.get(), strategy_options());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(read_file(dir / "out"), data.substr(1000));
    EXPECT_EQ(::lseek(in.get(), 0, SEEK_CUR), static_cast<off_t>(data.size()));
}

TEST_F(direct_io_test, keeps_the_sink_offset_where_write_would_leave_it) {
    // Sink offsets: aligned (4096), unaligned (3), and unaligned but with the
    // source congruent to it, so the O_DIRECT part starts after a plain head.
    struct sink_case {
        std::size_t before;
        std::uint64_t source_offset;
    };
    const sink_case cases[] = {{0, 0}, {4096, 0}, {3, 0}, {3, 3}, {700, 700}, {4096, 513}};
    const std::string data = write_random_file(dir / "in", (1u << 20) + 999, 4);
    for (const auto& c : cases) {
        SCOPED_TRACE("sink starts at " + std::to_string(c.before) + ", source at " + std::to_string(c.source_offset));
        const std::string before = random_bytes(c.before, 77);
        auto out = open_write(dir / "out");
        ASSERT_EQ(::write(out.get(), before.data(), before.size()), static_cast<ssize_t>(before.size()));
        auto in = open_read(dir / "in");
        const std::size_t length = data.size() - c.source_offset;
        auto options = strategy_options(c.source_offset, length);
        options.buffer_size = 64 * 1024;
        auto stats = transfer(in.get(), out.get(), options);
        ASSERT_TRUE(stats) << stats.error().message();
        EXPECT_EQ(::lseek(out.get(), 0, SEEK_CUR), static_cast<off_t>(c.before + length));
        ASSERT_EQ(::write(out.get(), "XYZ", 3), 3);
        out.reset();
        EXPECT_EQ(hash_bytes(read_file(dir / "out")),
                  hash_bytes(before + data.substr(c.source_offset) + "XYZ"));
    }
}

TEST_F(direct_io_test, writes_the_aligned_middle_of_a_file_sink_past_the_page_cache) {
    // An O_DIRECT write leaves no page of the range it wrote in the page cache;
    // a plain write(2) leaves all of them there until writeback and reclaim.
    const std::size_t size = 4u << 20;
    write_random_file(dir / "in", size + 100, 5);
    auto in = open_read(dir / "in");
    unique_fd out(::open((dir / "out").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    ASSERT_TRUE(out);
    auto stats = transfer(in.get(), out.get(), strategy_options(0, size + 100));
    ASSERT_TRUE(stats) << stats.error().message();
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, out.get(), 0);
    ASSERT_NE(map, MAP_FAILED);
    std::vector<unsigned char> resident(size / static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
    ASSERT_EQ(::mincore(map, size, resident.data()), 0);
    ::munmap(map, size);
    std::size_t cached = 0;
    for (unsigned char page : resident) cached += page & 1;
    EXPECT_LT(cached, resident.size() / 2) << "most of the sink should have been written with O_DIRECT";
}

TEST_F(direct_io_test, appending_sink_is_written_plainly) {
    const std::string data = write_random_file(dir / "in", 100000, 6);
    write_random_file(dir / "out", 10, 1);
    const std::string before = read_file(dir / "out");
    auto in = open_read(dir / "in");
    unique_fd out(::open((dir / "out").c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    ASSERT_TRUE(out);
    auto stats = transfer(in.get(), out.get(), strategy_options());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(read_file(dir / "out"), before + data);
}

TEST_F(direct_io_test, sends_to_a_non_blocking_socket_and_resumes) {
    const std::string data = write_random_file(dir / "in", (8u << 20) + 17, 7);
    auto in = open_read(dir / "in");
    auto [sender, receiver] = non_blocking(tcp_pair());
    auto job = transfer_job::start(in.get(), sender.get(), strategy_options(3, data.size() - 3));
    ASSERT_TRUE(job) << job.error().message();
    expect_stops_on_the_sink_and_resumes(*job, std::move(sender), std::move(receiver),
                                         std::string_view(data).substr(3),
                                         "8 MiB should not fit a loopback socket buffer");
}

TEST_F(direct_io_test, truncated_source_mid_transfer_is_source_shrank) {
    expect_truncation_mid_transfer_is_source_shrank(
        dir, strategy_options(),
        {.size = 16u << 20, .seed = 8, .cut_to = [](std::uint64_t done) { return done / 2; }, .rounds = 1000});
}

TEST_F(direct_io_test, refuses_a_stream_source) {
    auto [write_end, read_end] = pipe_pair();
    auto out = open_write(dir / "out");
    auto stats = transfer(read_end.get(), out.get(), strategy_options());
    ASSERT_FALSE(stats);
    EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
}

TEST(direct_io, refuses_a_filesystem_without_o_direct_with_einval) {
    // tmpfs reports no STATX_DIOALIGN.
    struct statfs fs {};
    if (::statfs("/dev/shm", &fs) != 0 || fs.f_type != TMPFS_MAGIC) GTEST_SKIP() << "no tmpfs at /dev/shm";
    shm_temp_file source("zc-direct-io");
    write_random_file(source.path(), 10000, 3);
    unique_fd in(::open(source.path().c_str(), O_RDONLY | O_CLOEXEC));
    struct statx sx {};
    ASSERT_EQ(::statx(in.get(), "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx), 0);
    if ((sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align != 0)
        GTEST_SKIP() << "this kernel's tmpfs reports O_DIRECT alignment";
    temp_dir dir;
    auto out = open_write(dir / "out");
    auto explicit_request = transfer(in.get(), out.get(), options_for(strategy_id::direct_io));
    ASSERT_FALSE(explicit_request);
    EXPECT_EQ(explicit_request.error().errno_value(), EINVAL);
    EXPECT_NE(explicit_request.error().message().find("O_DIRECT refused by this filesystem"), std::string::npos)
        << explicit_request.error().message();
}

TEST_F(direct_io_test, leaks_no_descriptors) {
    const std::string data = write_random_file(dir / "in", 200000, 2);
    expect_no_descriptor_leaks([&] {
        auto in = open_read(dir / "in");
        auto out = open_write(dir / "out");
        auto stats = transfer(in.get(), out.get(), strategy_options(1, data.size() - 1));
        ASSERT_TRUE(stats) << stats.error().message();
        // And one that fails after the mover opened: the peer is gone.
        EXPECT_FALSE(transfer(in.get(), tcp_sender_with_closed_peer().get(), strategy_options(0, data.size())));
    });
}

} // namespace
} // namespace zc::test
