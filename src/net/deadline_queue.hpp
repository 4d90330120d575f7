// deadline_queue — the deadlines of one loop's owners (sessions), soonest first.
//
// A balanced tree: moving one deadline is O(log n) with 10,000 connections.
// Each owner has at most one deadline, kept in the owner too (its
// deadline_slot(), steady_clock::time_point{} = none) so that it can be found
// and moved without a search.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <utility>

namespace zc::net {

using steady_clock = std::chrono::steady_clock;

// Owner: any type with `steady_clock::time_point& deadline_slot() noexcept`.
template <typename Owner>
class deadline_queue {
public:
    void set(Owner* owner, steady_clock::time_point when) {
        steady_clock::time_point& slot = owner->deadline_slot();
        if (slot == when) return;
        if (slot != steady_clock::time_point{}) entries_.erase({slot, owner});
        slot = when;
        entries_.insert({when, owner});
    }

    void clear(Owner* owner) {
        steady_clock::time_point& slot = owner->deadline_slot();
        if (slot == steady_clock::time_point{}) return;
        entries_.erase({slot, owner});
        slot = {};
    }

    std::optional<steady_clock::time_point> next() const {
        if (entries_.empty()) return std::nullopt;
        return entries_.begin()->first;
    }

    // Removes and returns the owner of the first deadline at or before now
    // (its slot cleared), or nullptr.
    Owner* pop_expired(steady_clock::time_point now) {
        if (entries_.empty() || entries_.begin()->first > now) return nullptr;
        Owner* owner = entries_.begin()->second;
        entries_.erase(entries_.begin());
        owner->deadline_slot() = {};
        return owner;
    }

    std::size_t size() const noexcept { return entries_.size(); }

private:
    std::set<std::pair<steady_clock::time_point, Owner*>> entries_;
};

} // namespace zc::net
