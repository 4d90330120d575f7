// zc send [--strategy S] [--offset N] [--length N] [--json] FILE HOST:PORT
//
// Connects, sends the range, then ends the connection in order:
// shutdown(SHUT_WR) so the peer reads EOF, and waits (bounded) for the peer
// to close its side, which tells that it has read everything. Closing at once
// instead could turn unread data into a reset, and would report success
// before the peer had the bytes.
#include <chrono>
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "manual.hpp"
#include "host_port.hpp"
#include "input_file.hpp"
#include "network.hpp"
#include "transfer_flags.hpp"
#include "transfer_report.hpp"

namespace zc::cli {
namespace {

// The prose of `zc send --help` and zc-send(1); the options are the ones below.
const verb_manual send_manual = {
    .description =
        "Connects to HOST:PORT (every address getaddrinfo returns, in turn; IPv6 as [::1]:9000), sends FILE or the "
        "range of it, then ends the connection in order: shutdown(SHUT_WR), so the peer reads EOF, then waits up to "
        "`--close-timeout` seconds for the peer to close its side, which tells that it has read everything. A peer "
        "that resets the connection instead is an error; one that does not close in time gets a warning, and the "
        "exit status is still 0.\n\n"
        "auto starts with sendfile(2), or with splice(2) where the profile says so (the built-in one does from "
        "256 KiB to 8 MiB); `zc strategies` shows the bands.",
    .examples = {{"zc send --json backup.tar 10.0.0.2:9000", "Send a file and print what happened."},
                 {"zc send --offset 1G --length 512M disk.img [::1]:9000", "Send 512 MiB from 1 GiB, over IPv6."}},
    .exit_status = {{0, "every byte was sent"},
                    {1, "the open, the connection or the send failed"},
                    {2, "bad usage"}},
    .see_also = {"zc-recv(1)", "sendfile(2)", "nc(1)"},
};

struct send_arguments {
    transfer_flags flags;
    std::string file;
    std::string address;
    double connect_timeout = 30;
    double close_timeout = 30;
};

std::chrono::milliseconds to_milliseconds(double seconds) {
    return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

int run_send(const send_arguments& args) {
    const auto peer = parse_host_port(args.address); // validated while parsing
    if (args.flags.json) report_errors_as_json(stdout);
    auto input = open_input(args.file);
    if (!input) return report_failure(input.error());
    auto socket = connect_to(*peer, to_milliseconds(args.connect_timeout));
    if (!socket) return report_failure(socket.error());
    const std::string peer_name = peer->to_string();

    progress_meter meter(args.flags.progress_choice());
    auto options = args.flags.to_options();
    options.on_progress = meter.callback();
    auto stats = transfer(input->fd.get(), socket->get(), options);
    meter.finish();
    if (!stats) return report_failure(stats.error().wrap(fmt::format("send '{}' to {}", args.file, peer_name)));

    auto closed = finish_sending(socket->get(), peer_name, to_milliseconds(args.close_timeout));
    if (!closed) return report_failure(closed.error());
    if (!*closed)
        print_warning(fmt::format("{} did not close the connection within {} s; closing anyway", peer_name,
                                  args.close_timeout));
    if (args.flags.json) print_json(stdout, stats_to_json(*stats));
    return exit_success;
}

} // namespace

command add_send_command(CLI::App& zc) {
    auto args = std::make_shared<send_arguments>();
    auto* app = zc.add_subcommand("send", "Send a file (or a byte range of it) over TCP to HOST:PORT");
    add_strategy_option(*app, args->flags);
    add_range_options(*app, args->flags);
    add_json_option(*app, args->flags, "stdout");
    add_progress_options(*app, args->flags);
    app->add_option("--connect-timeout", args->connect_timeout, "Seconds to wait for the connection (default 30)")
        ->type_name("SECONDS")
        ->check(CLI::PositiveNumber);
    app->add_option("--close-timeout", args->close_timeout,
                    "Seconds to wait, after sending, for the peer to close (default 30; 0: do not wait)")
        ->type_name("SECONDS")
        ->check(CLI::NonNegativeNumber);
    app->add_option("FILE", args->file, "File to send")->type_name("")->required();
    app->add_option("HOST:PORT", args->address, "Peer to connect to, e.g. 127.0.0.1:9000 or [::1]:9000")
        ->required()
        ->type_name("")
        ->check(CLI::Validator(
            [](std::string& text) {
                auto parsed = parse_host_port(text);
                if (!parsed) return parsed.error();
                if (parsed->host.empty()) return fmt::format("'{}': send needs a host", text);
                if (parsed->port == 0) return fmt::format("'{}': send needs a port other than 0", text);
                return std::string();
            },
            ""));
    attach_manual(*app, send_manual);
    return {app, [args] { return run_send(*args); }};
}

} // namespace zc::cli
