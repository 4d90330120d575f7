// The tuning knobs, declared once.
//
// A knob is a transfer_options field that a profile band may set (zc::tuning)
// and `zc tune` may vary. Everything that lists knobs iterates over this
// table: the profile file's keys (profile.cpp), apply_tuning (auto_select.cpp),
// the variant names of `zc tune` ("splice pipe_size=262144") and its
// candidates (src/bench/profile_from_bench.cpp). Adding a knob: a member in
// zc::tuning and in zc::transfer_options, an enumerator here and one line in
// the table of tuning_knobs.cpp.
//
// It lives in core, below the strategies: a strategy's ops table names the
// knobs that apply to it, and `zc strategies` lists them (docs/design.md, "Layers").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "zerocopy/profile.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::detail {

// Indexes the table: knob(knob_id::pipe_size). Same order as the table.
enum class knob_id { chunk_size, buffer_size, pipe_size, mmap_window, uring_depth };

struct tuning_knob {
    knob_id id;
    // The key in profile files and the word in a variant name.
    std::string_view key;
    // The largest value a profile file may set.
    std::uint64_t largest;
    // A byte count that cuts a transfer into pieces: a value at or above the
    // transfer's size changes nothing (false for the ring depth).
    bool cuts_transfer;
    // The zc::tuning member.
    std::optional<std::uint64_t> (*tuned)(const tuning& t);
    void (*set_tuned)(tuning& t, std::uint64_t value);
    // The transfer_options member; its default is transfer_options{}'s.
    std::uint64_t (*option)(const transfer_options& o);
    void (*set_option)(transfer_options& o, std::uint64_t value);

    std::uint64_t default_value() const;
};

// Every knob, in the order variant names list them.
std::span<const tuning_knob> tuning_knobs() noexcept;
const tuning_knob& knob(knob_id id) noexcept;
// nullptr when no knob has this key.
const tuning_knob* find_knob(std::string_view key) noexcept;

} // namespace zc::detail
