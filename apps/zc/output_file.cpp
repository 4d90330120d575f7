#include "output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

namespace zc::cli {
namespace {

// The temporary file to remove if a signal ends the process. One at a time:
// zc writes one destination per run. Plain char array: the handler may only
// make async-signal-safe calls.
char pending_path[4096];
volatile std::sig_atomic_t have_pending_path = 0;

extern "C" void remove_pending_and_reraise(int signal_number) {
    if (have_pending_path) ::unlink(pending_path);
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

// A signal ignored when zc started (nohup, a shell's background job) stays
// ignored, as the caller asked: catching it would let it end the process.
void install_unless_ignored(int signal_number) {
    struct sigaction inherited {};
    if (::sigaction(signal_number, nullptr, &inherited) != 0 || inherited.sa_handler == SIG_IGN) return;
    std::signal(signal_number, remove_pending_and_reraise);
}

void register_pending(const std::filesystem::path& path) {
    const std::string& text = path.native();
    if (text.size() >= sizeof pending_path) return; // cannot happen: PATH_MAX is 4096
    std::memcpy(pending_path, text.c_str(), text.size() + 1);
    have_pending_path = 1;
    static const bool installed = [] {
        for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) install_unless_ignored(signal_number);
        return true;
    }();
    (void)installed;
}

void unregister_pending() { have_pending_path = 0; }

mode_t current_umask() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

// A symbolic link is followed, so that its target is what gets replaced (as
// cp writes through it). A dangling one is refused, as cp refuses it: writing
// through it would create a file wherever it points, replacing it would
// destroy the link.
std::expected<std::filesystem::path, error> resolve_destination(const std::string& destination) {
    std::error_code ec;
    const std::filesystem::path path(destination);
    if (!std::filesystem::is_symlink(path, ec)) return path;
    struct stat target {};
    if (::stat(path.c_str(), &target) != 0) {
        const int reason = errno;
        if (reason == ENOENT)
            return std::unexpected(
                error::from_errno(reason, fmt::format("not writing through dangling symlink '{}'", destination)));
        return std::unexpected(error::from_errno(reason, fmt::format("open '{}'", destination)));
    }
    auto resolved = std::filesystem::canonical(path, ec);
    if (ec) return std::unexpected(error::from_errno(ec.value(), fmt::format("open '{}'", destination)));
    return resolved;
}

} // namespace

std::expected<output_file, error> output_file::create(const std::string& destination, mode_t new_file_mode) {
    output_file out;
    out.shown_name_ = destination;
    auto resolved = resolve_destination(destination);
    if (!resolved) return std::unexpected(resolved.error());
    out.final_path_ = std::move(*resolved);
    const std::string open_context = fmt::format("open '{}'", destination);

    mode_t mode = new_file_mode & ~current_umask() & 07777;
    struct stat existing {};
    const bool exists = ::stat(out.final_path_.c_str(), &existing) == 0;
    if (exists) {
        if (S_ISDIR(existing.st_mode)) return std::unexpected(error::from_errno(EISDIR, open_context));
        if (::faccessat(AT_FDCWD, out.final_path_.c_str(), W_OK, AT_EACCESS) != 0)
            return std::unexpected(error::from_errno(errno, open_context));
        if (!S_ISREG(existing.st_mode)) {
            // A device, FIFO or socket (/dev/null, a named pipe): write into it
            // like cp does. Renaming over it would destroy the node.
            out.fd_ = unique_fd(::open(out.final_path_.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY));
            if (!out.fd_) return std::unexpected(error::from_errno(errno, open_context));
            return out;
        }
        mode = existing.st_mode & 07777;
    } else if (destination.ends_with('/')) {
        // "new/": a directory that is not there, not a file to create.
        return std::unexpected(error::from_errno(ENOTDIR, fmt::format("create '{}'", destination)));
    }

    std::filesystem::path directory = out.final_path_.parent_path();
    if (directory.empty()) directory = ".";
    std::string temp = (directory / fmt::format(".{}.zc-XXXXXX", out.final_path_.filename().string())).string();
    const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
    if (fd < 0) return std::unexpected(error::from_errno(errno, fmt::format("create '{}'", destination)));
    out.fd_ = unique_fd(fd);
    out.temp_path_ = temp;
    out.pending_ = true;
    register_pending(out.temp_path_);

    if (::fchmod(fd, mode) != 0) return std::unexpected(error::from_errno(errno, fmt::format("chmod '{}'", destination)));
    if (exists && (existing.st_uid != ::geteuid() || existing.st_gid != ::getegid()))
        (void)!::fchown(fd, existing.st_uid, existing.st_gid); // best effort, as cp without -p would not even try
    return out;
}

output_file::output_file(output_file&& other) noexcept
    : shown_name_(std::move(other.shown_name_)), final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)), fd_(std::move(other.fd_)), pending_(std::exchange(other.pending_, false)) {}

output_file::~output_file() { discard(); }

std::expected<void, error> output_file::commit() {
    if (!pending_) {
        fd_.reset();
        return {};
    }
    const int fd = fd_.release();
    if (::close(fd) != 0 && errno != EINTR) {
        const int saved = errno;
        discard();
        return std::unexpected(error::from_errno(saved, fmt::format("close '{}'", shown_name_)));
    }
    if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
        const int saved = errno;
        discard();
        return std::unexpected(error::from_errno(saved, fmt::format("rename to '{}'", shown_name_)));
    }
    pending_ = false;
    unregister_pending();
    return {};
}

void output_file::discard() noexcept {
    fd_.reset();
    if (!pending_) return;
    ::unlink(temp_path_.c_str());
    pending_ = false;
    unregister_pending();
}

} // namespace zc::cli
