// SVG chart writer for `zc bench` results (see svg_chart.hpp for the charts).
//
// The JSON is first read into a small model (one chart_data per scenario and
// cache state), then each chart is described as a chart_spec (groups, series,
// bars) and drawn by one grouped-bar renderer. Text widths are estimated, not
// measured (no font access here): 0.6 em per character is what DejaVu Sans and
// Helvetica-like fonts average, so labels that might not fit are left out.
#include "bench/svg_chart.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <system_error>

#include "core/io.hpp"
#include "zerocopy/strategy.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::bench {
namespace {

using nlohmann::json;

// ---- reading the results ---------------------------------------------------

struct measurement {
    std::string strategy;
    double size = 0;
    bool verified = true;
    std::optional<double> gbps, min_gbps, max_gbps, sender_cpu, receiver_cpu;
};

struct chart_data {
    std::string scenario, cache;
    std::vector<measurement> rows;
};

std::optional<double> number_at(const json& object, const char* key) {
    if (!object.is_object()) return std::nullopt;
    auto it = object.find(key);
    if (it == object.end() || !it->is_number()) return std::nullopt;
    double value = it->get<double>();
    if (!std::isfinite(value)) return std::nullopt;
    return value;
}

std::string string_at(const json& object, const char* key) {
    if (!object.is_object()) return {};
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

// Position in a canonical list, unknown names after every known one.
std::size_t rank(std::string_view name, std::span<const std::string_view> order) {
    auto it = std::find(order.begin(), order.end(), name);
    return static_cast<std::size_t>(it - order.begin());
}

constexpr std::array<std::string_view, 5> scenario_order{"file-to-socket", "file-to-file", "file-to-pipe",
                                                         "socket-to-file", "scan"};
constexpr std::array<std::string_view, 2> cache_order{"warm", "cold"};
constexpr std::array<std::string_view, 14> strategy_order{
    "read-write",    "mmap-write",   "sendfile", "splice", "copy-file-range", "direct-io", "uring-splice",
    "uring-send-zc", "msg-zerocopy", "auto",     "read",   "mmap",            "io_uring",  "uring"};

std::vector<chart_data> read_charts(const json& results) {
    std::vector<chart_data> charts;
    auto rows = results.is_object() ? results.find("results") : json::const_iterator{};
    if (!results.is_object() || rows == results.end() || !rows->is_array()) return charts;
    for (const json& row : *rows) {
        std::string scenario = string_at(row, "scenario");
        std::string strategy = string_at(row, "strategy");
        auto size = number_at(row, "size");
        if (scenario.empty() || strategy.empty() || !size || *size < 0) continue;
        std::string cache = string_at(row, "cache");
        auto chart = std::find_if(charts.begin(), charts.end(),
                                  [&](const chart_data& c) { return c.scenario == scenario && c.cache == cache; });
        if (chart == charts.end()) chart = charts.insert(charts.end(), chart_data{scenario, cache, {}});
        const json empty = json::object();
        const json& median = row.contains("median") && row["median"].is_object() ? row["median"] : empty;
        measurement m{strategy,
                      *size,
                      !(row.contains("verified") && row["verified"].is_boolean() && !row["verified"].get<bool>()),
                      number_at(median, "gbps"),
                      number_at(median, "min_gbps"),
                      number_at(median, "max_gbps"),
                      number_at(median, "sender_cpu_s_per_gb"),
                      number_at(median, "receiver_cpu_s_per_gb")};
        chart->rows.push_back(std::move(m));
    }
    std::stable_sort(charts.begin(), charts.end(), [](const chart_data& a, const chart_data& b) {
        auto key = [](const chart_data& c) {
            return std::pair{rank(c.scenario, scenario_order), rank(c.cache, cache_order)};
        };
        return key(a) < key(b);
    });
    return charts;
}

std::string machine_line(const json& results) {
    const json empty = json::object();
    const json& machine = results.is_object() && results.contains("machine") ? results["machine"] : empty;
    std::string line;
    auto add = [&](std::string part) {
        if (part.empty()) return;
        if (!line.empty()) line += " · ";
        line += part;
    };
    add(string_at(machine, "kernel").empty() ? "" : "Linux " + string_at(machine, "kernel"));
    add(string_at(machine, "cpu"));
    if (auto cores = number_at(machine, "cores"))
        add(fmt::format("{:g} core{}", *cores, *cores == 1 ? "" : "s"));
    else
        add(string_at(machine, "cores").empty() ? "" : string_at(machine, "cores") + " cores");
    add(string_at(machine, "filesystem"));
    return line;
}

// ---- colours and formatting ------------------------------------------------

// Okabe & Ito (2008), with Paul Tol's wine for the ninth strategy and indigo
// for auto. Strategies take the palette in registry order (all_strategies()),
// so a new strategy needs no entry here; scan methods share the colour of the
// transfer strategy that uses the same mechanism. Names past the palette get
// a colour from their hash, so a strategy keeps its colour across charts and
// across results files.
std::string colour_of(std::string_view strategy) {
    constexpr std::string_view palette[] = {"#8c8c8c", "#E69F00", "#0072B2", "#56B4E9", "#009E73",
                                            "#F0E442", "#CC79A7", "#D55E00", "#882255"};
    static const std::map<std::string_view, std::string_view> scan_mechanism{
        {"read", "read-write"}, {"mmap", "mmap-write"}, {"io_uring", "uring-splice"}, {"uring", "uring-splice"}};
    if (strategy == "auto") return "#332288";
    if (auto it = scan_mechanism.find(strategy); it != scan_mechanism.end()) strategy = it->second;
    const auto strategies = all_strategies();
    for (std::size_t i = 0; i < strategies.size() && i < std::size(palette); ++i)
        if (strategy_name(strategies[i]) == strategy) return std::string(palette[i]);
    constexpr std::array<std::string_view, 6> spare{"#44AA99", "#117733", "#999933", "#AA4499", "#88CCEE", "#DDCC77"};
    std::uint32_t hash = 2166136261u; // FNV-1a
    for (char c : strategy) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    return std::string(spare[hash % spare.size()]);
}

std::string format_value(double v) {
    if (v >= 100) return fmt::format("{:.0f}", v);
    if (v >= 1) return fmt::format("{:.1f}", v);
    if (v == 0) return "0";
    return fmt::format("{:.2g}", v);
}

std::string format_tick(double value, double step) {
    int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    return fmt::format("{:.{}f}", value, decimals);
}

double text_width(std::string_view text, double font_size) {
    return 0.6 * font_size * static_cast<double>(text.size());
}

std::string stem_of(std::string_view text) {
    std::string out;
    for (char c : text) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        out += keep ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '-';
    }
    return out.empty() ? "unnamed" : out;
}

// ---- the chart description and its renderer -------------------------------

struct bar {
    std::size_t group = 0, series = 0;
    double value = 0;                       // solid part: GB/s or sender s/GB
    std::optional<double> stacked;          // hatched part on top: receiver s/GB
    std::optional<double> whisker_low, whisker_high;
    bool verified = true;
    bool best = false;
    std::string tooltip;
};

struct chart_spec {
    std::string stem; // file name without ".svg"; also prefixes ids
    std::string title, subtitle, y_title, x_title, footnote;
    std::vector<std::string> groups, series;
    std::vector<bar> bars;
    std::optional<double> reference; // dashed memcpy line
    bool stacked_legend = false;
};

struct rendered_chart {
    std::string stem, title;
    double height = 0;
    std::string body; // everything inside the <svg> element
};

constexpr double canvas_width = 900;
constexpr double plot_left = 74, plot_right = canvas_width - 86, plot_height = 300;
constexpr std::string_view font_family = "'DejaVu Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif";

void draw_legend(const chart_spec& spec, std::string& out, double& y) {
    std::vector<std::pair<std::string, std::string>> items; // label, swatch markup (at 0,0)
    for (const std::string& name : spec.series)
        items.emplace_back(name, fmt::format(R"~(<rect class="swatch" width="12" height="12" rx="2" fill="{}"/>)~",
                                             colour_of(name)));
    if (spec.stacked_legend) {
        items.emplace_back("sender", R"~(<rect class="swatch" width="12" height="12" rx="2" fill="#555"/>)~");
        items.emplace_back(
            "receiver",
            fmt::format(R"~(<rect class="swatch" width="12" height="12" rx="2" fill="#555" fill-opacity="0.45"/>)~"
                        R"~(<rect class="swatch" width="12" height="12" rx="2" fill="url(#hatch-{})"/>)~",
                        spec.stem));
    }
    double x = plot_left;
    for (const auto& [label, swatch] : items) {
        double width = 12 + 5 + text_width(label, 12) + 16;
        if (x + width > plot_right + 40 && x > plot_left) {
            x = plot_left;
            y += 20;
        }
        out += fmt::format(R"~(<g transform="translate({:.1f},{:.1f})">{}<text x="17" y="10.5" font-size="12" )~"
                           R"~(fill="#333">{}</text></g>)~",
                           x, y, swatch, xml_escape(label));
        x += width;
    }
    y += 20;
}

// Where things go: the plot rectangle, the vertical scale and the bar slots.
struct plot_frame {
    double top = 0, bottom = 0;
    double scale_top = 1, step = 0.2; // value at the top of the axis, tick step
    double group_width = 0, slots = 1, bar_width = 0;

    double y_of(double v) const { return bottom - std::clamp(v, 0.0, scale_top) / scale_top * plot_height; }
    double centre_of(const bar& b) const {
        return plot_left + group_width * (static_cast<double>(b.group) + 0.5) +
               (static_cast<double>(b.series) - (slots - 1) / 2) * bar_width;
    }
};

plot_frame frame_for(const chart_spec& spec, double plot_top) {
    plot_frame f;
    f.top = plot_top;
    f.bottom = plot_top + plot_height;
    // Leave headroom for the labels above the tallest bar (more when they
    // stand upright, which happens with many series).
    double max_value = spec.reference.value_or(0);
    for (const bar& b : spec.bars)
        max_value = std::max({max_value, b.value + b.stacked.value_or(0), b.whisker_high.value_or(0)});
    const double headroom = max_value * (spec.series.size() > 4 ? 1.16 : 1.1);
    f.step = nice_tick_step(headroom);
    f.scale_top = std::max(f.step, std::ceil(headroom / f.step - 1e-9) * f.step);
    f.group_width = (plot_right - plot_left) / static_cast<double>(std::max<std::size_t>(1, spec.groups.size()));
    f.slots = static_cast<double>(std::max<std::size_t>(1, spec.series.size()));
    f.bar_width = std::min(56.0, f.group_width * 0.8 / f.slots);
    return f;
}

void draw_header(const chart_spec& spec, std::string& out) {
    out += fmt::format(R"~(<rect class="background" width="{}" height="@HEIGHT@" fill="#ffffff"/>)~", canvas_width);
    out += fmt::format(R"~(<text x="{}" y="30" font-size="18" font-weight="bold" fill="#111">{}</text>)~", plot_left,
                       xml_escape(spec.title));
    if (!spec.subtitle.empty())
        out += fmt::format(R"~(<text x="{}" y="50" font-size="12" fill="#666">{}</text>)~", plot_left,
                           xml_escape(spec.subtitle));
    if (spec.stacked_legend)
        out += fmt::format(R"~(<defs><pattern id="hatch-{}" width="6" height="6" patternUnits="userSpaceOnUse" )~"
                           R"~(patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" )~"
                           R"~(stroke-width="2.5" stroke-opacity="0.8"/></pattern></defs>)~",
                           spec.stem);
}

void draw_axes(const chart_spec& spec, const plot_frame& f, std::string& out) {
    for (double tick = 0; tick <= f.scale_top + f.step / 2; tick += f.step) {
        double ty = f.y_of(tick);
        out += fmt::format(R"~(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="{}" stroke-width="1"/>)~",
                           plot_left, ty, plot_right, ty, tick == 0 ? "#888" : "#e5e5e5");
        out += fmt::format(R"~(<text x="{}" y="{:.1f}" font-size="11" fill="#555" text-anchor="end">{}</text>)~",
                           plot_left - 8, ty + 4, format_tick(tick, f.step));
    }
    out += fmt::format(R"~(<text transform="translate(20,{:.1f}) rotate(-90)" font-size="12" fill="#333" )~"
                       R"~(text-anchor="middle">{}</text>)~",
                       (f.top + f.bottom) / 2, xml_escape(spec.y_title));
    for (std::size_t g = 0; g < spec.groups.size(); ++g)
        out += fmt::format(R"~(<text x="{:.1f}" y="{:.1f}" font-size="12" fill="#333" text-anchor="middle">{}</text>)~",
                           plot_left + f.group_width * (static_cast<double>(g) + 0.5), f.bottom + 18,
                           xml_escape(spec.groups[g]));
    out += fmt::format(R"~(<text x="{:.1f}" y="{:.1f}" font-size="12" fill="#333" text-anchor="middle">{}</text>)~",
                       (plot_left + plot_right) / 2, f.bottom + 38, xml_escape(spec.x_title));
}

// The value above the bar: level when it fits, turned upright when only the
// height of the text fits, left out when not even that.
void draw_value_label(const bar& b, const plot_frame& f, double centre, double above, std::string& out) {
    const std::string label = format_value(b.value + b.stacked.value_or(0));
    const std::string_view weight = b.best ? R"~( font-weight="bold")~" : "";
    if (text_width(label, 10) <= f.bar_width + 2)
        out += fmt::format(R"~(<text x="{:.1f}" y="{:.1f}" font-size="10" fill="#222" text-anchor="middle"{}>{}</text>)~",
                           centre, above - 4, weight, label);
    else if (f.bar_width >= 11)
        out += fmt::format(R"~(<text transform="translate({:.1f},{:.1f}) rotate(-90)" font-size="10" fill="#222"{}>)~"
                           R"~({}</text>)~",
                           centre + 3.5, above - 4, weight, label);
}

void draw_bar(const chart_spec& spec, const plot_frame& f, const bar& b, std::string& out) {
    const double centre = f.centre_of(b);
    const double x = centre - f.bar_width / 2 + 1, w = std::max(1.0, f.bar_width - 2);
    const std::string colour = colour_of(spec.series[b.series]);
    const std::string_view opacity = b.verified ? "" : R"~( fill-opacity="0.35")~";
    const double value_top = f.y_of(b.value);
    out += fmt::format(R"~(<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"{}>)~"
                       R"~(<title>{}</title></rect>)~",
                       x, value_top, w, f.bottom - value_top, colour, opacity, xml_escape(b.tooltip));
    double above = value_top; // top of everything drawn for this bar
    if (b.stacked && *b.stacked > 0) {
        const double stacked_top = f.y_of(b.value + *b.stacked), h = value_top - stacked_top;
        out += fmt::format(R"~(<rect class="stacked" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" )~"
                           R"~(fill="{}" fill-opacity="{}"/>)~",
                           x, stacked_top, w, h, colour, b.verified ? "0.45" : "0.2");
        out += fmt::format(R"~(<rect class="hatch" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" )~"
                           R"~(fill="url(#hatch-{})"/>)~",
                           x, stacked_top, w, h, spec.stem);
        above = stacked_top;
    }
    if (b.best)
        out += fmt::format(R"~(<rect class="best" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="none" )~"
                           R"~(stroke="#111" stroke-width="2"/>)~",
                           x, above, w, f.bottom - above);
    if (b.whisker_low && b.whisker_high) {
        const double low = f.y_of(*b.whisker_low), high = f.y_of(*b.whisker_high), cap = std::min(8.0, w * 0.5) / 2;
        out += fmt::format(R"~(<path class="whisker" d="M{0:.1f} {1:.1f}V{2:.1f}M{3:.1f} {1:.1f}H{4:.1f}M{3:.1f} )~"
                           R"~({2:.1f}H{4:.1f}" stroke="#333" stroke-width="1.2" fill="none"/>)~",
                           centre, low, high, centre - cap, centre + cap);
        above = std::min(above, high);
    }
    draw_value_label(b, f, centre, above, out);
}

