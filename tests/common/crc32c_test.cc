#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace sluice::crc32c {
namespace {

struct Vector {
  std::string data;
  uint32_t crc;
};

// RFC 3720 (iSCSI) appendix B.4 and the classic "123456789" check value.
std::vector<Vector> known_vectors() {
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  return {
      {"123456789", 0xe3069283},
      {std::string(32, '\0'), 0x8a9136aa},
      {std::string(32, '\xff'), 0x62a8ab43},
      {ascending, 0x46dd794e},
      {descending, 0x113fdb5c},
      {"", 0},
  };
}

TEST(Crc32c, PortableMatchesKnownVectors) {
  for (const auto& v : known_vectors()) {
    EXPECT_EQ(extend_portable(0, v.data.data(), v.data.size()), v.crc) << v.data.size();
  }
}

#if defined(__x86_64__)
// Every x86-64 CPU we deploy on has SSE4.2; a machine without it would silently run the
// slower path, which this test makes visible.
TEST(Crc32c, HardwareIsUsedOnX86) {
  EXPECT_TRUE(has_hardware_support());
}
#endif

TEST(Crc32c, HardwareMatchesKnownVectors) {
  for (const auto& v : known_vectors()) {
    // On other architectures extend_hardware is the portable path; it must still be right.
    EXPECT_EQ(extend_hardware(0, v.data.data(), v.data.size()), v.crc) << v.data.size();
  }
}

TEST(Crc32c, DispatchedValueMatchesKnownVectors) {
  for (const auto& v : known_vectors()) EXPECT_EQ(value(v.data), v.crc);
}

TEST(Crc32c, ExtendingInPiecesEqualsOneShot) {
  const std::string data = "The quick brown fox jumps over the lazy dog, twice over.";
  for (size_t split = 0; split <= data.size(); ++split) {
    EXPECT_EQ(extend(value(data.data(), split), data.data() + split, data.size() - split),
              value(data));
  }
}

TEST(Crc32c, ImplementationsAgreeOnEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::string buffer(300, '\0');
  for (auto& c : buffer) c = static_cast<char>(rng());
  for (size_t start = 0; start < 8; ++start) {
    for (size_t n = 0; start + n <= buffer.size(); n += 7) {
      const uint32_t expected = extend_portable(0, buffer.data() + start, n);
      EXPECT_EQ(value(buffer.data() + start, n), expected);
      EXPECT_EQ(extend_hardware(0, buffer.data() + start, n), expected);
    }
  }
}

}  // namespace
}  // namespace sluice::crc32c
