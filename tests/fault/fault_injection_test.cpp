// Property test: thousands of randomised transfers under a seeded schedule of
// syscall faults (fault_plan.hpp, interpose.cpp; docs/fault-injection.md).
//
// Every transfer must either succeed byte-exact, or fail with the sink holding
// a prefix of the expected bytes (nothing wrong, nothing repeated across a
// fallback); it must succeed when only EINTR, EAGAIN and short counts were
// injected, and fail after an ENOSPC, EIO or ECONNRESET; and no descriptor
// may leak. Reproduce a run with
// ZC_FAULT_SEED=<seed printed> ZC_FAULT_ONLY_RUN=<run>; ZC_FAULT_RUNS sets
// how many runs (default 10000), ZC_FAULT_SEED=random picks a fresh seed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/endpoint.hpp"
#include "core/io.hpp"
#include "fault/fault_plan.hpp"
#include "strategies/strategy.hpp"
#include "support/test_support.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {
namespace {

enum class source_kind { file, pipe, tcp, unix_socket, count };
constexpr std::string_view source_names[] = {"file", "pipe", "tcp", "unix"};
enum class sink_kind { file, append_file, pipe, tcp, unix_socket, count };
constexpr std::string_view sink_names[] = {"file", "append-file", "pipe", "tcp", "unix"};

constexpr std::size_t source_file_size = 2u << 20;

struct run_plan {
    strategy_id strategy = strategy_id::automatic;
    source_kind source = source_kind::file;
    bool nonblocking_source = false;
    sink_kind sink = sink_kind::file;
    bool nonblocking_sink = false;
    std::size_t size = 0;
    std::uint64_t offset = 0;     // file source: where the range starts
    bool explicit_offset = true;  // file source: options.offset, else the fd's offset
    bool explicit_length = true;  // options.length, else until EOF (a file source then ends the range)
    std::size_t sink_prefix = 0;  // file sinks: bytes already there, the fd positioned after them
    std::size_t chunk_size = 0;
    std::size_t buffer_size = 0;
    std::size_t mmap_window = 0;
    std::size_t pipe_size = 0;
    double fault_probability = 0;
    bool hard_faults = false;
    std::uint64_t fault_seed = 0;

