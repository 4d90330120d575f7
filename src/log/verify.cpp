#include "log/verify.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "core/io.hpp"
#include "log/recovery.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::log {
namespace {

std::expected<std::vector<std::byte>, error> read_whole(const std::filesystem::path& path) {
    const int raw = zc::detail::retry_on_eintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
    if (raw < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", path.string())));
    unique_fd fd(raw);
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return std::unexpected(error::from_errno(errno, fmt::format("fstat({})", path.string())));
    std::vector<std::byte> bytes(static_cast<std::size_t>(st.st_size));
    auto got = zc::detail::pread_full(fd.get(), bytes, 0);
    if (!got) return std::unexpected(got.error());
    bytes.resize(*got);
    return bytes;
}

std::string describe_offset_entry(std::span<const std::byte> bytes, std::size_t i, std::int64_t base) {
    if ((i + 1) * offset_entry_size > bytes.size()) return "nothing";
    const auto e = decode_offset_entry(bytes.data() + i * offset_entry_size);
    return fmt::format("offset {} → position {}", base + e.relative_offset, e.position);
}

std::string describe_time_entry(std::span<const std::byte> bytes, std::size_t i, std::int64_t base) {
    if ((i + 1) * time_entry_size > bytes.size()) return "nothing";
    const auto e = decode_time_entry(bytes.data() + i * time_entry_size);
    return fmt::format("timestamp {} → offset {}", e.timestamp, base + e.relative_offset);
}

// The first entry where `have` and `want` differ, as a finding.
void compare_index(const std::filesystem::path& path, std::span<const std::byte> have, std::span<const std::byte> want,
                   std::size_t entry_size, std::int64_t base, std::vector<verify_finding>& findings) {
    if (have.size() == want.size() && std::equal(have.begin(), have.end(), want.begin())) return;
    std::size_t i = 0;
    while ((i + 1) * entry_size <= std::min(have.size(), want.size()) &&
           std::equal(have.begin() + i * entry_size, have.begin() + (i + 1) * entry_size, want.begin() + i * entry_size))
        ++i;
    const auto describe = entry_size == offset_entry_size ? describe_offset_entry : describe_time_entry;
    findings.push_back({path, i * entry_size,
                        fmt::format("entry {} is {}, the log calls for {} ({} bytes of entries, the log calls for {})",
                                    i, describe(have, i, base), describe(want, i, base), have.size(), want.size())});
}

} // namespace

std::expected<verify_summary, error> verify_partition(const std::filesystem::path& dir, std::uint64_t index_interval_bytes) {
    auto bases = list_segments(dir);
    if (!bases) return std::unexpected(bases.error());
    verify_summary summary;
    std::int64_t previous_next = -1;
    for (const std::int64_t base : *bases) {
        ++summary.segments;
        const auto log_path = dir / segment_file_name(base, ".log");
        const int raw = zc::detail::retry_on_eintr([&] { return ::open(log_path.c_str(), O_RDONLY | O_CLOEXEC); });
        if (raw < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", log_path.string())));
        unique_fd fd(raw);
        struct stat st{};
        if (::fstat(fd.get(), &st) != 0)
            return std::unexpected(error::from_errno(errno, fmt::format("fstat({})", log_path.string())));
        auto wanted = compute_indexes(fd.get(), static_cast<std::uint64_t>(st.st_size), base, index_interval_bytes);
        if (!wanted) return std::unexpected(wanted.error().wrap(log_path.string()));
        summary.batches += wanted->scan.batches;
        if (previous_next > base)
            summary.findings.push_back({log_path, 0, fmt::format("starts at offset {}, below the end {} of the segment "
                                                                 "before it",
                                                                 base, previous_next)});
        previous_next = wanted->scan.next_offset;
        if (wanted->scan.problem) {
            // The indexes of a damaged log cannot be judged past the damage,
            // and recovery rebuilds them anyway: the log's finding is the one.
            summary.findings.push_back({log_path, wanted->scan.problem->position, wanted->scan.problem->reason});
            continue;
        }

        const auto index_path = dir / segment_file_name(base, ".index");
        if (auto have = read_whole(index_path)) {
            summary.index_entries += have->size() / offset_entry_size;
            compare_index(index_path, *have, wanted->offsets, offset_entry_size, base, summary.findings);
        } else {
            summary.findings.push_back({index_path, 0, have.error().message()});
        }
        const auto time_path = dir / segment_file_name(base, ".timeindex");
        if (auto have = read_whole(time_path)) {
            summary.index_entries += have->size() / time_entry_size;
            // A sealed segment ends with the entry of its largest timestamp;
            // one still open (the process is running, or was killed) may not.
            std::vector<std::byte> sealed = wanted->times;
            if (wanted->final_time) {
                std::byte entry[time_entry_size];
                encode(*wanted->final_time, entry);
                sealed.insert(sealed.end(), entry, entry + time_entry_size);
            }
            const bool matches_open = have->size() == wanted->times.size() &&
                                      std::equal(have->begin(), have->end(), wanted->times.begin());
            if (!matches_open) compare_index(time_path, *have, sealed, time_entry_size, base, summary.findings);
        } else {
            summary.findings.push_back({time_path, 0, have.error().message()});
        }
    }
    return summary;
}

} // namespace zc::log
