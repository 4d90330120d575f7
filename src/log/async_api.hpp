// async_api — a part of the broker that answers some Kafka APIs on its own,
// possibly later and from another thread: the consumer-group coordinator
// (JoinGroup waits for the rebalance, SyncGroup for the leader's
// assignment). The Kafka connection hands it the decoded request and puts
// the reply in its place in the connection's response order whenever it
// comes (net::loop::resume brings it to the connection's thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "log/protocol.hpp"

namespace zc::log {

class async_api {
public:
    using steady_clock = std::chrono::steady_clock;
    // The response body (protocol::make_response(api_key) filled in).
    // Called exactly once per request, inside handle() or later from any
    // thread (one running handle() or tick()); never while a lock of the
    // api's is held, so it may call back into the api.
    using reply = std::function<void(protocol::message body)>;

    virtual ~async_api() = default;
    virtual bool handles(std::int16_t api_key) const = 0;
    // `request` was decoded by protocol::decode_request; its version is one
    // protocol::supported_versions allows. Thread-safe.
    virtual void handle(const protocol::request& request, reply done) = 0;
    // When tick() must run next (session timeouts, delayed rebalances);
    // nullopt: nothing waits. Thread-safe; asked before every loop wait.
    virtual std::optional<steady_clock::time_point> next_due() const = 0;
    virtual void tick(steady_clock::time_point now) = 0;
};

} // namespace zc::log
