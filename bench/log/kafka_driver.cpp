// The Kafka driver of zc-log-perf: librdkafka's C API, like
// kafka-producer-perf-test and kafka-consumer-perf-test.
//
// produce: N records of S bytes to one partition as fast as the client can
//   queue them (a full queue means poll and retry); the clock runs from the
//   first produce() to the last delivery report; a record's latency is its
//   produce() call to its delivery report (the broker's ack, or for acks=0
//   the write to the socket).
// consume: the legacy partition consumer (no consumer group, so no group
//   coordinator is needed) from the beginning until N records arrived.
// e2e: a producer thread paced at --rate writes its send time into each
//   payload; the consumer, started at the log end, measures arrival.
// With --mock every mode runs against an in-process mock cluster; consume
// then first fills it with N records (not timed).
#include "perf.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

namespace zc_log_perf {
namespace {

struct kafka_deleter {
    void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
    void operator()(rd_kafka_topic_t* rkt) const { rd_kafka_topic_destroy(rkt); }
};
using kafka_handle = std::unique_ptr<rd_kafka_t, kafka_deleter>;
using kafka_topic = std::unique_ptr<rd_kafka_topic_t, kafka_deleter>;

void set_config(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
    char error[512];
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK)
        throw std::runtime_error("librdkafka " + key + "=" + value + ": " + error);
}

rd_kafka_conf_t* base_config(const perf_options& options) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    set_config(conf, "bootstrap.servers", options.brokers);
    set_config(conf, "client.id", "zc-log-perf");
    return conf;
}

kafka_handle make_handle(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
    char error[512];
    rd_kafka_t* rk = rd_kafka_new(type, conf, error, sizeof error);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("rd_kafka_new: ") + error);
    }
    return kafka_handle(rk);
}

// Connects before the clock starts, so a run measures transfer, not the handshake.
void wait_for_metadata(rd_kafka_t* rk, rd_kafka_topic_t* rkt, int timeout_s) {
    const struct rd_kafka_metadata* metadata = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &metadata, timeout_s * 1000);
    if (err) throw std::runtime_error(std::string("metadata: ") + rd_kafka_err2str(err));
    rd_kafka_metadata_destroy(metadata);
}

struct produce_state {
    latency_samples latencies;
    std::atomic<std::int64_t> delivered{0}, bytes{0}, errors{0};
    std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto& state = *static_cast<produce_state*>(opaque);
    if (message->err) {
        if (state.errors++ == 0) state.first_error = rd_kafka_err2str(message->err);
        return;
    }
    state.latencies.add(monotonic_ns() - reinterpret_cast<std::intptr_t>(message->_private));
    state.delivered.fetch_add(1, std::memory_order_relaxed);
    state.bytes.fetch_add(static_cast<std::int64_t>(message->len), std::memory_order_relaxed);
}

kafka_handle make_producer(const perf_options& options, produce_state& state) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    set_config(conf, "bootstrap.servers", options.brokers);
    set_config(conf, "client.id", "zc-log-perf");
    set_config(conf, "acks", options.acks);
    set_config(conf, "linger.ms", std::to_string(options.linger_ms));
    set_config(conf, "batch.size", std::to_string(options.batch_size));
    set_config(conf, "compression.type", options.compression);
    set_config(conf, "enable.idempotence", "false");
    set_config(conf, "queue.buffering.max.messages", "1000000");
    set_config(conf, "queue.buffering.max.kbytes", "1048576");
    for (const auto& [key, value] : options.extra_config) set_config(conf, key, value);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, &state);
    return make_handle(RD_KAFKA_PRODUCER, conf);
}

// Queues one record, waiting (polling delivery reports) while the queue is full.
bool produce_one(rd_kafka_t* rk, rd_kafka_topic_t* rkt, int partition, int flags, const void* data,
                 std::size_t size, std::int64_t deadline_ns) {
    auto* stamp = reinterpret_cast<void*>(static_cast<std::intptr_t>(monotonic_ns()));
    while (rd_kafka_produce(rkt, partition, flags, const_cast<void*>(data), size, nullptr, 0, stamp) == -1) {
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL || monotonic_ns() > deadline_ns) return false;
        rd_kafka_poll(rk, 1);
    }
    return true;
}

bool drain(rd_kafka_t* rk, std::int64_t deadline_ns) {
    while (rd_kafka_outq_len(rk) > 0) {
        if (monotonic_ns() > deadline_ns) return false;
        rd_kafka_poll(rk, 10);
    }
    return true;
}

