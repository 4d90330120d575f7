// zc::error — the error value every libzerocopy call returns.
//
// Errors are values (std::expected<T, zc::error>), never exceptions: an errno
// (or one of zerocopy's own conditions) plus the context that produced it —
// which syscall, which strategy, which file — so a caller can print one line
// that says what went wrong and where.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "zerocopy/export.hpp"

namespace zc {

// Conditions that are not a kernel errno but a fact about the transfer.
enum class errc {
    source_shrank = 1,    // the source ended before the size it had at the start
    source_too_short,     // the range asked for runs past the end of the source
    unsupported_pair,     // the strategy cannot serve this source/sink pair
    strategy_unavailable, // the kernel or filesystem here cannot run it
    not_seekable,         // an offset was given for a pipe or socket
    zerocopy_copied,      // reserved: the kernel copied a zero-copy send
};

ZEROCOPY_API const std::error_category& zerocopy_category() noexcept;
ZEROCOPY_API std::error_code make_error_code(errc e) noexcept;

class ZEROCOPY_API error {
public:
    error() = default;
    error(std::error_code code, std::string context)
        : code_(code), context_(std::move(context)) {}

    // From an errno value saved right after the failing call.
    static error from_errno(int errno_value, std::string context) {
        return {std::error_code(errno_value, std::system_category()), std::move(context)};
    }
    static error from(errc condition, std::string context) {
        return {make_error_code(condition), std::move(context)};
    }

    const std::error_code& code() const noexcept { return code_; }
    // The errno, or 0 when the error is one of zerocopy's own conditions.
    int errno_value() const noexcept {
        return code_.category() == std::system_category() ? code_.value() : 0;
    }
    const std::string& context() const noexcept { return context_; }
    bool is(errc condition) const noexcept { return code_ == make_error_code(condition); }

    // "context: reason", e.g. "sendfile(out=5, in=3): Broken pipe".
    std::string message() const;

    // Prepends outer context: "copy a.bin → b.bin: sendfile(...): No space left".
    error& wrap(std::string_view outer);

private:
    std::error_code code_;
    std::string context_;
};

} // namespace zc

template <>
struct std::is_error_code_enum<zc::errc> : std::true_type {};
