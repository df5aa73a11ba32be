// CRC-32C (Castagnoli), the checksum of Kafka v2 record batches.
//
// crc32c() uses the SSE4.2 crc32 instruction when the CPU has it (checked once at start-up)
// and a table-driven slicing-by-8 implementation otherwise. Both are exposed so that tests
// can hold them to the same known vectors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::crc32c {

// Extends `crc` (the CRC of some earlier bytes, 0 for none) with `n` more bytes.
uint32_t extend(uint32_t crc, const void* data, size_t n);
inline uint32_t value(const void* data, size_t n) {
  return extend(0, data, n);
}
inline uint32_t value(std::string_view s) {
  return extend(0, s.data(), s.size());
}

uint32_t extend_portable(uint32_t crc, const void* data, size_t n);
// REQUIRES: has_hardware_support()
uint32_t extend_hardware(uint32_t crc, const void* data, size_t n);
bool has_hardware_support();

}  // namespace sluice::crc32c
