// Profiles: the built-in one, the JSON file format, where they are loaded
// from, and the process-wide active profile. Format and search order:
// docs/auto.md.
#include "zerocopy/profile.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <system_error>

#include <nlohmann/json.hpp>

#include "core/io.hpp"
#include "engine/auto_select.hpp"
#include "core/tuning_knobs.hpp"
#include "strategies/strategy.hpp"

namespace zc {
namespace {

using json = nlohmann::json;

constexpr int format_version = 1;

constexpr std::array scenario_list = {scenario::file_to_file, scenario::file_to_socket, scenario::file_to_pipe,
                                      scenario::file_to_other, scenario::stream_to_any};

error invalid(const std::string& origin, const std::string& what) {
    return {std::make_error_code(std::errc::invalid_argument), origin + ": " + what};
}

// A byte count: a positive integer, or a string with a binary suffix ("64K",
// "1MiB", "2G") for hand-written files.
std::optional<std::uint64_t> parse_bytes(const json& value) {
    if (value.is_number_unsigned()) {
        const auto n = value.get<std::uint64_t>();
        return n > 0 ? std::optional(n) : std::nullopt;
    }
    if (!value.is_string()) return std::nullopt;
    const auto text = value.get<std::string>();
    std::size_t i = 0;
    std::uint64_t n = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (n > (UINT64_MAX - 9) / 10) return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    if (i == 0 || n == 0) return std::nullopt;
    std::string suffix = text.substr(i);
    if (suffix.ends_with("iB")) suffix.resize(suffix.size() - 2);
    int shift = 0;
    if (suffix == "K" || suffix == "k") shift = 10;
    else if (suffix == "M") shift = 20;
    else if (suffix == "G") shift = 30;
    else if (!suffix.empty()) return std::nullopt;
    if (shift && n > (UINT64_MAX >> shift)) return std::nullopt;
    return n << shift;
}

std::string strategy_names() {
    std::string names;
    for (strategy_id id : all_strategies()) names += (names.empty() ? "" : ", ") + std::string(strategy_name(id));
    return names;
}

std::string knob_keys() {
    std::string keys;
    for (const auto& knob : detail::tuning_knobs()) keys += (keys.empty() ? "" : ", ") + std::string(knob.key);
    return keys;
}

std::expected<size_band, error> band_from_json(const json& entry, const std::string& where) {
    if (!entry.is_object()) return std::unexpected(error{std::make_error_code(std::errc::invalid_argument), where + ": a band must be an object"});
    size_band band;
    bool has_strategy = false;
    for (const auto& [key, value] : entry.items()) {
        const std::string at = where + ": '" + key + "'";
        if (key == "strategy") {
            const auto id = value.is_string() ? parse_strategy(value.get<std::string>()) : std::nullopt;
            if (!id || *id == strategy_id::automatic)
                return std::unexpected(error{std::make_error_code(std::errc::invalid_argument),
                                             at + ": unknown strategy " + value.dump() + " (one of: " + strategy_names() + ")"});
            band.strategy = *id;
            has_strategy = true;
            continue;
        }
        if (key == "up_to" && value.is_null()) continue; // explicit "no limit"
        const detail::tuning_knob* knob = detail::find_knob(key);
        if (key != "up_to" && !knob)
            return std::unexpected(error{std::make_error_code(std::errc::invalid_argument),
                                         at + ": unknown key (known: up_to, strategy, " + knob_keys() + ")"});
        const auto bytes = parse_bytes(value);
        if (!bytes || (knob && *bytes > knob->largest))
            return std::unexpected(error{std::make_error_code(std::errc::invalid_argument),
                                         at + ": " + value.dump() + " is not a valid size (a positive byte count, e.g. 65536 or \"64K\")"});
        if (knob) knob->set_tuned(band.tune, *bytes);
        else band.up_to = *bytes;
    }
    if (!has_strategy)
        return std::unexpected(error{std::make_error_code(std::errc::invalid_argument), where + ": band without a 'strategy'"});
    return band;
}

std::expected<std::vector<size_band>, error> bands_from_json(const json& list, const std::string& where) {
    if (!list.is_array() || list.empty())
        return std::unexpected(error{std::make_error_code(std::errc::invalid_argument), where + ": expected a non-empty array of bands"});
    std::vector<size_band> bands;
    for (std::size_t i = 0; i < list.size(); ++i) {
        auto band = band_from_json(list[i], where + " band " + std::to_string(i + 1));
        if (!band) return std::unexpected(band.error());
        if (!bands.empty()) {
            const auto& previous = bands.back();
            if (!previous.up_to)
                return std::unexpected(error{std::make_error_code(std::errc::invalid_argument),
                                             where + " band " + std::to_string(i + 1) + ": follows a band without 'up_to' (only the last band may be unbounded)"});
            if (band->up_to && *band->up_to <= *previous.up_to)
                return std::unexpected(error{std::make_error_code(std::errc::invalid_argument),
                                             where + " band " + std::to_string(i + 1) + ": 'up_to' " + std::to_string(*band->up_to) +
                                                 " is not above the previous band's " + std::to_string(*previous.up_to)});
        }
        bands.push_back(std::move(*band));
    }
    return bands;
}

json band_to_json(const size_band& band) {
    json entry = json::object();
    if (band.up_to) entry["up_to"] = *band.up_to;
    entry["strategy"] = strategy_name(band.strategy);
    for (const auto& knob : detail::tuning_knobs())
        if (const auto value = knob.tuned(band.tune)) entry[std::string(knob.key)] = *value;
    return entry;
}

std::expected<std::string, error> read_whole_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(error::from_errno(errno, "open profile " + path.string()));
    std::string text;
    std::array<std::byte, 16384> buffer;
    for (;;) {
        const auto got = detail::read_full(fd, buffer);
        if (!got) {
            ::close(fd);
            return std::unexpected(error::from_errno(got.error().errno_value(), "read profile " + path.string()));
        }
        text.append(reinterpret_cast<const char*>(buffer.data()), *got);
        if (text.size() > (1u << 20)) {
            ::close(fd);
            return std::unexpected(invalid(path.string(), "larger than 1 MiB, not a profile"));
        }
        if (*got < buffer.size()) break; // end of file
    }
    ::close(fd);
    return text;
}

std::expected<void, error> write_whole_file(const std::filesystem::path& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return std::unexpected(error::from_errno(errno, "open " + path.string()));
    if (auto wrote = detail::write_all(fd, detail::as_bytes(text)); !wrote) {
        ::close(fd);
        return std::unexpected(error::from_errno(wrote.error().errno_value(), "write " + path.string()));
    }
    if (::close(fd) != 0) return std::unexpected(error::from_errno(errno, "close " + path.string()));
    return {};
}

struct active_state {
    std::mutex mutex;
    std::shared_ptr<const profile> current;
};

active_state& active() {
    static active_state state;
    return state;
}

} // namespace

