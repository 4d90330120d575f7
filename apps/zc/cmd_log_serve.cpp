// zc log serve --dir DIR [--listen ADDR:PORT] [--advertise HOST:PORT] ...
//
// A single-node Kafka-compatible broker on the reactor (src/log/serve.hpp,
// docs/log.md "Serving"). This file owns the process-wide parts, as
// cmd_serve.cpp does for HTTP: SIGPIPE ignored (main), SIGTERM/SIGINT turned
// into a stop (stop accepting, answer parked fetches, finish what is being
// sent, then flush and seal every partition), the descriptor limit raised,
// and "zc log: listening on HOST:PORT" on stderr with the real port.
#include "cmd_log_serve.hpp"

#include <signal.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "diagnostics.hpp"
#include "host_port.hpp"
#include "log/flush_policy.hpp"
#include "log/group_coordinator.hpp"
#include "log/segment.hpp"
#include "log/serve.hpp"
#include "server_process.hpp"
#include "size_parser.hpp"
#include "zerocopy/strategy.hpp"

namespace zc::cli {
namespace {

struct serve_arguments {
    std::string dir;
    std::string listen = "127.0.0.1:9092";
    std::string advertise;
    std::string fetch = "auto";
    std::string append = "write";
    std::string flush = "async";
    std::string segment_bytes = "1G";
    std::string retention_bytes; // empty: unlimited
    long long retention_ms = -1;  // -1: forever
    int partitions = 1;
    unsigned workers = 1;
    std::size_t max_connections = 10'000;
    long long idle_ms = 600'000;
};

std::expected<log::serve_settings, std::string> to_settings(const serve_arguments& args) {
    log::serve_settings s;
    s.broker.dir = args.dir;
    auto listen = parse_host_port(args.listen);
    if (!listen) return std::unexpected("--listen: " + listen.error());
    s.net.host = listen->host;
    s.net.port = listen->port;
    s.net.workers = args.workers;
    s.net.limits.max_connections = args.max_connections;
    if (!args.advertise.empty()) {
        auto advertise = parse_host_port(args.advertise);
        if (!advertise) return std::unexpected("--advertise: " + advertise.error());
        if (log::is_wildcard_host(advertise->host)) return std::unexpected("--advertise: a host clients can reach");
        s.advertise_host = advertise->host;
        if (advertise->port != 0) s.advertise_port = advertise->port;
    }
    const auto strategy = parse_strategy(args.fetch);
    if (!strategy) return std::unexpected(fmt::format("--fetch: unknown strategy '{}'", args.fetch));
    s.transfer.strategy = *strategy;
    auto mode = log::parse_append_mode(args.append);
    if (!mode) return std::unexpected("--append: " + mode.error().message());
    s.broker.log.segments.mode = *mode;
    auto flush = log::flush_policy::parse(args.flush);
    if (!flush) return std::unexpected("--flush: " + flush.error().message());
    s.broker.log.flush = *flush;
    auto segment = parse_size(args.segment_bytes);
    if (!segment) return std::unexpected("--segment-bytes: " + segment.error());
    if (*segment < 4096 || *segment > 0x7fffffffull)
        return std::unexpected("--segment-bytes: between 4K and 2G - 1 (positions in a segment are 32-bit)");
    s.broker.log.segments.segment_bytes = *segment;
    if (!args.retention_bytes.empty()) {
        auto bytes = parse_size(args.retention_bytes);
        if (!bytes) return std::unexpected("--retention-bytes: " + bytes.error());
        s.broker.log.retention_bytes = *bytes;
    }
    if (args.retention_ms >= 0) s.broker.log.retention_time = std::chrono::milliseconds(args.retention_ms);
    s.broker.default_partitions = args.partitions;
    s.limits.idle_timeout = std::chrono::milliseconds(args.idle_ms);
    return s;
}

// The consumer-group coordinator (docs/log.md, "Consumer groups"): offsets
// under DIR/__consumer_offsets/, FindCoordinator answered with the broker's
// advertised address.
std::expected<std::unique_ptr<log::async_api>, error> make_group_coordinator(log::broker& broker) {
    log::group_coordinator_settings groups;
    groups.advertised = [&broker] {
        const auto address = broker.advertised();
        return log::group_coordinator_settings::node{broker.config().node_id, address.host, address.port};
    };
    auto made = log::group_coordinator::open(broker.config().dir, std::move(groups));
    if (!made) return std::unexpected(made.error().wrap("consumer offsets"));
    return std::unique_ptr<log::async_api>(std::move(*made));
}

int run_log_serve(const serve_arguments& args) {
    auto settings = to_settings(args);
    if (!settings) {
        print_error(settings.error());
        return exit_usage;
    }
    raise_descriptor_limit();
    const stop_signals stop;

    settings->api_factories.push_back(make_group_coordinator);
    auto server = log::server::start(*settings);
    if (!server) return report_failure(server.error().wrap("log serve"));
    const auto advertised = (*server)->log().advertised();
    fmt::print(stderr, "zc log: listening on {} ({} worker{}, {} topic{} in {}, advertised as {})\n",
               (*server)->local_address(), (*server)->workers(), (*server)->workers() == 1 ? "" : "s",
               (*server)->log().topics().size(), (*server)->log().topics().size() == 1 ? "" : "s", args.dir,
               host_port{advertised.host, advertised.port}.to_string());
    std::fflush(stderr);

    const int received = stop.wait();
    fmt::print(stderr, "zc log: {}: finishing in-flight responses, flushing the partitions, then exiting\n",
               stop_signals::name(received));
    std::fflush(stderr);
    (*server)->stop();
    (*server)->wait();
    if (auto closed = (*server)->close(); !closed) return report_failure(closed.error().wrap("log serve: close"));
    return exit_success;
}

const char* const serve_footer =
    "Flush modes, and what a power loss may take (a kill -9 takes nothing the client was told is written: the "
    "bytes are in the page cache):\n"
    "  sync         each append is fdatasync'ed before the produce is acknowledged: an acknowledged batch "
    "survives a power loss.\n"
    "  async        never synced by the broker (Kafka's default, which leans on replication): the kernel's "
    "writeback decides, about 30 s of acknowledged batches may be lost.\n"
    "  interval:MS  synced at most MS ms after the first unsynced append: up to MS ms of acknowledged batches "
    "may be lost.\n"
    "Workers: 1 by default. Partitions are shared by every worker (a mutex each), and one loop already keeps a "
    "core busy on loopback, so more workers help only with many connections on many cores.\n"
    "Example: zc log serve --dir /var/lib/zc-log & kcat -b 127.0.0.1:9092 -L";

} // namespace

std::function<int()> add_log_serve_command(CLI::App& log_app, CLI::App*& serve_app) {
    auto args = std::make_shared<serve_arguments>();
    auto* app = log_app.add_subcommand("serve", "Serve the log directory to Kafka clients (a single-node broker)");
    serve_app = app;
    app->add_option("-d,--dir", args->dir,
                    "The log directory: DIR/TOPIC-PARTITION/ partitions, opened and recovered at start, and "
                    "DIR/meta.properties (cluster.id, node.id), made at the first start")
        ->required()
        ->type_name("DIR");
    app->add_option("-l,--listen", args->listen,
                    "Address to listen on (default 127.0.0.1:9092); port 0 for a free one (the real port is "
                    "printed); every address (:9092, 0.0.0.0:9092) needs --advertise")
        ->type_name("ADDR:PORT");
    app->add_option("--advertise", args->advertise,
                    "The address Metadata tells clients to connect to (default: the listening address)")
        ->type_name("HOST:PORT");
    app->add_option("--partitions", args->partitions,
                    "Partitions of a topic created on first use by Produce or Metadata, or by CreateTopics with -1 "
                    "(default 1)")
        ->type_name("N")
        ->check(CLI::Range(1, 10'000).description(""));
    app->add_option("--fetch", args->fetch,
                    "How fetched record bytes go from a segment file to the socket: auto (default: the profile's "
                    "choice, sendfile without one), sendfile, splice, mmap-write or read-write")
        ->type_name("STRATEGY")
        ->check(CLI::IsMember({"auto", "sendfile", "splice", "mmap-write", "read-write"}).description(""));
    app->add_option("--append", args->append,
                    "How batches are appended to the active segment: write (pwrite, default) or mmap (a memcpy "
                    "into the preallocated, mapped segment)")
        ->type_name("MODE")
        ->check(CLI::IsMember({"write", "mmap"}).description(""));
    app->add_option("--flush", args->flush,
                    "When appended bytes are forced to disk: sync, async (default) or interval:MS (see below)")
        ->type_name("POLICY");
    app->add_option("--segment-bytes", args->segment_bytes,
                    "Roll to a new segment past this size (default 1G, at most 2G - 1)")
        ->type_name("SIZE");
    app->add_option("--retention-bytes", args->retention_bytes,
                    "Delete a partition's oldest segments while it stays at least this big without them "
                    "(default: unlimited); checked every 5 minutes")
        ->type_name("SIZE");
    app->add_option("--retention-ms", args->retention_ms,
                    "Delete segments whose newest record is older than this (default: forever); checked every "
                    "5 minutes")
        ->type_name("MS")
        ->check(CLI::Range(0LL, 1LL << 50).description(""));
    app->add_option("-w,--workers", args->workers, "Event-loop threads sharing the partitions (default 1, see below)")
        ->type_name("N")
        ->check(CLI::Range(1u, 256u).description(""));
    app->add_option("--max-connections", args->max_connections,
                    "Open connections at most, all workers together (default 10000); past it a new one is closed")
        ->type_name("N")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}).description(""));
    app->add_option("--connections-max-idle-ms", args->idle_ms,
                    "Close a connection without a byte in or out for this long (default 600000, Kafka's)")
        ->type_name("MS")
        ->check(CLI::Range(1LL, 1LL << 40).description(""));
    app->footer(serve_footer);
    return [args] { return run_log_serve(*args); };
}

} // namespace zc::cli
