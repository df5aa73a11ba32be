#include "queues/receipt_handle.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/base64.h"
#include "common/coding.h"

namespace sluice::queues {
namespace {

constexpr char kVersion = 1;
constexpr size_t kPayloadBytes = 1 + 8 + 4;
constexpr size_t kMacBytes = 16;  // 128 bits of HMAC-SHA256 are plenty against forgery

std::string mac(std::string_view payload, std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), kMacBytes);
}

}  // namespace

Result<std::string> new_queue_secret() {
  std::string secret(kQueueSecretBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()),
                 static_cast<int>(secret.size())) != 1) {
    // Without randomness handles would be forgeable; there is no safe fallback.
    return Status::io_error("RAND_bytes failed: no randomness for a queue secret");
  }
  return secret;
}

std::string encode_receipt_handle(const ReceiptHandle& handle, std::string_view secret) {
  std::string bytes(1, kVersion);
  put_be64(bytes, static_cast<uint64_t>(handle.offset));
  put_be32(bytes, handle.nonce);
  bytes += mac(bytes, secret);
  return base64_encode(bytes);
}

std::optional<ReceiptHandle> decode_receipt_handle(std::string_view text, std::string_view secret) {
  const auto bytes = base64_decode(text);
  if (!bytes || bytes->size() != kPayloadBytes + kMacBytes || (*bytes)[0] != kVersion) {
    return std::nullopt;
  }
  const std::string expected = mac(std::string_view(*bytes).substr(0, kPayloadBytes), secret);
  if (CRYPTO_memcmp(expected.data(), bytes->data() + kPayloadBytes, kMacBytes) != 0) {
    return std::nullopt;
  }
  ReceiptHandle handle;
  handle.offset = static_cast<int64_t>(load_be64(bytes->data() + 1));
  handle.nonce = load_be32(bytes->data() + 9);
  return handle;
}

}  // namespace sluice::queues
