// offset_store — the consumer groups' committed offsets: the live set in
// memory, the offset_journal on disk, and one thread that makes commits
// durable.
//
// commit() only queues: the store's thread takes every commit queued so far,
// writes them with one write(2), one fdatasync(2) (a group commit: many
// consumers' commits share a sync), then makes them visible to fetch() and
// calls each commit's `done` — so an acknowledged commit is on disk, like
// Kafka's acks=all on __consumer_offsets, and a fetch never sees an offset
// that a crash could take back. The caller's thread (a reactor loop) never
// waits for the disk.
//
// A failed write or sync fails that batch and every later commit (as a
// partition goes offline in Kafka): after a failed fdatasync one cannot tell
// what reached the disk, and a record torn by a failed write would hide
// every record appended after it from the next open.
#pragma once

#include <condition_variable>
#include <deque>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "log/offset_journal.hpp"
#include "zerocopy/error.hpp"

namespace zc::log {

class offset_store {
public:
    using commit_done = std::function<void(std::expected<void, error>)>;

    static std::expected<std::unique_ptr<offset_store>, error> open(const std::filesystem::path& log_dir,
                                                                    const offset_journal_options& options = {});
    // Waits for the queued commits to be synced and answered.
    ~offset_store();
    offset_store(const offset_store&) = delete;
    offset_store& operator=(const offset_store&) = delete;

    // `done` is called once, from the store's thread, after the records are
    // durable (or failed to be); an empty list, or one with a record over
    // offset_journal::max_record_bytes (EMSGSIZE), is answered at once.
    void commit(std::vector<offset_record> records, commit_done done);

    std::optional<committed_offset> fetch(const offset_key& key) const;
    // Every committed offset of one group, in (topic, partition) order.
    std::vector<offset_record> fetch_group(const std::string& group) const;

    const offset_journal_report& open_report() const noexcept { return report_; }

private:
    struct pending_commit {
        std::vector<offset_record> records;
        commit_done done;
    };

    explicit offset_store(offset_journal journal) : journal_(std::move(journal)), report_(journal_.report()) {}
    void run(std::stop_token stop);

    offset_journal journal_; // only the store's thread writes it
    offset_journal_report report_;
    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::deque<pending_commit> queue_;
    std::map<offset_key, committed_offset> live_;
    std::optional<error> failed_;
    std::jthread thread_; // last: started when everything else exists, joined first
};

} // namespace zc::log
