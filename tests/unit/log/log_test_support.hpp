// Shared by the log's unit tests: a partition in a temp dir, appends of
// built batches, and reading a fetch range back.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/io.hpp"
#include "log/partition_log.hpp"
#include "support/test_support.hpp"
#include "unit/log/batch_builder.hpp"

namespace zc::test {

inline log::log_config small_config(std::uint64_t segment_bytes = 1u << 20,
                                    log::append_mode mode = log::append_mode::write) {
    log::log_config config;
    config.segments.segment_bytes = segment_bytes;
    config.segments.index_max_bytes = 64 * 1024;
    config.segments.mode = mode;
    return config;
}

inline std::unique_ptr<log::partition_log> open_log(const std::filesystem::path& dir, const log::log_config& config) {
    auto opened = log::partition_log::open(dir, config);
    if (!opened) ADD_FAILURE() << opened.error().message();
    return opened ? std::move(*opened) : nullptr;
}

inline log::append_result append_ok(log::partition_log& log, std::vector<std::byte> batch, std::int64_t now_ms = 0) {
    auto r = log.append(batch, now_ms);
    if (!r) ADD_FAILURE() << r.error().message();
    return r ? *r : log::append_result{};
}

inline std::string read_range_bytes(const log::fetch_range& range) {
    std::string out(range.length, '\0');
    if (range.length == 0) return out;
    auto got = detail::pread_full(range.file->get(), std::as_writable_bytes(std::span(out)), range.position);
    if (!got || *got != out.size()) ADD_FAILURE() << "short read of a fetch range";
    return out;
}

} // namespace zc::test
