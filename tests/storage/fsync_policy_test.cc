#include "storage/fsync_policy.h"

#include <gtest/gtest.h>

namespace sluice::storage {
namespace {

TEST(FsyncPolicy, ParsesEachForm) {
  EXPECT_EQ(*FsyncPolicy::parse("always"), FsyncPolicy::always());
  EXPECT_EQ(*FsyncPolicy::parse("never"), FsyncPolicy::never());
  EXPECT_EQ(*FsyncPolicy::parse("interval:250"), FsyncPolicy::interval(250));
  EXPECT_EQ(FsyncPolicy::interval(250).to_string(), "interval:250");
}

TEST(FsyncPolicy, RejectsMalformedPolicies) {
  for (const char* text : {"", "Always", "interval", "interval:", "interval:0", "interval:-5",
                           "interval:10ms", "sometimes"}) {
    auto parsed = FsyncPolicy::parse(text);
    ASSERT_FALSE(parsed.is_ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace sluice::storage
