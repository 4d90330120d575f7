#include "log/log_error.hpp"

#include <string>

namespace zc::log {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "zerocopy.log"; }
    std::string message(int value) const override {
        switch (static_cast<log_errc>(value)) {
        case log_errc::corrupt_message: return "corrupt record batch";
        case log_errc::unsupported_for_message_format: return "message format v0/v1 is not supported";
        case log_errc::invalid_record: return "invalid record batch";
        case log_errc::message_too_large: return "record batch larger than the maximum message size";
        case log_errc::offset_out_of_range: return "offset out of range";
        case log_errc::corrupt_log: return "corrupt log segment";
        case log_errc::log_failed: return "the partition failed an earlier flush and takes no appends";
        }
        return "unknown log error";
    }
};

} // namespace

const std::error_category& log_category() noexcept {
    static const category instance;
    return instance;
}

std::error_code make_error_code(log_errc e) noexcept { return {static_cast<int>(e), log_category()}; }

std::int16_t kafka_error_code(const error& e) noexcept {
    if (e.code().category() != log_category()) return -1;
    switch (static_cast<log_errc>(e.code().value())) {
    case log_errc::corrupt_message: return 2;
    case log_errc::unsupported_for_message_format: return 43;
    case log_errc::invalid_record: return 87;
    case log_errc::message_too_large: return 10;
    case log_errc::offset_out_of_range: return 1;
    case log_errc::corrupt_log: return 56;
    case log_errc::log_failed: return 56;
    }
    return -1;
}

} // namespace zc::log
