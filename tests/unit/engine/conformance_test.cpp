// One table, every strategy: sizes × offsets × source kinds × sink kinds.
//
// For each case the explicit strategy either moves the bytes exactly (hash of
// what the sink received equals the source range, strategy_used is the one
// asked for) or, where it does not serve the pair, refuses up front with
// errc::unsupported_pair. Strategies this kernel cannot run are skipped with
// the probe's reason.
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <thread>

#include "core/io.hpp"
#include "strategies/strategy.hpp"
#include "support/test_support.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {
namespace {

enum class kind { file, tcp, unix_socket, pipe };

std::string_view kind_name(kind k) {
    switch (k) {
    case kind::file: return "file";
    case kind::tcp: return "tcp";
    case kind::unix_socket: return "unix";
    case kind::pipe: return "pipe";
    }
    return "?";
}

struct conformance_case {
    strategy_id strategy;
    kind source;
    kind sink;
    std::size_t size;
    std::uint64_t offset;
};

void PrintTo(const conformance_case& c, std::ostream* os) {
    *os << strategy_name(c.strategy) << " " << kind_name(c.source) << "→" << kind_name(c.sink) << " size "
        << c.size << " offset " << c.offset;
}

std::string case_name(const testing::TestParamInfo<conformance_case>& info) {
    const auto& c = info.param;
    std::string name = std::string(strategy_name(c.strategy)) + "_" + std::string(kind_name(c.source)) + "_to_" +
                       std::string(kind_name(c.sink)) + "_" + std::to_string(c.size) + "_at_" +
                       std::to_string(c.offset);
    for (char& ch : name)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

// Source files are shared between cases: generating 64 MiB of random bytes
// per case would dominate the run.
class source_files {
public:
    const std::filesystem::path& get(std::size_t length) {
        auto it = paths_.find(length);
        if (it != paths_.end()) return it->second;
        auto path = dir_ / ("source-" + std::to_string(length));
        write_random_file(path, length, length * 31 + 7);
        return paths_.emplace(length, path).first->second;
    }
    static source_files& instance() {
        static source_files files;
        return files;
    }

private:
    temp_dir dir_;
    std::map<std::size_t, std::filesystem::path> paths_;
};

// The receiving side of the sink: a file to read back, or a collector thread.
struct sink_end {
    unique_fd write_fd;
    std::unique_ptr<collector> reader;
    std::filesystem::path file;
    sink_end() = default;
    sink_end(sink_end&&) = default;
    sink_end& operator=(sink_end&&) = default;
    ~sink_end() { write_fd.reset(); } // before the collector joins
};

sink_end make_sink(kind k, const temp_dir& dir) {
    sink_end s;
    switch (k) {
    case kind::file:
        s.file = dir / "sink";
        s.write_fd = open_write(s.file);
        break;
    case kind::tcp:
    case kind::unix_socket: {
        auto [out, in] = k == kind::tcp ? tcp_pair() : unix_pair();
        s.write_fd = std::move(out);
        s.reader = std::make_unique<collector>(std::move(in));
        break;
    }
    case kind::pipe: {
        auto [out, in] = pipe_pair();
        s.write_fd = std::move(out);
        s.reader = std::make_unique<collector>(std::move(in));
        break;
    }
    }
    return s;
}

std::string received(sink_end& s) {
    s.write_fd.reset(); // EOF for the collector
    return s.reader ? s.reader->join() : read_file(s.file);
}

// A stream source fed by a thread that writes `data` and closes.
struct stream_source {
    unique_fd read_fd;
    std::thread feeder;
    ~stream_source() {
        read_fd.reset(); // a feeder blocked on a full pipe gets EPIPE/EOF
        if (feeder.joinable()) feeder.join();
    }
};

void feed(unique_fd out, std::string data) {
    // A strategy that refuses the pair closes the reading end: the write then
    // fails with EPIPE instead of killing the test with SIGPIPE.
    sigset_t sigpipe;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe, nullptr);
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = zc::detail::retry_on_eintr([&] {
            const ssize_t r = ::send(out.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (r < 0 && errno == ENOTSOCK) return ::write(out.get(), data.data() + sent, data.size() - sent);
            return r;
        });
        if (n <= 0) return;
        sent += static_cast<std::size_t>(n);
    }
}

class conformance : public testing::TestWithParam<conformance_case> {
protected:
    void SetUp() override {
        source_files::instance(); // its directory is not a leak
        fds_before_ = open_fd_count();
    }
    // Every descriptor, pipe, mapping and ring the case opened is closed again.
    void TearDown() override { EXPECT_EQ(open_fd_count(), fds_before_) << "descriptor leak"; }

private:
    int fds_before_ = 0;
};

// One case set up: its source (a file, or a stream a thread feeds), its
// sink, the bytes it must deliver and whether the strategy refuses the pair.
struct prepared_case {
    std::string expected;
    stream_source stream;
    unique_fd file_source;
    int source_fd = -1;
    sink_end sink;
    std::optional<std::string> refusal; // why the strategy refuses the pair
    transfer_options options;
};

// Fills `p` for case `c`; skips the test where the strategy cannot run here.
void prepare(const conformance_case& c, const temp_dir& dir, prepared_case& p) {
    const auto& ops = detail::ops_for(c.strategy);
    const std::size_t file_length = c.offset == 0 ? c.size : c.size + c.offset + 17;
    const auto& path = source_files::instance().get(file_length);
    p.expected = read_file(path).substr(c.offset, c.size);
    if (c.source == kind::file) {
        p.file_source = open_read(path);
        p.source_fd = p.file_source.get();
    } else {
        auto [out, in] = c.source == kind::pipe ? pipe_pair() : tcp_pair();
        p.stream.read_fd = std::move(in);
        p.stream.feeder = std::thread(feed, std::move(out), p.expected);
        p.source_fd = p.stream.read_fd.get();
    }
    p.sink = make_sink(c.sink, dir);

    // Describe the pair as the engine will see it.
    auto source_endpoint = detail::inspect(p.source_fd, "source");
    auto sink_endpoint = detail::inspect(p.sink.write_fd.get(), "sink");
    ASSERT_TRUE(source_endpoint && sink_endpoint);
    if (auto refused = ops.refuses(*source_endpoint, *sink_endpoint)) p.refusal = std::move(*refused);
    if (!p.refusal) {
        if (const auto& unavailable = detail::availability(c.strategy))
            GTEST_SKIP() << ops.name << " unavailable here: " << unavailable->message();
    }
    p.options.strategy = c.strategy;
    if (c.offset != 0) {
        p.options.offset = c.offset;
        p.options.length = c.size;
    }
}

TEST_P(conformance, moves_the_range_exactly_or_refuses_the_pair) {
    const auto& c = GetParam();
    temp_dir dir;
    prepared_case p;
    prepare(c, dir, p);
    if (testing::Test::IsSkipped() || testing::Test::HasFatalFailure()) return;
    const auto& ops = detail::ops_for(c.strategy);
    auto stats = transfer(p.source_fd, p.sink.write_fd.get(), p.options);

    if (p.refusal) {
        ASSERT_FALSE(stats) << ops.name << " moved bytes for a pair it says it refuses";
        EXPECT_TRUE(stats.error().is(errc::unsupported_pair)) << stats.error().message();
        EXPECT_NE(stats.error().message().find(std::string(ops.name)), std::string::npos) << stats.error().message();
        return;
    }
    ASSERT_TRUE(stats) << stats.error().message();
    const std::string got = received(p.sink);
    EXPECT_EQ(stats->bytes, c.size);
    ASSERT_EQ(got.size(), p.expected.size());
    EXPECT_EQ(hash_bytes(got), hash_bytes(p.expected)) << "content differs";
    if (c.strategy == strategy_id::automatic) {
        EXPECT_NE(stats->strategy_used, strategy_id::automatic) << "auto reports the strategy it used";
    } else {
        EXPECT_EQ(stats->strategy_used, c.strategy);
        EXPECT_TRUE(stats->fallbacks.empty()) << "an explicit strategy never falls back";
    }
    if (c.source == kind::file && c.offset != 0) {
        EXPECT_EQ(::lseek(p.source_fd, 0, SEEK_CUR), 0) << "an explicit offset leaves the fd offset alone";
    }
}

// transfer_options::step_limit: on a blocking sink every step but the last
// moves exactly the limit and says yielded, the last moves the rest and says
// done, and the bytes are the same as without a limit. The limit is not a
// multiple of a page, so steps end inside pages, windows and pipe loads.
class stepped : public conformance {};

TEST_P(stepped, every_step_moves_the_limit_until_the_last) {
    const auto& c = GetParam();
    temp_dir dir;
    prepared_case p;
    prepare(c, dir, p);
    if (testing::Test::IsSkipped() || testing::Test::HasFatalFailure() || p.refusal) return;
    constexpr std::uint64_t limit = 100'003;
    p.options.step_limit = limit;
    auto job = transfer_job::start(p.source_fd, p.sink.write_fd.get(), p.options);
    ASSERT_TRUE(job) << job.error().message();
    std::size_t steps = 0;
    for (;;) {
        const std::uint64_t before = job->bytes_done();
        auto state = job->step();
        ASSERT_TRUE(state) << state.error().message();
        ++steps;
        const std::uint64_t moved = job->bytes_done() - before;
        if (*state == transfer_job::state::done) {
            EXPECT_LE(moved, limit);
            break;
        }
        ASSERT_EQ(*state, transfer_job::state::yielded) << "a blocking sink and a fed stream never block a step";
        ASSERT_EQ(moved, limit) << "step " << steps;
        ASSERT_LT(steps, c.size / limit + 2) << "more steps than the limit allows";
    }
    EXPECT_EQ(steps, (c.size + limit - 1) / limit);
    const std::string got = received(p.sink);
    ASSERT_EQ(got.size(), p.expected.size());
    EXPECT_EQ(hash_bytes(got), hash_bytes(p.expected)) << "content differs";
}

std::vector<conformance_case> all_cases() {
    const std::vector<std::size_t> sizes = {0, 1, 4095, 4096, 4097, (1u << 20) + 13, (64u << 20) + 1};
    const std::vector<std::uint64_t> offsets = {0, 1, 4096 + 7};
    const std::vector<kind> sinks = {kind::file, kind::tcp, kind::unix_socket, kind::pipe};
    std::vector<strategy_id> strategies(all_strategies().begin(), all_strategies().end());
    strategies.push_back(strategy_id::automatic);

    std::vector<conformance_case> cases;
    for (strategy_id s : strategies)
        for (kind sink : sinks) {
            for (std::size_t size : sizes)
                for (std::uint64_t offset : offsets) cases.push_back({s, kind::file, sink, size, offset});
            // Stream sources: no offsets; a few sizes are enough to show the path.
            for (kind source : {kind::pipe, kind::tcp})
                for (std::size_t size : {std::size_t{0}, std::size_t{4097}, std::size_t{(1u << 20) + 13}})
                    cases.push_back({s, source, sink, size, 0});
        }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(every_strategy, conformance, testing::ValuesIn(all_cases()), case_name);

std::vector<conformance_case> stepped_cases() {
    std::vector<strategy_id> strategies(all_strategies().begin(), all_strategies().end());
    strategies.push_back(strategy_id::automatic);
    std::vector<conformance_case> cases;
    for (strategy_id s : strategies)
        for (kind sink : {kind::file, kind::tcp, kind::unix_socket, kind::pipe}) {
            for (std::uint64_t offset : {0u, 4096u + 7u}) cases.push_back({s, kind::file, sink, (1u << 20) + 13, offset});
            for (kind source : {kind::pipe, kind::tcp}) cases.push_back({s, source, sink, (1u << 20) + 13, 0});
        }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(every_strategy, stepped, testing::ValuesIn(stepped_cases()), case_name);

} // namespace
} // namespace zc::test
