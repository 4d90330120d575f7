#include "progress_meter.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace zc::cli {
namespace {

constexpr auto redraw_interval = std::chrono::milliseconds(100); // ≤ 10 redraws per second
constexpr std::size_t bar_width = 24;

std::string human_bytes(double bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    while (bytes >= 1024 && unit + 1 < std::size(units)) {
        bytes /= 1024;
        ++unit;
    }
    return unit == 0 ? fmt::format("{:.0f} {}", bytes, units[unit]) : fmt::format("{:.1f} {}", bytes, units[unit]);
}

std::string human_duration(double seconds) {
    const auto total = static_cast<long long>(seconds + 0.5);
    if (total >= 3600) return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
    return fmt::format("{}:{:02}", total / 60, total % 60);
}

} // namespace

progress_meter::progress_meter(progress_mode mode, std::uint64_t threshold)
    : enabled_(mode == progress_mode::always || (mode == progress_mode::automatic && ::isatty(STDERR_FILENO))),
      force_(mode == progress_mode::always), threshold_(threshold) {}

progress_meter::~progress_meter() {
    if (drawn_ && !finished_) std::fputc('\n', stderr);
}

std::function<void(std::uint64_t, std::optional<std::uint64_t>)> progress_meter::callback() {
    if (!enabled_) return {};
    return [this](std::uint64_t done, std::optional<std::uint64_t> total) { update(done, total); };
}

void progress_meter::update(std::uint64_t bytes_done, std::optional<std::uint64_t> bytes_total) {
    if (!enabled_ || finished_) return;
    last_done_ = bytes_done;
    last_total_ = bytes_total;
    if (!force_ && bytes_total.value_or(bytes_done) <= threshold_) return;
    const auto now = clock::now();
    if (drawn_ && now - last_draw_ < redraw_interval) return;
    last_draw_ = now;
    draw(bytes_done, bytes_total);
}

void progress_meter::finish() {
    if (finished_) return;
    if (drawn_) {
        draw(last_done_, last_total_);
        std::fputc('\n', stderr);
    }
    finished_ = true;
}

void progress_meter::draw(std::uint64_t bytes_done, std::optional<std::uint64_t> bytes_total) {
    drawn_ = true;
    const double seconds = std::chrono::duration<double>(clock::now() - started_).count();
    const double rate = seconds > 0 ? static_cast<double>(bytes_done) / seconds : 0.0;
    std::string line;
    if (bytes_total && *bytes_total > 0) {
        const double fraction = std::min(1.0, static_cast<double>(bytes_done) / static_cast<double>(*bytes_total));
        const auto filled = static_cast<std::size_t>(fraction * bar_width);
        const std::string eta = rate > 0 ? human_duration(static_cast<double>(*bytes_total - std::min(bytes_done, *bytes_total)) / rate)
                                         : std::string("?");
        line = fmt::format("[{}{}] {:>3.0f}%  {} / {}  {}/s  ETA {}", std::string(filled, '#'),
                           std::string(bar_width - filled, '-'), fraction * 100, human_bytes(static_cast<double>(bytes_done)),
                           human_bytes(static_cast<double>(*bytes_total)), human_bytes(rate), eta);
    } else {
        line = fmt::format("{}  {}/s  {}", human_bytes(static_cast<double>(bytes_done)), human_bytes(rate),
                           human_duration(seconds));
    }
    // Pad rather than use an erase-line escape: stderr may be a file under --progress.
    fmt::print(stderr, "\r{:<78}", line);
    std::fflush(stderr);
}

} // namespace zc::cli
