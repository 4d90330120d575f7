// log_error — the conditions of the log that are not a kernel errno, each
// the one a Kafka error code stands for, so the protocol layer can answer a
// client in Kafka's words (kafka_error_code) without parsing messages.
#pragma once

#include <cstdint>
#include <system_error>

#include "zerocopy/error.hpp"

namespace zc::log {

enum class log_errc {
    corrupt_message = 1,            // CRC mismatch, batchLength that disagrees with the bytes, magic not 0..2
    unsupported_for_message_format, // magic 0 or 1: the v0/v1 message sets this log does not store
    invalid_record,                 // a header that contradicts itself (lastOffsetDelta + 1 != recordCount)
    message_too_large,              // a batch larger than max message bytes
    offset_out_of_range,            // a fetch below the log start or past the high watermark
    corrupt_log,                    // a segment or index on disk that is not what this log wrote
    log_failed,                     // an earlier flush failed: the partition takes no more appends
};

const std::error_category& log_category() noexcept;
std::error_code make_error_code(log_errc e) noexcept;

// The Kafka protocol's error code for one of these (CORRUPT_MESSAGE 2,
// OFFSET_OUT_OF_RANGE 1, MESSAGE_TOO_LARGE 10, UNSUPPORTED_FOR_MESSAGE_FORMAT
// 43, INVALID_RECORD 87, KAFKA_STORAGE_ERROR 56), or UNKNOWN_SERVER_ERROR
// (-1) for any other error, a kernel's included.
std::int16_t kafka_error_code(const error& e) noexcept;

inline error log_error(log_errc condition, std::string context) {
    return {make_error_code(condition), std::move(context)};
}

} // namespace zc::log

template <>
struct std::is_error_code_enum<zc::log::log_errc> : std::true_type {};
