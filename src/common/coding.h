// Byte encoding helpers, written once: big-endian fixed-width integers (Kafka's wire and
// record-batch byte order) and zigzag varints (Kafka record fields).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

inline uint16_t load_be16(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return static_cast<uint16_t>((b[0] << 8) | b[1]);
}
inline uint32_t load_be32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t load_be64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}
inline void store_be16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void store_be32(char* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void store_be64(char* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

inline void put_be16(std::string& out, uint16_t v) {
  char b[2];
  store_be16(b, v);
  out.append(b, 2);
}
inline void put_be32(std::string& out, uint32_t v) {
  char b[4];
  store_be32(b, v);
  out.append(b, 4);
}
inline void put_be64(std::string& out, uint64_t v) {
  char b[8];
  store_be64(b, v);
  out.append(b, 8);
}

// Unsigned LEB128 varint, at most 10 bytes.
void put_uvarint(std::string& out, uint64_t v);
// Zigzag varint: small magnitudes of either sign encode short.
inline void put_varint(std::string& out, int64_t v) {
  put_uvarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

// Reads a varint from the front of *in and advances it. Returns nullopt on a truncated or
// over-long (more than `max_bytes`) encoding; *in is then unspecified.
std::optional<uint64_t> get_uvarint(std::string_view* in, int max_bytes = 10);
inline std::optional<int64_t> get_varint(std::string_view* in, int max_bytes = 10) {
  auto u = get_uvarint(in, max_bytes);
  if (!u) return std::nullopt;
  return static_cast<int64_t>((*u >> 1) ^ (~(*u & 1) + 1));
}

}  // namespace sluice
