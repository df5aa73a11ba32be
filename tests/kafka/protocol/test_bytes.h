// Spelling out expected wire bytes in tests: bytes({0x00, 0x12}) + "rdkafka".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace sluice::kafka::protocol {

inline std::string bytes(std::initializer_list<uint8_t> values) {
  std::string out;
  for (uint8_t v : values) out.push_back(static_cast<char>(v));
  return out;
}

// A classic string: int16 length then the bytes.
inline std::string classic_string(const std::string& s) {
  return bytes({static_cast<uint8_t>(s.size() >> 8), static_cast<uint8_t>(s.size())}) + s;
}

// A compact string shorter than 127 bytes: one varint byte holding length + 1.
inline std::string compact_string(const std::string& s) {
  return bytes({static_cast<uint8_t>(s.size() + 1)}) + s;
}

}  // namespace sluice::kafka::protocol
