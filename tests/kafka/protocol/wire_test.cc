#include "kafka/protocol/wire.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "test_bytes.h"

namespace sluice::kafka::protocol {
namespace {

TEST(KafkaWire, FixedWidthIntegersAreBigEndian) {
  std::string wire;
  Writer out(&wire);
  out.write_int8(-2);
  out.write_int16(-3);
  out.write_int32(0x01020304);
  out.write_int64(-1);
  out.write_uint16(0xfffe);
  out.write_float64(1.5);
  out.write_bool(true);
  EXPECT_EQ(wire,
            bytes({0xfe, 0xff, 0xfd, 0x01, 0x02, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                   0xff, 0xff, 0xff, 0xfe, 0x3f, 0xf8, 0,    0,    0,    0,    0,    0,    0x01}));
  Reader in(wire);
  int8_t i8 = 0;
  int16_t i16 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;
  uint16_t u16 = 0;
  double f64 = 0;
  bool b = false;
  ASSERT_TRUE(in.read_int8(&i8).is_ok());
  ASSERT_TRUE(in.read_int16(&i16).is_ok());
  ASSERT_TRUE(in.read_int32(&i32).is_ok());
  ASSERT_TRUE(in.read_int64(&i64).is_ok());
  ASSERT_TRUE(in.read_uint16(&u16).is_ok());
  ASSERT_TRUE(in.read_float64(&f64).is_ok());
  ASSERT_TRUE(in.read_bool(&b).is_ok());
  EXPECT_EQ(i8, -2);
  EXPECT_EQ(i16, -3);
  EXPECT_EQ(i32, 0x01020304);
  EXPECT_EQ(i64, -1);
  EXPECT_EQ(u16, 0xfffe);
  EXPECT_EQ(f64, 1.5);
  EXPECT_TRUE(b);
  EXPECT_EQ(in.remaining(), 0u);
}

TEST(KafkaWire, VarintsMatchKafkaEncoding) {
  std::string wire;
  Writer out(&wire);
  out.write_uvarint(300);
  out.write_varint(-1);
  out.write_varlong(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(wire.substr(0, 3), bytes({0xac, 0x02, 0x01}));
  Reader in(wire);
  uint32_t u = 0;
  int32_t v = 0;
  int64_t l = 0;
  ASSERT_TRUE(in.read_uvarint(&u).is_ok());
  ASSERT_TRUE(in.read_varint(&v).is_ok());
  ASSERT_TRUE(in.read_varlong(&l).is_ok());
  EXPECT_EQ(u, 300u);
  EXPECT_EQ(v, -1);
  EXPECT_EQ(l, std::numeric_limits<int64_t>::min());
}

TEST(KafkaWire, UnsignedVarintLongerThanFiveBytesIsRejected) {
  const std::string wire = bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
  Reader in(wire);
  uint32_t u = 0;
  EXPECT_EQ(in.read_uvarint(&u).code(), StatusCode::kCorruption);
}

TEST(KafkaWire, CompactAndClassicStringsAndNulls) {
  std::string wire;
  Writer out(&wire);
  out.write_string("ab");
  out.write_nullable_string(std::nullopt);
  out.write_compact_string("ab");
  out.write_compact_nullable_string(std::nullopt);
  out.write_bytes("xyz");
  out.write_compact_nullable_bytes(std::nullopt);
  EXPECT_EQ(wire, bytes({0x00, 0x02, 'a', 'b', 0xff, 0xff, 0x03, 'a', 'b', 0x00, 0x00, 0x00, 0x00,
                         0x03, 'x', 'y', 'z', 0x00}));
  Reader in(wire);
  std::string s;
  std::optional<std::string> n = "not null";
  ASSERT_TRUE(in.read_string(&s).is_ok());
  EXPECT_EQ(s, "ab");
  ASSERT_TRUE(in.read_nullable_string(&n).is_ok());
  EXPECT_FALSE(n.has_value());
  ASSERT_TRUE(in.read_compact_string(&s).is_ok());
  EXPECT_EQ(s, "ab");
  ASSERT_TRUE(in.read_compact_nullable_string(&n).is_ok());
  EXPECT_FALSE(n.has_value());
  ASSERT_TRUE(in.read_bytes(&s).is_ok());
  EXPECT_EQ(s, "xyz");
  std::optional<std::string_view> view = "x";
  ASSERT_TRUE(in.read_compact_nullable_bytes_view(&view).is_ok());
  EXPECT_FALSE(view.has_value());
  EXPECT_EQ(in.remaining(), 0u);
}

TEST(KafkaWire, NullWhereTheSchemaForbidsNullIsCorruption) {
  const std::string classic = bytes({0xff, 0xff});
  Reader in(classic);
  std::string s;
  EXPECT_EQ(in.read_string(&s).code(), StatusCode::kCorruption);
  const std::string compact = bytes({0x00});
  Reader compact_in(compact);
  EXPECT_EQ(compact_in.read_compact_string(&s).code(), StatusCode::kCorruption);
}

TEST(KafkaWire, UuidIsSixteenRawBytes) {
  Uuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i + 1);
  std::string wire;
  Writer out(&wire);
  out.write_uuid(id);
  ASSERT_EQ(wire.size(), 16u);
  EXPECT_EQ(wire[0], 1);
  EXPECT_EQ(wire[15], 16);
  Reader in(wire);
  Uuid back{};
  ASSERT_TRUE(in.read_uuid(&back).is_ok());
  EXPECT_EQ(back, id);
}

TEST(KafkaWire, TaggedFieldsAreWrittenInOrderAndUnknownOnesSkipped) {
  std::string wire;
  Writer out(&wire);
  TaggedFieldsWriter tagged;
  tagged.add(1).write_int16(7);
  tagged.add(5).write_compact_string("x");
  tagged.write_to(out);
  out.write_int8(9);
  EXPECT_EQ(wire, bytes({0x02, 0x01, 0x02, 0x00, 0x07, 0x05, 0x02, 0x02, 'x', 0x09}));

  Reader in(wire);
  int16_t seven = 0;
  ASSERT_TRUE(in.read_tagged_fields([&](uint32_t tag, Reader& field) {
                  return tag == 1 ? field.read_int16(&seven) : Status::ok();
                }).is_ok());
  EXPECT_EQ(seven, 7);
  int8_t nine = 0;
  ASSERT_TRUE(in.read_int8(&nine).is_ok());
  EXPECT_EQ(nine, 9);
}

}  // namespace
}  // namespace sluice::kafka::protocol
