// The MD5 digests SQS returns with every sent and received message, computed exactly as
// SQS does: JS SDK v3 verifies the body digest and the Java SDKs verify both, rejecting the
// response when they differ. All are lowercase hex.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "sqs/protocol/params.h"

namespace sluice::sqs::protocol {

// Lowercase hex MD5 of `bytes`.
std::string md5_hex(std::string_view bytes);

// MD5OfMessageBody / MD5OfBody: the digest of the body's UTF-8 bytes as decoded from the
// request.
inline std::string md5_of_message_body(std::string_view body) {
  return md5_hex(body);
}

// MD5OfMessageAttributes, and MD5OfMessageSystemAttributes (the same algorithm over the
// system attributes): the attributes in name order, each as u32be(len) name, u32be(len)
// DataType, one transport byte (1 for String/Number values, 2 for Binary), u32be(len) value
// (UTF-8 text, or the decoded bytes of a binary value). Returns "" for no attributes: the
// field is then omitted from the response.
std::string md5_of_message_attributes(const MessageAttributeMap& attributes);

}  // namespace sluice::sqs::protocol
