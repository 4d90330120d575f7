// open_file_cache — one event loop's open regular files, by path under the root.
//
// A hit costs one fstatat() instead of openat2 + fstat + fcntl + close. The
// descriptor is shared (shared_fd) with the responses that send from it, so
// evicting an entry never closes a file under a transfer in progress.
//
// Never stale by default: every lookup stats the path again. The cached descriptor is
// used only when the path still names the same inode with the same size,
// mtime and ctime; the stat handed back is always the fresh one, so a file
// truncated or rewritten in place is served with its current length, and a
// replaced file (rename over, delete + create) is opened anew. A path that now
// leads somewhere else (a symlink changed to point out of the root) names
// another inode and goes through openat2(RESOLVE_BENEATH) again.
//
// Or, with a validity window (`valid` > 0, nginx's open_file_cache_valid),
// the stat of the last check is trusted for that long: no system call per
// request, at the price of serving a changed file as it was (its old length
// and validators; a file range that shrank meanwhile fails in the engine:
// that response is cut short and its connection closed, the connection
// forgets the entry, and the next request stats the path again).
//
// Bounded: at most `capacity` entries, least recently used evicted first;
// entries unused for `max_idle` are closed (a deleted file's blocks are not
// pinned for long).
//
// Small files' bytes: an entry may also keep the whole file (keep_bytes),
// so a response needs no read; at most `max_bytes` of them per cache (a
// kept file's ready response, its head and a second copy of the bytes, is
// not counted: at most one per entry). They
// are handed out only with a hit, i.e. while the file has the size, mtime
// and ctime it had when read — and only a file that had not changed for a
// second before it was read is kept (settled()), because a timestamp moves
// in ticks: a write within the tick of the read could leave all three as
// they were, while a write after a settled file was read moves ctime to a
// later second. (Git's "racy clean" entries, the same rule.)
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http/http.hpp"

namespace zc::http {

class open_file_cache {
public:
    using clock = std::chrono::steady_clock;

    using bytes_ptr = std::shared_ptr<const std::string>;
    // A kept file's whole 200 response to a keep-alive HTTP/1.1 GET, head
    // and body, sent as it is (shared, not copied) until its Date is not
    // the current one; built by the handler, kept with the entry.
    struct ready_response {
        bytes_ptr bytes;
        std::string date; // its Date header's value
    };
    // What a hit carries besides the descriptor: the validators and the
    // header block of a whole-file response (file_headers()), formatted once
    // per entry (views into it: valid until the cache's next change), and
    // the file's bytes when kept.
    struct extras {
        std::string_view etag;
        std::string_view last_modified;
        std::string_view whole_file_headers;
        bytes_ptr bytes;
        ready_response* ready = nullptr;
    };

    explicit open_file_cache(std::size_t capacity = 256,
                             std::chrono::milliseconds max_idle = std::chrono::seconds(60),
                             std::size_t max_bytes = 1 << 20,
                             std::chrono::milliseconds valid = std::chrono::milliseconds(0))
        : capacity_(capacity), max_idle_(max_idle), max_bytes_(max_bytes), valid_(valid) {}

    // The cached descriptor of `relative` under root_fd if it is still the
    // file the path names (st: its current stat), else an empty shared_fd.
    // *more: its validators and kept bytes.
    shared_fd find(int root_fd, const std::string& relative, struct stat& st, extras* more = nullptr);
    // Drops the entries of this descriptor (a response found the file
    // changed under a trusted stat).
    void forget(const shared_fd& file);
    // Remembers a regular file just opened (st: its fstat); its validators.
    extras insert(const std::string& relative, const shared_fd& file, const struct stat& st);
    // Keeps `bytes`, read from the entry's file after find() or insert()
    // gave it this `st`: false when not kept (no such entry, it changed, the
    // file is not settled, the budget is spent).
    bool keep_bytes(const std::string& relative, const struct stat& st, bytes_ptr bytes);
    // No change to the file for a second before `now` (realtime)?
    static bool settled(const struct stat& st, std::chrono::system_clock::time_point now);
    std::size_t kept_bytes() const noexcept { return kept_bytes_; }
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
        bytes_ptr bytes; // the whole file, or null
        clock::time_point checked; // the last stat of the path
        std::string etag;
        std::string last_modified;
        std::string whole_file_headers;
        ready_response ready;
        extras view() { return {etag, last_modified, whole_file_headers, bytes, &ready}; }
    };
    void erase(std::list<entry>::iterator it);

    std::size_t capacity_;
    std::chrono::milliseconds max_idle_;
    std::size_t max_bytes_;
    std::chrono::milliseconds valid_;
    std::size_t kept_bytes_ = 0;
    std::list<entry> lru_; // most recently used first
    std::unordered_map<std::string, std::list<entry>::iterator> index_;
};

} // namespace zc::http
