// offset_store and offset_journal: commits are visible after their sync,
// survive reopening, a torn or damaged tail is cut off on open, and
// compaction keeps the latest offset of every key.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <future>

#include "log/offset_store.hpp"
#include "support/test_support.hpp"

namespace zc::test {
namespace {

using log::committed_offset;
using log::offset_key;
using log::offset_record;
using log::offset_store;

offset_record record(std::string group, std::string topic, std::int32_t partition, std::int64_t offset,
                     std::optional<std::string> metadata = "m") {
    return {{std::move(group), std::move(topic), partition}, {offset, 3, 1000 + offset, std::move(metadata)}};
}

std::unique_ptr<offset_store> open_store(const std::filesystem::path& dir, log::offset_journal_options options = {}) {
    auto store = offset_store::open(dir, options);
    if (!store) ADD_FAILURE() << store.error().message();
    return store ? std::move(*store) : nullptr;
}

void commit_ok(offset_store& store, std::vector<offset_record> records) {
    std::promise<std::expected<void, error>> done;
    auto result = done.get_future();
    store.commit(std::move(records), [&](std::expected<void, error> r) { done.set_value(std::move(r)); });
    ASSERT_EQ(result.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    auto r = result.get();
    ASSERT_TRUE(r) << r.error().message();
}

std::filesystem::path journal_path(const temp_dir& dir) { return dir.path() / "__consumer_offsets" / "offsets.journal"; }

void append_bytes(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(OffsetStore, CommitThenFetchAndGroupListing) {
    temp_dir dir;
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    EXPECT_FALSE(store->fetch({"g", "t", 0}));
    commit_ok(*store, {record("g", "t", 0, 5), record("g", "t", 1, 7, std::nullopt), record("h", "t", 0, 9)});
    auto got = store->fetch({"g", "t", 1});
    ASSERT_TRUE(got);
    EXPECT_EQ(got->offset, 7);
    EXPECT_EQ(got->leader_epoch, 3);
    EXPECT_FALSE(got->metadata) << "a null metadata stays null";
    auto group = store->fetch_group("g");
    ASSERT_EQ(group.size(), 2u);
    EXPECT_EQ(group[0].key.partition, 0);
    EXPECT_EQ(group[1].key.partition, 1);
    EXPECT_EQ(store->fetch_group("h").size(), 1u);
    EXPECT_TRUE(store->fetch_group("nobody").empty());
}

TEST(OffsetStore, EmptyCommitIsAnsweredAtOnce) {
    temp_dir dir;
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    int calls = 0;
    store->commit({}, [&](std::expected<void, error> r) { calls += r ? 1 : 100; });
    EXPECT_EQ(calls, 1);
}

TEST(OffsetStore, ARecordTooLargeToReadBackIsRefusedAndTheStoreGoesOn) {
    temp_dir dir;
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    std::optional<std::expected<void, error>> result;
    store->commit({record("g", "t", 0, 1, std::string(log::offset_journal::max_record_bytes, 'x'))},
                  [&](std::expected<void, error> r) { result = std::move(r); });
    ASSERT_TRUE(result);
    ASSERT_FALSE(*result);
    EXPECT_EQ(result->error().errno_value(), EMSGSIZE);
    commit_ok(*store, {record("g", "t", 0, 2)});
    EXPECT_EQ(store->fetch({"g", "t", 0})->offset, 2);
}

TEST(OffsetStore, CommitsSurviveReopenAndTheLastOneWins) {
    temp_dir dir;
    {
        auto store = open_store(dir.path());
        ASSERT_TRUE(store);
        commit_ok(*store, {record("g", "t", 0, 1)});
        commit_ok(*store, {record("g", "t", 0, 2), record("g", "u", 4, 40)});
    }
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    EXPECT_EQ(store->open_report().records, 3u);
    EXPECT_EQ(store->open_report().bytes_dropped, 0u);
    EXPECT_EQ(store->fetch({"g", "t", 0})->offset, 2);
    EXPECT_EQ(store->fetch({"g", "u", 4})->offset, 40);
    EXPECT_EQ(store->fetch({"g", "u", 4})->metadata, std::optional<std::string>("m"));
}

TEST(OffsetStore, QueuedCommitsAreAllAnsweredBeforeDestruction) {
    temp_dir dir;
    std::atomic<int> answered{0};
    {
        auto store = open_store(dir.path());
        ASSERT_TRUE(store);
        for (int i = 0; i < 50; ++i)
            store->commit({record("g", "t", 0, i)}, [&](std::expected<void, error> r) { answered += r ? 1 : 1000; });
    }
    EXPECT_EQ(answered.load(), 50);
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    EXPECT_EQ(store->fetch({"g", "t", 0})->offset, 49) << "applied in commit order";
}

TEST(OffsetStore, ATornTailIsCutOffOnOpen) {
    temp_dir dir;
    {
        auto store = open_store(dir.path());
        ASSERT_TRUE(store);
        commit_ok(*store, {record("g", "t", 0, 10), record("g", "t", 1, 11)});
    }
    const auto intact = std::filesystem::file_size(journal_path(dir));
    const std::string whole = log::encode_offset_record(record("g", "t", 0, 99));
    append_bytes(journal_path(dir), whole.substr(0, whole.size() - 3)); // a write torn by a power loss
    {
        auto store = open_store(dir.path());
        ASSERT_TRUE(store);
        EXPECT_EQ(store->open_report().bytes_dropped, whole.size() - 3);
        EXPECT_EQ(store->fetch({"g", "t", 0})->offset, 10) << "the torn record is not applied";
        EXPECT_EQ(std::filesystem::file_size(journal_path(dir)), intact);
        commit_ok(*store, {record("g", "t", 1, 12)});
    }
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    EXPECT_EQ(store->open_report().bytes_dropped, 0u) << "appends after the cut are whole records";
    EXPECT_EQ(store->fetch({"g", "t", 1})->offset, 12);
}

TEST(OffsetStore, ARecordWithAFlippedByteEndsTheJournal) {
    temp_dir dir;
    {
        auto store = open_store(dir.path());
        ASSERT_TRUE(store);
        commit_ok(*store, {record("g", "t", 0, 1)});
        commit_ok(*store, {record("g", "t", 0, 2)});
    }
    const auto size = std::filesystem::file_size(journal_path(dir));
    {
        std::fstream f(journal_path(dir), std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(static_cast<std::streamoff>(size - 2));
        f.put('\x7f');
    }
    auto store = open_store(dir.path());
    ASSERT_TRUE(store);
    EXPECT_EQ(store->open_report().drop_reason, "a CRC-32C mismatch");
    EXPECT_EQ(store->open_report().records, 1u);
    EXPECT_EQ(store->fetch({"g", "t", 0})->offset, 1);
}

TEST(OffsetStore, CompactionKeepsTheLatestOffsetOfEveryKey) {
    temp_dir dir;
    {
        auto store = open_store(dir.path());
        ASSERT_TRUE(store);
        for (int i = 0; i < 100; ++i) commit_ok(*store, {record("g", "t", i % 2, i), record("h", "t", 0, 1000 + i)});
    }
    const auto before = std::filesystem::file_size(journal_path(dir));
    {
        auto store = open_store(dir.path(), {.compact_min_bytes = 1u << 20, .compact_ratio = 4});
        ASSERT_TRUE(store);
        EXPECT_FALSE(store->open_report().compacted) << "below compact_min_bytes";
    }
    {
        auto store = open_store(dir.path(), {.compact_min_bytes = 0, .compact_ratio = 4});
        ASSERT_TRUE(store);
        EXPECT_TRUE(store->open_report().compacted);
        EXPECT_EQ(store->fetch({"g", "t", 0})->offset, 98);
        commit_ok(*store, {record("g", "t", 2, 7)});
    }
    EXPECT_LT(std::filesystem::file_size(journal_path(dir)), before / 20);
    EXPECT_FALSE(std::filesystem::exists(journal_path(dir).string() + ".tmp"));
    auto store = open_store(dir.path(), {.compact_min_bytes = 0, .compact_ratio = 4});
    ASSERT_TRUE(store);
    EXPECT_FALSE(store->open_report().compacted) << "the live set is the file now";
    EXPECT_EQ(store->open_report().records, 4u);
    EXPECT_EQ(store->fetch({"g", "t", 0})->offset, 98);
    EXPECT_EQ(store->fetch({"g", "t", 1})->offset, 99);
    EXPECT_EQ(store->fetch({"g", "t", 2})->offset, 7);
    EXPECT_EQ(store->fetch({"h", "t", 0})->offset, 1099);
}

TEST(OffsetJournal, ScanStopsAtAnOverlongLength) {
    std::string bytes = log::encode_offset_record(record("g", "t", 0, 1));
    const std::size_t first = bytes.size();
    bytes += std::string("\xff\xff\xff\xff\0\0\0\0", 8);
    auto scan = log::scan_offset_journal(bytes);
    EXPECT_EQ(scan.records.size(), 1u);
    EXPECT_EQ(scan.valid_bytes, first);
    EXPECT_FALSE(scan.stop_reason.empty());
}

} // namespace
} // namespace zc::test
