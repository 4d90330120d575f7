// A destination file that appears whole or not at all.
//
// The bytes go to a temporary file beside the destination (same directory,
// hence same filesystem), which is renamed over the destination on commit()
// and removed otherwise, so a failed or interrupted transfer never leaves a
// truncated file that looks complete — nor destroys the previous contents of
// an existing destination. SIGINT, SIGTERM and SIGHUP remove the temporary
// file too (those not ignored at start: an ignored one stays ignored). See
// docs/cli.md, "Partial files".
//
// Consequences, chosen on purpose:
//   * an existing destination keeps its permission bits (and its owner when
//     we may set it), but becomes a new inode: hard links to the old one keep
//     the old contents;
//   * a symbolic link as destination is followed: its target is replaced;
//     a dangling one is refused, as cp refuses it;
//   * a new destination gets `new_file_mode` minus the umask, as with cp;
//   * the data is not fsync'ed before the rename (neither does cp).
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <string>

#include "zerocopy/error.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::cli {

class output_file {
public:
    // Refuses a destination that is a directory (EISDIR), "name/" for a name
    // that is no directory (ENOTDIR), a dangling symlink (ENOENT) or an
    // existing file we may not write (EACCES); errors name `destination` as
    // the user wrote it.
    static std::expected<output_file, error> create(const std::string& destination, mode_t new_file_mode);

    output_file(output_file&& other) noexcept;
    output_file& operator=(output_file&&) = delete;
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;
    // Removes the temporary file unless committed.
    ~output_file();

    int fd() const noexcept { return fd_.get(); }
    // The path that will be replaced (symlinks resolved).
    const std::filesystem::path& final_path() const noexcept { return final_path_; }
    // close + rename over the destination.
    std::expected<void, error> commit();
    // Removes the temporary file now.
    void discard() noexcept;

private:
    output_file() = default;

    std::string shown_name_;
    std::filesystem::path final_path_;
    std::filesystem::path temp_path_;
    unique_fd fd_;
    bool pending_ = false;
};

} // namespace zc::cli