// The dashed memcpy line, labelled in the right margin so it never covers a bar.
void draw_reference(double value, const plot_frame& f, std::string& out) {
    const double ry = f.y_of(value);
    out += fmt::format(R"~(<line class="reference" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#333" )~"
                       R"~(stroke-width="1.5" stroke-dasharray="6 4"/>)~",
                       plot_left, ry, plot_right, ry);
    out += fmt::format(R"~(<text x="{}" y="{:.1f}" font-size="11" fill="#333">memcpy</text>)~", plot_right + 6, ry + 1);
    out += fmt::format(R"~(<text x="{}" y="{:.1f}" font-size="10" fill="#666">{} GB/s</text>)~", plot_right + 6,
                       ry + 14, format_value(value));
}

rendered_chart render_chart(const chart_spec& spec) {
    std::string out;
    draw_header(spec, out);
    double legend_bottom = 66;
    draw_legend(spec, out, legend_bottom);
    const plot_frame frame = frame_for(spec, legend_bottom + 14);
    draw_axes(spec, frame, out);
    for (const bar& b : spec.bars) draw_bar(spec, frame, b, out);
    if (spec.reference) draw_reference(*spec.reference, frame, out);

    double height = frame.bottom + 52;
    if (!spec.footnote.empty()) {
        out += fmt::format(R"~(<text x="{}" y="{:.1f}" font-size="11" fill="#666">{}</text>)~", plot_left, height,
                           xml_escape(spec.footnote));
        height += 18;
    }
    // The background was written before the height was known.
    const std::string marker = "@HEIGHT@";
    out.replace(out.find(marker), marker.size(), fmt::format("{:.0f}", height));
    return {spec.stem, spec.title, height, std::move(out)};
}

