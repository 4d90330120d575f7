// Profiles: the file format, band lookup, where they are loaded from, and
// that auto takes the profile's first choice and tuning without losing a byte.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <fstream>

#include "engine/auto_select.hpp"
#include "support/test_support.hpp"
#include "zerocopy/profile.hpp"
#include "zerocopy/transfer.hpp"

namespace zc::test {
namespace {

using enum strategy_id;

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

// Restores an environment variable when the test ends.
class scoped_env {
public:
    scoped_env(const char* name, const char* value) : name_(name) {
        if (const char* old = ::getenv(name)) old_ = old;
        if (value) ::setenv(name, value, 1);
        else ::unsetenv(name);
    }
    ~scoped_env() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

// The active profile is process-wide: put the built-in one back afterwards.
struct restore_active_profile {
    ~restore_active_profile() { set_active_profile(profile::built_in()); }
};

profile two_band_file_profile() {
    profile p;
    p.machine = "test-host, Linux 6.1, 8 CPUs";
    p.measured_at = "2026-11-22T03:00:00Z";
    tuning small;
    small.buffer_size = 65536;
    tuning large;
    large.chunk_size = 1u << 20;
    large.pipe_size = 1u << 20;
    large.mmap_window = 16u << 20;
    large.uring_depth = 16;
    p.scenarios[scenario::file_to_file] = {{4096, read_write, small}, {std::nullopt, copy_file_range, large}};
    p.scenarios[scenario::file_to_socket] = {{1u << 20, mmap_write, {}}, {64u << 20, sendfile, {}}};
    return p;
}

std::string load_error(const std::string& text) {
    auto p = profile::from_json(text, "p.json");
    EXPECT_FALSE(p) << "accepted: " << text;
    return p ? std::string() : p.error().message();
}

// ---- built-in ------------------------------------------------------------------

TEST(profile, built_in_is_todays_measured_order) {
    const profile p = profile::built_in();
    EXPECT_EQ(p.origin, "built-in");
    EXPECT_EQ(p.choose(scenario::file_to_file, 1)->strategy, copy_file_range);
    EXPECT_EQ(p.choose(scenario::file_to_socket, 1u << 30)->strategy, sendfile);
    EXPECT_EQ(p.choose(scenario::file_to_socket, 65536)->strategy, sendfile);
    EXPECT_EQ(p.choose(scenario::file_to_socket, 1u << 20)->strategy, splice) << "the measured 1 MiB crossover";
    EXPECT_EQ(p.choose(scenario::file_to_socket, std::nullopt)->strategy, sendfile);
    EXPECT_EQ(p.choose(scenario::file_to_pipe, std::nullopt)->strategy, splice);
    EXPECT_EQ(p.choose(scenario::file_to_other, 0)->strategy, sendfile);
    EXPECT_EQ(p.choose(scenario::stream_to_any, std::nullopt)->strategy, splice);
    for (scenario s : all_scenarios()) EXPECT_EQ(detail::default_chain(s).back(), read_write) << scenario_name(s);
}

TEST(profile, scenario_follows_the_descriptor_kinds) {
    EXPECT_EQ(scenario_for(fd_kind::regular_file, fd_kind::regular_file), scenario::file_to_file);
    EXPECT_EQ(scenario_for(fd_kind::regular_file, fd_kind::tcp_socket), scenario::file_to_socket);
    EXPECT_EQ(scenario_for(fd_kind::regular_file, fd_kind::unix_socket), scenario::file_to_socket);
    EXPECT_EQ(scenario_for(fd_kind::regular_file, fd_kind::pipe), scenario::file_to_pipe);
    EXPECT_EQ(scenario_for(fd_kind::regular_file, fd_kind::char_device), scenario::file_to_other);
    EXPECT_EQ(scenario_for(fd_kind::pipe, fd_kind::regular_file), scenario::stream_to_any);
    EXPECT_EQ(scenario_for(fd_kind::tcp_socket, fd_kind::pipe), scenario::stream_to_any);
    for (scenario s : all_scenarios()) EXPECT_EQ(parse_scenario(scenario_name(s)), s);
    EXPECT_FALSE(parse_scenario("file-to-moon"));
}

// ---- format --------------------------------------------------------------------

TEST(profile, json_round_trip_keeps_bands_tuning_and_machine) {
    const profile p = two_band_file_profile();
    auto back = profile::from_json(p.to_json(), "memory");
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->scenarios, p.scenarios);
    EXPECT_EQ(back->machine, p.machine);
    EXPECT_EQ(back->measured_at, p.measured_at);
    EXPECT_EQ(back->origin, "memory");
}

TEST(profile, save_then_load_round_trip_and_origin_is_the_path) {
    temp_dir dir;
    const auto path = dir / "nested" / "dir" / "profile.json";
    const profile p = two_band_file_profile();
    auto saved = p.save(path);
    ASSERT_TRUE(saved) << saved.error().message();
    auto loaded = profile::load(path);
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->scenarios, p.scenarios);
    EXPECT_EQ(loaded->machine, p.machine);
    EXPECT_EQ(loaded->origin, path.string());
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path.parent_path()), {}), 1) << "temporary file left";
}

