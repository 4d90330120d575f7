// The four transfer scenarios of zc bench, and the fixture they read.
//
// Receivers and senders on the other side of a socket or pipe are forked
// child processes, the same for every strategy:
//   * file-to-socket: the child connects to 127.0.0.1 and drains with recv(2)
//     into one reused 1 MiB buffer; at EOF it sends back 8 bytes (the hash
//     when verifying), and the parent's clock stops when those arrive, i.e.
//     once the receiver has every byte.
//   * file-to-pipe: the child read(2)s the pipe into a reused 1 MiB buffer
//     (pipe of the default 64 KiB) and acknowledges on a second pipe.
//   * socket-to-file: the child maps the fixture (MAP_POPULATE, before the
//     clock starts), waits for a one-byte "go", and send(2)s it; the parent
//     receives into a new file with the strategy under test.
// The child side's CPU comes from wait4's rusage (the whole child: its setup
// is small next to ≥ 32 MiB per run), except the socket-to-file sender, which
// reports its own getrusage delta from "go" to the end so that populating
// the mapping is not charged to it.
#include "bench/scenarios.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "bench/measure.hpp"
#include "core/io.hpp"
#include "engine/auto_select.hpp"
#include "bench/profile_from_bench.hpp"
#include "zerocopy/strategy.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::bench::detail {

namespace {

using clock_type = std::chrono::steady_clock;
constexpr std::size_t chunk = 1u << 20;

error errno_error(const char* what) { return error::from_errno(errno, what); }

// The receivers' buffer, allocated (and touched) before any fork.
std::span<std::byte> drain_buffer() {
    static std::vector<std::byte> buffer(chunk, std::byte{0});
    return buffer;
}

// The children's plain-old-data messages (acknowledgements, reports, "go"),
// whole or not at all; a failure leaves its errno in errno for the caller.
bool write_all(int fd, const void* data, std::size_t length) {
    auto wrote = zc::detail::write_all(fd, {static_cast<const std::byte*>(data), length});
    if (!wrote) errno = wrote.error().errno_value();
    return wrote.has_value();
}

bool read_all(int fd, void* data, std::size_t length) {
    auto got = zc::detail::read_full(fd, {static_cast<std::byte*>(data), length});
    if (!got) errno = got.error().errno_value();
    return got && *got == length;
}

// Child body: read `fd` to EOF, then write the 8-byte acknowledgement (the
// hash of what came, or 0) to `ack_fd`. Returns the exit status.
int drain(int fd, bool hash, int ack_fd) {
    const auto buffer = drain_buffer();
    stream_hash h;
    for (;;) {
        const ssize_t n = zc::detail::retry_on_eintr([&] { return ::read(fd, buffer.data(), buffer.size()); });
        if (n < 0) return 3;
        if (n == 0) break;
        if (hash) h.update(buffer.first(static_cast<std::size_t>(n)));
    }
    const std::uint64_t ack = hash ? h.digest() : 0;
    return write_all(ack_fd, &ack, sizeof ack) ? 0 : 4;
}

template <class Body>
std::expected<pid_t, error> fork_child(Body body) {
    const pid_t pid = ::fork();
    if (pid < 0) return std::unexpected(errno_error("fork"));
    if (pid == 0) ::_exit(body());
    return pid;
}

// Reaps the child; its rusage, or an error when it failed.
std::expected<usage, error> reap(pid_t pid) {
    int status = 0;
    rusage r{};
    if (zc::detail::retry_on_eintr([&] { return ::wait4(pid, &status, 0, &r); }) < 0)
        return std::unexpected(errno_error("wait4"));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::unexpected(error::from_errno(EIO, "bench child process failed (status " +
                                                           std::to_string(status) + ")"));
    return usage::from(r);
}

struct listener {
    unique_fd fd;
    sockaddr_in address{};
};

std::expected<listener, error> listen_loopback() {
    listener l;
    l.fd = unique_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!l.fd) return std::unexpected(errno_error("socket"));
    l.address.sin_family = AF_INET;
    l.address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof l.address;
    if (::bind(l.fd.get(), reinterpret_cast<sockaddr*>(&l.address), sizeof l.address) != 0 ||
        ::listen(l.fd.get(), 1) != 0 ||
        ::getsockname(l.fd.get(), reinterpret_cast<sockaddr*>(&l.address), &length) != 0)
        return std::unexpected(errno_error("bind/listen 127.0.0.1"));
    return l;
}

