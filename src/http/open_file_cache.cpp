#include "http/open_file_cache.hpp"

#include <fcntl.h>

#include <algorithm>

#include "http/static_parts.hpp"

namespace zc::http {
namespace {

bool same_time(const timespec& a, const timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

// Same inode, unchanged since it was opened: any write, truncation, chmod or
// rename of the inode moves ctime, so the descriptor is reused only for the
// very file it was opened as.
bool unchanged(const struct stat& then, const struct stat& now) {
    return then.st_dev == now.st_dev && then.st_ino == now.st_ino && then.st_size == now.st_size &&
           same_time(then.st_mtim, now.st_mtim) && same_time(then.st_ctim, now.st_ctim);
}

} // namespace

shared_fd open_file_cache::find(int root_fd, const std::string& relative, struct stat& st, extras* more) {
    if (more) *more = {};
    const auto found = index_.find(relative);
    if (found == index_.end()) return {};
    const auto it = found->second;
    const auto now = clock::now();
    if (valid_.count() > 0 && now - it->checked < valid_) {
        st = it->st; // trusted: no look at the path
    } else {
        if (::fstatat(root_fd, relative.c_str(), &st, 0) != 0 || !unchanged(it->st, st)) {
            erase(it);
            return {};
        }
        it->checked = now;
    }
    it->last_used = now;
    lru_.splice(lru_.begin(), lru_, it);
    if (more) *more = it->view();
    return it->file;
}

bool open_file_cache::settled(const struct stat& st, std::chrono::system_clock::time_point now) {
    const auto last_change = std::max(std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec),
                                      std::chrono::seconds(st.st_ctim.tv_sec) + std::chrono::nanoseconds(st.st_ctim.tv_nsec));
    return now.time_since_epoch() - last_change >= std::chrono::seconds(1);
}

bool open_file_cache::keep_bytes(const std::string& relative, const struct stat& st, bytes_ptr bytes) {
    const auto found = index_.find(relative);
    if (!bytes || found == index_.end() || found->second->bytes) return false;
    entry& e = *found->second;
    if (!unchanged(e.st, st) || bytes->size() != static_cast<std::size_t>(st.st_size) ||
        kept_bytes_ + bytes->size() > max_bytes_ || !settled(st, std::chrono::system_clock::now()))
        return false;
    kept_bytes_ += bytes->size();
    e.bytes = std::move(bytes);
    return true;
}

open_file_cache::extras open_file_cache::insert(const std::string& relative, const shared_fd& file,
                                                const struct stat& st) {
    if (capacity_ == 0) return {};
    if (const auto found = index_.find(relative); found != index_.end()) erase(found->second);
    while (index_.size() >= capacity_) erase(std::prev(lru_.end()));
    const auto now = clock::now();
    std::string etag = entity_tag(st);
    std::string last_modified = http_date(st.st_mtim.tv_sec);
    std::string headers = file_headers(mime_type(relative), static_cast<std::uint64_t>(st.st_size), last_modified, etag);
    lru_.push_front(entry{relative, file, st, now, nullptr, now, std::move(etag), std::move(last_modified),
                          std::move(headers), {}});
    index_.emplace(relative, lru_.begin());
    return lru_.front().view();
}

void open_file_cache::forget(const shared_fd& file) {
    for (auto it = lru_.begin(); it != lru_.end();) {
        const auto next = std::next(it);
        if (it->file.get() == file.get()) erase(it);
        it = next;
    }
}

void open_file_cache::expire(clock::time_point now) {
    while (!lru_.empty() && now - lru_.back().last_used >= max_idle_) erase(std::prev(lru_.end()));
}

std::optional<open_file_cache::clock::time_point> open_file_cache::next_expiry() const {
    if (lru_.empty()) return std::nullopt;
    return lru_.back().last_used + max_idle_;
}

void open_file_cache::erase(std::list<entry>::iterator it) {
    if (it->bytes) kept_bytes_ -= it->bytes->size();
    index_.erase(it->relative);
    lru_.erase(it);
}

} // namespace zc::http
