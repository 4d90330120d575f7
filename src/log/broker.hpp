// broker — the topics and partitions of `zc log serve`, shared by every
// worker loop: DIR/TOPIC-PARTITION/ directories opened (and recovered) at
// start, topics created on demand (Produce and Metadata, Kafka's
// auto.create.topics.enable=true) or by CreateTopics, and the cluster's
// identity in DIR/meta.properties (cluster.id, node.id), made once per
// directory like Kafka's.
//
// Threading: partition_log is not thread-safe, so each partition has a
// mutex, held for one append, one fetch lookup, one retention pass or one
// flush — never while bytes go to a socket (a fetch takes the range and
// the segment's descriptor, then sends without the lock). The topic map
// has a shared_mutex: lookups share it, creating a topic takes it alone.
//
// Long-poll fetches park as waiters on the partitions they read; an append
// wakes the waiters of its partition (each one's `wake` posts work to its
// connection's loop, loop::resume), whichever thread it ran on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "log/partition_log.hpp"
#include "log/protocol.hpp"
#include "zerocopy/error.hpp"

namespace zc::log {

struct broker_config {
    std::filesystem::path dir;
    log_config log;
    std::int32_t default_partitions = 1; // auto-created topics, and CreateTopics with -1
    bool auto_create_topics = true;
    std::int32_t node_id = 0;
    std::string advertised_host = "127.0.0.1"; // Metadata's one broker
    std::uint16_t advertised_port = 9092;
    // Kafka's log.retention.check.interval.ms.
    std::chrono::milliseconds retention_check_interval{300'000};
};

struct partition {
    std::mutex mutex;                 // guards log
    std::unique_ptr<partition_log> log;
    std::string topic;
    std::int32_t index = 0;
};

struct topic {
    std::string name;
    std::vector<std::unique_ptr<partition>> partitions; // fixed once created
};

// Kafka's rule: 1..249 characters of [a-zA-Z0-9._-], not "." or "..".
bool is_legal_topic_name(std::string_view name) noexcept;

class broker {
public:
    using steady_clock = std::chrono::steady_clock;

    static std::expected<std::unique_ptr<broker>, error> open(const broker_config& config);
    ~broker();
    broker(const broker&) = delete;
    broker& operator=(const broker&) = delete;

    const broker_config& config() const noexcept { return config_; }
    const std::string& cluster_id() const noexcept { return cluster_id_; }
    // Metadata's one broker. Set once the port is bound (port 0 at start),
    // possibly while a first client already asks: hence the lock.
    struct address {
        std::string host;
        std::uint16_t port = 0;
    };
    address advertised() const;
    void set_advertised(std::string host, std::uint16_t port);

    // nullptr when the topic does not exist.
    topic* find_topic(std::string_view name) const;
    partition* find_partition(std::string_view topic_name, std::int32_t index) const;
    // The topic, created with the default partitions when missing and
    // auto-creation is on: UNKNOWN_TOPIC_OR_PARTITION when it is off,
    // INVALID_TOPIC_EXCEPTION for an illegal name, KAFKA_STORAGE_ERROR when
    // the directories cannot be made.
    std::expected<topic*, protocol::error_code> topic_for_use(std::string_view name, bool allow_create);
    // CreateTopics: TOPIC_ALREADY_EXISTS, INVALID_TOPIC_EXCEPTION,
    // INVALID_PARTITIONS (< 1), KAFKA_STORAGE_ERROR; the message says why.
    struct create_result {
        protocol::error_code error = protocol::error_code::none;
        std::string message;
    };
    create_result create_topic(std::string_view name, std::int32_t partitions, bool validate_only);
    std::vector<topic*> topics() const; // sorted by name

    // Long-poll waiters: `wake` runs once, on the thread of the append that
    // touched one of `partitions` (it must only post work elsewhere); the
    // waiter is removed before it runs. Returns the waiter's token.
    std::uint64_t add_waiter(std::vector<const partition*> partitions, std::function<void()> wake);
    void remove_waiter(std::uint64_t token);
    // After an append to `p` (outside p's mutex).
    void notify_appended(const partition* p);

    // Retention and interval flushes (a loop timer of one worker).
    std::optional<steady_clock::time_point> next_due() const;
    void run_due(steady_clock::time_point now);

    // Flushes and seals every partition (the log takes no appends after).
    std::expected<void, error> close();

private:
    explicit broker(const broker_config& config) : config_(config) {}
    std::expected<void, error> load_identity();
    std::expected<void, error> open_existing();
    std::expected<std::unique_ptr<topic>, error> open_topic(const std::string& name, std::int32_t partitions);

    broker_config config_;
    std::string cluster_id_;
    mutable std::mutex advertised_mutex_; // guards config_.advertised_*
    mutable std::shared_mutex topics_mutex_;
    std::map<std::string, std::unique_ptr<topic>, std::less<>> topics_; // guarded by topics_mutex_

    struct waiter {
        std::vector<const partition*> partitions;
        std::function<void()> wake;
    };
    std::mutex waiters_mutex_;
    std::unordered_map<std::uint64_t, waiter> waiters_; // guarded by waiters_mutex_
    std::uint64_t next_token_ = 1;                      // guarded by waiters_mutex_

    steady_clock::time_point next_retention_check_{};
    bool closed_ = false;
};

} // namespace zc::log
