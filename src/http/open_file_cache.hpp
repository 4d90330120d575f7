// open_file_cache — one event loop's open regular files, by path under the root.
//
// A hit costs one fstatat() instead of openat2 + fstat + fcntl + close. The
// descriptor is shared (shared_fd) with the responses that send from it, so
// evicting an entry never closes a file under a transfer in progress.
//
// Never stale: every lookup stats the path again. The cached descriptor is
// used only when the path still names the same inode with the same size,
// mtime and ctime; the stat handed back is always the fresh one, so a file
// truncated or rewritten in place is served with its current length, and a
// replaced file (rename over, delete + create) is opened anew. A path that now
// leads somewhere else (a symlink changed to point out of the root) names
// another inode and goes through openat2(RESOLVE_BENEATH) again.
//
// Bounded: at most `capacity` entries, least recently used evicted first;
// entries unused for `max_idle` are closed (a deleted file's blocks are not
// pinned for long).
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "http/http.hpp"

namespace zc::http {

class open_file_cache {
public:
    using clock = std::chrono::steady_clock;

    explicit open_file_cache(std::size_t capacity = 256,
                             std::chrono::milliseconds max_idle = std::chrono::seconds(60))
        : capacity_(capacity), max_idle_(max_idle) {}

    // The cached descriptor of `relative` under root_fd if it is still the
    // file the path names (st: its current stat), else an empty shared_fd.
    shared_fd find(int root_fd, const std::string& relative, struct stat& st);
    // Remembers a regular file just opened (st: its fstat).
    void insert(const std::string& relative, const shared_fd& file, const struct stat& st);
    // Closes entries unused for max_idle.
    void expire(clock::time_point now);
    // When expire() next has something to close (nullopt: the cache is empty).
    std::optional<clock::time_point> next_expiry() const;
    std::size_t size() const noexcept { return index_.size(); }

private:
    struct entry {
        std::string relative;
        shared_fd file;
        struct stat st;
        clock::time_point last_used;
    };
    void erase(std::list<entry>::iterator it);

    std::size_t capacity_;
    std::chrono::milliseconds max_idle_;
    std::list<entry> lru_; // most recently used first
    std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

} // namespace zc::http
