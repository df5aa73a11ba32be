#include "queues/queue_manager.h"

#include <gtest/gtest.h>

#include "queue_test_util.h"

namespace sluice::queues {
namespace {

using sqs::protocol::ErrorCode;

class QueueManagerTest : public QueueTestBase {};

TEST_F(QueueManagerTest, CreateWithSameAttributesReturnsTheQueueDifferentFails) {
  auto queue = create("jobs", {{"VisibilityTimeout", "60"}});
  auto again = manager_->create_queue("jobs", {{"VisibilityTimeout", "60"}}, {});
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->get(), queue.get());
  EXPECT_TRUE(manager_->create_queue("jobs", {{"DelaySeconds", "0"}}, {}).is_ok());
  EXPECT_EQ(code(manager_->create_queue("jobs", {{"VisibilityTimeout", "30"}}, {}).status()),
            ErrorCode::kQueueNameExists);
}

TEST_F(QueueManagerTest, InvalidNamesAndAttributesAreRejected) {
  EXPECT_EQ(code(manager_->create_queue("bad name", {}, {}).status()),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code(manager_->create_queue("x.fifo", {}, {}).status()),
            ErrorCode::kInvalidParameterValue);
  EXPECT_EQ(code(manager_->create_queue("jobs", {{"VisibilityTimeout", "43201"}}, {}).status()),
            ErrorCode::kInvalidAttributeValue);
  EXPECT_EQ(code(manager_->create_queue("jobs", {{"Colour", "blue"}}, {}).status()),
            ErrorCode::kInvalidAttributeName);
  EXPECT_EQ(
      code(
          manager_
              ->create_queue(
                  "jobs",
                  {{"RedrivePolicy",
                    R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:none","maxReceiveCount":3})"}},
                  {})
              .status()),
      ErrorCode::kInvalidParameterValue);
  auto queue = create("jobs");
  EXPECT_EQ(
      sqs::protocol::error_from_status(queue->set_attributes({{"FifoQueue", "true"}})),
      (sqs::protocol::SqsError{ErrorCode::kInvalidAttributeName, "Unknown Attribute FifoQueue."}));
  auto fifo = create("jobs.fifo", {{"FifoQueue", "true"}});
  EXPECT_EQ(sqs::protocol::error_from_status(fifo->set_attributes({{"FifoQueue", "false"}})),
            (sqs::protocol::SqsError{ErrorCode::kInvalidAttributeValue,
                                     "Invalid value for the parameter FifoQueue. Reason: "
                                     "Modifying queue type is not supported."}));
  EXPECT_EQ(code(queue->set_attributes({{"DelaySeconds", "901"}})),
            ErrorCode::kInvalidAttributeValue);
}

TEST_F(QueueManagerTest, MissingQueueNamesNoQueue) {
  EXPECT_EQ(sqs::protocol::error_from_status(manager_->get_queue("gone").status()),
            (sqs::protocol::SqsError{ErrorCode::kQueueDoesNotExist,
                                     "The specified queue does not exist."}));
  EXPECT_EQ(code(manager_->delete_queue("gone")), ErrorCode::kQueueDoesNotExist);
}

// An empty Policy or RedrivePolicy removes it; maxReceiveCount comes back as a number.
TEST_F(QueueManagerTest, EmptyPolicyRemovesItAndRedrivePolicyReadsBackNormalized) {
  create("dlq");
  const std::string arn = manager_->arn("dlq");
  auto queue = create(
      "jobs",
      {{"Policy", R"({"Version":"2012-10-17"})"},
       {"RedrivePolicy", R"({"maxReceiveCount": "3", "deadLetterTargetArn": ")" + arn + R"("})"}});
  EXPECT_EQ(queue->get_attributes({"RedrivePolicy"}).at("RedrivePolicy"),
            R"({"deadLetterTargetArn":")" + arn + R"(","maxReceiveCount":3})");
  ASSERT_TRUE(manager_->set_queue_attributes("jobs", {{"Policy", ""}}).is_ok());
  EXPECT_EQ(queue->get_attributes({"All"}).count("Policy"), 0u);
  ASSERT_TRUE(manager_->set_queue_attributes("jobs", {{"RedrivePolicy", ""}}).is_ok());
  EXPECT_EQ(queue->get_attributes({"All"}).count("RedrivePolicy"), 0u);
  EXPECT_FALSE(queue->attributes().redrive_policy().has_value());
  auto reopened = restart_queue("jobs", /*crash=*/false);
  EXPECT_EQ(reopened->get_attributes({"Policy", "RedrivePolicy"}), StringMap{});
  // Created with an empty Policy: none at all.
  auto other = create("other", {{"Policy", ""}});
  EXPECT_EQ(other->get_attributes({"Policy"}), StringMap{});
}

TEST_F(QueueManagerTest, SetAttributesPersistAndUpdateLastModified) {
  auto queue = create("jobs");
  advance_s(10);
  ASSERT_TRUE(manager_->set_queue_attributes("jobs", {{"VisibilityTimeout", "5"}}).is_ok());
  manager_.reset();
  manager_ = open_manager(dir_);
  auto reopened = manager_->get_queue("jobs");
  ASSERT_TRUE(reopened.is_ok());
  const StringMap attributes = (*reopened)->get_attributes(
      {"VisibilityTimeout", "CreatedTimestamp", "LastModifiedTimestamp"});
  EXPECT_EQ(attributes.at("VisibilityTimeout"), "5");
  EXPECT_EQ(attributes.at("CreatedTimestamp"), "1700000000");
  EXPECT_EQ(attributes.at("LastModifiedTimestamp"), "1700000010");
}

TEST_F(QueueManagerTest, DeleteQueueThenRecreateAfterSixtySeconds) {
  create("jobs");
  ASSERT_TRUE(manager_->delete_queue("jobs").is_ok());
  EXPECT_EQ(code(manager_->get_queue("jobs").status()), ErrorCode::kQueueDoesNotExist);
  EXPECT_EQ(code(manager_->delete_queue("jobs")), ErrorCode::kQueueDoesNotExist);
  EXPECT_EQ(code(manager_->create_queue("jobs", {}, {}).status()),
            ErrorCode::kQueueDeletedRecently);
  advance_s(60);
  auto queue = create("jobs");
  ASSERT_NE(queue, nullptr);
  EXPECT_TRUE(receive(*queue).empty());
}

TEST_F(QueueManagerTest, ListQueuesByPrefixWithPages) {
  for (const char* name : {"a1", "a2", "a3", "b1"}) create(name);
  auto all = manager_->list_queues("", std::nullopt, std::nullopt);
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(all->names, (std::vector<std::string>{"a1", "a2", "a3", "b1"}));
  EXPECT_FALSE(all->next_token.has_value());
  auto page = manager_->list_queues("a", 2, std::nullopt);
  ASSERT_TRUE(page.is_ok());
  EXPECT_EQ(page->names, (std::vector<std::string>{"a1", "a2"}));
  ASSERT_TRUE(page->next_token.has_value());
  auto rest = manager_->list_queues("a", 2, page->next_token);
  ASSERT_TRUE(rest.is_ok());
  EXPECT_EQ(rest->names, std::vector<std::string>{"a3"});
  EXPECT_FALSE(rest->next_token.has_value());
  EXPECT_EQ(code(manager_->list_queues("", 1001, std::nullopt).status()),
            ErrorCode::kInvalidParameterValue);
}

TEST_F(QueueManagerTest, TagsAreAddedRemovedAndKept) {
  auto queued = manager_->create_queue("jobs", {}, {{"team", "core"}});
  ASSERT_TRUE(queued.is_ok());
  auto queue = *queued;
  ASSERT_TRUE(queue->tag({{"env", "test"}}).is_ok());
  ASSERT_TRUE(queue->untag({"team"}).is_ok());
  manager_.reset();
  manager_ = open_manager(dir_);
  auto reopened = manager_->get_queue("jobs");
  ASSERT_TRUE(reopened.is_ok());
  EXPECT_EQ((*reopened)->tags(), (StringMap{{"env", "test"}}));
}

}  // namespace
}  // namespace sluice::queues
