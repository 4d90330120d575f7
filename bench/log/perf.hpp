// zc-log-perf: the load generator of bench/log-vs-peers (docs/log.md,
// "Performance"). What a run is asked to do and what it measured; the
// drivers (Kafka over librdkafka, NATS JetStream over libnats) fill
// perf_result the same way, so the comparison script reads one format.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zc_log_perf {

enum class run_mode { produce, consume, e2e };

struct perf_options {
    run_mode mode = run_mode::produce;
    std::string brokers;            // Kafka bootstrap servers, or a NATS URL with --jetstream
    std::string topic = "zc-log-perf";
    std::int64_t records = 1'000'000;
    std::size_t record_size = 100;
    std::string acks = "1";
    int linger_ms = 5;
    int batch_size = 1'000'000;      // librdkafka's default: below zc's 1,048,588-byte batch limit
    std::string compression = "none";
    int partition = 0;
    double rate = 1000;              // e2e: records per second
    int timeout_s = 120;
    int jetstream_max_pending = 4096;
    int jetstream_fetch_batch = 10000;      // about the records of a 1 MB Kafka fetch at 100 B
    bool jetstream = false;
    bool rewind = false;             // consume: at the end, start again from the beginning
    std::map<std::string, std::string> extra_config;  // -X key=value, passed to librdkafka
};

struct perf_result {
    std::string driver;              // "kafka" or "jetstream"
    std::string mode;
    std::int64_t records = 0;        // records measured (delivered or consumed)
    std::int64_t bytes = 0;          // payload bytes of those records
    std::int64_t errors = 0;
    std::int64_t rewinds = 0;        // consume --rewind: times the end was reached
    double seconds = 0;
    std::optional<double> latency_p50_ms, latency_p99_ms, latency_max_ms;
    std::string error;               // empty when the run completed

    double records_per_second() const { return seconds > 0 ? records / seconds : 0; }
    double mib_per_second() const { return seconds > 0 ? bytes / seconds / (1024.0 * 1024.0) : 0; }
};

inline perf_result make_result(std::string driver, std::string mode) {
    perf_result result;
    result.driver = std::move(driver);
    result.mode = std::move(mode);
    return result;
}

inline std::int64_t monotonic_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Latency samples in nanoseconds; percentiles by nearest rank.
class latency_samples {
public:
    void reserve(std::size_t n) { samples_.reserve(n); }
    void add(std::int64_t ns) { samples_.push_back(ns); }
    std::size_t size() const { return samples_.size(); }
    void fill(perf_result& result);

private:
    std::vector<std::int64_t> samples_;
};

// A payload of printable pseudo-random bytes (like kafka-producer-perf-test's),
// so compression has something realistic to work on.
std::string make_payload(std::size_t size);

perf_result run_kafka(const perf_options& options);
perf_result run_jetstream(const perf_options& options);

// The librdkafka mock cluster (memory only): one broker, the given topics
// with one partition each. Returns its bootstrap servers; it lives until
// stop_mock_cluster or the end of the process.
std::string start_mock_cluster(const std::vector<std::string>& topics);
void stop_mock_cluster();

}  // namespace zc_log_perf