TEST(profile, accepts_sizes_with_binary_suffixes_and_an_explicit_unbounded_band) {
    auto p = profile::from_json(R"({"scenarios": {"file-to-pipe": [
        {"up_to": "64K", "strategy": "read-write", "buffer_size": "16KiB"},
        {"up_to": null, "strategy": "splice", "pipe_size": "1M"}]}})");
    ASSERT_TRUE(p) << p.error().message();
    const auto& bands = p->scenarios.at(scenario::file_to_pipe);
    ASSERT_EQ(bands.size(), 2u);
    EXPECT_EQ(bands[0].up_to, 65536u);
    EXPECT_EQ(bands[0].tune.buffer_size, 16384u);
    EXPECT_FALSE(bands[1].up_to);
    EXPECT_EQ(bands[1].tune.pipe_size, 1u << 20);
}

TEST(profile, rejects_bad_files_with_errors_that_say_what_and_where) {
    EXPECT_NE(load_error("{ \"scenarios\": ").find("p.json: not valid JSON"), std::string::npos);
    EXPECT_NE(load_error("[]").find("expected a JSON object"), std::string::npos);
    EXPECT_NE(load_error("{}").find("no 'scenarios'"), std::string::npos);
    EXPECT_NE(load_error(R"({"version": 2, "scenarios": {}})").find("unsupported 'version' 2"), std::string::npos);
    EXPECT_NE(load_error(R"({"scenarios": {}, "colour": 1})").find("unknown key 'colour'"), std::string::npos);

    const std::string bad_strategy = load_error(R"({"scenarios": {"file-to-file": [{"strategy": "teleport"}]}})");
    EXPECT_NE(bad_strategy.find("file-to-file band 1"), std::string::npos) << bad_strategy;
    EXPECT_NE(bad_strategy.find("unknown strategy \"teleport\""), std::string::npos) << bad_strategy;
    EXPECT_NE(bad_strategy.find("read-write"), std::string::npos) << "lists the known names: " << bad_strategy;
    EXPECT_NE(load_error(R"({"scenarios": {"file-to-file": [{"strategy": "auto"}]}})").find("unknown strategy"),
              std::string::npos)
        << "a band names an explicit strategy";
    EXPECT_NE(load_error(R"({"scenarios": {"file-to-moon": [{"strategy": "splice"}]}})").find("unknown scenario 'file-to-moon'"),
              std::string::npos);
    EXPECT_NE(load_error(R"({"scenarios": {"file-to-file": []}})").find("non-empty array"), std::string::npos);
    EXPECT_NE(load_error(R"({"scenarios": {"file-to-file": [{"up_to": 5}]}})").find("without a 'strategy'"),
              std::string::npos);
    EXPECT_NE(load_error(R"({"scenarios": {"file-to-file": [{"strategy": "splice", "chunk": 5}]}})").find("'chunk': unknown key"),
              std::string::npos);

    for (const char* size : {"0", "-1", "1.5", "\"12Q\"", "\"K\"", "\"\"", "true", "\"99999999999999999999G\""}) {
        const std::string text = std::string(R"({"scenarios": {"file-to-file": [{"up_to": )") + size +
                                 R"(, "strategy": "splice"}, {"strategy": "read-write"}]}})";
        const std::string message = load_error(text);
        EXPECT_NE(message.find("is not a valid size"), std::string::npos) << size << ": " << message;
    }
    EXPECT_NE(load_error(R"({"scenarios": {"file-to-file": [{"strategy": "splice", "uring_depth": 100000}]}})").find("not a valid size"),
              std::string::npos);

    const std::string out_of_order = load_error(R"({"scenarios": {"file-to-file": [
        {"up_to": 8192, "strategy": "splice"}, {"up_to": 4096, "strategy": "read-write"}]}})");
    EXPECT_NE(out_of_order.find("band 2: 'up_to' 4096 is not above the previous band's 8192"), std::string::npos)
        << out_of_order;
    const std::string unbounded_first = load_error(R"({"scenarios": {"file-to-file": [
        {"strategy": "splice"}, {"strategy": "read-write"}]}})");
    EXPECT_NE(unbounded_first.find("only the last band may be unbounded"), std::string::npos) << unbounded_first;
}

