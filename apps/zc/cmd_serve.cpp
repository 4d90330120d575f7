// zc serve [--listen ADDR:PORT] [--root DIR] [--workers N] [--strategy S] [--list]
//          [--access-log FILE|-] [--max-connections N] [--header-timeout S]
//          [--keepalive-timeout S] [--send-timeout S] [--inline-file-limit SIZE]
//          [--open-file-cache N] [--open-file-cache-inactive S] [--open-file-cache-valid S]
//          [--backend auto|epoll|io-uring]
//
// A static file server (HTTP/1.1: GET and HEAD, ranges, conditional requests,
// keep-alive, pipelining) on the engine's resumable transfer; the server
// itself is src/http/ (docs/serve.md). This file owns the process-wide
// parts: SIGPIPE ignored, SIGTERM/SIGINT turned into a graceful stop (stop
// accepting, finish in-flight responses for up to 10 s, exit 0), the
// descriptor limit raised to its hard maximum (10,000 connections need as
// many descriptors), the event backend resolved once (a fallback said once),
// and the "zc: serving DIR on http://ADDR:PORT (N workers, BACKEND)" line on
// stderr (with the real port when port 0 was asked for: scripts and tests
// read it).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "manual.hpp"
#include "server_process.hpp"
#include "host_port.hpp"
#include "http/server.hpp"
#include "http/settings.hpp"
#include "net/backend.hpp"
#include "size_parser.hpp"
#include "transfer_flags.hpp"

namespace zc::cli {
namespace {

// The prose of `zc serve --help` and zc-serve(1); the options are the ones below.
const verb_manual serve_manual = {
    .description =
        "A static file server: HTTP/1.1 GET and HEAD, byte ranges, conditional requests (ETag, Last-Modified), "
        "keep-alive and pipelining, on one event loop per worker thread. Request paths are resolved under the "
        "root and nothing outside it is ever opened; a directory is answered with its index.html, a listing "
        "(`--list`) or 403. A file up to `--inline-file-limit` goes out with the response head in one send(2); a "
        "larger one follows as a file range through the transfer engine: under auto by sendfile(2), unless a "
        "profile measured on this machine (zc tune) chose otherwise; `--strategy` names one. A cached open file "
        "nobody asked for within `--open-file-cache-inactive` is closed, also on an idle worker.\n\n"
        "On startup it prints \"zc: serving DIR on http://ADDR:PORT (N workers, BACKEND)\" on stderr, with the real port when port 0 "
        "was asked for. SIGTERM or SIGINT: stop accepting, finish in-flight responses (up to 10 s), exit 0.",
    .examples = {{"zc serve --root ./public --listen :8080 --list", "Serve a directory on every address, with listings."},
                 {"zc serve --listen 127.0.0.1:0 --access-log -", "A free port, every response logged to stdout."}},
    .exit_status = {{0, "stopped by SIGTERM or SIGINT"},
                    {1, "the server could not start (e.g. the address is in use)"},
                    {2, "bad usage"}},
    .see_also = {"sendfile(2)", "nginx(8)"},
};

// The CLI fills http::serve_settings directly: each setting and its default
// are declared once, there; only the strategy goes through its name.
struct serve_arguments {
    http::serve_settings settings;
    transfer_flags flags;
};

std::chrono::milliseconds to_milliseconds(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0 + 0.5));
}

std::string seconds_text(std::chrono::milliseconds ms) {
    return fmt::format("{:g}", static_cast<double>(ms.count()) / 1000.0);
}

int run_serve(serve_arguments& args) {
    http::serve_settings& settings = args.settings;
    settings.strategy = *parse_strategy(args.flags.strategy);

    raise_descriptor_limit();
    const stop_signals stop;

    // The backend is resolved once here, not per worker, so that a fallback
    // is said once and the startup line names what runs.
    auto backend = net::choose_backend(settings.net.backend);
    if (!backend) return report_failure(backend.error().wrap("serve --backend"));
    if (backend->passed_over)
        fmt::print(stderr, "zc: {}; using {}\n", backend->passed_over->message(), net::backend_name(backend->kind));
    settings.net.backend = backend->kind;

    auto server = http::server::start(settings);
    if (!server) return report_failure(server.error().wrap("serve"));
    std::error_code ec;
    const auto shown_root = std::filesystem::absolute(settings.root, ec);
    fmt::print(stderr, "zc: serving {} on http://{} ({} worker{}, {})\n",
               ec ? settings.root : shown_root.lexically_normal().string(), server->local_address(),
               server->workers(), server->workers() == 1 ? "" : "s", net::backend_name(settings.net.backend));
    std::fflush(stderr);

    const int received = stop.wait();
    fmt::print(stderr, "zc: {}: finishing in-flight responses, then exiting\n", stop_signals::name(received));
    std::fflush(stderr);
    server->stop();
    server->wait();
    return exit_success;
}

CLI::Validator seconds_validator(bool zero_allowed = false) {
    return CLI::Validator(
        [zero_allowed](std::string& text) {
            try {
                std::size_t used = 0;
                const double value = std::stod(text, &used);
                if (used == text.size() && (value > 0 || (zero_allowed && value == 0)) && value <= 86400)
                    return std::string();
            } catch (const std::exception&) {
            }
            return fmt::format("'{}' is not a number of seconds in {}0, 86400]", text, zero_allowed ? "[" : "(");
        },
        "");
}

