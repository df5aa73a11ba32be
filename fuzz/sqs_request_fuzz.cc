// libFuzzer target: arbitrary bytes as an SQS request body, parsed as a query-protocol form
// and as a JSON 1.0 body (for the action the first byte picks). Parsing must succeed or
// return an SQS error, never crash, hang or throw; a failure must render as an error reply in
// both protocols (its message may quote the raw input); what parses goes through the
// validation checks and the response renderers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sqs/protocol/action_schema.h"
#include "sqs/protocol/errors.h"
#include "sqs/protocol/md5.h"
#include "sqs/protocol/request.h"
#include "sqs/protocol/response.h"
#include "sqs/protocol/validation.h"

namespace protocol = sluice::sqs::protocol;

namespace {

void exercise(const sluice::Result<protocol::SqsRequest>& request) {
  if (!request.is_ok()) {
    const protocol::SqsError error = protocol::error_from_status(request.status());
    (void)protocol::render_error(protocol::Protocol::kQuery, error, "fuzz");
    (void)protocol::render_error(protocol::Protocol::kJson, error, "fuzz");
    return;
  }
  (void)protocol::validate_message_body(request->string_param("MessageBody").value_or(""));
  (void)protocol::validate_queue_name(request->string_param("QueueName").value_or(""), true);
  (void)protocol::validate_queue_attributes(request->attributes(), true);
  (void)protocol::validate_attribute_names(request->string_list("AttributeNames"));
  (void)protocol::validate_message_attributes(request->message_attributes());
  (void)protocol::validate_receive_message(*request);
  (void)protocol::validate_batch_entries(request->entries(), "SendMessageBatchRequestEntry");
  (void)protocol::md5_of_message_attributes(request->message_attributes());

  protocol::Value result = protocol::Value::structure();
  result.set("Attributes", protocol::Value::string_map(request->attributes()))
      .set("Tags", protocol::Value::string_map(request->tags()))
      .set("MessageAttributes",
           protocol::Value::message_attribute_map(request->message_attributes()))
      .set("QueueUrls", protocol::Value::string_list(request->string_list("AttributeNames")));
  (void)protocol::render_response(protocol::Protocol::kQuery, request->action, result, "fuzz");
  (void)protocol::render_response(protocol::Protocol::kJson, request->action, result, "fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  exercise(protocol::parse_query_request("/", input));

  if (input.empty()) return 0;
  const auto actions = protocol::all_action_schemas();
  const auto& schema = actions[static_cast<uint8_t>(input[0]) % actions.size()];
  const std::string target = "AmazonSQS." + std::string(schema.action);
  exercise(protocol::parse_json_request("/", target, input.substr(1)));
  return 0;
}
