// deadline_queue — the deadlines of one loop's owners (sessions), soonest first.
//
// A balanced tree (10,000 connections), moved lazily: a connection moves
// its deadline three times a request (header, send, keep-alive timeouts),
// nearly always later. A later deadline only updates the owner's slot; its
// entry stays where it was, and when that earlier time comes the entry is
// put back at the owner's real deadline instead of expiring (nginx does the
// same with its timer slack). So a busy connection costs a tree operation
// about once per timeout, not three per request; only a sooner deadline
// moves the entry at once. Each owner has at most one deadline and at most
// one entry, both kept in the owner (deadline_slot()) so that no search is
// needed.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <utility>

namespace zc::net {

using steady_clock = std::chrono::steady_clock;

struct deadline_state {
    steady_clock::time_point due{};    // the deadline; {}: none
    steady_clock::time_point queued{}; // where its entry is in the tree (<= due); {}: no entry
};

// Owner: any type with `deadline_state& deadline_slot() noexcept`.
template <typename Owner>
class deadline_queue {
public:
    void set(Owner* owner, steady_clock::time_point when) {
        auto& slot = owner->deadline_slot();
        slot.due = when;
        if (slot.queued != steady_clock::time_point{}) {
            if (slot.queued <= when) return; // its entry comes first and is moved on then
            entries_.erase({slot.queued, owner});
        }
        slot.queued = when;
        entries_.insert({when, owner});
    }

    // Also before the owner is freed: no entry is left pointing at it.
    void clear(Owner* owner) {
        auto& slot = owner->deadline_slot();
        if (slot.queued != steady_clock::time_point{}) entries_.erase({slot.queued, owner});
        slot = {};
    }

    // The soonest entry: at or before the soonest deadline (a lazy entry
    // wakes the loop early once, to be put back at its owner's deadline).
    std::optional<steady_clock::time_point> next() const {
        if (entries_.empty()) return std::nullopt;
        return entries_.begin()->first;
    }

    // Removes and returns the owner of a deadline at or before now (its slot
    // cleared), or nullptr; entries whose owner's deadline moved later are
    // put back at that deadline on the way.
    Owner* pop_expired(steady_clock::time_point now) {
        while (!entries_.empty() && entries_.begin()->first <= now) {
            Owner* owner = entries_.begin()->second;
            entries_.erase(entries_.begin());
            auto& slot = owner->deadline_slot();
            if (slot.due > now) {
                slot.queued = slot.due;
                entries_.insert({slot.due, owner});
                continue;
            }
            slot = {};
            return owner;
        }
        return nullptr;
    }

    // Owners with a deadline.
    std::size_t size() const noexcept { return entries_.size(); }

private:
    std::set<std::pair<steady_clock::time_point, Owner*>> entries_;
};

} // namespace zc::net
