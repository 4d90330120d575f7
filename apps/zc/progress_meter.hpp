// A progress line on stderr (bytes, rate, ETA) fed by transfer_options::on_progress.
//
// Redraws at most ten times a second whatever the callback rate (the engine
// calls it once per syscall, up to ~100k times a second), and only once the
// transfer is known or has proved to be large, so small copies stay silent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace zc::cli {

enum class progress_mode { automatic, always, never };

class progress_meter {
public:
    // automatic: draw when stderr is a terminal and the transfer exceeds
    // `threshold` bytes (its known total, or the bytes seen so far).
    explicit progress_meter(progress_mode mode, std::uint64_t threshold = 16ull << 20);
    progress_meter(const progress_meter&) = delete;
    progress_meter& operator=(const progress_meter&) = delete;
    // Ends the line if one was drawn.
    ~progress_meter();

    bool enabled() const noexcept { return enabled_; }
    void update(std::uint64_t bytes_done, std::optional<std::uint64_t> bytes_total);
    // A callback for transfer_options::on_progress; the meter must outlive it.
    std::function<void(std::uint64_t, std::optional<std::uint64_t>)> callback();
    // Draws the final state and ends the line (idempotent).
    void finish();

private:
    using clock = std::chrono::steady_clock;
    void draw(std::uint64_t bytes_done, std::optional<std::uint64_t> bytes_total);

    bool enabled_ = false;
    bool force_ = false;
    std::uint64_t threshold_ = 0;
    bool drawn_ = false;
    bool finished_ = false;
    clock::time_point started_ = clock::now();
    clock::time_point last_draw_{};
    std::uint64_t last_done_ = 0;
    std::optional<std::uint64_t> last_total_;
};

} // namespace zc::cli
