#include "zerocopy/error.hpp"

#include <string>

namespace zc {
namespace {

class zerocopy_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "zerocopy"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
        case errc::source_shrank: return "source file shrank during transfer";
        case errc::source_too_short: return "source ends before the requested range";
        case errc::unsupported_pair: return "strategy cannot serve this source/sink pair";
        case errc::strategy_unavailable: return "strategy unavailable on this system";
        case errc::not_seekable: return "source is not seekable, an offset cannot be used";
        case errc::zerocopy_copied: return "kernel copied a zero-copy send";
        }
        return "unknown zerocopy error";
    }
};

} // namespace

const std::error_category& zerocopy_category() noexcept {
    static const zerocopy_category_impl category;
    return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), zerocopy_category()}; }

std::string error::message() const {
    if (context_.empty()) return code_.message();
    return context_ + ": " + code_.message();
}

error& error::wrap(std::string_view outer) {
    context_ = context_.empty() ? std::string(outer) : std::string(outer) + ": " + context_;
    return *this;
}

} // namespace zc
