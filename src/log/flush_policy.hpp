// flush_policy — when appended bytes are forced to the disk (docs/log.md
// says what each one guarantees after kill -9 and after power loss):
//   sync         fdatasync of the log before an append returns (indexes:
//                synced when their segment is sealed; recovery rebuilds the
//                active segment's);
//   async        never by the log itself: the kernel writes back when it
//                likes (Kafka's default, which leans on replication);
//   interval:MS  at most MS milliseconds after the first unflushed append:
//                the owner's timer asks needs_flush_by() and calls
//                flush_if_due(now).
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

#include "zerocopy/error.hpp"

namespace zc::log {

struct flush_policy {
    enum class kind { sync, async, interval };
    kind when = kind::async;
    std::chrono::milliseconds every{0}; // interval only, > 0

    static std::expected<flush_policy, error> parse(std::string_view text);
    std::string to_string() const;
    bool operator==(const flush_policy&) const = default;
};

} // namespace zc::log