void add_seconds_option(CLI::App& app, const char* name, std::chrono::milliseconds& field, const std::string& what,
                        bool zero_allowed = false) {
    app.add_option_function<double>(
           name, [&field](double seconds) { field = to_milliseconds(seconds); },
           fmt::format("{} (default {})", what, seconds_text(field)))
        ->type_name("S")
        ->check(seconds_validator(zero_allowed));
}

} // namespace

command add_serve_command(CLI::App& zc) {
    auto args = std::make_shared<serve_arguments>();
    http::serve_settings& s = args->settings;
    const http::serve_settings defaults;
    auto* app = zc.add_subcommand("serve", "Serve the files under a directory over HTTP/1.1 (GET, HEAD, ranges, keep-alive)");
    app->add_option_function<std::string>(
           "-l,--listen",
           [&s](const std::string& text) {
               const auto parsed = parse_host_port(text); // validated by the check below
               s.net.host = parsed->host;
               s.net.port = parsed->port;
           },
           fmt::format("Address to listen on (default {}:{}); [::1]:8080 for IPv6, :8080 for every address, "
                       "port 0 for a free one (the real port is printed)",
                       defaults.net.host, defaults.net.port))
        ->type_name("ADDR:PORT")
        ->check(CLI::Validator(
            [](std::string& text) {
                auto parsed = parse_host_port(text);
                return parsed ? std::string() : parsed.error();
            },
            ""));
    app->add_option("-r,--root", s.root, "Directory to serve (default: the current directory); nothing outside it is ever opened")
        ->type_name("DIR")
        ->check(CLI::Validator(CLI::ExistingDirectory).description(""));
    app->add_option("-w,--workers", s.net.workers,
                    fmt::format("Event-loop threads, each with its own listening socket (default {}: one per CPU)",
                                defaults.net.workers))
        ->type_name("N")
        ->check(CLI::Range(0u, 1024u).description(""));
    add_strategy_option(*app, args->flags);
    app->add_option_function<std::string>(
           "--backend",
           [&s](const std::string& text) { s.net.backend = *net::backend_from_name(text); },
           fmt::format("How each worker waits for its connections: epoll, io-uring (accepts, receives and "
                       "sends in the ring, Linux 5.19+; readiness only on 5.13-5.18; fails to start where "
                       "io_uring is refused), or auto (default {}: io-uring where the kernel runs it, else "
                       "epoll with the reason; the startup line names the one used)",
                       net::backend_name(defaults.net.backend)))
        ->type_name("auto|epoll|io-uring")
        ->check(CLI::IsMember({"auto", "epoll", "io-uring"}).description(""));
    app->add_flag("--list", s.list_directories, "Answer a directory without index.html with a listing (default: 403)");
    app->add_option("--access-log", s.access_log,
                    "Log every response in the common log format to FILE (appended), or '-' for stdout (default: off)")
        ->type_name("FILE|-");
    app->add_option("--max-connections", s.net.limits.max_connections,
                    fmt::format("Open connections at most, all workers together (default {}); past it a client gets "
                                "503 and a close",
                                defaults.net.limits.max_connections))
        ->type_name("N")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}).description(""));
    add_seconds_option(*app, "--header-timeout", s.header_timeout,
                       "Seconds a request head may take from its first byte, and a new connection to send it");
    add_seconds_option(*app, "--keepalive-timeout", s.keepalive_timeout,
                       "Seconds an idle keep-alive connection is kept between requests");
    add_seconds_option(*app, "--send-timeout", s.send_timeout,
                       "Seconds without progress before a client that stopped reading is dropped");
    app->add_option_function<std::string>(
           "--inline-file-limit",
           [&s](const std::string& text) { s.inline_file_limit = static_cast<std::size_t>(*parse_size(text)); },
           fmt::format("Files up to this size are read into the response head's buffer and sent with it in one "
                       "send(); larger ones follow through the engine (default {}K; 0 = never inline)",
                       defaults.inline_file_limit / 1024))
        ->type_name("SIZE")
        ->check(CLI::Validator(
            [](std::string& text) {
                auto parsed = parse_size(text);
                if (!parsed) return parsed.error();
                return *parsed <= (1u << 20) ? std::string() : std::string("at most 1M");
            },
            ""));
    app->add_option("--open-file-cache", s.open_file_cache,
                    fmt::format("Open files kept per worker, each revalidated by a stat of its path on every request "
                                "(default {}; 0 = open every time)",
                                defaults.open_file_cache))
        ->type_name("N")
        ->check(CLI::Range(std::size_t{0}, std::size_t{100'000}).description(""));
    add_seconds_option(*app, "--open-file-cache-inactive", s.open_file_cache_inactive,
                       "Seconds after which a cached file nobody asked for is closed, also on an idle worker "
                       "(a deleted file's disk blocks are freed then)");
    add_seconds_option(*app, "--open-file-cache-valid", s.open_file_cache_valid,
                       "Seconds a cached file's stat is trusted without a look at its path, as nginx's "
                       "open_file_cache_valid: no stat per request, but a changed file is served as it was for "
                       "up to that long (0 = check on every request, never stale)",
                       true);
    attach_manual(*app, serve_manual);
    return {app, [args] { return run_serve(*args); }};
}

} // namespace zc::cli
