// The table of tuning knobs (core/tuning_knobs.hpp).
#include "core/tuning_knobs.hpp"

#include <type_traits>

namespace zc::detail {
namespace {

// One knob from its two members: the zc::tuning optional and the
// transfer_options field it fills.
template <auto tuning_member, auto options_member>
constexpr tuning_knob make_knob(knob_id id, std::string_view key, std::uint64_t largest, bool cuts_transfer) {
    using tuned_type = typename std::remove_cvref_t<decltype(tuning{}.*tuning_member)>::value_type;
    using option_type = std::remove_cvref_t<decltype(std::declval<transfer_options&>().*options_member)>;
    return {
        id,
        key,
        largest,
        cuts_transfer,
        [](const tuning& t) -> std::optional<std::uint64_t> {
            if (const auto& value = t.*tuning_member) return *value;
            return std::nullopt;
        },
        [](tuning& t, std::uint64_t value) { t.*tuning_member = static_cast<tuned_type>(value); },
        [](const transfer_options& o) -> std::uint64_t { return o.*options_member; },
        [](transfer_options& o, std::uint64_t value) { o.*options_member = static_cast<option_type>(value); },
    };
}

constexpr std::uint64_t tib = std::uint64_t{1} << 40;

constexpr tuning_knob table[] = {
    make_knob<&tuning::chunk_size, &transfer_options::chunk_size>(knob_id::chunk_size, "chunk_size", tib, true),
    make_knob<&tuning::buffer_size, &transfer_options::buffer_size>(knob_id::buffer_size, "buffer_size", tib, true),
    make_knob<&tuning::pipe_size, &transfer_options::pipe_size>(knob_id::pipe_size, "pipe_size", tib, true),
    make_knob<&tuning::mmap_window, &transfer_options::mmap_window>(knob_id::mmap_window, "mmap_window", tib, true),
    // More entries than the kernel's IORING_MAX_ENTRIES would only fail setup.
    make_knob<&tuning::uring_depth, &transfer_options::uring_depth>(knob_id::uring_depth, "uring_depth", 4096, false),
};

constexpr bool indexed_by_id() {
    for (std::size_t i = 0; i < std::size(table); ++i)
        if (static_cast<std::size_t>(table[i].id) != i) return false;
    return true;
}
static_assert(indexed_by_id(), "the table's order is knob_id's");

} // namespace

std::uint64_t tuning_knob::default_value() const {
    static const transfer_options defaults;
    return option(defaults);
}

std::span<const tuning_knob> tuning_knobs() noexcept { return table; }

const tuning_knob& knob(knob_id id) noexcept { return table[static_cast<std::size_t>(id)]; }

const tuning_knob* find_knob(std::string_view key) noexcept {
    for (const auto& k : table)
        if (k.key == key) return &k;
    return nullptr;
}

} // namespace zc::detail
