// libFuzzer target: arbitrary bytes as a Kafka request frame (header, then the body of the
// api_key/version it names). Decoding must succeed or return a Status, never crash, read
// out of bounds or allocate beyond the input's size; whatever decodes must encode back to
// bytes that decode to the same request.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kafka/protocol/header.h"
#include "kafka/protocol/messages/message_versions.h"
#include "kafka/protocol/messages/request.h"
#include "kafka/protocol/wire.h"

namespace protocol = sluice::kafka::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  protocol::Reader in(frame);
  protocol::RequestHeader header;
  if (!protocol::decode_request_header(in, &header).is_ok()) return 0;
  if (!protocol::is_valid_version(header.api_key, header.api_version)) return 0;
  protocol::Request request;
  if (!protocol::decode_request(header.api_key, header.api_version, in, &request).is_ok()) {
    return 0;
  }

  std::string encoded;
  protocol::Writer writer(&encoded);
  protocol::encode_request(request, header.api_version, writer);
  protocol::Reader again(encoded);
  protocol::Request decoded;
  if (!protocol::decode_request(header.api_key, header.api_version, again, &decoded).is_ok() ||
      again.remaining() != 0 || !(decoded == request)) {
    __builtin_trap();
  }
  return 0;
}