    std::string describe() const {
        std::ostringstream out;
        out << strategy_name(strategy) << " " << source_names[static_cast<int>(source)]
            << (nonblocking_source ? "(nonblock)" : "") << " → " << sink_names[static_cast<int>(sink)]
            << (nonblocking_sink ? "(nonblock)" : "") << ", " << size << " bytes";
        if (!stream()) out << " at " << offset << (explicit_offset ? " (option)" : " (fd offset)");
        if (!explicit_length) out << " until EOF";
        if (sink_prefix) out << ", sink holding " << sink_prefix << " bytes";
        out << ", chunk " << chunk_size << ", buffer " << buffer_size << ", window " << mmap_window << ", pipe "
            << pipe_size << ", faults p=" << fault_probability
            << (hard_faults ? " all" : " soft only");
        return out.str();
    }
    bool stream() const { return source != source_kind::file; }
};

std::size_t random_size(std::mt19937_64& random) {
    auto upto = [&](std::size_t n) { return static_cast<std::size_t>(random() % (n + 1)); };
    switch (random() % 8) {
    case 0:
    case 1: return upto(16);
    case 2:
    case 3: return upto(8192);
    case 4:
    case 5:
    case 6: return upto(128 * 1024);
    default: return upto((1u << 20) + 17);
    }
}

template <class T, std::size_t N>
T pick(std::mt19937_64& random, const T (&choices)[N]) {
    return choices[random() % N];
}

// Everything of one run except the strategy, which depends on the pair.
run_plan random_plan(std::mt19937_64& random) {
    run_plan p;
    p.source = random() % 3 == 0 ? static_cast<source_kind>(1 + random() % 3) : source_kind::file;
    p.nonblocking_source = p.stream() && random() % 3 == 0;
    p.sink = static_cast<sink_kind>(random() % static_cast<int>(sink_kind::count));
    p.nonblocking_sink = p.sink != sink_kind::file && p.sink != sink_kind::append_file && random() % 3 == 0;
    p.size = random_size(random);
    p.offset = random() % (source_file_size - p.size + 1);
    if (random() % 2) p.offset %= 8192; // near the start, where the page edges are
    if (random() % 4 == 0) p.offset -= p.offset % 4096; // aligned, as O_DIRECT writes want
    p.explicit_offset = random() % 3 != 0;
    p.explicit_length = random() % 2 == 0;
    if (!p.stream() && !p.explicit_length) p.offset = source_file_size - p.size; // the range ends the file
    const bool file_sink = p.sink == sink_kind::file || p.sink == sink_kind::append_file;
    if (file_sink && random() % 3 == 0) p.sink_prefix = 1 + random() % 5000;
    p.chunk_size = pick(random, {std::size_t{0}, std::size_t{0}, std::size_t{4096}, std::size_t{65536}});
    p.buffer_size = pick(random, {std::size_t{128 * 1024}, std::size_t{4096}, std::size_t{65536}});
    p.mmap_window = pick(random, {std::size_t{64} << 20, std::size_t{65536}});
    p.pipe_size = pick(random, {std::size_t{1} << 20, std::size_t{65536}});
    p.fault_probability = pick(random, {0.0, 0.02, 0.1, 0.3, 0.6});
    p.hard_faults = random() % 2 == 0;
    p.fault_seed = random();
    return p;
}

// auto (a third of the runs) or an explicit strategy that serves the pair and
// runs on this kernel.
strategy_id random_strategy(std::mt19937_64& random, int source_fd, int sink_fd) {
    if (random() % 3 == 0) return strategy_id::automatic;
    const auto source = detail::inspect(source_fd, "source");
    const auto sink = detail::inspect(sink_fd, "sink");
    std::vector<strategy_id> usable;
    for (strategy_id id : all_strategies()) {
        const auto& ops = detail::ops_for(id);
        if (!ops.refuses(*source, *sink) && !detail::availability(id)) usable.push_back(id);
    }
    return usable[random() % usable.size()];
}

transfer_options options_for(const run_plan& p) {
    transfer_options options;
    options.strategy = p.strategy;
    if (!p.stream() && p.explicit_offset) options.offset = p.offset;
    if (p.explicit_length) options.length = p.size;
    options.chunk_size = p.chunk_size;
    options.buffer_size = p.buffer_size;
    options.mmap_window = p.mmap_window;
    options.pipe_size = p.pipe_size;
    return options;
}

// What one run left behind, and what it should have.
struct outcome {
    const std::expected<transfer_stats, error>& result;
    const std::string& expected;
    const std::string& received;
    const std::string& descriptors_left; // opened by the transfer, still open
    off_t source_offset;                 // a file source's fd offset afterwards
    const fault_counts& faults;
};

// Empty when the run kept the contract; else what it broke.
std::string violation_of(const run_plan& p, const outcome& o) {
    if (!o.descriptors_left.empty()) return "descriptor leaked: " + o.descriptors_left;
    if (o.result) {
        if (o.received != o.expected || o.result->bytes != p.size)
            return "success with " + std::to_string(o.received.size()) + " bytes received (stats " +
                   std::to_string(o.result->bytes) + "), " + (o.received == o.expected ? "" : "not ") +
                   "the expected " + std::to_string(p.size);
        if (o.faults.fatal_faults() > 0) return "succeeded although ENOSPC, EIO or ECONNRESET was injected";
        if (!p.stream() && !p.explicit_offset && static_cast<std::uint64_t>(o.source_offset) != p.offset + p.size)
            return "source offset left at " + std::to_string(o.source_offset);
        return {};
    }
    if (o.received.size() > o.expected.size() || o.expected.compare(0, o.received.size(), o.received) != 0)
        return "failed (" + o.result.error().message() + ") after writing " + std::to_string(o.received.size()) +
               " bytes that are not a prefix of the expected ones";
    if (o.faults.hard_faults() == 0)
        return "failed with only EINTR/EAGAIN/short counts injected: " + o.result.error().message();
    return {};
}

struct totals {
    std::uint64_t runs = 0, successes = 0, clean_errors = 0, violations = 0;
    std::uint64_t fallbacks_mid_transfer = 0; // successes after a fallback past byte 0
    fault_counts faults;
};

// The sink of one run and how to read back what reached it.
class sink_end {
public:
    sink_end(sink_kind kind, bool nonblocking, const std::filesystem::path& file) : file_(file) {
        switch (kind) {
        case sink_kind::file: fd_ = open_write(file); break;
        case sink_kind::append_file:
            fd_ = unique_fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
            break;
        case sink_kind::pipe: attach(zc::test::pipe_pair()); break;
        case sink_kind::tcp: attach(tcp_pair()); break;
        case sink_kind::unix_socket: attach(unix_pair()); break;
        case sink_kind::count: break;
        }
        if (nonblocking) set_nonblocking(fd_.get());
    }
    int fd() const { return fd_.get(); }
    std::string received() {
        fd_.reset();
        return reader_ ? reader_->join() : read_file(file_);
    }

private:
    void attach(std::pair<unique_fd, unique_fd> ends) {
        fd_ = std::move(ends.first);
        reader_.emplace(std::move(ends.second));
    }
    std::filesystem::path file_;
    unique_fd fd_;
    std::optional<collector> reader_;
};

// Writes `bytes` into a pipe or socket on a thread, then closes it; gives up
// (EPIPE) when the transfer failed and the read end was closed.
class stream_feeder {
public:
    stream_feeder(source_kind kind, std::string bytes, bool nonblocking) : bytes_(std::move(bytes)) {
        auto [write_end, read_end] = kind == source_kind::pipe  ? zc::test::pipe_pair()
                                     : kind == source_kind::tcp ? tcp_pair()
                                                                : unix_pair();
        read_end_ = std::move(read_end);
        if (nonblocking) set_nonblocking(read_end_.get());
        thread_ = std::thread([this, fd = std::move(write_end)] {
            (void)zc::detail::write_all(fd.get(), zc::detail::as_bytes(bytes_)); // EPIPE: the transfer failed
        });
    }
    ~stream_feeder() {
        read_end_.reset();
        thread_.join();
    }
    int fd() const { return read_end_.get(); }

private:
    std::string bytes_;
    unique_fd read_end_;
    std::thread thread_;
};

// The open descriptors, by number. (A count would not do: the feeder thread
// closes its end whenever it is done.)
std::set<int> open_fds() {
    std::set<int> fds;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
        fds.insert(std::stoi(entry.path().filename().string()));
    return fds;
}

// Descriptors open now that were not in `before`, with what they are.
std::string opened_since(const std::set<int>& before) {
    std::string found;
    for (int fd : open_fds()) {
        if (before.contains(fd)) continue;
        std::error_code gone; // the listing's own descriptor, closed by now
        const auto target = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), gone);
        if (!gone) found += std::to_string(fd) + " → " + target.string() + " ";
    }
    return found;
}

