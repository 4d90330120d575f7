// bench_results as JSON (the schema of docs/bench.md) and CSV.
#include <fmt/format.h>

#include "bench/bench.hpp"

namespace zc::bench {

namespace {

using nlohmann::json;

json optional_number(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

std::optional<double> read_optional(const json& object, const char* key) {
    if (!object.contains(key) || object.at(key).is_null()) return std::nullopt;
    return object.at(key).get<double>();
}

json run_to_json(const run_sample& r) {
    return {{"seconds", r.seconds},
            {"bytes", r.bytes},
            {"repeats", r.repeats},
            {"gbps", r.gbps()},
            {"sender_user_s", r.sender_user_s},
            {"sender_sys_s", r.sender_sys_s},
            {"receiver_user_s", optional_number(r.receiver_user_s)},
            {"receiver_sys_s", optional_number(r.receiver_sys_s)},
            {"syscalls", r.syscalls},
            {"voluntary_switches", r.voluntary_switches},
            {"involuntary_switches", r.involuntary_switches},
            {"minor_faults", r.minor_faults},
            {"major_faults", r.major_faults},
            {"durable_seconds", optional_number(r.durable_seconds)}};
}

run_sample run_from_json(const json& j) {
    run_sample r;
    r.seconds = j.at("seconds").get<double>();
    r.bytes = j.at("bytes").get<std::uint64_t>();
    r.repeats = j.at("repeats").get<std::uint64_t>();
    r.sender_user_s = j.at("sender_user_s").get<double>();
    r.sender_sys_s = j.at("sender_sys_s").get<double>();
    r.receiver_user_s = read_optional(j, "receiver_user_s");
    r.receiver_sys_s = read_optional(j, "receiver_sys_s");
    r.syscalls = j.at("syscalls").get<std::uint64_t>();
    r.voluntary_switches = j.at("voluntary_switches").get<std::uint64_t>();
    r.involuntary_switches = j.at("involuntary_switches").get<std::uint64_t>();
    r.minor_faults = j.at("minor_faults").get<std::uint64_t>();
    r.major_faults = j.at("major_faults").get<std::uint64_t>();
    r.durable_seconds = read_optional(j, "durable_seconds");
    return r;
}

json summary_to_json(const summary& s) {
    return {{"gbps", s.gbps},
            {"min_gbps", s.min_gbps},
            {"max_gbps", s.max_gbps},
            {"seconds", s.seconds},
            {"sender_cpu_s_per_gb", s.sender_cpu_s_per_gb},
            {"receiver_cpu_s_per_gb", optional_number(s.receiver_cpu_s_per_gb)},
            {"syscalls_per_gb", s.syscalls_per_gb},
            {"context_switches", s.context_switches},
            {"faults", s.faults},
            {"copy_equivalents", s.copy_equivalents},
            {"durable_gbps", optional_number(s.durable_gbps)}};
}

summary summary_from_json(const json& j) {
    summary s;
    s.gbps = j.at("gbps").get<double>();
    s.min_gbps = j.at("min_gbps").get<double>();
    s.max_gbps = j.at("max_gbps").get<double>();
    s.seconds = j.at("seconds").get<double>();
    s.sender_cpu_s_per_gb = j.at("sender_cpu_s_per_gb").get<double>();
    s.receiver_cpu_s_per_gb = read_optional(j, "receiver_cpu_s_per_gb");
    s.syscalls_per_gb = j.at("syscalls_per_gb").get<double>();
    s.context_switches = j.at("context_switches").get<double>();
    s.faults = j.at("faults").get<double>();
    s.copy_equivalents = j.at("copy_equivalents").get<double>();
    s.durable_gbps = read_optional(j, "durable_gbps");
    return s;
}

template <class T>
T parse_enum(const json& j, std::optional<T> (*parse)(std::string_view) noexcept, const char* what) {
    const auto text = j.get<std::string>();
    if (auto value = parse(text)) return *value;
    throw std::invalid_argument(fmt::format("unknown {} '{}'", what, text));
}

std::optional<cache_state> parse_cache(std::string_view text) noexcept {
    if (text == "warm") return cache_state::warm;
    if (text == "cold") return cache_state::cold;
    return std::nullopt;
}

} // namespace

nlohmann::json to_json(const bench_results& results) {
    json cells = json::array();
    for (const auto& c : results.results) {
        json runs = json::array();
        for (const auto& r : c.runs) runs.push_back(run_to_json(r));
        cells.push_back({{"scenario", scenario_name(c.which)},
                         {"strategy", c.strategy},
                         {"size", c.size},
                         {"cache", cache_name(c.cache)},
                         {"verified", c.verified},
                         {"checksum", c.checksum ? json(fmt::format("{:016x}", *c.checksum)) : json(nullptr)},
                         {"textbook_model", textbook_model(c.strategy)},
                         {"runs", runs},
                         {"median", summary_to_json(c.median)}});
    }
    json comparisons = json::array();
    for (const auto& a : results.auto_vs_best)
        comparisons.push_back({{"scenario", scenario_name(a.which)},
                               {"size", a.size},
                               {"cache", cache_name(a.cache)},
                               {"auto_gbps", a.auto_gbps},
                               {"best_strategy", a.best_strategy},
                               {"best_gbps", a.best_gbps},
                               {"ratio", a.ratio},
                               {"within_10_percent", a.within_10_percent},
                               {"paired_rounds", a.paired_rounds},
                               {"auto_strategy", a.auto_strategy}});
    json skipped = json::array();
    for (const auto& s : results.skipped)
        skipped.push_back({{"scenario", scenario_name(s.which)}, {"strategy", s.strategy}, {"reason", s.reason}});
    json failures = json::array();
    for (const auto& f : results.failures)
        failures.push_back({{"scenario", scenario_name(f.which)},
                            {"strategy", f.strategy},
                            {"size", f.size},
                            {"cache", cache_name(f.cache)},
                            {"message", f.message}});
    return {{"machine",
             {{"kernel", results.machine.kernel},
              {"cpu", results.machine.cpu},
              {"cores", results.machine.cores},
              {"filesystem", results.machine.filesystem}}},
            {"memcpy_gbps", results.memcpy_gbps},
            {"results", cells},
            {"auto_vs_best", comparisons},
            {"skipped", skipped},
            {"failures", failures}};
}

std::expected<bench_results, std::string> from_json(const nlohmann::json& document) try {
    bench_results out;
    const auto& m = document.at("machine");
    out.machine = {m.at("kernel").get<std::string>(), m.at("cpu").get<std::string>(), m.at("cores").get<unsigned>(),
                   m.at("filesystem").get<std::string>()};
    out.memcpy_gbps = document.at("memcpy_gbps").get<double>();
    for (const auto& c : document.at("results")) {
        cell_result cell;
        cell.which = parse_enum<scenario>(c.at("scenario"), parse_scenario, "scenario");
        cell.strategy = c.at("strategy").get<std::string>();
        cell.size = c.at("size").get<std::uint64_t>();
        cell.cache = parse_enum<cache_state>(c.at("cache"), parse_cache, "cache state");
        cell.verified = c.at("verified").get<bool>();
        if (c.contains("checksum") && !c.at("checksum").is_null())
            cell.checksum = std::stoull(c.at("checksum").get<std::string>(), nullptr, 16);
        for (const auto& r : c.at("runs")) cell.runs.push_back(run_from_json(r));
        cell.median = summary_from_json(c.at("median"));
        out.results.push_back(std::move(cell));
    }
    for (const auto& a : document.at("auto_vs_best"))
        out.auto_vs_best.push_back({parse_enum<scenario>(a.at("scenario"), parse_scenario, "scenario"),
                                    a.at("size").get<std::uint64_t>(),
                                    parse_enum<cache_state>(a.at("cache"), parse_cache, "cache state"),
                                    a.at("auto_gbps").get<double>(), a.at("best_strategy").get<std::string>(),
                                    a.at("best_gbps").get<double>(), a.at("ratio").get<double>(),
                                    a.at("within_10_percent").get<bool>(), a.value("paired_rounds", 0u),
                                    a.value("auto_strategy", std::string())});
    for (const auto& s : document.value("skipped", json::array()))
        out.skipped.push_back({parse_enum<scenario>(s.at("scenario"), parse_scenario, "scenario"),
                               s.at("strategy").get<std::string>(), s.at("reason").get<std::string>()});
    for (const auto& f : document.value("failures", json::array()))
        out.failures.push_back({parse_enum<scenario>(f.at("scenario"), parse_scenario, "scenario"),
                                f.at("strategy").get<std::string>(), f.at("size").get<std::uint64_t>(),
                                parse_enum<cache_state>(f.at("cache"), parse_cache, "cache state"),
                                f.at("message").get<std::string>()});
    return out;
} catch (const std::exception& e) {
    return std::unexpected(std::string("not a zc bench document: ") + e.what());
}

std::string to_csv(const bench_results& results) {
    std::string out =
        "scenario,strategy,size,cache,verified,run,seconds,bytes,repeats,gbps,sender_user_s,sender_sys_s,"
        "receiver_user_s,receiver_sys_s,syscalls,voluntary_switches,involuntary_switches,minor_faults,"
        "major_faults,durable_seconds\n";
    const auto optional_text = [](const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string(); };
    for (const auto& c : results.results) {
        for (std::size_t i = 0; i < c.runs.size(); ++i) {
            const auto& r = c.runs[i];
            out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", scenario_name(c.which),
                               c.strategy, c.size, cache_name(c.cache), c.verified, i + 1, r.seconds, r.bytes,
                               r.repeats, r.gbps(), r.sender_user_s, r.sender_sys_s, optional_text(r.receiver_user_s),
                               optional_text(r.receiver_sys_s), r.syscalls, r.voluntary_switches,
                               r.involuntary_switches, r.minor_faults, r.major_faults,
                               optional_text(r.durable_seconds));
        }
    }
    return out;
}

} // namespace zc::bench
