// log::server — `zc log serve`: the broker (broker.hpp) behind N reactor
// loops (net::server, SO_REUSEPORT), each with a kafka_worker. The first
// worker's loop also runs the broker's timer (retention checks, interval
// flushes) and each async_api's tick; the others only serve connections.
//
// The advertised address (Metadata's broker) is --advertise, else the bound
// address; a wildcard bind without --advertise is refused at start, since
// clients would be told to connect to 0.0.0.0.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log/async_api.hpp"
#include "log/broker.hpp"
#include "log/kafka_connection.hpp"
#include "net/server.hpp"
#include "zerocopy/error.hpp"

namespace zc::log {

struct serve_settings {
    broker_config broker;            // its advertised_* are set by start()
    net::server_settings net;        // --listen, --workers, --max-connections
    std::optional<std::string> advertise_host; // --advertise; nullopt: the bound address
    std::optional<std::uint16_t> advertise_port;
    transfer_options transfer;       // --fetch
    kafka_limits limits;
    std::vector<async_api*> apis;    // not owned; must outlive the server
    // Parts made once the broker is open (a group coordinator that needs the
    // advertised address for FindCoordinator, or partitions of its own):
    // owned by the server, asked after `apis`.
    std::vector<std::function<std::expected<std::unique_ptr<async_api>, error>(log::broker&)>> api_factories;
};

// "0.0.0.0", "::", "[::]" or empty: a wildcard, which clients cannot connect to.
bool is_wildcard_host(std::string_view host) noexcept;

class server {
public:
    // Opens (and recovers) the log directory, then binds and starts the workers.
    static std::expected<std::unique_ptr<server>, error> start(const serve_settings& settings);
    ~server(); // stop(), wait(), close()
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    const std::string& local_address() const noexcept { return workers_->local_address(); }
    unsigned workers() const noexcept { return workers_->workers(); }
    broker& log() noexcept { return *broker_; }
    // Any thread: stop accepting, answer parked fetches, finish what is sent.
    void stop() noexcept { workers_->stop(); }
    void wait() { workers_->wait(); }
    // After wait(): flush and seal every partition.
    std::expected<void, error> close();

private:
    server() = default;
    std::unique_ptr<broker> broker_;
    std::vector<std::unique_ptr<async_api>> owned_apis_; // from api_factories
    kafka_shared shared_;
    std::optional<net::server> workers_; // declared last: stopped before the rest goes
};

} // namespace zc::log
