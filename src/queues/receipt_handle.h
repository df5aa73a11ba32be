// Receipt handles: what a receive hands out and delete / change-visibility take back.
// A handle names one receive of one message: base64 of (version, offset, receive nonce) plus
// a truncated HMAC-SHA256 of those bytes under the queue's secret, so a client can neither
// forge a handle nor use one from another queue (or from a deleted queue of the same name).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sluice::queues {

struct ReceiptHandle {
  int64_t offset = 0;
  uint32_t nonce = 0;
};

inline constexpr size_t kQueueSecretBytes = 32;

// A fresh random secret of kQueueSecretBytes bytes.
Result<std::string> new_queue_secret();

std::string encode_receipt_handle(const ReceiptHandle& handle, std::string_view secret);

// nullopt when `text` is not a handle this secret signed.
std::optional<ReceiptHandle> decode_receipt_handle(std::string_view text, std::string_view secret);

}  // namespace sluice::queues
