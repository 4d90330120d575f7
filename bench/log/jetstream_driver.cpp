// The NATS JetStream driver of zc-log-perf (libnats), the same three modes
// as the Kafka driver over a file-stored stream named after the topic.
//
// produce: the stream is deleted and created again (file storage, one
//   replica), then N asynchronous publishes with at most
//   --jetstream-max-pending unacknowledged (JetStream's form of a producer's
//   in-flight window); a record's latency is its publish call to its
//   PubAck, matched by stream sequence.
// consume: a pull consumer (deliver all, no acks, like a Kafka consumer that
//   commits nothing) fetching --jetstream-fetch-batch messages at a time.
// e2e: a push consumer from the stream's end; a paced publisher thread puts
//   its send time in each payload.
#include "perf.hpp"

#include <nats/nats.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace zc_log_perf {
namespace {

struct nats_deleter {
    void operator()(natsConnection* nc) const { natsConnection_Destroy(nc); }
    void operator()(jsCtx* js) const { jsCtx_Destroy(js); }
    void operator()(natsSubscription* sub) const { natsSubscription_Destroy(sub); }
};
using nats_connection = std::unique_ptr<natsConnection, nats_deleter>;
using jetstream_context = std::unique_ptr<jsCtx, nats_deleter>;
using nats_subscription = std::unique_ptr<natsSubscription, nats_deleter>;

void check(natsStatus status, const std::string& what) {
    if (status != NATS_OK) throw std::runtime_error(what + ": " + natsStatus_GetText(status) + " " + nats_GetLastError(nullptr));
}

nats_connection connect(const perf_options& options) {
    natsConnection* nc = nullptr;
    check(natsConnection_ConnectTo(&nc, options.brokers.c_str()), "connect to " + options.brokers);
    return nats_connection(nc);
}

struct publish_state {
    std::vector<std::int64_t> sent_ns;  // by stream sequence - 1
    latency_samples latencies;
    std::atomic<std::int64_t> acked{0}, errors{0};
    std::mutex error_lock;
    std::string first_error;
};

void on_pub_ack(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* failure, void* closure) {
    auto& state = *static_cast<publish_state*>(closure);
    if (ack && ack->Sequence >= 1 && ack->Sequence <= state.sent_ns.size()) {
        state.latencies.add(monotonic_ns() - state.sent_ns[ack->Sequence - 1]);
        ++state.acked;
    } else if (failure) {
        std::lock_guard lock(state.error_lock);
        if (state.errors++ == 0) state.first_error = failure->ErrText ? failure->ErrText : natsStatus_GetText(failure->Err);
    }
    natsMsg_Destroy(msg);
}

jetstream_context make_context(natsConnection* nc, const perf_options& options, publish_state* state) {
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.Wait = std::int64_t{options.timeout_s} * 1000;
    if (state) {
        js_options.PublishAsync.MaxPending = options.jetstream_max_pending;
        js_options.PublishAsync.AckHandler = on_pub_ack;
        js_options.PublishAsync.AckHandlerClosure = state;
        js_options.PublishAsync.StallWait = std::int64_t{options.timeout_s} * 1000;
    }
    jsCtx* js = nullptr;
    check(natsConnection_JetStream(&js, nc, &js_options), "JetStream context");
    return jetstream_context(js);
}

void recreate_stream(jsCtx* js, const std::string& name) {
    jsErrCode code{};
    js_DeleteStream(js, name.c_str(), nullptr, &code);  // absent is fine
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char* subjects[] = {name.c_str()};
    config.Name = name.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Replicas = 1;
    jsStreamInfo* info = nullptr;
    check(js_AddStream(&info, js, &config, nullptr, &code), "create stream " + name);
    jsStreamInfo_Destroy(info);
}

// Publishes N records; paced when rate > 0 (e2e), the send time then in the payload.
void publish(jsCtx* js, const perf_options& options, publish_state& state, bool paced, perf_result& result) {
    std::string payload = make_payload(std::max(options.record_size, paced ? sizeof(std::int64_t) : 0));
    const std::int64_t start = monotonic_ns();
    const double interval_ns = paced ? 1e9 / options.rate : 0;
    for (std::int64_t i = 0; i < options.records; ++i) {
        std::int64_t now = monotonic_ns();
        if (paced) {
            const auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * interval_ns);
            while (now < due) std::this_thread::yield(), now = monotonic_ns();
            std::memcpy(payload.data(), &now, sizeof now);
        } else {
            state.sent_ns[static_cast<std::size_t>(i)] = now;
        }
        natsStatus status = js_PublishAsync(js, options.topic.c_str(), payload.data(), static_cast<int>(payload.size()), nullptr);
        if (status != NATS_OK) {
            result.error = std::string("publish: ") + natsStatus_GetText(status);
            return;
        }
    }
    jsPubOptions complete;
    jsPubOptions_Init(&complete);
    complete.MaxWait = std::int64_t{options.timeout_s} * 1000;
    if (natsStatus status = js_PublishAsyncComplete(js, &complete); status != NATS_OK && result.error.empty())
        result.error = std::string("waiting for acks: ") + natsStatus_GetText(status);
}

