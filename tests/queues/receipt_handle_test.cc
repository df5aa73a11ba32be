#include "queues/receipt_handle.h"

#include <gtest/gtest.h>

namespace sluice::queues {
namespace {

TEST(QueueReceiptHandleTest, RoundTripsUnderItsOwnSecret) {
  const std::string secret = new_queue_secret().value();
  const std::string text = encode_receipt_handle(ReceiptHandle{123456789, 42}, secret);
  const auto handle = decode_receipt_handle(text, secret);
  ASSERT_TRUE(handle.has_value());
  EXPECT_EQ(handle->offset, 123456789);
  EXPECT_EQ(handle->nonce, 42u);
}

TEST(QueueReceiptHandleTest, AnotherQueuesSecretRejectsIt) {
  const std::string text = encode_receipt_handle(ReceiptHandle{7, 1}, new_queue_secret().value());
  EXPECT_FALSE(decode_receipt_handle(text, new_queue_secret().value()).has_value());
}

TEST(QueueReceiptHandleTest, TamperedOrGarbageHandlesAreRejected) {
  const std::string secret = new_queue_secret().value();
  std::string text = encode_receipt_handle(ReceiptHandle{7, 1}, secret);
  text[3] = text[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(decode_receipt_handle(text, secret).has_value());
  EXPECT_FALSE(decode_receipt_handle("7", secret).has_value());
  EXPECT_FALSE(decode_receipt_handle("", secret).has_value());
}

}  // namespace
}  // namespace sluice::queues