int connect_loopback(const sockaddr_in& address) {
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    if (::connect(s, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) return -1;
    return s;
}

std::expected<unique_fd, error> accept_one(const listener& l) {
    const int c = zc::detail::retry_on_eintr([&] { return ::accept4(l.fd.get(), nullptr, nullptr, SOCK_CLOEXEC); });
    if (c < 0) return std::unexpected(errno_error("accept"));
    return unique_fd(c);
}

// A forked child at the other end of a loopback TCP connection.
struct connected_child {
    unique_fd connection; // the parent's end
    pid_t pid = -1;
};

// Forks a child that connects to a fresh loopback listener and exits with
// body(its socket); the parent accepts. The child is reaped on failure.
template <class Body>
std::expected<connected_child, error> fork_connected_child(Body body) {
    auto l = listen_loopback();
    if (!l) return std::unexpected(l.error());
    drain_buffer(); // allocated before the fork, so the child does not fault it in on the clock
    auto child = fork_child([&] {
        const int s = connect_loopback(l->address);
        return s < 0 ? 5 : body(s);
    });
    if (!child) return std::unexpected(child.error());
    auto connection = accept_one(*l);
    if (!connection) {
        (void)reap(*child);
        return std::unexpected(connection.error());
    }
    return connected_child{std::move(*connection), *child};
}

struct pipe_ends {
    unique_fd read_end, write_end;
};

std::expected<pipe_ends, error> make_pipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) return std::unexpected(errno_error("pipe2"));
    return pipe_ends{unique_fd(ends[0]), unique_fd(ends[1])};
}

// "auto", a strategy, or a strategy with tuning values (zc tune's variants).
transfer_options options_for(const std::string& method, std::optional<std::uint64_t> offset, std::uint64_t length) {
    transfer_options o;
    o.offset = offset;
    o.length = length;
    o.guard_sigpipe = false; // zc ignores SIGPIPE; the bench does the same (run_bench)
    if (method != "auto") {
        const auto parsed = zc::detail::parse_tuned_strategy(method); // checked by refusal() before any run
        o.strategy = parsed->strategy;
        zc::detail::apply_tuning(parsed->tune, o);
    }
    return o;
}

std::expected<unique_fd, error> create_file(const std::filesystem::path& path) {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return std::unexpected(error::from_errno(errno, "create " + path.string()));
    return fd;
}

