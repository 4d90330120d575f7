// zc::profile — what `auto` picks first, per scenario and size band.
//
// A profile maps each scenario (file → file, file → socket, …, derived from
// the kinds of the two descriptors) to size bands: "up to N bytes → this
// strategy, with these tuning values". `auto` tries the band's strategy first,
// then the rest of its built-in fallback chain (which always ends in
// read-write), so a profile can reorder but never strand a transfer.
//
// The built-in profile is the measured default (docs/auto.md); `zc tune`
// measures this machine and writes a profile file. The library reads no file
// and no environment variable on its own: a program that wants the end user's
// profile asks for it with use_default_profile() (the `zc` CLI does, at
// start-up). The file format, the search order and how tuning values combine
// with transfer_options are in docs/auto.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zerocopy/error.hpp"
#include "zerocopy/export.hpp"
#include "zerocopy/strategy.hpp"

namespace zc {

// The pairs `auto` distinguishes.
enum class scenario {
    file_to_file,   // regular file → regular file
    file_to_socket, // regular file → TCP, Unix or other socket
    file_to_pipe,   // regular file → pipe
    file_to_other,  // regular file → character device or anything else
    stream_to_any,  // pipe, socket or device → anything
};

ZEROCOPY_API std::span<const scenario> all_scenarios() noexcept;
// "file-to-socket", …
ZEROCOPY_API std::string_view scenario_name(scenario s) noexcept;
ZEROCOPY_API std::optional<scenario> parse_scenario(std::string_view name) noexcept;
ZEROCOPY_API scenario scenario_for(fd_kind source, fd_kind sink) noexcept;

// Tuning values a band applies to a transfer under `auto`. Unset values (and
// values the caller set explicitly in transfer_options) are left alone. Each
// member fills the transfer_options field of the same name; their file keys,
// limits and defaults are listed once, in the library's table of knobs
// (docs/design.md).
struct tuning {
    std::optional<std::size_t> chunk_size;
    std::optional<std::size_t> buffer_size;
    std::optional<std::size_t> pipe_size;
    std::optional<std::size_t> mmap_window;
    std::optional<unsigned> uring_depth;

    bool empty() const noexcept { return *this == tuning{}; }
    friend bool operator==(const tuning&, const tuning&) = default;
};

// Transfers of up to `up_to` bytes (inclusive; nullopt = no upper limit).
struct size_band {
    std::optional<std::uint64_t> up_to;
    strategy_id strategy = strategy_id::read_write;
    tuning tune;
    friend bool operator==(const size_band&, const size_band&) = default;
};

class ZEROCOPY_API profile {
public:
    // Today's measured defaults (docs/auto.md, section 5): file → file
    // copy-file-range; file → socket sendfile, but splice from 256 KiB up to
    // 8 MiB; file → pipe splice; stream → any splice.
    static profile built_in();

    // Reads and validates a profile file. Errors name the file and what is
    // wrong with it (bad JSON with its position, unknown scenario or strategy,
    // bands out of order, sizes that are not positive byte counts).
    static std::expected<profile, error> load(const std::filesystem::path& path);
    // Parses profile JSON; `origin` is what where() reports and errors name.
    static std::expected<profile, error> from_json(std::string_view text, std::string origin = "profile");

    // Pretty-printed JSON, the format load() reads.
    std::string to_json() const;
    // Writes to_json() to `path` (via a temporary file and rename, so a reader
    // never sees half a profile); creates missing parent directories.
    std::expected<void, error> save(const std::filesystem::path& path) const;

    // The band for a transfer of `size` bytes (nullopt = unknown, a stream:
    // the last band); nullptr when this profile says nothing about the
    // scenario or the size lies past its last bounded band.
    const size_band* choose(scenario s, std::optional<std::uint64_t> size) const;

    // Bands per scenario, in increasing up_to, any unbounded band last.
    // Scenarios and sizes a profile leaves out use the built-in profile's band.
    std::map<scenario, std::vector<size_band>> scenarios;

    // Where it came from: the file path it was loaded from, or "built-in".
    // Not stored in the file.
    std::string origin = "built-in";
    // The machine it was measured on ("host, kernel, CPU") and when (ISO 8601,
    // UTC); empty for hand-written profiles and the built-in one.
    std::string machine;
    std::string measured_at;
};

// Where the library looks for a profile, in order: the per-user file
// ($XDG_CONFIG_HOME/zerocopy/profile.json, or ~/.config/zerocopy/profile.json),
// then /etc/zerocopy/profile.json.
ZEROCOPY_API std::vector<std::filesystem::path> default_profile_paths();

// The profile the environment asks for: ZEROCOPY_PROFILE=PATH loads that file,
// ZEROCOPY_PROFILE=builtin the built-in profile; otherwise the first default
// path that exists, else the built-in profile. An error when the file chosen
// cannot be loaded.
ZEROCOPY_API std::expected<profile, error> load_default_profile();

// The profile `auto` uses when transfer_options::profile is null: the
// built-in one until set_active_profile() or use_default_profile() replaces
// it. Never touches the file system or the environment, so what an embedding
// program's transfers do cannot change behind its back. Thread-safe.
ZEROCOPY_API std::shared_ptr<const profile> active_profile();
// Replaces the active profile for every later transfer (transfers already
// started keep their chain). Thread-safe.
ZEROCOPY_API void set_active_profile(profile p);
// Opts in to the end user's profile: load_default_profile() (reads
// ZEROCOPY_PROFILE, XDG_CONFIG_HOME/HOME and the file they lead to) and, if it
// loads, makes it the active profile. On error the active profile is left as
// it was and the error names the file and what is wrong with it. Call it at
// start-up in programs whose users should steer `auto` (a CLI, a server its
// administrator tunes); libraries embedding libzerocopy normally should not.
ZEROCOPY_API std::expected<void, error> use_default_profile();

// What `auto` will try first for this pair and size under the active profile
// (or `p`), skipping strategies this kernel cannot run. For display: the
// engine also checks descriptor flags, so a transfer may still fall back.
struct auto_pick {
    scenario which;
    strategy_id strategy;
    tuning tune;
    bool from_profile; // false: the scenario's built-in default
};
ZEROCOPY_API auto_pick auto_choice(fd_kind source, fd_kind sink, std::optional<std::uint64_t> size,
                                   const profile* p = nullptr);

} // namespace zc