perf_result produce(const perf_options& options) {
    produce_state state;
    state.latencies.reserve(static_cast<std::size_t>(options.records));
    kafka_handle rk = make_producer(options, state);
    kafka_topic rkt(rd_kafka_topic_new(rk.get(), options.topic.c_str(), nullptr));
    wait_for_metadata(rk.get(), rkt.get(), options.timeout_s);
    const std::string payload = make_payload(options.record_size);

    perf_result result = make_result("kafka", "produce");
    const std::int64_t start = monotonic_ns();
    const std::int64_t deadline = start + std::int64_t{options.timeout_s} * 1'000'000'000;
    for (std::int64_t i = 0; i < options.records; ++i) {
        // The payload is shared and outlives every delivery: librdkafka need not copy it.
        if (!produce_one(rk.get(), rkt.get(), options.partition, 0, payload.data(), payload.size(), deadline)) {
            result.error = std::string("produce: ") + rd_kafka_err2str(rd_kafka_last_error());
            break;
        }
        if ((i & 1023) == 0) rd_kafka_poll(rk.get(), 0);
    }
    if (!drain(rk.get(), deadline) && result.error.empty()) result.error = "timed out waiting for deliveries";
    result.seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
    result.records = state.delivered;
    result.bytes = state.bytes;
    result.errors = state.errors;
    if (state.errors && result.error.empty()) result.error = "delivery failed: " + state.first_error;
    state.latencies.fill(result);
    return result;
}

kafka_handle make_consumer(const perf_options& options) {
    rd_kafka_conf_t* conf = base_config(options);
    set_config(conf, "enable.partition.eof", options.rewind ? "true" : "false");
    set_config(conf, "queued.min.messages", "1000000");
    // A rewound consumer must not sit out the long poll its last fetch, at the end, started.
    set_config(conf, "fetch.wait.max.ms", options.rewind ? "1" : "100");
    for (const auto& [key, value] : options.extra_config) set_config(conf, key, value);  // over the defaults above
    return make_handle(RD_KAFKA_CONSUMER, conf);
}

kafka_topic make_consumer_topic(rd_kafka_t* rk, const std::string& topic) {
    rd_kafka_topic_conf_t* conf = rd_kafka_topic_conf_new();
    char error[512];
    if (rd_kafka_topic_conf_set(conf, "auto.commit.enable", "false", error, sizeof error) != RD_KAFKA_CONF_OK)
        throw std::runtime_error(error);
    return kafka_topic(rd_kafka_topic_new(rk, topic.c_str(), conf));
}

struct consume_state {
    std::int64_t wanted = 0, count = 0, bytes = 0, errors = 0, rewinds = 0;
    std::int64_t rewind_from = 0, rewind_at = -1;  // --rewind: the log's start and end offsets
    bool at_end = false;
    std::string first_error;
    latency_samples* latencies = nullptr;  // e2e only
};

void on_message(rd_kafka_message_t* message, void* opaque) {
    auto& state = *static_cast<consume_state*>(opaque);
    if (message->err) {
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) state.at_end = true;
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
        if (state.errors++ == 0) state.first_error = rd_kafka_message_errstr(message);
        return;
    }
    if (state.count >= state.wanted) return;
    if (message->offset + 1 == state.rewind_at) state.at_end = true;
    ++state.count;
    state.bytes += static_cast<std::int64_t>(message->len);
    if (state.latencies && message->len >= sizeof(std::int64_t)) {
        std::int64_t sent = 0;
        std::memcpy(&sent, message->payload, sizeof sent);
        state.latencies->add(monotonic_ns() - sent);
    }
}

// Consumes from `offset` until state.wanted records arrived or the deadline.
// With `rewind`, reaching the end starts again from the beginning (for the
// mock cluster, which keeps only the last few MB of a partition).
std::string consume_until(rd_kafka_t* rk, rd_kafka_topic_t* rkt, int partition, std::int64_t offset,
                          consume_state& state, std::int64_t deadline_ns, bool rewind = false) {
    if (rd_kafka_consume_start(rkt, partition, offset) == -1)
        return std::string("consume_start: ") + rd_kafka_err2str(rd_kafka_last_error());
    while (state.count < state.wanted && monotonic_ns() < deadline_ns && state.errors == 0) {
        rd_kafka_consume_callback(rkt, partition, 100, on_message, &state);
        if (state.at_end && rewind) {
            if (auto err = rd_kafka_seek(rkt, partition, state.rewind_from, 5000))
                return std::string("rewind: ") + rd_kafka_err2str(err);
            ++state.rewinds;
        }
        state.at_end = false;
    }
    rd_kafka_consume_stop(rkt, partition);
    (void)rk;
    if (state.errors) return "consume: " + state.first_error;
    if (state.count < state.wanted)
        return "timed out after " + std::to_string(state.count) + " of " + std::to_string(state.wanted) + " records";
    return {};
}

