#include "log/offset_store.hpp"

#include <cerrno>
#include <limits>

#include <fmt/format.h>

namespace zc::log {

std::expected<std::unique_ptr<offset_store>, error> offset_store::open(const std::filesystem::path& log_dir,
                                                                       const offset_journal_options& options) {
    std::map<offset_key, committed_offset> live;
    auto journal = offset_journal::open(log_dir, options, live);
    if (!journal) return std::unexpected(journal.error());
    std::unique_ptr<offset_store> store(new offset_store(std::move(*journal)));
    store->live_ = std::move(live);
    store->thread_ = std::jthread([s = store.get()](std::stop_token stop) { s->run(stop); });
    return store;
}

offset_store::~offset_store() {
    thread_.request_stop();
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void offset_store::commit(std::vector<offset_record> records, commit_done done) {
    if (records.empty()) {
        done({});
        return;
    }
    // A record the journal could not read back would hide every later one
    // from the next open: refused here, without failing the store.
    for (const auto& record : records)
        if (encode_offset_record(record).size() > offset_journal::max_record_bytes) {
            done(std::unexpected(error::from_errno(EMSGSIZE, fmt::format("offset commit for group '{}': a record over {} bytes",
                                                                         record.key.group, offset_journal::max_record_bytes))));
            return;
        }
    {
        std::lock_guard lock(mutex_);
        queue_.push_back({std::move(records), std::move(done)});
    }
    wake_.notify_one();
}

void offset_store::run(std::stop_token stop) {
    for (;;) {
        std::deque<pending_commit> batch;
        std::optional<error> failed;
        {
            std::unique_lock lock(mutex_);
            // Stopping still drains what was queued: every commit is answered.
            wake_.wait(lock, [&] { return !queue_.empty() || stop.stop_requested(); });
            if (queue_.empty()) return;
            batch.swap(queue_);
            failed = failed_;
        }
        std::expected<void, error> result;
        if (failed) {
            result = std::unexpected(*failed);
        } else {
            std::vector<offset_record> records;
            for (const auto& commit : batch) records.insert(records.end(), commit.records.begin(), commit.records.end());
            result = journal_.append_and_sync(records);
        }
        {
            std::lock_guard lock(mutex_);
            if (result) {
                for (auto& commit : batch)
                    for (auto& record : commit.records) live_[record.key] = record.value;
            } else if (!failed_) {
                failed_ = result.error();
            }
        }
        for (auto& commit : batch) commit.done(result);
    }
}

std::optional<committed_offset> offset_store::fetch(const offset_key& key) const {
    std::lock_guard lock(mutex_);
    auto it = live_.find(key);
    if (it == live_.end()) return std::nullopt;
    return it->second;
}

std::vector<offset_record> offset_store::fetch_group(const std::string& group) const {
    std::lock_guard lock(mutex_);
    std::vector<offset_record> out;
    for (auto it = live_.lower_bound(offset_key{group, "", std::numeric_limits<std::int32_t>::min()}); it != live_.end() && it->first.group == group; ++it)
        out.push_back({it->first, it->second});
    return out;
}

} // namespace zc::log