// ---- from results to chart specs -------------------------------------------

struct axes {
    std::vector<double> sizes;
    std::vector<std::string> strategies;
};

axes axes_of(const std::vector<measurement>& rows, bool (*has_value)(const measurement&)) {
    axes a;
    for (const measurement& m : rows) {
        if (!has_value(m)) continue;
        if (std::find(a.sizes.begin(), a.sizes.end(), m.size) == a.sizes.end()) a.sizes.push_back(m.size);
        if (std::find(a.strategies.begin(), a.strategies.end(), m.strategy) == a.strategies.end())
            a.strategies.push_back(m.strategy);
    }
    std::sort(a.sizes.begin(), a.sizes.end());
    std::stable_sort(a.strategies.begin(), a.strategies.end(), [](const std::string& l, const std::string& r) {
        return rank(l, strategy_order) < rank(r, strategy_order);
    });
    return a;
}

template <typename Fill>
chart_spec spec_for(const chart_data& data, const axes& a, Fill fill) {
    chart_spec spec;
    for (double size : a.sizes) spec.groups.push_back(human_size(size));
    spec.series = a.strategies;
    for (std::size_t g = 0; g < a.sizes.size(); ++g)
        for (std::size_t s = 0; s < a.strategies.size(); ++s) {
            auto row = std::find_if(data.rows.begin(), data.rows.end(), [&](const measurement& m) {
                return m.size == a.sizes[g] && m.strategy == a.strategies[s];
            });
            bar b;
            b.group = g;
            b.series = s;
            if (row != data.rows.end() && fill(*row, b)) spec.bars.push_back(std::move(b));
        }
    return spec;
}