std::uint64_t environment_number(const char* name, std::uint64_t otherwise) {
    const char* value = std::getenv(name);
    if (!value || !*value) return otherwise;
    if (std::string_view(value) == "random")
        return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    return std::strtoull(value, nullptr, 0);
}

class fault_injection : public testing::Test {
protected:
    static void SetUpTestSuite() { ::signal(SIGPIPE, SIG_IGN); } // the feeder's write after a failed transfer

    temp_dir dir_;
    std::string source_ = write_random_file(dir_ / "source", source_file_size, 0x5eed);
    totals totals_;

    // One randomised transfer; a violation is reported with the run's plan.
    void run_once(std::uint64_t seed, std::uint64_t run) {
        std::mt19937_64 random(seed ^ (run * 0x9e3779b97f4a7c15ull));
        run_plan p = random_plan(random);
        const std::string expected =
            p.stream() ? random_bytes(p.size, p.fault_seed) : source_.substr(p.offset, p.size);

        unique_fd source_file;
        std::optional<stream_feeder> feeder;
        if (p.stream()) {
            feeder.emplace(p.source, expected, p.nonblocking_source);
        } else {
            source_file = open_read(dir_ / "source");
            if (!p.explicit_offset) ::lseek(source_file.get(), static_cast<off_t>(p.offset), SEEK_SET);
        }
        const int source_fd = p.stream() ? feeder->fd() : source_file.get();
        sink_end sink(p.sink, p.nonblocking_sink, dir_ / "sink");
        const std::string already = random_bytes(p.sink_prefix, p.fault_seed + 1);
        if (!already.empty() && ::write(sink.fd(), already.data(), already.size()) != std::ssize(already))
            FAIL() << "writing the sink's first bytes";
        p.strategy = random_strategy(random, source_fd, sink.fd());

        fault_plan plan(p.fault_seed, p.fault_probability, p.hard_faults);
        const auto fds_before = open_fds();
        std::expected<transfer_stats, error> result;
        {
            fault_scope scope(plan);
            result = transfer(source_fd, sink.fd(), options_for(p));
        }
        const auto fds_left = opened_since(fds_before);
        const off_t source_offset = p.stream() ? 0 : ::lseek(source_file.get(), 0, SEEK_CUR);
        std::string received = sink.received();
        const bool kept_earlier_bytes = received.starts_with(already);
        received.erase(0, already.size());
        feeder.reset();

        ++totals_.runs;
        totals_.faults += plan.counts();
        const std::string violation =
            kept_earlier_bytes ? violation_of(p, {result, expected, received, fds_left, source_offset, plan.counts()})
                               : "the bytes already in the sink changed";
        if (violation.empty()) {
            ++(result ? totals_.successes : totals_.clean_errors);
            if (result && std::ranges::any_of(result->fallbacks, [](const auto& f) { return f.at_byte > 0; }))
                ++totals_.fallbacks_mid_transfer;
            return;
        }
        ++totals_.violations;
        ADD_FAILURE() << "run " << run << " (ZC_FAULT_SEED=" << seed << " ZC_FAULT_ONLY_RUN=" << run
                      << "): " << p.describe() << ": " << violation;
    }
};