// A file a scenario writes into; removed when it goes out of scope.
class output_file {
public:
    static std::expected<output_file, error> create(std::filesystem::path path) {
        auto fd = create_file(path);
        if (!fd) return std::unexpected(fd.error());
        return output_file(std::move(path), std::move(*fd));
    }
    output_file(output_file&& other) noexcept = default;
    output_file& operator=(output_file&&) = delete;
    ~output_file() {
        if (path_.empty()) return;
        fd_.reset();
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
    int get() const noexcept { return fd_.get(); }
    // What the file holds, for verification (0 when not verifying).
    std::expected<std::uint64_t, error> hash_if(bool wanted) const {
        if (!wanted) return 0;
        return hash_file(fd_.get());
    }

private:
    output_file(std::filesystem::path path, unique_fd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
    std::filesystem::path path_;
    unique_fd fd_;
};

// What one run of a scenario returns besides its figures.
struct timed {
    run_sample sample;
    std::uint64_t received_hash = 0;
};

timed start_sample(const fixture& source, std::uint64_t repeats) {
    timed t;
    t.sample.repeats = repeats;
    t.sample.bytes = source.size * repeats;
    return t;
}

void add_usage(run_sample& s, const usage& u, bool sender) {
    if (sender) {
        s.sender_user_s += u.user_s;
        s.sender_sys_s += u.sys_s;
    } else {
        s.receiver_user_s = u.user_s;
        s.receiver_sys_s = u.sys_s;
    }
    s.voluntary_switches += u.voluntary;
    s.involuntary_switches += u.involuntary;
    s.minor_faults += u.minor;
    s.major_faults += u.major;
}

double since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// `repeats` transfers with the method under test, counting their syscalls;
// stops at the first error.
std::optional<error> transfer_repeatedly(const std::string& method, int source, int sink,
                                         std::optional<std::uint64_t> offset, std::uint64_t length,
                                         std::uint64_t repeats, run_sample& sample) {
    const auto options = options_for(method, offset, length);
    for (std::uint64_t r = 0; r < repeats; ++r) {
        auto stats = transfer(source, sink, options);
        if (!stats) return stats.error();
        sample.syscalls += stats->syscalls;
    }
    return std::nullopt;
}

// The file goes out `repeats` times; `sink` is the parent's end; the child
// (already running) acknowledges on `ack` once it has read everything.
std::expected<timed, error> send_file_repeatedly(const std::string& method, const fixture& source,
                                                 std::uint64_t repeats, unique_fd sink, int ack, bool is_socket,
                                                 pid_t child) {
    timed t = start_sample(source, repeats);
    const usage before = usage::of_thread();
    const auto start = clock_type::now();
    const auto failed = transfer_repeatedly(method, source.fd.get(), sink.get(), 0, source.size, repeats, t.sample);
    if (is_socket) ::shutdown(sink.get(), SHUT_WR);
    else sink.reset();
    const bool acknowledged = read_all(ack, &t.received_hash, sizeof t.received_hash);
    t.sample.seconds = since(start);
    add_usage(t.sample, usage::of_thread() - before, true);
    sink.reset();
    auto child_usage = reap(child);
    if (failed) return std::unexpected(*failed);
    if (!child_usage) return std::unexpected(child_usage.error());
    if (!acknowledged) return std::unexpected(error::from_errno(EIO, "receiver did not acknowledge"));
    add_usage(t.sample, *child_usage, false);
    return t;
}

std::expected<timed, error> file_to_socket(const std::string& method, const fixture& source, std::uint64_t repeats,
                                           bool hash) {
    auto peer = fork_connected_child([&](int s) { return drain(s, hash, s); });
    if (!peer) return std::unexpected(peer.error());
    const int ack = peer->connection.get();
    return send_file_repeatedly(method, source, repeats, std::move(peer->connection), ack, true, peer->pid);
}

std::expected<timed, error> file_to_pipe(const std::string& method, const fixture& source, std::uint64_t repeats,
                                         bool hash) {
    auto data = make_pipe();
    if (!data) return std::unexpected(data.error());
    auto ack = make_pipe();
    if (!ack) return std::unexpected(ack.error());
    drain_buffer();
    auto child = fork_child([&] {
        data->write_end.reset();
        return drain(data->read_end.get(), hash, ack->write_end.get());
    });
    if (!child) return std::unexpected(child.error());
    data->read_end.reset();
    ack->write_end.reset();
    return send_file_repeatedly(method, source, repeats, std::move(data->write_end), ack->read_end.get(), false,
                                *child);
}

// One copy made durable: the figure an application that fsyncs sees.
std::expected<double, error> durable_copy_seconds(const std::string& method, const fixture& source) {
    auto durable = output_file::create(source.directory / "durable.out");
    if (!durable) return std::unexpected(durable.error());
    const auto start = clock_type::now();
    auto stats = transfer(source.fd.get(), durable->get(), options_for(method, 0, source.size));
    if (!stats) return std::unexpected(stats.error());
    if (::fdatasync(durable->get()) != 0) return std::unexpected(errno_error("fdatasync"));
    return since(start);
}

std::expected<timed, error> file_to_file(const std::string& method, const fixture& source, std::uint64_t repeats,
                                         bool hash, bool durable_too) {
    timed t = start_sample(source, repeats);
    {
        auto sink = output_file::create(source.directory / "copy.out");
        if (!sink) return std::unexpected(sink.error());
        const usage before = usage::of_thread();
        const auto start = clock_type::now();
        // The copy grows: repeats × size bytes.
        if (auto failed = transfer_repeatedly(method, source.fd.get(), sink->get(), 0, source.size, repeats, t.sample))
            return std::unexpected(*failed);
        t.sample.seconds = since(start);
        add_usage(t.sample, usage::of_thread() - before, true);
        auto received = sink->hash_if(hash);
        if (!received) return std::unexpected(received.error());
        t.received_hash = *received;
    }
    if (durable_too) {
        auto seconds = durable_copy_seconds(method, source);
        if (!seconds) return std::unexpected(seconds.error());
        t.sample.durable_seconds = *seconds;
    }
    return t;
}

// The child's own CPU from "go" to the last byte sent, as the report it writes.
struct sender_report {
    usage used;
    int status = 0;
};

// Child body of socket-to-file: maps the file (populated before the clock
// starts), waits for the one-byte "go", sends the mapping `repeats` times,
// and writes its own CPU from "go" to the end to `report_fd`.
int send_mapping(int socket, const fixture& source, std::uint64_t repeats, int report_fd) {
    void* map = ::mmap(nullptr, source.size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, source.fd.get(), 0);
    char go = 0;
    if (map == MAP_FAILED || !read_all(socket, &go, 1)) return 5;
    const usage before = usage::of_thread();
    for (std::uint64_t r = 0; r < repeats; ++r) {
        if (!zc::detail::send_all(socket, {static_cast<const std::byte*>(map), source.size})) return 6;
    }
    sender_report report;
    report.used = usage::of_thread() - before;
    ::close(socket);
    return write_all(report_fd, &report, sizeof report) ? 0 : 7;
}

// The parent of socket-to-file: says "go", then receives `repeats` copies
// into `sink` with the method under test, on the clock.
std::optional<error> receive_repeatedly(const std::string& method, const fixture& source, std::uint64_t repeats,
                                        int connection, int sink, run_sample& sample) {
    const usage before = usage::of_thread();
    const auto start = clock_type::now();
    const char go = 1;
    std::optional<error> failed;
    if (!write_all(connection, &go, 1)) failed = errno_error("send go");
    else failed = transfer_repeatedly(method, connection, sink, std::nullopt, source.size, repeats, sample);
    sample.seconds = since(start);
    add_usage(sample, usage::of_thread() - before, false); // the receiver is in-process here
    return failed;
}

std::expected<timed, error> socket_to_file(const std::string& method, const fixture& source, std::uint64_t repeats,
                                           bool hash) {
    auto report = make_pipe();
    if (!report) return std::unexpected(report.error());
    auto sink = output_file::create(source.directory / "received.out");
    if (!sink) return std::unexpected(sink.error());
    auto peer = fork_connected_child([&](int s) { return send_mapping(s, source, repeats, report->write_end.get()); });
    if (!peer) return std::unexpected(peer.error());
    report->write_end.reset();

    timed t = start_sample(source, repeats);
    const auto failed = receive_repeatedly(method, source, repeats, peer->connection.get(), sink->get(), t.sample);
    peer->connection.reset();
    sender_report sent;
    const bool reported = read_all(report->read_end.get(), &sent, sizeof sent);
    auto reaped = reap(peer->pid);
    if (failed) return std::unexpected(*failed);
    if (!reaped) return std::unexpected(reaped.error());
    if (!reported) return std::unexpected(error::from_errno(EIO, "sender did not report"));
    add_usage(t.sample, sent.used, true);
    auto received = sink->hash_if(hash);
    if (!received) return std::unexpected(received.error());
    t.received_hash = *received;
    return t;
}

std::expected<timed, error> run_transfer(scenario which, const std::string& method, const fixture& source,
                                         std::uint64_t repeats, bool verifying) {
    switch (which) {
    case scenario::file_to_socket: return file_to_socket(method, source, repeats, verifying);
    case scenario::file_to_pipe: return file_to_pipe(method, source, repeats, verifying);
    case scenario::file_to_file: return file_to_file(method, source, repeats, verifying, !verifying);
    case scenario::socket_to_file: return socket_to_file(method, source, repeats, verifying);
    case scenario::scan: break;
    }
    return std::unexpected(error::from(errc::unsupported_pair, "not a transfer scenario"));
}

// The refusals that mean "this method does not apply here", checked before
// any process is forked.
std::optional<error> refusal(scenario which, const std::string& method) {
    if (which == scenario::scan) return std::nullopt;
    if (method == "auto") return std::nullopt;
    const auto parsed = zc::detail::parse_tuned_strategy(method);
    if (!parsed) return error::from(errc::unsupported_pair, "unknown strategy " + method);
    const auto& info = describe_strategy(parsed->strategy);
    if (!info.available) return error::from(errc::strategy_unavailable, method + ": " + info.reason);
    return std::nullopt;
}

} // namespace

std::expected<fixture, error> fixture::create(const std::filesystem::path& directory, std::uint64_t size) {
    fixture f;
    f.directory = directory;
    f.source = directory / ("source-" + std::to_string(size) + ".bin");
    f.size = size;
    auto fd = create_file(f.source);
    if (!fd) return std::unexpected(fd.error());
    std::vector<std::byte> buffer(chunk);
    stream_hash h;
    for (std::uint64_t at = 0; at < size; at += chunk) {
        const auto piece = std::span(buffer).first(static_cast<std::size_t>(std::min<std::uint64_t>(chunk, size - at)));
        fill_pattern(piece, size, at);
        h.update(piece);
        f.checksum ^= xor_words(piece);
        if (!write_all(fd->get(), piece.data(), piece.size()))
            return std::unexpected(error::from_errno(errno, "write " + f.source.string()));
    }
    if (::fdatasync(fd->get()) != 0) return std::unexpected(errno_error("fdatasync"));
    f.hash = h.digest();
    f.fd = std::move(*fd);
    return f;
}

std::expected<void, error> fixture::drop_cache() const {
    if (::fdatasync(fd.get()) != 0) return std::unexpected(errno_error("fdatasync"));
    const int rc = ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
    if (rc != 0) return std::unexpected(error::from_errno(rc, "posix_fadvise(DONTNEED)"));
    return {};
}

std::vector<std::string> methods_of(scenario which) {
    if (which == scenario::scan) return {"read", "mmap", "direct-io", "io-uring"};
    std::vector<std::string> names = {"auto"};
    for (const auto id : all_strategies()) names.emplace_back(strategy_name(id));
    return names;
}

std::expected<std::uint64_t, error> hash_file(int fd) {
    const auto buffer = drain_buffer();
    stream_hash h;
    for (std::uint64_t at = 0;;) {
        const ssize_t n = zc::detail::retry_on_eintr(
            [&] { return ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(at)); });
        if (n < 0) return std::unexpected(errno_error("pread (verify)"));
        if (n == 0) break;
        h.update(buffer.first(static_cast<std::size_t>(n)));
        at += static_cast<std::uint64_t>(n);
    }
    return h.digest();
}

