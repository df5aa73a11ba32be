// A temporary queue directory, a fake clock and a QueueManager over them.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "queues/queue_manager.h"
#include "sqs/protocol/errors.h"

namespace sluice::queues {

class QueueTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-queues-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    manager_ = open_manager(dir_);
  }
  void TearDown() override {
    manager_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The fake clock, 1 MiB segments, no maintenance thread (tests call maintain()).
  virtual QueueManagerOptions manager_options() {
    QueueManagerOptions options;
    options.clock = [this] { return now_ms_.load(); };
    options.log_config.segment_bytes = 1 << 20;
    options.maintenance_interval_ms = 0;
    return options;
  }

  std::unique_ptr<QueueManager> open_manager(const std::filesystem::path& dir) {
    auto manager = QueueManager::open(dir, manager_options());
    EXPECT_TRUE(manager.is_ok()) << manager.status().to_string();
    return manager.is_ok() ? std::move(*manager) : nullptr;
  }

  std::shared_ptr<Queue> create(const std::string& name, const StringMap& attributes = {}) {
    auto queue = manager_->create_queue(name, attributes, {});
    EXPECT_TRUE(queue.is_ok()) << queue.status().to_string();
    return queue.is_ok() ? *queue : nullptr;
  }

  static SendResult send(Queue& queue, const std::string& body, const std::string& group = "",
                         const std::string& dedup = "") {
    SendRequest request;
    request.body = body;
    if (!group.empty()) request.group_id = group;
    if (!dedup.empty()) request.dedup_id = dedup;
    auto result = queue.send(request);
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    return result.is_ok() ? *result : SendResult{};
  }

  static std::vector<ReceivedMessage> receive(Queue& queue, int max = 10,
                                              std::optional<int64_t> visibility = std::nullopt) {
    auto result = queue.receive(ReceiveRequest{max, visibility});
    EXPECT_TRUE(result.is_ok()) << result.status().to_string();
    return result.is_ok() ? *result : std::vector<ReceivedMessage>{};
  }

  static std::vector<std::string> bodies(const std::vector<ReceivedMessage>& messages) {
    std::vector<std::string> out;
    for (const auto& message : messages) out.push_back(message.body);
    return out;
  }

  static sqs::protocol::ErrorCode code(const Status& status) {
    return sqs::protocol::error_from_status(status).code;
  }

  void advance_s(int64_t seconds) { now_ms_ += seconds * 1000; }

  // Replaces the manager by one opened from a copy of the directory taken while it ran:
  // what a crash (SIGKILL) leaves, since every acknowledged change was written (and fsynced)
  // before its call returned and nothing was flushed or marked clean beyond that.
  void crash_and_reopen() {
    const std::filesystem::path crashed = dir_.string() + "-crash";
    std::filesystem::remove_all(crashed);
    std::filesystem::copy(dir_, crashed, std::filesystem::copy_options::recursive);
    manager_.reset();
    std::filesystem::remove_all(dir_);
    std::filesystem::rename(crashed, dir_);
    manager_ = open_manager(dir_);
  }

  void close_and_reopen() {
    EXPECT_TRUE(manager_->close().is_ok());
    manager_.reset();
    manager_ = open_manager(dir_);
  }

  // Restarts the manager, by a crash or a clean close, and returns queue `name` from it.
  std::shared_ptr<Queue> restart_queue(const std::string& name, bool crash) {
    if (crash) {
      crash_and_reopen();
    } else {
      close_and_reopen();
    }
    auto queue = manager_->get_queue(name);
    EXPECT_TRUE(queue.is_ok()) << queue.status().to_string();
    return queue.is_ok() ? *queue : nullptr;
  }

  // Files named *.log in `dir` (the segments of a partition log).
  static size_t segment_files(const std::filesystem::path& dir) {
    size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".log") ++count;
    }
    return count;
  }

  std::atomic<int64_t> now_ms_{1'700'000'000'000};
  std::filesystem::path dir_;
  std::unique_ptr<QueueManager> manager_;
};

}  // namespace sluice::queues
