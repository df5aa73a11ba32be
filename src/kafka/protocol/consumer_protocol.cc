#include "kafka/protocol/consumer_protocol.h"

#include "kafka/protocol/wire.h"

namespace sluice::kafka::protocol {

Result<std::vector<std::string>> decode_subscription_topics(std::string_view metadata) {
  Reader in(metadata);
  int16_t version = 0;
  SLUICE_RETURN_IF_ERROR(in.read_int16(&version));
  if (version < 0) return Status::corruption("negative consumer protocol version");
  std::vector<std::string> topics;
  SLUICE_RETURN_IF_ERROR(in.read_array(
      &topics, 2, [](Reader& element, std::string& topic) { return element.read_string(&topic); }));
  return topics;
}

}  // namespace sluice::kafka::protocol
