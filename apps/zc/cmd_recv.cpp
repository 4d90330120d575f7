// zc recv [--strategy S] [--json] HOST:PORT OUT
//
// Listens, accepts one connection, writes everything it carries to OUT ("-":
// stdout) until the peer's EOF, and exits. OUT is opened before listening, so
// an unwritable OUT fails before any peer connects; like copy's DST, a file
// OUT appears only once the connection ended cleanly (output_file.hpp). With
// port 0 the kernel picks a free port, announced on stderr as
// "zc: listening on 127.0.0.1:PORT" for scripts and tests.
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "broken_pipe.hpp"
#include "commands.hpp"
#include "diagnostics.hpp"
#include "manual.hpp"
#include "host_port.hpp"
#include "network.hpp"
#include "output_file.hpp"
#include "transfer_flags.hpp"
#include "transfer_report.hpp"

namespace zc::cli {
namespace {

// The prose of `zc recv --help` and zc-recv(1); the options are the ones below.
const verb_manual recv_manual = {
    .description =
        "Listens on HOST:PORT, accepts one connection, writes everything it carries to OUT until the peer's EOF, "
        "and exits. An empty host (:9000) listens on every address. With port 0 the kernel picks a free port, "
        "announced on stderr as \"zc: listening on 127.0.0.1:PORT\".\n\n"
        "OUT is opened before listening, so an unwritable OUT fails before any peer connects. Like copy's DST, a "
        "file OUT appears only once the connection ended cleanly; a reset connection leaves none.",
    .examples = {{"zc recv 127.0.0.1:0 copy.tar", "Receive one file on a free port (printed on stderr)."},
                 {"zc recv :9000 - | tar x", "Receive on every address, to stdout."}},
    .exit_status = {{0, "the peer sent everything and closed"},
                    {1, "the listen, the connection or OUT failed"},
                    {2, "bad usage"}},
    .see_also = {"zc-send(1)", "splice(2)", "nc(1)"},
};

struct recv_arguments {
    transfer_flags flags;
    std::string address;
    std::string out;
};

int run_recv(const recv_arguments& args) {
    const auto address = parse_host_port(args.address); // validated while parsing
    const bool to_stdout = args.out == "-";
    if (args.flags.json) report_errors_as_json(to_stdout ? stderr : stdout);
    std::optional<output_file> output;
    if (!to_stdout) {
        auto created = output_file::create(args.out, 0666);
        if (!created) return report_failure(created.error());
        output.emplace(std::move(*created));
    }
    const int sink_fd = to_stdout ? STDOUT_FILENO : output->fd();

    auto listener = listen_on(*address);
    if (!listener) return report_failure(listener.error());
    if (address->port == 0) {
        fmt::print(stderr, "zc: listening on {}\n", local_address(listener->get()));
        std::fflush(stderr);
    }
    auto socket = accept_one(listener->get());
    if (!socket) return report_failure(socket.error());
    listener->reset();
    const std::string peer = peer_address(socket->get());

    progress_meter meter(args.flags.progress_choice());
    auto options = args.flags.to_options();
    options.on_progress = meter.callback();
    auto stats = transfer(socket->get(), sink_fd, options);
    meter.finish();
    if (!stats) {
        if (output) output->discard();
        if (to_stdout && stats.error().errno_value() == EPIPE) end_like_cat_on_broken_stdout();
        return report_failure(stats.error().wrap(fmt::format("recv from {} into '{}'", peer, args.out)));
    }
    if (output) {
        if (auto committed = output->commit(); !committed) return report_failure(committed.error());
    }
    if (args.flags.json) print_json(to_stdout ? stderr : stdout, stats_to_json(*stats));
    return exit_success;
}

} // namespace

command add_recv_command(CLI::App& zc) {
    auto args = std::make_shared<recv_arguments>();
    auto* app = zc.add_subcommand("recv", "Accept one TCP connection on HOST:PORT and write what it carries to OUT");
    add_strategy_option(*app, args->flags);
    add_json_option(*app, args->flags, "stdout (stderr when OUT is -)");
    add_progress_options(*app, args->flags);
    app->add_option("HOST:PORT", args->address,
                    "Address to listen on, e.g. 127.0.0.1:0, [::1]:9000, :9000 (every address); port 0 picks one")
        ->required()
        ->type_name("")
        ->check(CLI::Validator(
            [](std::string& text) {
                auto parsed = parse_host_port(text);
                return parsed ? std::string() : parsed.error();
            },
            ""));
    app->add_option("OUT", args->out, "File to create or replace; '-' for stdout")->type_name("")->required();
    attach_manual(*app, recv_manual);
    return {app, [args] { return run_recv(*args); }};
}

} // namespace zc::cli
