#include "common/fault_injecting_file_system.h"

#include <gtest/gtest.h>

namespace sluice::testing {
namespace {

std::unique_ptr<File> open(FileSystem& fs, const std::filesystem::path& path, OpenMode mode) {
  auto file = fs.open(path, mode);
  EXPECT_TRUE(file.is_ok()) << file.status().to_string();
  return file.is_ok() ? std::move(*file) : nullptr;
}

class FaultInjectingFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(create_directories(fs_, "/d").is_ok()); }
  FaultInjectingFileSystem fs_;
};

TEST_F(FaultInjectingFileSystemTest, PowerLossKeepsOnlySyncedBytesOfDurableNames) {
  auto file = open(fs_, "/d/f", OpenMode::kCreate);
  ASSERT_TRUE(file->pwrite("synced", 0).is_ok());
  ASSERT_TRUE(file->sync().is_ok());
  ASSERT_TRUE(file->pwrite(" and not", 6).is_ok());
  EXPECT_EQ(fs_.durable_contents("/d/f"), std::nullopt) << "its name is not durable yet";
  ASSERT_TRUE(fs_.sync_directory("/d").is_ok());
  EXPECT_EQ(fs_.durable_contents("/d/f"), "synced");
  fs_.lose_power();
  EXPECT_EQ(file->pwrite("x", 0).code(), StatusCode::kIoError);
  fs_.power_on();
  EXPECT_EQ(file->size().status().code(), StatusCode::kIoError) << "opened before the loss";
  EXPECT_EQ(*read_small_file(fs_, "/d/f"), "synced");
}

TEST_F(FaultInjectingFileSystemTest, UnsyncedCreateRenameAndRemoveAreUndone) {
  ASSERT_TRUE(write_file_atomically(fs_, "/d/kept", "v1").is_ok());
  ASSERT_TRUE(open(fs_, "/d/new", OpenMode::kCreate)->sync().is_ok());
  ASSERT_TRUE(fs_.rename("/d/kept", "/d/moved").is_ok());
  ASSERT_TRUE(fs_.create_directory("/d/sub").is_ok());
  fs_.lose_power();
  fs_.power_on();
  EXPECT_TRUE(*fs_.exists("/d/kept"));
  EXPECT_FALSE(*fs_.exists("/d/moved"));
  EXPECT_FALSE(*fs_.exists("/d/new"));
  EXPECT_FALSE(*fs_.exists("/d/sub"));
  ASSERT_TRUE(fs_.remove("/d/kept").is_ok());
  fs_.lose_power();
  fs_.power_on();
  EXPECT_EQ(*read_small_file(fs_, "/d/kept"), "v1") << "an unlink needs a directory sync";
}

TEST_F(FaultInjectingFileSystemTest, AFullDiskWritesWhatFitsAndPreallocationIsReserved) {
  auto file = open(fs_, "/d/f", OpenMode::kCreate);
  fs_.set_free_bytes(10);
  EXPECT_EQ(file->preallocate(0, 11).code(), StatusCode::kStorageFull);
  ASSERT_TRUE(file->preallocate(0, 8).is_ok());
  EXPECT_EQ(fs_.used_bytes(), 8u);
  ASSERT_TRUE(file->pwrite("12345678", 0).is_ok()) << "written into reserved blocks";
  EXPECT_EQ(file->pwrite("abcdef", 8).code(), StatusCode::kStorageFull);
  EXPECT_EQ(*file->size(), 10u) << "the prefix that fit";
  ASSERT_TRUE(file->truncate(4).is_ok());
  EXPECT_EQ(fs_.used_bytes(), 4u) << "truncate frees the blocks beyond the size";
  ASSERT_TRUE(file->pwrite("abcdef", 4).is_ok());
}

TEST_F(FaultInjectingFileSystemTest, InjectedFaultsSkipThenFailAndCountSyncs) {
  auto file = open(fs_, "/d/f", OpenMode::kCreate);
  fs_.inject({.operation = Operation::kSync, .path_contains = "/d/f", .skip = 1, .times = 1});
  EXPECT_TRUE(file->sync().is_ok());
  EXPECT_EQ(file->sync().code(), StatusCode::kIoError);
  EXPECT_TRUE(file->sync().is_ok());
  EXPECT_EQ(fs_.sync_count("/d/f"), 3u);
  EXPECT_EQ(fs_.sync_count_under("/d"), 3u);
  int hooked = 0;
  fs_.set_sync_hook([&](const std::filesystem::path&) { ++hooked; });
  EXPECT_TRUE(file->sync().is_ok());
  EXPECT_EQ(hooked, 1);
}

TEST_F(FaultInjectingFileSystemTest, ACutBeforeAnOperationFailsItAndEverythingAfter) {
  auto file = open(fs_, "/d/f", OpenMode::kCreate);
  fs_.lose_power_before_operation(2);
  EXPECT_TRUE(file->pwrite("a", 0).is_ok());
  EXPECT_EQ(file->sync().code(), StatusCode::kIoError);
  EXPECT_FALSE(fs_.powered());
  EXPECT_EQ(fs_.exists("/d").status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace sluice::testing
