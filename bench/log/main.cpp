// zc-log-perf: produce, consume and end-to-end latency against a
// Kafka-compatible broker (zc log serve, the librdkafka mock cluster) or NATS
// JetStream; and mock-broker, the mock cluster as a process of its own, so
// its CPU time can be measured apart from the client's.
//
//   zc-log-perf produce|consume|e2e --brokers HOST:PORT [--topic T] [--records N]
//       [--record-size S] [--acks 0|1|-1] [--linger-ms L] [--batch-size B]
//       [--compression none|gzip|snappy|lz4|zstd] [--rate R] [-X key=value]...
//       [--rewind] [--mock | --jetstream] [--json]
//   zc-log-perf mock-broker [--topic T]...   prints "listening on HOST:PORT", runs until SIGINT/SIGTERM
#include "perf.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace {

using namespace zc_log_perf;

nlohmann::json to_json(const perf_options& options, const perf_result& result) {
    nlohmann::json out = {
        {"driver", result.driver}, {"mode", result.mode}, {"topic", options.topic},
        {"record_size", options.record_size}, {"records", result.records}, {"bytes", result.bytes},
        {"seconds", result.seconds}, {"records_per_second", result.records_per_second()},
        {"mib_per_second", result.mib_per_second()}, {"errors", result.errors},
        {"ok", result.error.empty()}};
    if (result.driver == "kafka" && result.mode != "consume") {
        out["acks"] = options.acks;
        out["linger_ms"] = options.linger_ms;
        out["batch_size"] = options.batch_size;
        out["compression"] = options.compression;
    }
    if (result.latency_p50_ms) {
        out["latency_p50_ms"] = *result.latency_p50_ms;
        out["latency_p99_ms"] = *result.latency_p99_ms;
        out["latency_max_ms"] = *result.latency_max_ms;
    }
    if (result.mode == "consume") out["rewinds"] = result.rewinds;
    if (!result.error.empty()) out["error"] = result.error;
    return out;
}

void print_text(const perf_result& result) {
    std::cout << fmt::format("{} {}: {} records, {} bytes in {:.3f} s: {:.0f} records/s, {:.2f} MiB/s", result.driver,
                             result.mode, result.records, result.bytes, result.seconds, result.records_per_second(),
                             result.mib_per_second());
    if (result.latency_p50_ms)
        std::cout << fmt::format(", latency p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms", *result.latency_p50_ms,
                                 *result.latency_p99_ms, *result.latency_max_ms);
    std::cout << '\n';
    if (!result.error.empty()) std::cerr << "zc-log-perf: error: " << result.error << '\n';
}

// The mock cluster in this process until a signal: what bench/log-vs-peers runs as "mock".
int serve_mock(const std::vector<std::string>& topics) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before librdkafka starts its threads
    const std::string bootstraps = start_mock_cluster(topics);
    std::cerr << "listening on " << bootstraps << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    stop_mock_cluster();
    return 0;
}

perf_result run(perf_options options, bool mock) {
    if (options.jetstream) return run_jetstream(options);
    if (!mock) return run_kafka(options);
    options.brokers = start_mock_cluster({options.topic});
    options.rewind = true;
    if (options.mode == run_mode::consume) {
        // The mock starts empty: fill it with what the consumer will read (not timed).
        perf_options fill = options;
        fill.mode = run_mode::produce;
        perf_result filled = run_kafka(fill);
        if (!filled.error.empty()) return filled;
    }
    perf_result result = run_kafka(options);
    stop_mock_cluster();
    return result;
}

void add_run_options(CLI::App& command, perf_options& options, bool& mock, bool& json,
                     std::vector<std::string>& extra) {
    command.add_option("--brokers", options.brokers, "bootstrap servers HOST:PORT (with --jetstream: a NATS URL)");
    command.add_option("--topic", options.topic, "topic (JetStream: stream and subject)")->capture_default_str();
    command.add_option("--records", options.records, "records to send or receive")->capture_default_str()->check(CLI::PositiveNumber);
    command.add_option("--record-size", options.record_size, "payload bytes per record")->capture_default_str()->check(CLI::PositiveNumber);
    command.add_option("--acks", options.acks, "0, 1 or -1 (all)")->capture_default_str()->check(CLI::IsMember({"0", "1", "-1", "all"}));
    command.add_option("--linger-ms", options.linger_ms, "librdkafka linger.ms")->capture_default_str();
    command.add_option("--batch-size", options.batch_size, "librdkafka batch.size (bytes)")->capture_default_str();
    command.add_option("--compression", options.compression, "none, gzip, snappy, lz4, zstd")->capture_default_str();
    command.add_option("--partition", options.partition, "partition")->capture_default_str();
    command.add_option("--rate", options.rate, "e2e: records per second")->capture_default_str()->check(CLI::PositiveNumber);
    command.add_option("--timeout", options.timeout_s, "give up after this many seconds")->capture_default_str();
    command.add_option("--jetstream-max-pending", options.jetstream_max_pending, "JetStream: unacknowledged publishes in flight")->capture_default_str();
    command.add_option("--jetstream-fetch-batch", options.jetstream_fetch_batch, "JetStream: messages per pull")->capture_default_str();
    command.add_option("-X", extra, "librdkafka property key=value (repeatable)");
    command.add_flag("--rewind", options.rewind, "consume: at the log end start again from the beginning until N records (the mock cluster keeps only the last ~5 MB of a partition; --mock sets it)");
    command.add_flag("--mock", mock, "start librdkafka's mock cluster in this process and use it");
    command.add_flag("--jetstream", options.jetstream, "NATS JetStream (libnats) instead of Kafka");
    command.add_flag("--json", json, "one JSON object instead of a line of text");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"zc-log-perf: load generator for Kafka-compatible brokers and NATS JetStream"};
    app.require_subcommand(1);
    perf_options options;
    bool mock = false, json = false;
    std::vector<std::string> extra, mock_topics;
    struct { const char* name; run_mode mode; const char* help; } modes[] = {
        {"produce", run_mode::produce, "N records as fast as possible: records/s, MiB/s, delivery latency"},
        {"consume", run_mode::consume, "N records from the beginning: records/s, MiB/s"},
        {"e2e", run_mode::e2e, "produce at --rate and consume: end-to-end latency"}};
    std::vector<CLI::App*> commands;
    for (const auto& m : modes) {
        CLI::App* command = app.add_subcommand(m.name, m.help);
        add_run_options(*command, options, mock, json, extra);
        command->callback([&options, mode = m.mode] { options.mode = mode; });
        commands.push_back(command);
    }
    CLI::App* mock_broker = app.add_subcommand("mock-broker", "librdkafka's mock cluster (one broker, memory only) until SIGINT or SIGTERM");
    mock_broker->add_option("--topic", mock_topics, "topic to create with one partition (repeatable)");
    CLI11_PARSE(app, argc, argv);

    try {
        if (mock_broker->parsed()) return serve_mock(mock_topics);
        for (const std::string& pair : extra) {
            auto equals = pair.find('=');
            if (equals == std::string::npos) throw std::runtime_error("-X wants key=value, not " + pair);
            options.extra_config[pair.substr(0, equals)] = pair.substr(equals + 1);
        }
        if (options.brokers.empty() && !mock) throw std::runtime_error("--brokers is required (or --mock)");
        if (mock && options.jetstream) throw std::runtime_error("--mock and --jetstream exclude each other");
        perf_result result = run(options, mock);
        if (json) std::cout << to_json(options, result).dump() << '\n';
        else print_text(result);
        return result.error.empty() ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "zc-log-perf: error: " << e.what() << '\n';
        return 1;
    }
}
