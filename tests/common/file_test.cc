#include "common/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "common/file_system.h"

namespace sluice {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-file-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileTest, AtomicWriteReplacesWholeFileAndLeavesNoTemporary) {
  const auto path = dir_ / "value";
  ASSERT_TRUE(write_file_atomically(FileSystem::posix(), path, "first, longer contents").is_ok());
  ASSERT_TRUE(write_file_atomically(FileSystem::posix(), path, "second").is_ok());
  auto read = read_small_file(FileSystem::posix(), path);
  ASSERT_TRUE(read.is_ok());
  EXPECT_EQ(*read, "second");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "value.tmp"));
}

TEST_F(FileTest, ReadingPastTheEndIsOutOfRange) {
  const auto path = dir_ / "short";
  ASSERT_TRUE(write_file_atomically(FileSystem::posix(), path, "abc").is_ok());
  auto fd = open_file(path, O_RDONLY);
  ASSERT_TRUE(fd.is_ok());
  char buffer[8];
  EXPECT_EQ(pread_full(fd->get(), buffer, 8, 0).code(), StatusCode::kOutOfRange);
  ASSERT_TRUE(pread_full(fd->get(), buffer, 2, 1).is_ok());
  EXPECT_EQ(std::string(buffer, 2), "bc");
}

TEST_F(FileTest, OpeningAMissingFileNamesIt) {
  auto fd = open_file(dir_ / "missing", O_RDONLY);
  ASSERT_FALSE(fd.is_ok());
  EXPECT_EQ(fd.status().code(), StatusCode::kIoError);
  EXPECT_NE(fd.status().message().find("missing"), std::string::npos);
}

}  // namespace
}  // namespace sluice
