#include "log/log_scan.hpp"

#include <array>
#include <vector>

#include <fmt/format.h>

#include "core/io.hpp"
#include "log/crc32c.hpp"

namespace zc::log {
namespace {

constexpr std::size_t piece = 256 * 1024;

// The CRC of [from, to) of the file: attributes to the end of a batch.
std::expected<std::uint32_t, error> crc_of_range(int fd, std::uint64_t from, std::uint64_t to, std::vector<std::byte>& buffer) {
    std::uint32_t crc = 0;
    while (from < to) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(piece, to - from));
        auto got = zc::detail::pread_full(fd, std::span(buffer.data(), want), from);
        if (!got) return std::unexpected(got.error());
        if (*got != want) return std::unexpected(error::from_errno(EIO, fmt::format("pread at {}: the file ended", from)));
        crc = crc32c(std::span<const std::byte>(buffer.data(), want), crc);
        from += want;
    }
    return crc;
}

} // namespace

std::expected<scan_result, error> scan_log(int fd, std::uint64_t size, std::int64_t base_offset,
                                           const std::function<bool(const scanned_batch&)>& on_batch,
                                           const scan_options& options) {
    scan_result result;
    std::int64_t expected = options.expected_first_offset >= 0 ? options.expected_first_offset : base_offset;
    result.next_offset = expected;
    std::uint64_t position = options.start_position;
    result.valid_bytes = position;
    std::vector<std::byte> buffer(piece);
    std::array<std::byte, batch_header_size> head{};
    const auto fail = [&](std::string reason) {
        result.problem = scan_problem{position, std::move(reason)};
        return result;
    };
    while (position < size) {
        if (size - position < batch_header_size)
            return fail(fmt::format("{} bytes at the end are too few for a batch header", size - position));
        auto got = zc::detail::pread_full(fd, head, position);
        if (!got) return std::unexpected(got.error());
        if (*got != head.size()) return fail("the file ended inside a batch header");
        const batch_header h = *read_batch_header(head);
        if (h.batch_length < static_cast<std::int32_t>(batch_header_size - log_overhead))
            return fail(fmt::format("batchLength {} is below the header's size", h.batch_length));
        if (h.total_size() > size - position)
            return fail(fmt::format("batch of {} bytes runs past the end of the file ({} bytes left)", h.total_size(),
                                    size - position));
        if (h.magic != current_magic) return fail(fmt::format("magic {} (not 2)", h.magic));
        if (h.record_count < 0 || static_cast<std::int64_t>(h.last_offset_delta) + 1 != h.record_count)
            return fail(fmt::format("lastOffsetDelta {} with recordCount {}", h.last_offset_delta, h.record_count));
        if (h.base_offset < expected)
            return fail(fmt::format("base offset {} where {} or more was expected", h.base_offset, expected));
        auto crc = crc_of_range(fd, position + attributes_offset, position + h.total_size(), buffer);
        if (!crc) return std::unexpected(crc.error());
        const scanned_batch batch{position, h, *crc};
        if (!batch.crc_ok()) {
            if (!options.continue_past_crc_mismatch)
                return fail(fmt::format("CRC mismatch in the batch at offset {}: stored {:08x}, computed {:08x}",
                                        h.base_offset, h.crc, *crc));
            if (!result.problem)
                result.problem = scan_problem{position, fmt::format("CRC mismatch in the batch at offset {}: stored "
                                                                    "{:08x}, computed {:08x}",
                                                                    h.base_offset, h.crc, *crc)};
        }
        const bool go_on = on_batch(batch);
        position += h.total_size();
        expected = h.last_offset() + 1;
        if (batch.crc_ok() && !result.problem) {
            result.valid_bytes = position;
            result.next_offset = expected;
        }
        ++result.batches;
        if (!go_on) break;
    }
    return result;
}

} // namespace zc::log