std::span<const scenario> all_scenarios() noexcept { return scenario_list; }

std::string_view scenario_name(scenario s) noexcept {
    switch (s) {
    case scenario::file_to_file: return "file-to-file";
    case scenario::file_to_socket: return "file-to-socket";
    case scenario::file_to_pipe: return "file-to-pipe";
    case scenario::file_to_other: return "file-to-other";
    case scenario::stream_to_any: return "stream-to-any";
    }
    return "stream-to-any";
}

std::optional<scenario> parse_scenario(std::string_view name) noexcept {
    for (scenario s : scenario_list)
        if (scenario_name(s) == name) return s;
    return std::nullopt;
}

scenario scenario_for(fd_kind source, fd_kind sink) noexcept {
    if (source != fd_kind::regular_file) return scenario::stream_to_any;
    switch (sink) {
    case fd_kind::regular_file: return scenario::file_to_file;
    case fd_kind::tcp_socket:
    case fd_kind::unix_socket:
    case fd_kind::other_socket: return scenario::file_to_socket;
    case fd_kind::pipe: return scenario::file_to_pipe;
    default: return scenario::file_to_other;
    }
}

profile profile::built_in() {
    profile p;
    for (scenario s : scenario_list) p.scenarios[s] = {size_band{std::nullopt, detail::default_chain(s).front(), {}}};
    // file → socket, 1 MiB: splice (through its own 1 MiB pipe) ÷ sendfile
    // was 1.17 by the median of 12 `zc bench --quick` runs, ≥ 1.10 in 6 and
    // ≤ 0.91 in 1; sendfile won at 64 KiB (0.74) and they tie at 64 MiB.
    // Edges at the geometric midpoints, as `zc tune` draws them (docs/auto.md,
    // section 5).
    p.scenarios[scenario::file_to_socket] = {{256u << 10, strategy_id::sendfile, {}},
                                             {8u << 20, strategy_id::splice, {}},
                                             {std::nullopt, strategy_id::sendfile, {}}};
    return p;
}

const size_band* profile::choose(scenario s, std::optional<std::uint64_t> size) const {
    const auto found = scenarios.find(s);
    if (found == scenarios.end() || found->second.empty()) return nullptr;
    const auto& bands = found->second;
    if (!size) return bands.back().up_to ? nullptr : &bands.back();
    for (const auto& band : bands)
        if (!band.up_to || *size <= *band.up_to) return &band;
    return nullptr;
}

