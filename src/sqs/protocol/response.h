// Renders a successful response in either protocol from one protocol-neutral Value.
//
// Query (XML): <ActionResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">
// <ActionResult>members</ActionResult><ResponseMetadata><RequestId/></ResponseMetadata>
// </ActionResponse>, the Result element omitted for actions without output. Lists and maps
// are flattened the way the service model's locationName traits say, which is what botocore's
// XML parser looks for: QueueUrls -> repeated <QueueUrl>, Messages -> <Message>, Attributes ->
// <Attribute><Name/><Value/></Attribute>, Tags -> <Tag><Key/><Value/></Tag>,
// MessageAttributes -> <MessageAttribute><Name/><Value>...</Value></MessageAttribute>,
// Successful -> <SendMessageBatchResultEntry> (per action), Failed -> <BatchResultErrorEntry>,
// Results -> <ListMessageMoveTasksResultEntry>.
//
// JSON 1.0: the Value as a JSON object ({} without output); integers as numbers.
//
//   Value result = Value::structure();
//   result.set("MD5OfMessageBody", Value::string(md5_of_message_body(body)))
//         .set("MessageId", Value::string(id));
//   HttpReply reply = render_response(request.protocol, request.action, result, request_id);
#pragma once

#include <string>
#include <string_view>

#include "sqs/protocol/errors.h"
#include "sqs/protocol/protocol.h"
#include "sqs/protocol/value.h"

namespace sluice::sqs::protocol {

// REQUIRES: `action` names an SQS action and `result` is a kStructure.
HttpReply render_response(Protocol protocol, std::string_view action, const Value& result,
                          std::string_view request_id);

std::string render_xml_response(std::string_view action, const Value& result,
                                std::string_view request_id);
std::string render_json_response(const Value& result);

}  // namespace sluice::sqs::protocol
