#include "topics/topic_manager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>

#include "storage/record_batch_builder.h"

namespace sluice::topics {
namespace {

class TopicManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-topics-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TopicManager> open() {
    auto manager = TopicManager::open(dir_, TopicDefaults{});
    EXPECT_TRUE(manager.is_ok()) << manager.status().to_string();
    return manager.is_ok() ? std::move(*manager) : nullptr;
  }

  static void produce(Partition& partition, const std::string& value) {
    std::string batch = storage::RecordBatchBuilder(1000).add(value).build();
    auto pending = partition.append(std::span<char>(batch.data(), batch.size()));
    ASSERT_TRUE(pending.is_ok());
    // Subscribers wake when the high watermark passes the append, before its ticket is done.
    ASSERT_TRUE(pending->durable.wait().is_ok());
  }

  std::filesystem::path dir_;
};

TEST_F(TopicManagerTest, CreatedTopicsAndTheirDataSurviveRestart) {
  {
    auto manager = open();
    ASSERT_TRUE(manager->create_topic("orders", 3, {{"retention.ms", "1000"}}).is_ok());
    produce(*manager->partition("orders", 2), "hello");
  }
  auto manager = open();
  auto info = manager->topic("orders");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->partitions, 3);
  EXPECT_EQ(info->overrides.at("retention.ms"), "1000");
  EXPECT_EQ(manager->partition("orders", 2)->log().log_end_offset(), 1);
  EXPECT_EQ(manager->partition("orders", 2)->log().config().retention_ms, 1000);
  EXPECT_EQ(manager->partition("orders", 3), nullptr);
}

TEST_F(TopicManagerTest, InvalidCreatesNameTheProblem) {
  auto manager = open();
  EXPECT_EQ(manager->create_topic("bad name", 1, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic(std::string(250, 'a'), 1, {}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("..", 1, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("t", 0, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(manager->create_topic("t", 1, {{"nope", "1"}}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(manager->create_topic("t", 1, {}).is_ok());
  EXPECT_EQ(manager->create_topic("t", 1, {}).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(manager->topics().size() == 1);
}

TEST_F(TopicManagerTest, DeletedTopicIsGoneAfterRestartAndCanBeRecreatedEmpty) {
  {
    auto manager = open();
    ASSERT_TRUE(manager->create_topic("t", 2, {}).is_ok());
    produce(*manager->partition("t", 0), "x");
    ASSERT_TRUE(manager->delete_topic("t").is_ok());
    EXPECT_EQ(manager->delete_topic("t").code(), StatusCode::kNotFound);
    EXPECT_EQ(manager->partition("t", 0), nullptr);
  }
  auto manager = open();
  EXPECT_FALSE(manager->topic("t").has_value());
  ASSERT_TRUE(manager->create_topic("t", 1, {}).is_ok());
  EXPECT_EQ(manager->partition("t", 0)->log().log_end_offset(), 0);
}

TEST_F(TopicManagerTest, HalfCreatedTopicDirectoryIsCleanedOnOpen) {
  std::filesystem::create_directories(dir_ / "ghost" / "0");
  auto manager = open();
  EXPECT_FALSE(manager->topic("ghost").has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "ghost"));
}

TEST_F(TopicManagerTest, AddPartitionsOnlyGrows) {
  auto manager = open();
  ASSERT_TRUE(manager->create_topic("t", 2, {}).is_ok());
  EXPECT_EQ(manager->add_partitions("t", 2).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(manager->add_partitions("t", 5).is_ok());
  EXPECT_EQ(manager->topic("t")->partitions, 5);
  EXPECT_NE(manager->partition("t", 4), nullptr);
  EXPECT_EQ(manager->add_partitions("missing", 3).code(), StatusCode::kNotFound);
}

TEST_F(TopicManagerTest, SetConfigsAppliesToLiveLogsAndPersists) {
  {
    auto manager = open();
    ASSERT_TRUE(manager->create_topic("t", 1, {}).is_ok());
    ASSERT_TRUE(manager->set_configs("t", {{"retention.bytes", "4096"}}).is_ok());
    EXPECT_EQ(manager->partition("t", 0)->log().config().retention_bytes, 4096);
    EXPECT_EQ(manager->set_configs("t", {{"retention.bytes", "x"}}).code(),
              StatusCode::kInvalidArgument);
  }
  auto manager = open();
  EXPECT_EQ(manager->topic("t")->overrides.at("retention.bytes"), "4096");
}

TEST_F(TopicManagerTest, AppendWakesSubscribersOnce) {
  auto manager = open();
  ASSERT_TRUE(manager->create_topic("t", 1, {}).is_ok());
  auto partition = manager->partition("t", 0);
  std::atomic<int> woken{0};
  partition->subscribe([&] { ++woken; });
  const uint64_t cancelled = partition->subscribe([&] { woken += 100; });
  partition->unsubscribe(cancelled);
  produce(*partition, "a");
  produce(*partition, "b");
  EXPECT_EQ(woken.load(), 1);
}

}  // namespace
}  // namespace sluice::topics
