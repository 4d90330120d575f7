#include "http/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "core/io.hpp"

namespace zc::http {

std::expected<access_log, error> access_log::open(const std::string& path) {
    access_log log;
    if (path == "-") {
        log.fd_ = STDOUT_FILENO;
    } else {
        log.owned_.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
        if (!log.owned_) return std::unexpected(error::from_errno(errno, "open access log '" + path + "'"));
        log.fd_ = log.owned_.get();
    }
    log.lock_ = new std::mutex;
    return log;
}

access_log::access_log(access_log&& other) noexcept
    : owned_(std::move(other.owned_)), fd_(std::exchange(other.fd_, -1)), lock_(std::exchange(other.lock_, nullptr)),
      write_errors_(other.write_errors_) {}

access_log& access_log::operator=(access_log&& other) noexcept {
    if (this != &other) {
        delete lock_;
        owned_ = std::move(other.owned_);
        fd_ = std::exchange(other.fd_, -1);
        lock_ = std::exchange(other.lock_, nullptr);
        write_errors_ = other.write_errors_;
    }
    return *this;
}

access_log::~access_log() { delete lock_; }

void access_log::write_lines(std::string_view lines) {
    if (fd_ < 0 || lines.empty()) return;
    std::lock_guard guard(*lock_);
    if (!detail::write_all(fd_, detail::as_bytes(lines))) ++write_errors_;
}

const std::string& access_log_buffer::date_now() {
    const std::time_t now = std::time(nullptr);
    if (now != date_second_) {
        date_second_ = now;
        std::tm parts{};
        ::gmtime_r(&now, &parts);
        char text[40];
        const std::size_t n = std::strftime(text, sizeof text, "[%d/%b/%Y:%H:%M:%S +0000]", &parts);
        date_.assign(text, n);
    }
    return date_;
}

void access_log_buffer::add(std::string_view host, std::string_view request_line, int status, std::uint64_t bytes) {
    if (!log_) return;
    lines_.append(host).append(" - - ").append(date_now()).append(" \"");
    // The request line is the client's text: keep the line one line and the
    // quotes balanced (nginx escapes the same way).
    for (const char c : request_line) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\' || u < 0x20 || u >= 0x7f) {
            static constexpr char hex[] = "0123456789ABCDEF";
            lines_.append("\\x").push_back(hex[u >> 4]);
            lines_.push_back(hex[u & 15]);
        } else {
            lines_.push_back(c);
        }
    }
    lines_.append("\" ").append(std::to_string(status)).append(" ").append(std::to_string(bytes)).append("\n");
    if (lines_.size() >= 32 * 1024) flush();
}

void access_log_buffer::flush_if_due(std::chrono::steady_clock::time_point now) {
    if (!lines_.empty() && now - last_flush_ >= std::chrono::seconds(1)) flush();
}

std::optional<std::chrono::steady_clock::time_point> access_log_buffer::next_flush() const {
    if (lines_.empty()) return std::nullopt;
    return last_flush_ + std::chrono::seconds(1);
}

void access_log_buffer::flush() {
    last_flush_ = std::chrono::steady_clock::now();
    if (!log_ || lines_.empty()) return;
    log_->write_lines(lines_);
    lines_.clear();
}

} // namespace zc::http