TEST(profile, load_names_the_file_that_is_missing) {
    temp_dir dir;
    auto p = profile::load(dir / "absent.json");
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().errno_value(), ENOENT);
    EXPECT_NE(p.error().message().find("absent.json"), std::string::npos) << p.error().message();
}

// ---- band lookup ---------------------------------------------------------------

TEST(profile, band_lookup_at_the_edges) {
    const profile p = two_band_file_profile();
    EXPECT_EQ(p.choose(scenario::file_to_file, 0)->strategy, read_write);
    EXPECT_EQ(p.choose(scenario::file_to_file, 4096)->strategy, read_write) << "up_to is inclusive";
    EXPECT_EQ(p.choose(scenario::file_to_file, 4097)->strategy, copy_file_range);
    EXPECT_EQ(p.choose(scenario::file_to_file, std::nullopt)->strategy, copy_file_range) << "unknown size: last band";
    EXPECT_EQ(p.choose(scenario::file_to_socket, 1u << 20)->strategy, mmap_write);
    EXPECT_EQ(p.choose(scenario::file_to_socket, (1u << 20) + 1)->strategy, sendfile);
    EXPECT_EQ(p.choose(scenario::file_to_socket, (64u << 20) + 1), nullptr) << "past the last bounded band";
    EXPECT_EQ(p.choose(scenario::file_to_socket, std::nullopt), nullptr);
    EXPECT_EQ(p.choose(scenario::file_to_pipe, 1), nullptr) << "scenario not in the profile";
}

TEST(profile, auto_choice_reports_the_band_or_the_built_in_default) {
    const profile p = two_band_file_profile();
    auto small = auto_choice(fd_kind::regular_file, fd_kind::regular_file, 100, &p);
    EXPECT_EQ(small.which, scenario::file_to_file);
    EXPECT_EQ(small.strategy, read_write);
    EXPECT_TRUE(small.from_profile);
    EXPECT_EQ(small.tune.buffer_size, 65536u);
    auto pipe = auto_choice(fd_kind::regular_file, fd_kind::pipe, 100, &p);
    EXPECT_EQ(pipe.strategy, splice);
    EXPECT_FALSE(pipe.from_profile);
    EXPECT_TRUE(pipe.tune.empty());
}

// ---- auto uses the profile -----------------------------------------------------

