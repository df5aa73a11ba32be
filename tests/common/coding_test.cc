#include "common/coding.h"

#include <gtest/gtest.h>

#include <limits>

namespace sluice {
namespace {

TEST(Coding, BigEndianRoundTrip) {
  std::string out;
  put_be16(out, 0x0102);
  put_be32(out, 0x03040506);
  put_be64(out, 0x0708090a0b0c0d0eULL);
  ASSERT_EQ(out, std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e", 14));
  EXPECT_EQ(load_be16(out.data()), 0x0102);
  EXPECT_EQ(load_be32(out.data() + 2), 0x03040506u);
  EXPECT_EQ(load_be64(out.data() + 6), 0x0708090a0b0c0d0eULL);
}

TEST(Coding, ZigzagVarintRoundTripAndLength) {
  const std::pair<int64_t, size_t> cases[] = {{0, 1},
                                              {-1, 1},
                                              {1, 1},
                                              {-64, 1},
                                              {63, 1},
                                              {64, 2},
                                              {-65, 2},
                                              {300, 2},
                                              {std::numeric_limits<int64_t>::max(), 10},
                                              {std::numeric_limits<int64_t>::min(), 10}};
  for (const auto& [value, length] : cases) {
    std::string out;
    put_varint(out, value);
    EXPECT_EQ(out.size(), length) << value;
    std::string_view in = out;
    EXPECT_EQ(get_varint(&in), value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(Coding, KafkaZigzagExamples) {
  // From Kafka's protocol guide: zigzag maps 0,-1,1,-2 to 0,1,2,3.
  std::string out;
  for (int64_t v : {0, -1, 1, -2}) put_varint(out, v);
  EXPECT_EQ(out, std::string("\x00\x01\x02\x03", 4));
}

TEST(Coding, TruncatedVarintIsRejected) {
  std::string_view in("\x80\x80", 2);
  EXPECT_FALSE(get_uvarint(&in).has_value());
}

TEST(Coding, OverlongVarintIsRejected) {
  const std::string eleven(11, '\x80');
  std::string_view in = eleven;
  EXPECT_FALSE(get_uvarint(&in).has_value());
  std::string_view five("\x80\x80\x80\x80\x80\x01", 6);
  EXPECT_FALSE(get_uvarint(&five, 5).has_value());
}

}  // namespace
}  // namespace sluice
