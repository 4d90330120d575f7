// Latency percentiles and payloads, shared by both drivers.
#include "perf.hpp"

#include <algorithm>
#include <random>

namespace zc_log_perf {

void latency_samples::fill(perf_result& result) {
    if (samples_.empty()) return;
    std::sort(samples_.begin(), samples_.end());
    auto rank = [&](double p) {
        auto index = static_cast<std::size_t>(p * static_cast<double>(samples_.size() - 1) + 0.5);
        return static_cast<double>(samples_[index]) / 1e6;
    };
    result.latency_p50_ms = rank(0.50);
    result.latency_p99_ms = rank(0.99);
    result.latency_max_ms = static_cast<double>(samples_.back()) / 1e6;
}

std::string make_payload(std::size_t size) {
    std::mt19937 generator(42);
    std::uniform_int_distribution<int> letter('A', 'Z');
    std::string payload(size, '\0');
    for (char& c : payload) c = static_cast<char>(letter(generator));
    return payload;
}

}  // namespace zc_log_perf
