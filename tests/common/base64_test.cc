#include "common/base64.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(Base64Test, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\x00\x01", 2)), "AAE=");
  EXPECT_EQ(base64_encode("\xff\xfe\xfd"), "//79");
}

TEST(Base64Test, DecodesWhatItEncodes) {
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode("AAE="), std::string("\x00\x01", 2));
  EXPECT_EQ(base64_decode("//79"), "\xff\xfe\xfd");
}

TEST(Base64Test, RejectsMalformedText) {
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);       // not a multiple of 4
  EXPECT_EQ(base64_decode("Zh=="), std::nullopt);      // bits after the last byte
  EXPECT_EQ(base64_decode("Zm9="), std::nullopt);      // bits after the last byte
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);      // three padding characters
  EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);  // padding before the end
  EXPECT_EQ(base64_decode("Zm9v!A=="), std::nullopt);  // outside the alphabet
  EXPECT_EQ(base64_decode("Zm-_"), std::nullopt);      // the URL-safe alphabet is not base64
}

}  // namespace
}  // namespace sluice