void print_counts(std::uint64_t seed, const totals& t) {
    std::printf("fault injection (seed %llu): runs %llu, faults injected %llu, successes %llu, clean errors %llu, "
                "violations %llu\n",
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(t.runs),
                static_cast<unsigned long long>(t.faults.total_faults()),
                static_cast<unsigned long long>(t.successes), static_cast<unsigned long long>(t.clean_errors),
                static_cast<unsigned long long>(t.violations));
    std::printf("  successes after a fallback past byte 0: %llu\n",
                static_cast<unsigned long long>(t.fallbacks_mid_transfer));
    std::printf("  %-17s %10s %8s", "call", "calls", "faults");
    for (std::size_t f = 0; f < static_cast<std::size_t>(fault_kind::count); ++f)
        std::printf(" %10s", std::string(fault_name(static_cast<fault_kind>(f))).c_str());
    std::printf("\n");
    for (std::size_t c = 0; c < static_cast<std::size_t>(call_kind::count); ++c) {
        const auto kind = static_cast<call_kind>(c);
        std::printf("  %-17s %10llu %8llu", std::string(call_name(kind)).c_str(),
                    static_cast<unsigned long long>(t.faults.calls[c]),
                    static_cast<unsigned long long>(t.faults.faults_of(kind)));
        for (auto n : t.faults.faults[c]) std::printf(" %10llu", static_cast<unsigned long long>(n));
        std::printf("\n");
    }
    std::fflush(stdout);
}

TEST_F(fault_injection, randomised_transfers_are_byte_exact_or_fail_cleanly) {
    const std::uint64_t seed = environment_number("ZC_FAULT_SEED", 20261122);
    const std::uint64_t runs = environment_number("ZC_FAULT_RUNS", 10000);
    if (const char* only = std::getenv("ZC_FAULT_ONLY_RUN"); only && *only) {
        run_once(seed, std::strtoull(only, nullptr, 0));
    } else {
        for (std::uint64_t run = 0; run < runs; ++run) run_once(seed, run);
    }
    print_counts(seed, totals_);
    EXPECT_EQ(totals_.violations, 0u);
    if (runs < 10000 || std::getenv("ZC_FAULT_ONLY_RUN")) return;
    // The seam reaches every call the engine makes: each kind was faulted.
    for (std::size_t c = 0; c < static_cast<std::size_t>(call_kind::count); ++c) {
        const auto kind = static_cast<call_kind>(c);
        if (kind == call_kind::uring_send || kind == call_kind::uring_recv) continue; // the server's (serve_fault_test)
        const bool uring = kind == call_kind::uring_splice || kind == call_kind::uring_send_zc;
        if (uring && detail::availability(kind == call_kind::uring_splice ? strategy_id::uring_splice
                                                                          : strategy_id::uring_send_zc))
            continue; // this kernel cannot run it: nothing to fault
        if (kind == call_kind::recvmsg && detail::availability(strategy_id::msg_zerocopy)) continue;
        EXPECT_GT(totals_.faults.faults_of(kind), 0u) << call_name(kind) << " was never faulted";
    }
}

// splice socket → private pipe → file, refused (EINVAL) at its nth splice
// call, a drain: the bytes already out of the socket and in the pipe must be
// handed to read-write and delivered once, before anything read after them.
void expect_bytes_held_in_the_pipe_delivered_once(std::uint64_t nth_splice) {
    temp_dir dir;
    const std::string data = random_bytes((2u << 20) + 3, 6);
    auto [out, in] = tcp_pair();
    std::thread feeder([&, fd = std::move(out)]() mutable {
        for (std::size_t sent = 0; sent < data.size();) {
            ssize_t n = ::send(fd.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;
            sent += static_cast<std::size_t>(n);
        }
    });
    auto sink = open_write(dir / "out");
    fault_plan plan(1, 0.0, false);
    plan.fail_nth(call_kind::splice, nth_splice, EINVAL);
    std::expected<transfer_stats, error> stats;
    {
        fault_scope scope(plan);
        stats = transfer(in.get(), sink.get());
    }
    feeder.join();
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(stats->bytes, data.size());
    EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(data));
    ASSERT_EQ(stats->fallbacks.size(), 1u);
    EXPECT_EQ(stats->fallbacks.front().from, strategy_id::splice);
    EXPECT_EQ(stats->fallbacks.front().reason.errno_value(), EINVAL);
    EXPECT_EQ(stats->strategy_used, strategy_id::read_write);
}

TEST(fault_injection_fallback, bytes_held_in_a_pipe_when_the_first_drain_is_refused_are_delivered_once) {
    expect_bytes_held_in_the_pipe_delivered_once(2);
}

TEST(fault_injection_fallback, bytes_held_in_a_pipe_when_a_later_drain_is_refused_are_delivered_once) {
    expect_bytes_held_in_the_pipe_delivered_once(6);
}

} // namespace
} // namespace zc::test