std::expected<profile, error> profile::from_json(std::string_view text, std::string origin) {
    json document;
    try {
        document = json::parse(text);
    } catch (const json::parse_error& e) {
        return std::unexpected(invalid(origin, std::string("not valid JSON: ") + e.what()));
    }
    if (!document.is_object()) return std::unexpected(invalid(origin, "expected a JSON object"));
    profile p;
    p.origin = std::move(origin);
    bool has_scenarios = false;
    for (const auto& [key, value] : document.items()) {
        if (key == "version") {
            if (value != format_version)
                return std::unexpected(invalid(p.origin, "unsupported 'version' " + value.dump() + " (this zerocopy reads 1)"));
        } else if (key == "machine" || key == "measured_at") {
            if (!value.is_string()) return std::unexpected(invalid(p.origin, "'" + key + "' must be a string"));
            (key == "machine" ? p.machine : p.measured_at) = value.get<std::string>();
        } else if (key == "scenarios") {
            if (!value.is_object()) return std::unexpected(invalid(p.origin, "'scenarios' must be an object"));
            has_scenarios = true;
            for (const auto& [name, list] : value.items()) {
                const auto s = parse_scenario(name);
                if (!s)
                    return std::unexpected(invalid(p.origin, "unknown scenario '" + name +
                                                                 "' (one of: file-to-file, file-to-socket, file-to-pipe, "
                                                                 "file-to-other, stream-to-any)"));
                auto bands = bands_from_json(list, p.origin + ": " + name);
                if (!bands) return std::unexpected(bands.error());
                p.scenarios[*s] = std::move(*bands);
            }
        } else {
            return std::unexpected(invalid(p.origin, "unknown key '" + key + "' (known: version, machine, measured_at, scenarios)"));
        }
    }
    if (!has_scenarios) return std::unexpected(invalid(p.origin, "no 'scenarios' object"));
    return p;
}

std::expected<profile, error> profile::load(const std::filesystem::path& path) {
    auto text = read_whole_file(path);
    if (!text) return std::unexpected(text.error());
    return from_json(*text, path.string());
}

std::string profile::to_json() const {
    json document = json::object();
    document["version"] = format_version;
    if (!machine.empty()) document["machine"] = machine;
    if (!measured_at.empty()) document["measured_at"] = measured_at;
    json all = json::object();
    for (const auto& [s, bands] : scenarios) {
        json list = json::array();
        for (const auto& band : bands) list.push_back(band_to_json(band));
        all[std::string(scenario_name(s))] = std::move(list);
    }
    document["scenarios"] = std::move(all);
    return document.dump(2) + "\n";
}

std::expected<void, error> profile::save(const std::filesystem::path& path) const {
    std::error_code ec;
    if (path.has_parent_path()) {
        std::filesystem::create_directories(path.parent_path(), ec);
        if (ec) return std::unexpected(error{ec, "create directory " + path.parent_path().string()});
    }
    std::filesystem::path temporary = path;
    temporary += ".tmp." + std::to_string(::getpid());
    if (auto ok = write_whole_file(temporary, to_json()); !ok) {
        ::unlink(temporary.c_str());
        return ok;
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temporary.c_str());
        return std::unexpected(error::from_errno(saved, "rename " + temporary.string() + " → " + path.string()));
    }
    return {};
}

std::vector<std::filesystem::path> default_profile_paths() {
    std::vector<std::filesystem::path> paths;
    const char* config = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    // XDG: a relative $XDG_CONFIG_HOME is invalid and ignored.
    if (config && config[0] == '/') paths.push_back(std::filesystem::path(config) / "zerocopy" / "profile.json");
    else if (home && home[0] != '\0') paths.push_back(std::filesystem::path(home) / ".config" / "zerocopy" / "profile.json");
    paths.emplace_back("/etc/zerocopy/profile.json");
    return paths;
}

std::expected<profile, error> load_default_profile() {
    if (const char* chosen = std::getenv("ZEROCOPY_PROFILE"); chosen && chosen[0] != '\0') {
        if (std::string_view(chosen) == "builtin") return profile::built_in();
        auto loaded = profile::load(chosen);
        if (!loaded) return std::unexpected(loaded.error().wrap("ZEROCOPY_PROFILE"));
        return loaded;
    }
    for (const auto& path : default_profile_paths()) {
        std::error_code ec;
        if (std::filesystem::exists(path, ec)) return profile::load(path);
    }
    return profile::built_in();
}

std::shared_ptr<const profile> active_profile() {
    auto& state = active();
    std::lock_guard lock(state.mutex);
    if (!state.current) state.current = std::make_shared<const profile>(profile::built_in());
    return state.current;
}

void set_active_profile(profile p) {
    auto replacement = std::make_shared<const profile>(std::move(p));
    auto& state = active();
    std::lock_guard lock(state.mutex);
    state.current = std::move(replacement);
}

std::expected<void, error> use_default_profile() {
    auto loaded = load_default_profile();
    if (!loaded) return std::unexpected(loaded.error());
    set_active_profile(std::move(*loaded));
    return {};
}

auto_pick auto_choice(fd_kind source, fd_kind sink, std::optional<std::uint64_t> size, const profile* p) {
    std::shared_ptr<const profile> held;
    if (!p) {
        held = active_profile();
        p = held.get();
    }
    const scenario s = scenario_for(source, sink);
    auto_pick pick{s, strategy_id::read_write, {}, false};
    const auto order = detail::auto_order_for(s, size, *p);
    for (std::size_t i = 0; i < order.strategies.size(); ++i) {
        const strategy_id id = order.strategies[i];
        if (detail::availability(id)) continue;
        pick.strategy = id;
        pick.from_profile = i == 0 && order.band;
        if (pick.from_profile) pick.tune = order.band->tune;
        return pick;
    }
    return pick; // read-write ends every chain and is always available
}

} // namespace zc