TEST(profile, auto_chain_starts_with_the_profile_choice_then_the_default_chain_without_repeats) {
    temp_dir dir;
    write_random_file(dir / "in", 10, 1);
    auto source = open_read(dir / "in");
    auto sink = open_write(dir / "out");
    auto source_end = detail::inspect(source.get(), "source");
    auto sink_end = detail::inspect(sink.get(), "sink");
    profile p;
    p.scenarios[scenario::file_to_file] = {{std::nullopt, splice, {}}};
    transfer_options options;
    options.profile = &p;
    EXPECT_EQ(detail::auto_chain(*source_end, *sink_end, 10, options),
              (std::vector<strategy_id>{splice, copy_file_range, sendfile, read_write}));
    const profile built_in = profile::built_in();
    options.profile = &built_in;
    EXPECT_EQ(detail::auto_chain(*source_end, *sink_end, 10, options),
              (std::vector<strategy_id>{copy_file_range, sendfile, splice, read_write}));
}

TEST(profile, band_tuning_fills_only_what_the_caller_left_at_its_default) {
    temp_dir dir;
    write_random_file(dir / "in", 10, 1);
    auto source = open_read(dir / "in");
    auto sink = open_write(dir / "out");
    auto source_end = detail::inspect(source.get(), "source");
    auto sink_end = detail::inspect(sink.get(), "sink");
    const profile p = two_band_file_profile();

    transfer_options tuned;
    tuned.profile = &p;
    detail::auto_chain(*source_end, *sink_end, 1u << 20, tuned);
    EXPECT_EQ(tuned.chunk_size, 1u << 20);
    EXPECT_EQ(tuned.mmap_window, 16u << 20);
    EXPECT_EQ(tuned.uring_depth, 16u);
    EXPECT_EQ(tuned.buffer_size, transfer_options{}.buffer_size) << "the band does not set it";

    transfer_options explicit_values;
    explicit_values.profile = &p;
    explicit_values.chunk_size = 4096;
    explicit_values.uring_depth = 4;
    detail::auto_chain(*source_end, *sink_end, 1u << 20, explicit_values);
    EXPECT_EQ(explicit_values.chunk_size, 4096u);
    EXPECT_EQ(explicit_values.uring_depth, 4u);
    EXPECT_EQ(explicit_values.pipe_size, 1u << 20);
}

TEST(profile, a_profile_that_says_read_write_makes_auto_use_it_byte_exact) {
    temp_dir dir;
    const std::string data = write_random_file(dir / "in", (3u << 20) + 17, 7);
    profile p;
    tuning small_buffer;
    small_buffer.buffer_size = 8192;
    p.scenarios[scenario::file_to_file] = {{std::nullopt, read_write, small_buffer}};

    auto source = open_read(dir / "in");
    auto sink = open_write(dir / "out");
    transfer_options options;
    options.profile = &p;
    auto stats = transfer(source.get(), sink.get(), options);
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(stats->strategy_used, read_write);
    EXPECT_TRUE(stats->fallbacks.empty());
    EXPECT_EQ(stats->bytes, data.size());
    EXPECT_GT(stats->syscalls, data.size() / 8192) << "the band's 8 KiB buffer was used";
    EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(data));
}

TEST(profile, the_active_profile_steers_auto_when_options_name_none) {
    restore_active_profile restore;
    temp_dir dir;
    const std::string data = write_random_file(dir / "in", (1u << 20) + 5, 8);
    profile p;
    p.scenarios[scenario::file_to_file] = {{4096, sendfile, {}}, {std::nullopt, read_write, {}}};
    p.origin = "test";
    set_active_profile(p);
    EXPECT_EQ(active_profile()->origin, "test");

    auto source = open_read(dir / "in");
    auto sink = open_write(dir / "out");
    auto stats = transfer(source.get(), sink.get());
    ASSERT_TRUE(stats) << stats.error().message();
    EXPECT_EQ(stats->strategy_used, read_write);
    EXPECT_EQ(hash_bytes(read_file(dir / "out")), hash_bytes(data));

    auto small_source = open_read(dir / "in");
    auto small_sink = open_write(dir / "small");
    transfer_options first_kib;
    first_kib.length = 1024;
    auto small = transfer(small_source.get(), small_sink.get(), first_kib);
    ASSERT_TRUE(small) << small.error().message();
    EXPECT_EQ(small->strategy_used, sendfile);
    EXPECT_EQ(read_file(dir / "small"), data.substr(0, 1024));
}