perf_result produce(const perf_options& options) {
    nats_connection nc = connect(options);
    publish_state state;
    state.sent_ns.resize(static_cast<std::size_t>(options.records));
    state.latencies.reserve(static_cast<std::size_t>(options.records));
    jetstream_context js = make_context(nc.get(), options, &state);
    recreate_stream(js.get(), options.topic);
    perf_result result = make_result("jetstream", "produce");
    const std::int64_t start = monotonic_ns();
    publish(js.get(), options, state, false, result);
    result.seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
    result.records = state.acked;
    result.bytes = result.records * static_cast<std::int64_t>(options.record_size);
    result.errors = state.errors;
    if (state.errors && result.error.empty()) result.error = "publish failed: " + state.first_error;
    state.latencies.fill(result);
    return result;
}

jsSubOptions consumer_options(jsDeliverPolicy policy) {
    jsSubOptions options;
    jsSubOptions_Init(&options);
    options.Config.DeliverPolicy = policy;
    options.Config.AckPolicy = js_AckNone;
    options.Stream = nullptr;
    return options;
}

perf_result consume(const perf_options& options) {
    nats_connection nc = connect(options);
    jetstream_context js = make_context(nc.get(), options, nullptr);
    jsSubOptions sub_options = consumer_options(js_DeliverAll);
    sub_options.Config.MaxRequestBatch = options.jetstream_fetch_batch;
    const std::string durable = "zc-log-perf-" + std::to_string(getpid());
    natsSubscription* raw = nullptr;
    jsErrCode code{};
    check(js_PullSubscribe(&raw, js.get(), options.topic.c_str(), durable.c_str(), nullptr, &sub_options, &code),
          "pull subscribe to " + options.topic);
    nats_subscription sub(raw);

    perf_result result = make_result("jetstream", "consume");
    const std::int64_t start = monotonic_ns();
    const std::int64_t deadline = start + std::int64_t{options.timeout_s} * 1'000'000'000;
    while (result.records < options.records && monotonic_ns() < deadline) {
        const auto batch = static_cast<int>(std::min<std::int64_t>(options.jetstream_fetch_batch, options.records - result.records));
        natsMsgList list{};
        natsStatus status = natsSubscription_Fetch(&list, sub.get(), batch, 5000, &code);
        if (status != NATS_OK && status != NATS_TIMEOUT) {
            result.error = std::string("fetch: ") + natsStatus_GetText(status);
            break;
        }
        for (int i = 0; i < list.Count; ++i) result.bytes += natsMsg_GetDataLength(list.Msgs[i]);
        result.records += list.Count;
        natsMsgList_Destroy(&list);
    }
    result.seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
    if (result.records < options.records && result.error.empty())
        result.error = "timed out after " + std::to_string(result.records) + " records";
    natsSubscription_Unsubscribe(sub.get());  // deletes the durable consumer the library created
    return result;
}

struct arrival_state {
    latency_samples latencies;
    std::atomic<std::int64_t> count{0}, bytes{0};
};

void on_arrival(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto& state = *static_cast<arrival_state*>(closure);
    const int length = natsMsg_GetDataLength(msg);
    if (length >= static_cast<int>(sizeof(std::int64_t))) {
        std::int64_t sent = 0;
        std::memcpy(&sent, natsMsg_GetData(msg), sizeof sent);
        state.latencies.add(monotonic_ns() - sent);
    }
    state.bytes += length;
    ++state.count;
    natsMsg_Destroy(msg);
}

perf_result end_to_end(const perf_options& options) {
    nats_connection nc = connect(options);
    publish_state state;
    jetstream_context js = make_context(nc.get(), options, &state);
    recreate_stream(js.get(), options.topic);
    arrival_state arrivals;
    arrivals.latencies.reserve(static_cast<std::size_t>(options.records));
    jsSubOptions sub_options = consumer_options(js_DeliverNew);
    natsSubscription* raw = nullptr;
    jsErrCode code{};
    check(js_Subscribe(&raw, js.get(), options.topic.c_str(), on_arrival, &arrivals, nullptr, &sub_options, &code),
          "subscribe to " + options.topic);
    nats_subscription sub(raw);

    perf_result result = make_result("jetstream", "e2e");
    const std::int64_t start = monotonic_ns();
    publish(js.get(), options, state, true, result);
    const std::int64_t deadline = start + std::int64_t{options.timeout_s} * 1'000'000'000;
    while (arrivals.count < options.records && monotonic_ns() < deadline) nats_Sleep(1);
    natsSubscription_Unsubscribe(sub.get());
    result.seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
    result.records = arrivals.count;
    result.bytes = arrivals.bytes;
    if (result.records < options.records && result.error.empty())
        result.error = "timed out after " + std::to_string(result.records) + " records";
    arrivals.latencies.fill(result);
    return result;
}

}  // namespace

perf_result run_jetstream(const perf_options& options) {
    switch (options.mode) {
    case run_mode::produce: return produce(options);
    case run_mode::consume: return consume(options);
    case run_mode::e2e: return end_to_end(options);
    }
    throw std::logic_error("unknown mode");
}

}  // namespace zc_log_perf