// Outlines the best bar of each group; a group of one has no contest.
void mark_best(chart_spec& spec, bool higher_is_better) {
    for (std::size_t g = 0; g < spec.groups.size(); ++g) {
        bar* best = nullptr;
        int count = 0;
        for (bar& b : spec.bars) {
            if (b.group != g || !b.verified) continue;
            ++count;
            double v = b.value + b.stacked.value_or(0), bv = best ? best->value + best->stacked.value_or(0) : 0;
            if (!best || (higher_is_better ? v > bv : v < bv)) best = &b;
        }
        if (best && count > 1) best->best = true;
    }
}

std::string heading(const chart_data& data, std::string_view what) {
    std::string title = data.scenario;
    if (!data.cache.empty()) title += ", " + data.cache + " cache";
    return title + " — " + std::string(what);
}

std::string stem(const chart_data& data, std::string_view what) {
    std::string s = stem_of(data.scenario);
    if (!data.cache.empty()) s += "-" + stem_of(data.cache);
    return s + "-" + std::string(what);
}

// The footnote states only what the chart shows.
std::string notes(const chart_spec& spec, std::string_view best_note) {
    auto any = [&](auto predicate) { return std::any_of(spec.bars.begin(), spec.bars.end(), predicate); };
    std::string out;
    if (any([](const bar& b) { return b.best; })) out += " " + std::string(best_note);
    if (any([](const bar& b) { return !b.verified; })) out += " Faded bars: output did not verify.";
    return out;
}