// ---- where profiles come from --------------------------------------------------

TEST(profile, default_paths_are_per_user_then_system) {
    {
        scoped_env xdg("XDG_CONFIG_HOME", "/cfg");
        const auto paths = default_profile_paths();
        ASSERT_EQ(paths.size(), 2u);
        EXPECT_EQ(paths[0], "/cfg/zerocopy/profile.json");
        EXPECT_EQ(paths[1], "/etc/zerocopy/profile.json");
    }
    scoped_env xdg("XDG_CONFIG_HOME", nullptr);
    scoped_env home("HOME", "/home/someone");
    EXPECT_EQ(default_profile_paths().front(), "/home/someone/.config/zerocopy/profile.json");
}

TEST(profile, environment_variable_overrides_the_default_paths) {
    temp_dir dir;
    ASSERT_TRUE(two_band_file_profile().save(dir / "env.json"));
    ASSERT_TRUE(profile::built_in().save(dir / "zerocopy" / "profile.json"));
    scoped_env xdg("XDG_CONFIG_HOME", dir.path().c_str());
    {
        scoped_env chosen("ZEROCOPY_PROFILE", nullptr);
        auto p = load_default_profile();
        ASSERT_TRUE(p) << p.error().message();
        EXPECT_EQ(p->origin, (dir / "zerocopy" / "profile.json").string()) << "the per-user file";
    }
    {
        scoped_env chosen("ZEROCOPY_PROFILE", (dir / "env.json").c_str());
        auto p = load_default_profile();
        ASSERT_TRUE(p) << p.error().message();
        EXPECT_EQ(p->origin, (dir / "env.json").string());
        EXPECT_EQ(p->choose(scenario::file_to_file, 1)->strategy, read_write);
    }
    {
        scoped_env chosen("ZEROCOPY_PROFILE", "builtin");
        auto p = load_default_profile();
        ASSERT_TRUE(p);
        EXPECT_EQ(p->origin, "built-in");
    }
    {
        write_text(dir / "bad.json", "{ not json");
        scoped_env chosen("ZEROCOPY_PROFILE", (dir / "bad.json").c_str());
        auto p = load_default_profile();
        ASSERT_FALSE(p);
        EXPECT_NE(p.error().message().find("ZEROCOPY_PROFILE"), std::string::npos) << p.error().message();
        EXPECT_NE(p.error().message().find("bad.json"), std::string::npos) << p.error().message();
    }
}

// The library reads no environment on its own: a profile file named by
// ZEROCOPY_PROFILE changes nothing until the program opts in. CTest runs
// every test in a process of its own, so nothing activated a profile before.
TEST(profile, the_library_ignores_the_environment_until_asked) {
    restore_active_profile restore;
    temp_dir dir;
    ASSERT_TRUE(two_band_file_profile().save(dir / "env.json")); // file → file up to 4 KiB: read-write
    scoped_env chosen("ZEROCOPY_PROFILE", (dir / "env.json").c_str());
    const std::string data = write_random_file(dir / "in", 1000, 3);
    const auto copy_with_auto = [&](const char* name) {
        auto source = open_read(dir / "in");
        auto sink = open_write(dir / name);
        auto stats = transfer(source.get(), sink.get());
        EXPECT_TRUE(stats) << stats.error().message();
        EXPECT_EQ(read_file(dir / name), data);
        return stats ? stats->strategy_used : automatic;
    };

    EXPECT_EQ(active_profile()->origin, "built-in");
    EXPECT_EQ(copy_with_auto("before"), copy_file_range) << "the built-in choice, not the file's";
    EXPECT_EQ(active_profile()->origin, "built-in");

    auto used = use_default_profile();
    ASSERT_TRUE(used) << used.error().message();
    EXPECT_EQ(active_profile()->origin, (dir / "env.json").string());
    EXPECT_EQ(copy_with_auto("after"), read_write) << "the file's band, once asked for";
}

