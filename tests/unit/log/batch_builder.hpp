// A small RecordBatch v2 encoder for the log's tests, independent of the
// protocol codec: a valid header (CRC included) over `payload` bytes that
// stand in for the records (the storage layer never decodes them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "log/record_batch.hpp"

namespace zc::test {

struct batch_spec {
    std::int32_t records = 1;
    std::size_t payload = 100;          // bytes after the 61-byte header
    std::int64_t base_timestamp = 1'000;
    std::int64_t max_timestamp = 1'000;
    std::int16_t attributes = 0;
    std::int64_t base_offset = 0;       // what the client sends; the log rewrites it
    std::uint8_t fill = 0x5A;
};

inline std::vector<std::byte> make_batch(const batch_spec& spec) {
    std::vector<std::byte> bytes(log::batch_header_size + spec.payload);
    for (std::size_t i = 0; i < spec.payload; ++i)
        bytes[log::batch_header_size + i] = static_cast<std::byte>(spec.fill + i * 7);
    log::batch_header h;
    h.base_offset = spec.base_offset;
    h.batch_length = static_cast<std::int32_t>(bytes.size() - log::log_overhead);
    h.partition_leader_epoch = -1;
    h.magic = 2;
    h.attributes = spec.attributes;
    h.last_offset_delta = spec.records - 1;
    h.base_timestamp = spec.base_timestamp;
    h.max_timestamp = spec.max_timestamp;
    h.producer_id = -1;
    h.producer_epoch = -1;
    h.base_sequence = -1;
    h.record_count = spec.records;
    log::write_batch_header(h, bytes);
    h.crc = log::compute_batch_crc(bytes);
    log::write_batch_header(h, bytes);
    return bytes;
}

inline std::vector<std::byte> concat(std::initializer_list<std::vector<std::byte>> parts) {
    std::vector<std::byte> all;
    for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
    return all;
}

inline std::string as_string(std::span<const std::byte> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

} // namespace zc::test
