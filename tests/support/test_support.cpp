#include "support/test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "core/io.hpp"

namespace zc::test {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

std::filesystem::path test_root() {
    if (const char* dir = std::getenv("ZC_TEST_DIR"); dir && *dir) return dir;
    if (std::filesystem::is_directory("/var/tmp")) return "/var/tmp";
    return std::filesystem::temp_directory_path();
}

} // namespace

temp_dir::temp_dir() {
    std::string pattern = (test_root() / "zc-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) fail("mkdtemp");
    path_ = pattern;
}

temp_dir::~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

shm_temp_file::shm_temp_file(const std::string& prefix)
    : path_(std::filesystem::path("/dev/shm") / (prefix + "-" + std::to_string(::getpid()))) {}

shm_temp_file::~shm_temp_file() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

std::string random_bytes(std::size_t size, std::uint64_t seed) {
    std::string out(size, '\0');
    std::mt19937_64 rng(seed);
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t v = rng();
        std::memcpy(out.data() + i, &v, 8);
    }
    for (std::uint64_t v = rng(); i < size; ++i, v >>= 8) out[i] = static_cast<char>(v);
    return out;
}

std::string write_random_file(const std::filesystem::path& path, std::size_t size, std::uint64_t seed) {
    std::string data = random_bytes(size, seed);
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(data.data(), static_cast<std::streamsize>(size));
    return data;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::uint64_t hash_bytes(std::string_view data) {
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ data.size();
    std::size_t i = 0;
    for (; i + 8 <= data.size(); i += 8) {
        std::uint64_t v;
        std::memcpy(&v, data.data() + i, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; i < data.size(); ++i) h = (h ^ static_cast<unsigned char>(data[i])) * 0x100000001b3ull;
    return h;
}

unique_fd open_read(const std::filesystem::path& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail("open " + path.string());
    return fd;
}

unique_fd open_write(const std::filesystem::path& path) {
    unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) fail("open " + path.string());
    return fd;
}

std::pair<unique_fd, unique_fd> tcp_pair(bool ipv6) {
    const int family = ipv6 ? AF_INET6 : AF_INET;
    unique_fd listener(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener) fail("socket");
    sockaddr_storage addr{};
    socklen_t len;
    if (ipv6) {
        auto* a6 = reinterpret_cast<sockaddr_in6*>(&addr);
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_loopback;
        len = sizeof *a6;
    } else {
        auto* a4 = reinterpret_cast<sockaddr_in*>(&addr);
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a4;
    }
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) fail("bind");
    if (::listen(listener.get(), 1) != 0) fail("listen");
    if (::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("getsockname");
    unique_fd client(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!client) fail("socket");
    if (::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) fail("connect");
    unique_fd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!server) fail("accept4");
    return {std::move(client), std::move(server)};
}

std::pair<unique_fd, unique_fd> unix_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) fail("socketpair");
    return {unique_fd(fds[0]), unique_fd(fds[1])};
}

std::pair<unique_fd, unique_fd> pipe_pair() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail("pipe2");
    return {unique_fd(fds[1]), unique_fd(fds[0])};
}

void set_nonblocking(int fd, bool on) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) != 0) fail("fcntl");
}

std::pair<unique_fd, unique_fd> non_blocking(std::pair<unique_fd, unique_fd> pair) {
    set_nonblocking(pair.first.get());
    set_nonblocking(pair.second.get());
    return pair;
}

unique_fd tcp_sender_with_closed_peer() {
    auto [sender, receiver] = tcp_pair();
    receiver.reset();
    return std::move(sender);
}

testing::AssertionResult peer_vanished(const error& e) {
    const int value = e.errno_value();
    if (value == EPIPE || value == ECONNRESET) return testing::AssertionSuccess();
    return testing::AssertionFailure() << e.message();
}

collector::collector(unique_fd fd) : fd_(std::move(fd)) {
    thread_ = std::thread([this] {
        char buffer[1 << 16];
        for (;;) {
            const ssize_t n = zc::detail::retry_on_eintr([&] { return ::read(fd_.get(), buffer, sizeof buffer); });
            if (n <= 0) break;
            data_.append(buffer, static_cast<std::size_t>(n));
        }
    });
}

collector::~collector() {
    if (thread_.joinable()) thread_.join();
}

std::string collector::join() {
    if (thread_.joinable()) thread_.join();
    return std::move(data_);
}

collected_tcp_sink::collected_tcp_sink(bool ipv6) : collected_tcp_sink(tcp_pair(ipv6)) {}

collected_tcp_sink::collected_tcp_sink(std::pair<unique_fd, unique_fd> pair)
    : sender_(std::move(pair.first)), received_(std::move(pair.second)) {}

collected_tcp_sink::~collected_tcp_sink() { sender_.reset(); }

std::string collected_tcp_sink::join() {
    sender_.reset();
    return received_.join();
}

std::expected<drained_job, error> step_until_done_draining(transfer_job& job, unique_fd sink, unique_fd reader) {
    drained_job out;
    for (;;) {
        auto state = job.step();
        if (!state) return std::unexpected(state.error());
        if (*state == transfer_job::state::done) break;
        if (*state == transfer_job::state::would_block_on_sink)
            ++out.would_block_on_sink_steps;
        else
            ++out.would_block_on_source_steps;
        char buffer[1 << 16];
        ssize_t n;
        while ((n = ::read(reader.get(), buffer, sizeof buffer)) > 0)
            out.received.append(buffer, static_cast<std::size_t>(n));
    }
    sink.reset();
    set_nonblocking(reader.get(), false);
    collector rest(std::move(reader));
    out.received += rest.join();
    return out;
}

void discard_available(int fd) {
    char buffer[1 << 16];
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
}

std::expected<transfer_job::state, error> step_discarding(transfer_job& job, int reader,
                                                          std::expected<transfer_job::state, error> last, int rounds) {
    for (int round = 0; round < rounds && last && *last != transfer_job::state::done; ++round) {
        discard_available(reader);
        last = job.step();
    }
    return last;
}

bool ensure_descriptor_limit(std::size_t needed, std::size_t headroom) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    if (limit.rlim_cur >= needed) return true;
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, needed + headroom);
    return limit.rlim_cur >= needed && ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

int open_fd_count() {
    int count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
    return count;
}

void expect_no_descriptor_leaks(const std::function<void()>& round) {
    const int before = open_fd_count();
    for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(round());
    EXPECT_EQ(open_fd_count(), before);
}

int free_port() {
    unique_fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) fail("bind");
    if (::getsockname(s.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("getsockname");
    return ntohs(addr.sin_port);
}

} // namespace zc::test