TEST(profile, use_default_profile_keeps_the_active_one_when_the_file_is_bad) {
    restore_active_profile restore;
    temp_dir dir;
    profile mine;
    mine.origin = "mine";
    set_active_profile(mine);
    write_text(dir / "bad.json", R"({"scenarios": {"file-to-file": [{"strategy": "teleport"}]}})");
    scoped_env chosen("ZEROCOPY_PROFILE", (dir / "bad.json").c_str());
    auto used = use_default_profile();
    ASSERT_FALSE(used);
    EXPECT_NE(used.error().message().find("bad.json"), std::string::npos) << used.error().message();
    EXPECT_NE(used.error().message().find("teleport"), std::string::npos) << used.error().message();
    EXPECT_EQ(active_profile()->origin, "mine");
}

TEST(profile, a_profile_that_leaves_out_a_scenario_gets_the_built_in_bands) {
    profile p;
    p.scenarios[scenario::file_to_file] = {{std::nullopt, read_write, {}}};
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    unique_fd a(fds[0]), b(fds[1]);
    temp_dir dir;
    write_random_file(dir / "in", 4096, 3);
    auto file = open_read(dir / "in");
    auto source = detail::inspect(file.get(), "source");
    auto sink = detail::inspect(a.get(), "sink");
    ASSERT_TRUE(source && sink);
    transfer_options options;
    options.profile = &p;
    EXPECT_EQ(detail::auto_chain(*source, *sink, 1u << 20, options).front(), splice);
    EXPECT_EQ(detail::auto_chain(*source, *sink, 65536, options).front(), sendfile);
    EXPECT_EQ(auto_choice(fd_kind::regular_file, fd_kind::tcp_socket, 1u << 20, &p).strategy, splice);
    EXPECT_FALSE(auto_choice(fd_kind::regular_file, fd_kind::tcp_socket, 1u << 20, &p).from_profile);
}

TEST(profile, tuning_values_loaded_from_a_file_reach_the_strategy) {
    temp_dir dir;
    const std::string data = write_random_file(dir / "in", (1u << 20) + 3, 11);
    write_text(dir / "p.json", R"({"version": 1, "scenarios": {"file-to-file": [
        {"up_to": 4096, "strategy": "read-write", "buffer_size": "4K"},
        {"strategy": "sendfile", "chunk_size": 16384}]}})");
    auto p = profile::load(dir / "p.json");
    ASSERT_TRUE(p) << p.error().message();

    const auto copy_with = [&](const std::string& name, std::optional<std::uint64_t> length) {
        auto source = open_read(dir / "in");
        auto sink = open_write(dir / name);
        transfer_options options;
        options.profile = &*p;
        options.length = length;
        return transfer(source.get(), sink.get(), options);
    };
    auto large = copy_with("large", std::nullopt);
    ASSERT_TRUE(large) << large.error().message();
    EXPECT_EQ(large->strategy_used, sendfile);
    EXPECT_GE(large->syscalls, data.size() / 16384) << "sendfile was cut at the profile's 16 KiB chunk";
    EXPECT_EQ(hash_bytes(read_file(dir / "large")), hash_bytes(data));

    auto small = copy_with("small", 4096);
    ASSERT_TRUE(small) << small.error().message();
    EXPECT_EQ(small->strategy_used, read_write);
    EXPECT_EQ(read_file(dir / "small"), data.substr(0, 4096));

    // Without the profile's tuning, sendfile moves the whole file in one call or two.
    auto source = open_read(dir / "in");
    auto sink = open_write(dir / "plain");
    transfer_options plain;
    plain.strategy = sendfile;
    auto untuned = transfer(source.get(), sink.get(), plain);
    ASSERT_TRUE(untuned) << untuned.error().message();
    EXPECT_LT(untuned->syscalls, large->syscalls / 4);
}

} // namespace
} // namespace zc::test
