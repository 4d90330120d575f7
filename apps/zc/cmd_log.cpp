// zc log dump DIR/TOPIC-P [--offset N] [--json]: a partition's segments as
// they are on disk — every batch header (offsets, position, size, CRC and
// whether it matches, timestamps, record count, codec) and every entry of
// the .index and .timeindex files, like Kafka's kafka-dump-log. It reads the
// files as they are: no recovery, nothing changed; a damaged batch is shown
// and the dump goes on while the framing holds.
//
// zc log verify DIR: every CRC and every index entry of every partition
// under DIR (or of DIR itself when it is one); exit 1 naming the file and
// byte position of each problem.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cmd_log_serve.hpp"
#include "commands.hpp"
#include "diagnostics.hpp"
#include "log/index_file.hpp"
#include "log/log_scan.hpp"
#include "log/partition_log.hpp"
#include "log/recovery.hpp"
#include "log/verify.hpp"
#include "manual.hpp"
#include "transfer_report.hpp"
#include "zerocopy/unique_fd.hpp"

namespace zc::cli {
namespace {

struct dump_options {
    std::string dir;
    std::int64_t from_offset = -1;
    bool json = false;
};

struct verify_options {
    std::string dir;
    std::uint64_t index_interval_bytes = 4096;
};

nlohmann::json batch_json(const log::scanned_batch& b) {
    const auto& h = b.header;
    return {{"base_offset", h.base_offset},
            {"last_offset", h.last_offset()},
            {"count", h.record_count},
            {"position", b.position},
            {"size", h.total_size()},
            {"magic", h.magic},
            {"crc", h.crc},
            {"crc_ok", b.crc_ok()},
            {"compression", log::codec_name(h.attributes)},
            {"timestamp_type", h.timestamps() == log::timestamp_type::log_append_time ? "LogAppendTime" : "CreateTime"},
            {"base_timestamp", h.base_timestamp},
            {"max_timestamp", h.max_timestamp},
            {"producer_id", h.producer_id},
            {"producer_epoch", h.producer_epoch},
            {"base_sequence", h.base_sequence},
            {"partition_leader_epoch", h.partition_leader_epoch},
            {"is_transactional", h.is_transactional()},
            {"is_control", h.is_control()}};
}

std::string batch_text(const log::scanned_batch& b) {
    const auto& h = b.header;
    return fmt::format("baseOffset: {} lastOffset: {} count: {} baseSequence: {} producerId: {} producerEpoch: {} "
                       "partitionLeaderEpoch: {} isTransactional: {} isControl: {} position: {} {}: {} size: {} "
                       "magic: {} compresscodec: {} crc: {} isvalid: {}",
                       h.base_offset, h.last_offset(), h.record_count, h.base_sequence, h.producer_id,
                       h.producer_epoch, h.partition_leader_epoch, h.is_transactional(), h.is_control(), b.position,
                       h.timestamps() == log::timestamp_type::log_append_time ? "LogAppendTime" : "CreateTime",
                       h.max_timestamp, h.total_size(), h.magic, log::codec_name(h.attributes), h.crc, b.crc_ok());
}

// A file's bytes (an index file: at most its preallocation, 10 MiB).
std::expected<std::vector<std::byte>, error> read_index_file(const std::filesystem::path& path) {
    const int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (raw < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", path.string())));
    unique_fd fd(raw);
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return std::unexpected(error::from_errno(errno, fmt::format("fstat({})", path.string())));
    std::vector<std::byte> bytes(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::pread(fd.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

// Entries up to the zeros of a preallocated (never trimmed) index.
std::size_t entries_in_use(const std::vector<std::byte>& bytes, std::size_t entry_size) {
    std::size_t n = bytes.size() / entry_size;
    while (n > 0 && std::all_of(bytes.begin() + static_cast<std::ptrdiff_t>((n - 1) * entry_size),
                                bytes.begin() + static_cast<std::ptrdiff_t>(n * entry_size),
                                [](std::byte b) { return b == std::byte{0}; }))
        --n;
    return n;
}

struct segment_dump {
    nlohmann::json json;
    std::string text;
};

std::expected<segment_dump, error> dump_segment(const std::filesystem::path& dir, std::int64_t base,
                                                const dump_options& options) {
    segment_dump out;
    const auto log_path = dir / log::segment_file_name(base, ".log");
    const int raw = ::open(log_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (raw < 0) return std::unexpected(error::from_errno(errno, fmt::format("open({})", log_path.string())));
    unique_fd fd(raw);
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) return std::unexpected(error::from_errno(errno, fmt::format("fstat({})", log_path.string())));
    nlohmann::json batches = nlohmann::json::array();
    out.text += fmt::format("Dumping {}\nStarting offset: {}\n", log_path.string(), base);
    log::scan_options scan;
    scan.continue_past_crc_mismatch = true;
    auto scanned = log::scan_log(
        fd.get(), static_cast<std::uint64_t>(st.st_size), base,
        [&](const log::scanned_batch& b) {
            if (b.header.last_offset() < options.from_offset) return true;
            batches.push_back(batch_json(b));
            out.text += batch_text(b) + "\n";
            return true;
        },
        scan);
    if (!scanned) return std::unexpected(scanned.error().wrap(log_path.string()));
    nlohmann::json problem = nullptr;
    // A CRC mismatch is shown on its batch; a broken frame ends the dump of the file.
    if (scanned->problem && scanned->problem->reason.find("CRC") == std::string::npos) {
        problem = {{"position", scanned->problem->position}, {"reason", scanned->problem->reason}};
        out.text += fmt::format("Stopped at position {}: {}\n", scanned->problem->position, scanned->problem->reason);
    }

    nlohmann::json index = nlohmann::json::array(), times = nlohmann::json::array();
    const auto index_path = dir / log::segment_file_name(base, ".index");
    out.text += fmt::format("Dumping {}\n", index_path.string());
    if (auto bytes = read_index_file(index_path)) {
        for (std::size_t i = 0; i < entries_in_use(*bytes, log::offset_entry_size); ++i) {
            const auto e = log::decode_offset_entry(bytes->data() + i * log::offset_entry_size);
            index.push_back({{"offset", base + e.relative_offset}, {"position", e.position}});
            out.text += fmt::format("offset: {} position: {}\n", base + e.relative_offset, e.position);
        }
    } else {
        out.text += fmt::format("({})\n", bytes.error().message());
    }
    const auto time_path = dir / log::segment_file_name(base, ".timeindex");
    out.text += fmt::format("Dumping {}\n", time_path.string());
    if (auto bytes = read_index_file(time_path)) {
        for (std::size_t i = 0; i < entries_in_use(*bytes, log::time_entry_size); ++i) {
            const auto e = log::decode_time_entry(bytes->data() + i * log::time_entry_size);
            times.push_back({{"timestamp", e.timestamp}, {"offset", base + e.relative_offset}});
            out.text += fmt::format("timestamp: {} offset: {}\n", e.timestamp, base + e.relative_offset);
        }
    } else {
        out.text += fmt::format("({})\n", bytes.error().message());
    }
    out.json = {{"file", log_path.string()}, {"base_offset", base},     {"size", st.st_size}, {"batches", batches},
                {"problem", problem},        {"index", index},          {"time_index", times}};
    return out;
}

int run_dump(const dump_options& options) {
    const std::filesystem::path dir(options.dir);
    auto bases = log::list_segments(dir);
    if (!bases) return report_failure(bases.error());
    if (bases->empty()) {
        print_error(fmt::format("{}: no segments (*.log files) in this directory", dir.string()));
        return exit_failure;
    }
    nlohmann::json segments = nlohmann::json::array();
    for (std::size_t i = 0; i < bases->size(); ++i) {
        // Segments wholly below --offset are skipped.
        if (i + 1 < bases->size() && (*bases)[i + 1] <= options.from_offset) continue;
        auto dumped = dump_segment(dir, (*bases)[i], options);
        if (!dumped) return report_failure(dumped.error());
        if (options.json) segments.push_back(std::move(dumped->json));
        else fmt::print("{}", dumped->text);
    }
    if (options.json) print_json(stdout, {{"partition", dir.string()}, {"segments", std::move(segments)}});
    return exit_success;
}

// DIR itself when it holds segments, else its TOPIC-PARTITION directories.
std::vector<std::filesystem::path> partitions_under(const std::filesystem::path& dir) {
    if (auto own = log::list_segments(dir); own && !own->empty()) return {dir};
    std::vector<std::filesystem::path> found;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory() && log::parse_partition_dir_name(it->path().filename().string()))
            found.push_back(it->path());
    std::sort(found.begin(), found.end());
    return found;
}

int run_verify(const verify_options& options) {
    const std::filesystem::path dir(options.dir);
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        print_error(fmt::format("{}: not a directory", dir.string()));
        return exit_failure;
    }
    const auto partitions = partitions_under(dir);
    if (partitions.empty()) {
        print_error(fmt::format("{}: no partitions (TOPIC-PARTITION directories or *.log files)", dir.string()));
        return exit_failure;
    }
    std::size_t problems = 0;
    for (const auto& partition : partitions) {
        auto summary = log::verify_partition(partition, options.index_interval_bytes);
        if (!summary) {
            report_failure(summary.error());
            ++problems;
            continue;
        }
        for (const auto& finding : summary->findings)
            print_error(fmt::format("{} at byte {}: {}", finding.file.string(), finding.position, finding.problem));
        problems += summary->findings.size();
        fmt::print("{}: {} segments, {} batches, {} index entries: {}\n", partition.string(), summary->segments,
                   summary->batches, summary->index_entries,
                   summary->findings.empty() ? "ok"
                   : fmt::format("{} problem{}", summary->findings.size(), summary->findings.size() == 1 ? "" : "s"));
    }
    if (problems == 0) return exit_success;
    print_error(fmt::format("{} problem{} found", problems, problems == 1 ? "" : "s"));
    return exit_failure;
}

const verb_manual log_manual = {
    .description =
        "Reads a log directory in Kafka's own layout (DIR/TOPIC-PARTITION/ with 20-digit segment files: .log, "
        ".index, .timeindex). `zc log dump PARTITION_DIR` prints each segment's batch headers (offsets, position, "
        "size, CRC, timestamps, record count, compression) and index entries, like kafka-dump-log; `--offset N` "
        "starts at the batch holding N, `--json` prints one object. `zc log verify DIR` checks every batch's "
        "CRC-32C and every index entry of every partition, and names the file and byte position of the first "
        "problem.\n\n"
        "`zc log serve --dir DIR` serves the directory to Kafka clients as a single-node broker (node 0): "
        "ApiVersions, Metadata, Produce, Fetch (long-poll), ListOffsets and CreateTopics, plus the consumer-group "
        "APIs when a coordinator is built in. Topics are created on first use with `--partitions` partitions. It "
        "prints \"zc log: listening on ADDR:PORT\" on stderr, with the real port when port 0 was asked for; "
        "SIGTERM or SIGINT: stop accepting, finish in-flight responses, flush and close every partition, exit 0. "
        "`--flush sync` acknowledges a produce only after fdatasync(2), so an acknowledged batch survives a power "
        "loss; `async` leaves that to the kernel's writeback; `interval:MS` syncs within MS milliseconds.",
    .examples = {{"zc log serve --dir /var/lib/zc-log --flush sync",
                  "A broker on 127.0.0.1:9092; every acknowledged batch is on disk."},
                 {"kcat -b 127.0.0.1:9092 -t orders -P -K:", "Produce keyed messages to it (key:value lines)."},
                 {"zc log dump /var/lib/zc-log/orders-0", "The batches and index entries of partition 0 of orders."},
                 {"zc log verify /var/lib/zc-log", "Check every partition."}},
    .exit_status = {{0, "the log was printed, every CRC and index entry is sound, or the server stopped on a signal"},
                    {1, "a partition is damaged or cannot be read"},
                    {2, "bad usage"}},
    .see_also = {"kafka-dump-log(1)"},
};

} // namespace

command add_log_command(CLI::App& zc) {
    auto* app = zc.add_subcommand("log", "Serve, inspect and check a Kafka-compatible log directory (docs/log.md)");
    app->require_subcommand(1);

    auto dump = std::make_shared<dump_options>();
    auto* dump_app = app->add_subcommand("dump", "Print a partition's segments: batch headers and index entries");
    dump_app->add_option("PARTITION_DIR", dump->dir, "A partition directory, DIR/TOPIC-PARTITION")->required();
    dump_app->add_option("--offset", dump->from_offset, "Start at the batch holding this offset")->type_name("N");
    dump_app->add_flag("--json", dump->json,
                       "Print one JSON object: {partition, segments: [{file, base_offset, size, batches, problem, "
                       "index, time_index}]}");

    auto verify = std::make_shared<verify_options>();
    auto* verify_app = app->add_subcommand("verify", "Check every CRC and index entry of every partition under DIR");
    verify_app->add_option("DIR", verify->dir, "A log directory (of TOPIC-PARTITION directories) or one partition")
        ->required();
    verify_app->add_option("--index-interval-bytes", verify->index_interval_bytes,
                           "The index interval the log was written with")
        ->type_name("BYTES")
        ->default_val(4096);

    CLI::App* serve_app = nullptr;
    auto serve = add_log_serve_command(*app, serve_app);

    attach_manual(*app, log_manual);
    return {app, [dump, dump_app, verify, serve, serve_app] {
                if (serve_app->parsed()) return serve();
                return dump_app->parsed() ? run_dump(*dump) : run_verify(*verify);
            }};
}

} // namespace zc::cli