chart_spec throughput_spec(const chart_data& data, const json& results) {
    axes a = axes_of(data.rows, [](const measurement& m) { return m.gbps.has_value(); });
    chart_spec spec = spec_for(data, a, [](const measurement& m, bar& b) {
        if (!m.gbps) return false;
        b.value = std::max(0.0, *m.gbps);
        if (m.min_gbps && m.max_gbps) {
            b.whisker_low = std::max(0.0, std::min(*m.min_gbps, *m.max_gbps));
            b.whisker_high = std::max(*m.min_gbps, *m.max_gbps);
        }
        b.verified = m.verified;
        b.tooltip = fmt::format("{}, {}: {} GB/s", m.strategy, human_size(m.size), format_value(*m.gbps));
        if (b.whisker_low)
            b.tooltip += fmt::format(" (min {}, max {})", format_value(*b.whisker_low), format_value(*b.whisker_high));
        return true;
    });
    mark_best(spec, true);
    spec.stem = stem(data, "throughput");
    spec.title = heading(data, "throughput");
    spec.subtitle = machine_line(results);
    spec.y_title = "GB/s (median)";
    spec.x_title = "Transfer size";
    if (auto memcpy_gbps = number_at(results, "memcpy_gbps"); memcpy_gbps && *memcpy_gbps > 0)
        spec.reference = memcpy_gbps;
    spec.footnote = "Bars: median of the runs; whiskers: min–max." + notes(spec, "Outlined: fastest at that size.");
    return spec;
}