std::expected<verification, error> verify(scenario which, const std::string& method, const fixture& source) {
    if (auto refused = refusal(which, method)) return std::unexpected(*refused);
    verification v;
    if (which == scenario::scan) {
        auto scanned = scan_file(method, source);
        if (!scanned) return std::unexpected(scanned.error());
        v.checksum = scanned->checksum;
        v.matched = scanned->checksum == source.checksum;
        if (!v.matched)
            v.detail = "checksum " + std::to_string(scanned->checksum) + " != " + std::to_string(source.checksum);
        return v;
    }
    auto t = run_transfer(which, method, source, 1, true);
    if (!t) return std::unexpected(t.error());
    v.matched = t->received_hash == source.hash;
    if (!v.matched) v.detail = "the bytes received differ from the source (hash mismatch)";
    return v;
}

std::expected<run_sample, error> measure(scenario which, const std::string& method, const fixture& source,
                                         std::uint64_t repeats) {
    if (which != scenario::scan) {
        auto t = run_transfer(which, method, source, repeats, false);
        if (!t) return std::unexpected(t.error());
        return t->sample;
    }
    run_sample s;
    s.repeats = repeats;
    s.bytes = source.size * repeats;
    const usage before = usage::of_thread();
    const auto start = clock_type::now();
    for (std::uint64_t r = 0; r < repeats; ++r) {
        auto scanned = scan_file(method, source);
        if (!scanned) return std::unexpected(scanned.error());
        if (scanned->checksum != source.checksum)
            return std::unexpected(error::from_errno(EIO, method + ": checksum changed between runs"));
        s.syscalls += scanned->syscalls;
    }
    s.seconds = since(start);
    add_usage(s, usage::of_thread() - before, true);
    return s;
}

} // namespace zc::bench::detail
