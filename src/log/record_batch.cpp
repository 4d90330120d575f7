#include "log/record_batch.hpp"

#include <fmt/format.h>

#include "log/crc32c.hpp"
#include "log/log_error.hpp"

namespace zc::log {

std::uint64_t load_be64(const std::byte* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    return v;
}
std::uint32_t load_be32(const std::byte* p) noexcept {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(p[i]);
    return v;
}
std::uint16_t load_be16(const std::byte* p) noexcept {
    return static_cast<std::uint16_t>((static_cast<std::uint8_t>(p[0]) << 8) | static_cast<std::uint8_t>(p[1]));
}
void store_be64(std::byte* p, std::uint64_t v) noexcept {
    for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::byte>(v & 0xFF);
}
void store_be32(std::byte* p, std::uint32_t v) noexcept {
    for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<std::byte>(v & 0xFF);
}
void store_be16(std::byte* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::byte>(v >> 8);
    p[1] = static_cast<std::byte>(v & 0xFF);
}

std::string_view codec_name(std::int16_t attributes) noexcept {
    switch (attributes & 0x07) {
    case 0: return "none";
    case 1: return "gzip";
    case 2: return "snappy";
    case 3: return "lz4";
    case 4: return "zstd";
    }
    return "unknown";
}

std::optional<batch_header> read_batch_header(std::span<const std::byte> bytes) noexcept {
    if (bytes.size() < batch_header_size) return std::nullopt;
    const std::byte* p = bytes.data();
    batch_header h;
    h.base_offset = static_cast<std::int64_t>(load_be64(p));
    h.batch_length = static_cast<std::int32_t>(load_be32(p + 8));
    h.partition_leader_epoch = static_cast<std::int32_t>(load_be32(p + 12));
    h.magic = static_cast<std::int8_t>(p[16]);
    h.crc = load_be32(p + 17);
    h.attributes = static_cast<std::int16_t>(load_be16(p + 21));
    h.last_offset_delta = static_cast<std::int32_t>(load_be32(p + 23));
    h.base_timestamp = static_cast<std::int64_t>(load_be64(p + 27));
    h.max_timestamp = static_cast<std::int64_t>(load_be64(p + 35));
    h.producer_id = static_cast<std::int64_t>(load_be64(p + 43));
    h.producer_epoch = static_cast<std::int16_t>(load_be16(p + 51));
    h.base_sequence = static_cast<std::int32_t>(load_be32(p + 53));
    h.record_count = static_cast<std::int32_t>(load_be32(p + 57));
    return h;
}

void write_batch_header(const batch_header& h, std::span<std::byte> bytes) noexcept {
    std::byte* p = bytes.data();
    store_be64(p, static_cast<std::uint64_t>(h.base_offset));
    store_be32(p + 8, static_cast<std::uint32_t>(h.batch_length));
    store_be32(p + 12, static_cast<std::uint32_t>(h.partition_leader_epoch));
    p[16] = static_cast<std::byte>(h.magic);
    store_be32(p + 17, h.crc);
    store_be16(p + 21, static_cast<std::uint16_t>(h.attributes));
    store_be32(p + 23, static_cast<std::uint32_t>(h.last_offset_delta));
    store_be64(p + 27, static_cast<std::uint64_t>(h.base_timestamp));
    store_be64(p + 35, static_cast<std::uint64_t>(h.max_timestamp));
    store_be64(p + 43, static_cast<std::uint64_t>(h.producer_id));
    store_be16(p + 51, static_cast<std::uint16_t>(h.producer_epoch));
    store_be32(p + 53, static_cast<std::uint32_t>(h.base_sequence));
    store_be32(p + 57, static_cast<std::uint32_t>(h.record_count));
}

std::uint32_t compute_batch_crc(std::span<const std::byte> batch) noexcept {
    return crc32c(batch.subspan(attributes_offset));
}

std::expected<batch_header, error> validate_batch(std::span<const std::byte> bytes, std::uint64_t max_message_bytes) {
    if (bytes.size() < log_overhead + 5)
        return std::unexpected(log_error(log_errc::corrupt_message,
                                         fmt::format("{} bytes are too few for a record batch", bytes.size())));
    const auto magic = static_cast<std::int8_t>(bytes[16]);
    if (magic == 0 || magic == 1)
        return std::unexpected(log_error(log_errc::unsupported_for_message_format,
                                         fmt::format("message format v{} (magic {})", magic, magic)));
    if (magic != current_magic)
        return std::unexpected(log_error(log_errc::corrupt_message, fmt::format("magic {} (not 2)", magic)));
    const auto header = read_batch_header(bytes);
    if (!header)
        return std::unexpected(log_error(log_errc::corrupt_message,
                                         fmt::format("{} bytes are too few for a v2 batch header", bytes.size())));
    if (header->batch_length < static_cast<std::int32_t>(batch_header_size - log_overhead))
        return std::unexpected(log_error(log_errc::corrupt_message,
                                         fmt::format("batchLength {} is below the header's size", header->batch_length)));
    if (header->total_size() > max_message_bytes)
        return std::unexpected(log_error(log_errc::message_too_large,
                                         fmt::format("batch of {} bytes (the limit is {})", header->total_size(),
                                                     max_message_bytes)));
    if (header->total_size() > bytes.size())
        return std::unexpected(log_error(log_errc::corrupt_message,
                                         fmt::format("batchLength {} runs past the {} bytes given",
                                                     header->batch_length, bytes.size())));
    if (header->record_count < 0 || static_cast<std::int64_t>(header->last_offset_delta) + 1 != header->record_count)
        return std::unexpected(log_error(log_errc::invalid_record,
                                         fmt::format("lastOffsetDelta {} with recordCount {}",
                                                     header->last_offset_delta, header->record_count)));
    const std::uint32_t crc = compute_batch_crc(bytes.first(header->total_size()));
    if (crc != header->crc)
        return std::unexpected(log_error(log_errc::corrupt_message,
                                         fmt::format("CRC {:08x} (the bytes give {:08x})", header->crc, crc)));
    return *header;
}

void assign_offsets(std::span<std::byte> batch, std::int64_t base_offset, std::int32_t leader_epoch) noexcept {
    store_be64(batch.data(), static_cast<std::uint64_t>(base_offset));
    store_be32(batch.data() + partition_leader_epoch_offset, static_cast<std::uint32_t>(leader_epoch));
}

void set_log_append_time(std::span<std::byte> batch, std::int64_t now_ms) noexcept {
    const auto attributes = static_cast<std::uint16_t>(load_be16(batch.data() + attributes_offset) | 0x08);
    store_be16(batch.data() + attributes_offset, attributes);
    store_be64(batch.data() + max_timestamp_offset, static_cast<std::uint64_t>(now_ms));
    const auto length = log_overhead + load_be32(batch.data() + 8);
    store_be32(batch.data() + crc_offset, compute_batch_crc(batch.first(length)));
}

} // namespace zc::log