chart_spec cpu_spec(const chart_data& data, const json& results) {
    axes a = axes_of(data.rows, [](const measurement& m) { return m.sender_cpu || m.receiver_cpu; });
    chart_spec spec = spec_for(data, a, [](const measurement& m, bar& b) {
        if (!m.sender_cpu && !m.receiver_cpu) return false;
        b.value = std::max(0.0, m.sender_cpu.value_or(0));
        if (m.receiver_cpu) b.stacked = std::max(0.0, *m.receiver_cpu);
        b.verified = m.verified;
        b.tooltip = fmt::format("{}, {}: sender {} s/GB", m.strategy, human_size(m.size),
                                m.sender_cpu ? format_value(*m.sender_cpu) : "n/a");
        if (m.receiver_cpu) b.tooltip += fmt::format(", receiver {} s/GB", format_value(*m.receiver_cpu));
        return true;
    });
    mark_best(spec, false);
    spec.stacked_legend = std::any_of(spec.bars.begin(), spec.bars.end(), [](const bar& b) { return b.stacked; });
    spec.stem = stem(data, "cpu");
    spec.title = heading(data, "CPU cost");
    spec.subtitle = machine_line(results);
    spec.y_title = "CPU seconds per GB (median)";
    spec.x_title = "Transfer size";
    spec.footnote = std::string(spec.stacked_legend ? "Solid: sender CPU; hatched: receiver CPU. " : "") +
                    "Lower is better." + notes(spec, "Outlined: cheapest at that size.");
    return spec;
}

std::vector<rendered_chart> render_all(const json& results) {
    std::vector<rendered_chart> charts;
    for (const chart_data& data : read_charts(results)) {
        chart_spec throughput = throughput_spec(data, results);
        if (!throughput.bars.empty()) charts.push_back(render_chart(throughput));
        chart_spec cpu = cpu_spec(data, results);
        if (!cpu.bars.empty()) charts.push_back(render_chart(cpu));
    }
    return charts;
}

