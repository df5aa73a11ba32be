#include "kafka/protocol/records_splicer.h"

#include <gtest/gtest.h>

#include <string>

#include "kafka/protocol/messages/fetch_response.h"
#include "kafka/protocol/wire.h"

namespace sluice::kafka::protocol {
namespace {

// The bytes a receiver sees: the encoded message with each range's bytes put in at its
// position. `contents` stands for the file (the ranges' fds are not read here).
std::string assemble(const std::string& encoded, const std::vector<Splice>& splices,
                     const std::string& contents) {
  std::string out;
  size_t written = 0;
  for (const Splice& splice : splices) {
    out.append(encoded, written, splice.position - written);
    out.append(contents, splice.range.offset, splice.range.size);
    written = splice.position;
  }
  out.append(encoded, written);
  return out;
}

TEST(RecordsSplicer, StandInIsEmptyAndOnlyItsOwnViewsAreFound) {
  RecordsSplicer splicer;
  const std::string_view a = splicer.stand_in(FileRange{.fd = 3, .offset = 10, .size = 5});
  const std::string_view b = splicer.stand_in(FileRange{.fd = 3, .offset = 20, .size = 7});
  EXPECT_TRUE(a.empty());
  ASSERT_NE(splicer.find(a), nullptr);
  EXPECT_EQ(splicer.find(a)->offset, 10u);
  EXPECT_EQ(splicer.find(b)->size, 7u);
  const std::string real = "abc";
  EXPECT_EQ(splicer.find(real), nullptr);
  EXPECT_EQ(splicer.find(std::string_view()), nullptr);
  EXPECT_EQ(splicer.find(std::string_view(real).substr(3)), nullptr);  // empty, not ours
}

TEST(RecordsSplicer, ClassicRecordsWriteOnlyTheInt32LengthAndThePosition) {
  RecordsSplicer splicer;
  std::string wire;
  Writer out(&wire, &splicer);
  out.write_int8(7);
  out.write_records(splicer.stand_in(FileRange{.fd = 3, .offset = 0, .size = 0x0102}));
  out.write_int8(8);
  EXPECT_EQ(wire, std::string("\x07\x00\x00\x01\x02\x08", 6));
  ASSERT_EQ(splicer.splices().size(), 1u);
  EXPECT_EQ(splicer.splices()[0].position, 5u);
  EXPECT_EQ(splicer.splices()[0].range.size, 0x0102u);
}

TEST(RecordsSplicer, CompactRecordsWriteOnlyTheVarintLengthPlusOne) {
  RecordsSplicer splicer;
  std::string wire;
  Writer out(&wire, &splicer);
  out.write_compact_records(splicer.stand_in(FileRange{.fd = 3, .offset = 0, .size = 200}));
  EXPECT_EQ(wire, std::string("\xc9\x01", 2));  // uvarint 201
  ASSERT_EQ(splicer.splices().size(), 1u);
  EXPECT_EQ(splicer.splices()[0].position, 2u);
}

TEST(RecordsSplicer, PlainRecordsAndNullAreWrittenAsBytesEvenWithASplicer) {
  RecordsSplicer splicer;
  std::string wire;
  Writer out(&wire, &splicer);
  out.write_records(std::string_view("ab"));
  out.write_records(std::nullopt);
  out.write_compact_records(std::string_view("ab"));
  out.write_compact_records(std::nullopt);
  out.write_records(std::string_view());
  EXPECT_EQ(wire, std::string("\x00\x00\x00\x02"
                              "ab"
                              "\xff\xff\xff\xff"
                              "\x03"
                              "ab"
                              "\x00"
                              "\x00\x00\x00\x00",
                              18));
  EXPECT_TRUE(splicer.splices().empty());
}

TEST(RecordsSplicer, StandInWithoutASplicerIsAnEmptyRecordsValue) {
  RecordsSplicer splicer;
  std::string wire;
  Writer out(&wire);
  out.write_records(splicer.stand_in(FileRange{.fd = 3, .offset = 0, .size = 9}));
  EXPECT_EQ(wire, std::string("\x00\x00\x00\x00", 4));
  EXPECT_TRUE(splicer.splices().empty());
}

// A Fetch response with spliced partitions, once the ranges' bytes are put in, is byte for
// byte the response encoded with the bytes themselves, in classic and flexible versions.
TEST(RecordsSplicer, SplicedFetchResponseAssemblesToThePlainEncoding) {
  const std::string file = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (int16_t version : {4, 11, 12, 13}) {
    FetchResponse plain;
    FetchResponse spliced;
    RecordsSplicer splicer;
    for (auto* response : {&plain, &spliced}) {
      auto& topic = response->responses.emplace_back();
      topic.topic = "t";
      topic.topic_id = Uuid{1, 2, 3};
      topic.partitions.resize(3);
      for (int i = 0; i < 3; ++i) topic.partitions[i].partition_index = i;
    }
    plain.responses[0].partitions[0].records = std::string_view(file).substr(2, 5);
    plain.responses[0].partitions[1].records = std::string_view("real");
    plain.responses[0].partitions[2].records = std::string_view(file).substr(10, 20);
    spliced.responses[0].partitions[0].records =
        splicer.stand_in(FileRange{.fd = 3, .offset = 2, .size = 5});
    spliced.responses[0].partitions[1].records = std::string_view("real");
    spliced.responses[0].partitions[2].records =
        splicer.stand_in(FileRange{.fd = 3, .offset = 10, .size = 20});

    std::string expected;
    Writer plain_out(&expected);
    plain.encode(plain_out, version);
    std::string encoded;
    Writer spliced_out(&encoded, &splicer);
    spliced.encode(spliced_out, version);

    EXPECT_EQ(splicer.splices().size(), 2u) << "version " << version;
    EXPECT_EQ(encoded.size(), expected.size() - 25) << "version " << version;
    EXPECT_EQ(assemble(encoded, splicer.splices(), file), expected) << "version " << version;
  }
}

}  // namespace
}  // namespace sluice::kafka::protocol
