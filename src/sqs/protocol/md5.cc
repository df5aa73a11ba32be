#include "sqs/protocol/md5.h"

#include <openssl/evp.h>

#include "common/coding.h"

namespace sluice::sqs::protocol {
namespace {

constexpr char kStringTransport = 1;
constexpr char kBinaryTransport = 2;

void put_length_prefixed(std::string& out, std::string_view bytes) {
  put_be32(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

}  // namespace

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string md5_of_message_attributes(const MessageAttributeMap& attributes) {
  if (attributes.empty()) return "";
  std::string encoded;
  // std::map iterates in byte order of the names, which is the order SQS hashes them in.
  for (const auto& [name, value] : attributes) {
    put_length_prefixed(encoded, name);
    put_length_prefixed(encoded, value.data_type);
    if (value.is_binary()) {
      encoded += kBinaryTransport;
      put_length_prefixed(encoded, value.binary_value.value_or(""));
    } else {
      encoded += kStringTransport;
      put_length_prefixed(encoded, value.string_value.value_or(""));
    }
  }
  return md5_hex(encoded);
}

}  // namespace sluice::sqs::protocol
