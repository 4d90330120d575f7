// Shared by the coordinator's and the offset store's unit tests: requests
// built by the codec and passed through an encode/decode round trip (so every
// field the test sets exists in the version used), and replies captured so a
// test can check each came exactly once.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "log/async_api.hpp"
#include "log/protocol.hpp"

namespace zc::test {

// Every reply a request got, from whichever thread gave it.
class captured_reply {
public:
    log::async_api::reply callback() {
        return [this](log::protocol::message body) {
            std::lock_guard lock(mutex_);
            bodies_.push_back(std::move(body));
            changed_.notify_all();
        };
    }
    std::size_t calls() const {
        std::lock_guard lock(mutex_);
        return bodies_.size();
    }
    bool answered() const { return calls() > 0; }
    // The one reply; waits (bounded) for one from another thread.
    log::protocol::message wait() {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, std::chrono::seconds(20), [&] { return !bodies_.empty(); })) {
            ADD_FAILURE() << "no reply";
            return {};
        }
        EXPECT_EQ(bodies_.size(), 1u) << "a request answered more than once";
        return bodies_.front();
    }
    log::protocol::error_code error() { return wait().get_error("ErrorCode"); }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<log::protocol::message> bodies_;
};

inline log::protocol::request round_trip(std::int16_t key, std::int16_t version, const log::protocol::message& body,
                                         std::string client_id = "test-client") {
    log::protocol::request_header header{key, version, 7, std::move(client_id)};
    auto frame = log::protocol::encode_request(header, body);
    EXPECT_TRUE(frame) << frame.error().message();
    if (!frame) return {};
    auto decoded = log::protocol::decode_request(std::string_view(frame->bytes).substr(4));
    EXPECT_TRUE(decoded) << decoded.error().message();
    return decoded ? std::move(*decoded) : log::protocol::request{};
}

} // namespace zc::test