std::string svg_open(double height, std::string_view title) {
    return fmt::format(R"~(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1:.0f}" )~"
                       R"~(viewBox="0 0 {0} {1:.0f}" font-family="{2}" role="img"><title>{3}</title>)~",
                       canvas_width, height, font_family, xml_escape(title));
}

std::expected<void, zc::error> write_file(const std::string& path, std::string_view text) {
    unique_fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) return std::unexpected(zc::error::from_errno(errno, "open(" + path + ")"));
    if (auto wrote = zc::detail::write_all(fd.get(), zc::detail::as_bytes(text)); !wrote)
        return std::unexpected(zc::error::from_errno(wrote.error().errno_value(), "write(" + path + ")"));
    if (::close(fd.release()) != 0) return std::unexpected(zc::error::from_errno(errno, "close(" + path + ")"));
    return {};
}

std::expected<void, zc::error> make_directory(const std::filesystem::path& dir) {
    if (dir.empty()) return {};
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return std::unexpected(zc::error(ec, "create directory " + dir.string()));
    return {};
}

} // namespace

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            // XML 1.0 forbids control characters even as references.
            bool control = static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
            out += control ? '?' : c;
        }
    }
    return out;
}

std::string human_size(double bytes) {
    constexpr std::array<std::string_view, 6> units{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    std::size_t unit = 0;
    while (bytes >= 1024 && unit + 1 < units.size()) {
        bytes /= 1024;
        ++unit;
    }
    if (std::abs(bytes - std::round(bytes)) < 0.05) return fmt::format("{:.0f} {}", std::round(bytes), units[unit]);
    return fmt::format("{:.1f} {}", bytes, units[unit]);
}

double nice_tick_step(double max_value) {
    if (!(max_value > 0) || !std::isfinite(max_value)) return 0.2;
    const double raw = max_value / 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double normalised = raw / magnitude;
    const double nice = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10;
    return nice * magnitude;
}

std::vector<svg_document> render_bench_charts(const nlohmann::json& results) {
    std::vector<svg_document> documents;
    for (rendered_chart& chart : render_all(results))
        documents.push_back({chart.stem + ".svg", svg_open(chart.height, chart.title) + chart.body + "</svg>\n"});
    return documents;
}

std::string render_combined_bench_chart(const nlohmann::json& results) {
    constexpr double gap = 24;
    std::vector<rendered_chart> charts = render_all(results);
    if (charts.empty())
        return svg_open(80, "zc bench: no results") +
               R"~(<rect width="900" height="80" fill="#ffffff"/><text x="450" y="45" font-size="14" fill="#666" )~"
               R"~(text-anchor="middle">No benchmark results.</text></svg>)~"
               "\n";
    double height = -gap;
    for (const rendered_chart& chart : charts) height += chart.height + gap;
    std::string out = svg_open(height, "zc bench results");
    out += fmt::format(R"~(<rect width="{}" height="{:.0f}" fill="#ffffff"/>)~", canvas_width, height);
    double y = 0;
    for (const rendered_chart& chart : charts) {
        out += fmt::format(R"~(<g transform="translate(0,{:.0f})"><title>{}</title>{}</g>)~", y,
                           xml_escape(chart.title), chart.body);
        y += chart.height + gap;
    }
    return out + "</svg>\n";
}

std::expected<std::vector<std::string>, zc::error> write_bench_charts(const nlohmann::json& results,
                                                                      const std::string& path) {
    std::vector<std::string> written;
    if (path.ends_with(".svg")) {
        if (auto made = make_directory(std::filesystem::path(path).parent_path()); !made)
            return std::unexpected(made.error());
        if (auto ok = write_file(path, render_combined_bench_chart(results)); !ok) return std::unexpected(ok.error());
        written.push_back(path);
        return written;
    }
    if (auto made = make_directory(path); !made) return std::unexpected(made.error());
    for (const svg_document& document : render_bench_charts(results)) {
        std::string file = (std::filesystem::path(path) / document.file_name).string();
        if (auto ok = write_file(file, document.svg); !ok) return std::unexpected(ok.error());
        written.push_back(std::move(file));
    }
    return written;
}

} // namespace zc::bench