perf_result consume(const perf_options& options) {
    kafka_handle rk = make_consumer(options);
    kafka_topic rkt = make_consumer_topic(rk.get(), options.topic);
    wait_for_metadata(rk.get(), rkt.get(), options.timeout_s);
    consume_state state;
    state.wanted = options.records;
    if (options.rewind) {
        if (auto err = rd_kafka_query_watermark_offsets(rk.get(), options.topic.c_str(), options.partition,
                                                        &state.rewind_from, &state.rewind_at, options.timeout_s * 1000))
            throw std::runtime_error(std::string("watermarks: ") + rd_kafka_err2str(err));
    }
    perf_result result = make_result("kafka", "consume");
    const std::int64_t start = monotonic_ns();
    result.error = consume_until(rk.get(), rkt.get(), options.partition, RD_KAFKA_OFFSET_BEGINNING, state,
                                 start + std::int64_t{options.timeout_s} * 1'000'000'000, options.rewind);
    result.rewinds = state.rewinds;
    result.seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
    result.records = state.count;
    result.bytes = state.bytes;
    result.errors = state.errors;
    return result;
}

void paced_producer(rd_kafka_t* rk, rd_kafka_topic_t* rkt, const perf_options& options, std::atomic<bool>& stop,
                    std::string& error) {
    std::string payload = make_payload(std::max(options.record_size, sizeof(std::int64_t)));
    const std::int64_t start = monotonic_ns();
    const std::int64_t deadline = start + std::int64_t{options.timeout_s} * 1'000'000'000;
    const double interval_ns = 1e9 / options.rate;
    for (std::int64_t i = 0; i < options.records && !stop; ++i) {
        const auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * interval_ns);
        while (monotonic_ns() < due) rd_kafka_poll(rk, 0), std::this_thread::yield();
        const std::int64_t now = monotonic_ns();
        std::memcpy(payload.data(), &now, sizeof now);
        if (!produce_one(rk, rkt, options.partition, RD_KAFKA_MSG_F_COPY, payload.data(), payload.size(), deadline)) {
            error = std::string("produce: ") + rd_kafka_err2str(rd_kafka_last_error());
            break;
        }
        rd_kafka_poll(rk, 0);
    }
    drain(rk, deadline);
}

// The log end offset, where e2e's consumer starts. A topic the producer's
// metadata request just created may take a moment to show its partition.
std::int64_t log_end_offset(rd_kafka_t* rk, const perf_options& options) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int attempt = 0; attempt < 50; ++attempt) {
        std::int64_t low = 0, high = 0;
        err = rd_kafka_query_watermark_offsets(rk, options.topic.c_str(), options.partition, &low, &high,
                                               options.timeout_s * 1000);
        if (!err) return high;
        if (err != RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION && err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error(std::string("watermarks: ") + rd_kafka_err2str(err));
}

perf_result end_to_end(const perf_options& options) {
    // The producer first: its metadata request creates the topic on a broker that auto-creates.
    produce_state delivered;
    kafka_handle producer = make_producer(options, delivered);
    kafka_topic producer_topic(rd_kafka_topic_new(producer.get(), options.topic.c_str(), nullptr));
    wait_for_metadata(producer.get(), producer_topic.get(), options.timeout_s);
    kafka_handle rk = make_consumer(options);
    kafka_topic rkt = make_consumer_topic(rk.get(), options.topic);
    wait_for_metadata(rk.get(), rkt.get(), options.timeout_s);
    const std::int64_t high = log_end_offset(rk.get(), options);

    latency_samples latencies;
    latencies.reserve(static_cast<std::size_t>(options.records));
    consume_state state;
    state.wanted = options.records;
    state.latencies = &latencies;
    perf_result result = make_result("kafka", "e2e");
    std::atomic<bool> stop{false};
    std::string producer_error;
    const std::int64_t start = monotonic_ns();
    std::thread paced([&] { paced_producer(producer.get(), producer_topic.get(), options, stop, producer_error); });
    result.error = consume_until(rk.get(), rkt.get(), options.partition, high, state,
                                 start + std::int64_t{options.timeout_s} * 1'000'000'000);
    stop = true;
    paced.join();
    result.seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
    if (result.error.empty()) result.error = producer_error;
    result.records = state.count;
    result.bytes = state.bytes;
    result.errors = state.errors;
    latencies.fill(result);
    return result;
}

struct mock_cluster {
    kafka_handle owner;
    rd_kafka_mock_cluster_t* cluster = nullptr;
};
mock_cluster* running_mock = nullptr;

}  // namespace

std::string start_mock_cluster(const std::vector<std::string>& topics) {
    if (running_mock) return rd_kafka_mock_cluster_bootstraps(running_mock->cluster);
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    set_config(conf, "log_level", "3");
    auto* mock = new mock_cluster{make_handle(RD_KAFKA_PRODUCER, conf)};
    mock->cluster = rd_kafka_mock_cluster_new(mock->owner.get(), 1);
    if (!mock->cluster) {
        delete mock;
        throw std::runtime_error("rd_kafka_mock_cluster_new failed");
    }
    for (const std::string& topic : topics)
        if (auto err = rd_kafka_mock_topic_create(mock->cluster, topic.c_str(), 1, 1))
            throw std::runtime_error("mock topic " + topic + ": " + rd_kafka_err2str(err));
    running_mock = mock;
    return rd_kafka_mock_cluster_bootstraps(mock->cluster);
}

void stop_mock_cluster() {
    if (!running_mock) return;
    rd_kafka_mock_cluster_destroy(running_mock->cluster);
    delete running_mock;
    running_mock = nullptr;
}

perf_result run_kafka(const perf_options& options) {
    switch (options.mode) {
    case run_mode::produce: return produce(options);
    case run_mode::consume: return consume(options);
    case run_mode::e2e: return end_to_end(options);
    }
    throw std::logic_error("unknown mode");
}

}  // namespace zc_log_perf
