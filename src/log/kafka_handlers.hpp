// kafka_handlers — the answers of the broker's own APIs: request message in,
// response message out, no I/O but the partitions' (a mutex each, held for
// one append or one lookup). The connection (kafka_connection.hpp) frames,
// orders and sends them; a fetch is split in two because it may wait: the
// ask (which partitions, from where) is parsed once, and answered each time
// data may have arrived, until MinBytes is there or MaxWaitMs passed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "log/async_api.hpp"
#include "log/broker.hpp"
#include "log/partition_log.hpp"
#include "log/protocol.hpp"

namespace zc::log::kafka {

inline constexpr std::int16_t produce_key = 0;
inline constexpr std::int16_t fetch_key = 1;
inline constexpr std::int16_t list_offsets_key = 2;
inline constexpr std::int16_t metadata_key = 3;
inline constexpr std::int16_t api_versions_key = 18;
inline constexpr std::int16_t create_topics_key = 19;

// The keys the broker itself answers (the rest only through an async_api).
bool served_by_broker(std::int16_t api_key) noexcept;

// ApiVersions: exactly the APIs served — the broker's own and those an
// async_api handles — with the codec's version ranges.
protocol::message api_versions_body(protocol::error_code error, std::span<async_api* const> apis);

protocol::message handle_metadata(broker& b, const protocol::request& request);
protocol::message handle_list_offsets(broker& b, const protocol::request& request);
protocol::message handle_create_topics(broker& b, const protocol::request& request);

// `frame_body` is the request's frame body (mutable: the log rewrites each
// batch's baseOffset in place before writing it). Acks 0 still appends;
// the caller sends nothing back.
protocol::message handle_produce(broker& b, const protocol::request& request, std::span<std::byte> frame_body);

struct fetch_partition_ask {
    partition* target = nullptr; // nullptr: unknown topic or partition
    std::int32_t index = 0;
    std::int64_t offset = 0;
    std::int32_t max_bytes = 0;
};
struct fetch_topic_ask {
    std::string name;
    std::vector<fetch_partition_ask> partitions;
};
struct fetch_ask {
    std::int32_t max_wait_ms = 0;
    std::int32_t min_bytes = 0;
    std::int32_t max_bytes = 0;
    std::vector<fetch_topic_ask> topics;
};
fetch_ask parse_fetch(const broker& b, const protocol::request& request);
std::vector<const partition*> partitions_of(const fetch_ask& ask);

struct fetch_answer {
    protocol::message body;          // Records of each partition: an external range, its id indexes `ranges`
    std::vector<fetch_range> ranges; // the file slices, each holding its segment open
    std::uint64_t bytes = 0;         // record bytes in all of them
    bool any_error = false;          // a partition answered with an error: answer at once (Kafka does)
};
fetch_answer answer_fetch(const fetch_ask& ask);

} // namespace zc::log::kafka
