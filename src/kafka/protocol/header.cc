#include "kafka/protocol/header.h"

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/messages/message_versions.h"

namespace sluice::kafka::protocol {

Status RequestHeader::decode(Reader& in, int16_t header_version) {
  SLUICE_RETURN_IF_ERROR(in.read_int16(&api_key));
  SLUICE_RETURN_IF_ERROR(in.read_int16(&api_version));
  SLUICE_RETURN_IF_ERROR(in.read_int32(&correlation_id));
  client_id.reset();
  if (header_version >= 1) SLUICE_RETURN_IF_ERROR(in.read_nullable_string(&client_id));
  if (header_version >= 2) SLUICE_RETURN_IF_ERROR(in.skip_tagged_fields());
  return Status::ok();
}

void RequestHeader::encode(Writer& out, int16_t header_version) const {
  out.write_int16(api_key);
  out.write_int16(api_version);
  out.write_int32(correlation_id);
  if (header_version >= 1) out.write_nullable_string(client_id);
  if (header_version >= 2) out.write_no_tagged_fields();
}

Status ResponseHeader::decode(Reader& in, int16_t header_version) {
  SLUICE_RETURN_IF_ERROR(in.read_int32(&correlation_id));
  if (header_version >= 1) SLUICE_RETURN_IF_ERROR(in.skip_tagged_fields());
  return Status::ok();
}

void ResponseHeader::encode(Writer& out, int16_t header_version) const {
  out.write_int32(correlation_id);
  if (header_version >= 1) out.write_no_tagged_fields();
}

int16_t request_header_version(int16_t api_key, int16_t api_version) {
  return is_flexible_version(api_key, api_version) ? 2 : 1;
}

int16_t response_header_version(int16_t api_key, int16_t api_version) {
  if (api_key == static_cast<int16_t>(ApiKey::kApiVersions)) return 0;
  return is_flexible_version(api_key, api_version) ? 1 : 0;
}

Status decode_request_header(Reader& in, RequestHeader* header) {
  // The fixed prefix is the same in every header version; peek at it to pick the version.
  Reader prefix(in.rest());
  int16_t api_key = 0;
  int16_t api_version = 0;
  SLUICE_RETURN_IF_ERROR(prefix.read_int16(&api_key));
  SLUICE_RETURN_IF_ERROR(prefix.read_int16(&api_version));
  Status status = header->decode(in, request_header_version(api_key, api_version));
  if (!status.is_ok()) return Status::corruption("request header: " + status.message());
  return status;
}

}  // namespace sluice::kafka::protocol
