#include "sqs/protocol/action_schema.h"

#include <array>

namespace sluice::sqs::protocol {
namespace {

using K = MemberKind;

constexpr MemberSchema string_member(std::string_view name, bool required = false) {
  return {name, name, name, K::kString, required};
}
constexpr MemberSchema int_member(std::string_view name, bool required = false) {
  return {name, name, name, K::kInteger, required};
}
constexpr MemberSchema list_member(std::string_view name, std::string_view query_name,
                                   bool required = false) {
  return {name, name, query_name, K::kStringList, required};
}

constexpr MemberSchema kQueueUrl = string_member("QueueUrl", true);
constexpr MemberSchema kAttributes = {"Attributes", "Attributes", "Attribute", K::kStringMap};
constexpr MemberSchema kMessageAttributes = {"MessageAttributes", "MessageAttributes",
                                             "MessageAttribute", K::kMessageAttributeMap};
constexpr MemberSchema kMessageSystemAttributes = {
    "MessageSystemAttributes", "MessageSystemAttributes", "MessageSystemAttribute",
    K::kMessageAttributeMap};

constexpr std::array kAddPermission = {kQueueUrl, string_member("Label", true),
                                       list_member("AWSAccountIds", "AWSAccountId", true),
                                       list_member("Actions", "ActionName", true)};
constexpr std::array kCancelMessageMoveTask = {string_member("TaskHandle", true)};
constexpr std::array kChangeMessageVisibility = {kQueueUrl, string_member("ReceiptHandle", true),
                                                 int_member("VisibilityTimeout", true)};
constexpr std::array kChangeMessageVisibilityBatchEntry = {string_member("Id", true),
                                                           string_member("ReceiptHandle", true),
                                                           int_member("VisibilityTimeout")};
// Entries are not required here: an empty batch is EmptyBatchRequest (validation), not
// MissingParameter.
constexpr std::array kChangeMessageVisibilityBatch = {
    kQueueUrl, MemberSchema{"Entries", "Entries", "ChangeMessageVisibilityBatchRequestEntry",
                            K::kEntryList, false, "Name", kChangeMessageVisibilityBatchEntry}};
constexpr std::array kCreateQueue = {
    string_member("QueueName", true), kAttributes,
    MemberSchema{"Tags", "tags", "Tag", K::kStringMap, false, "Key"}};
constexpr std::array kDeleteMessage = {kQueueUrl, string_member("ReceiptHandle", true)};
constexpr std::array kDeleteMessageBatchEntry = {string_member("Id", true),
                                                 string_member("ReceiptHandle", true)};
constexpr std::array kDeleteMessageBatch = {
    kQueueUrl, MemberSchema{"Entries", "Entries", "DeleteMessageBatchRequestEntry", K::kEntryList,
                            false, "Name", kDeleteMessageBatchEntry}};
constexpr std::array kQueueUrlOnly = {kQueueUrl};
constexpr std::array kGetQueueAttributes = {kQueueUrl,
                                            list_member("AttributeNames", "AttributeName")};
constexpr std::array kGetQueueUrl = {string_member("QueueName", true),
                                     string_member("QueueOwnerAWSAccountId")};
constexpr std::array kListDeadLetterSourceQueues = {kQueueUrl, string_member("NextToken"),
                                                    int_member("MaxResults")};
constexpr std::array kListMessageMoveTasks = {string_member("SourceArn", true),
                                              int_member("MaxResults")};
constexpr std::array kListQueues = {string_member("QueueNamePrefix"), string_member("NextToken"),
                                    int_member("MaxResults")};
constexpr std::array kReceiveMessage = {
    kQueueUrl,
    list_member("AttributeNames", "AttributeName"),
    list_member("MessageSystemAttributeNames", "MessageSystemAttributeName"),
    list_member("MessageAttributeNames", "MessageAttributeName"),
    int_member("MaxNumberOfMessages"),
    int_member("VisibilityTimeout"),
    int_member("WaitTimeSeconds"),
    string_member("ReceiveRequestAttemptId")};
constexpr std::array kRemovePermission = {kQueueUrl, string_member("Label", true)};
constexpr std::array kSendMessage = {kQueueUrl,
                                     string_member("MessageBody", true),
                                     int_member("DelaySeconds"),
                                     kMessageAttributes,
                                     kMessageSystemAttributes,
                                     string_member("MessageDeduplicationId"),
                                     string_member("MessageGroupId")};
constexpr std::array kSendMessageBatchEntry = {
    string_member("Id", true),      string_member("MessageBody", true),
    int_member("DelaySeconds"),     kMessageAttributes,
    kMessageSystemAttributes,       string_member("MessageDeduplicationId"),
    string_member("MessageGroupId")};
constexpr std::array kSendMessageBatch = {
    kQueueUrl, MemberSchema{"Entries", "Entries", "SendMessageBatchRequestEntry", K::kEntryList,
                            false, "Name", kSendMessageBatchEntry}};
constexpr std::array kSetQueueAttributes = {
    kQueueUrl, MemberSchema{"Attributes", "Attributes", "Attribute", K::kStringMap, true}};
constexpr std::array kStartMessageMoveTask = {string_member("SourceArn", true),
                                              string_member("DestinationArn"),
                                              int_member("MaxNumberOfMessagesPerSecond")};
constexpr std::array kTagQueue = {kQueueUrl,
                                  MemberSchema{"Tags", "Tags", "Tag", K::kStringMap, true, "Key"}};
// TagKeys is required by the model, but no keys (botocore sends an empty list as "TagKey=")
// is InvalidParameterValue, as SQS answers, not MissingParameter: the service checks it.
constexpr std::array kUntagQueue = {kQueueUrl, list_member("TagKeys", "TagKey")};

constexpr std::array<ActionSchema, 23> kActions = {{
    {"AddPermission", kAddPermission, false},
    {"CancelMessageMoveTask", kCancelMessageMoveTask, true},
    {"ChangeMessageVisibility", kChangeMessageVisibility, false},
    {"ChangeMessageVisibilityBatch", kChangeMessageVisibilityBatch, true},
    {"CreateQueue", kCreateQueue, true},
    {"DeleteMessage", kDeleteMessage, false},
    {"DeleteMessageBatch", kDeleteMessageBatch, true},
    {"DeleteQueue", kQueueUrlOnly, false},
    {"GetQueueAttributes", kGetQueueAttributes, true},
    {"GetQueueUrl", kGetQueueUrl, true},
    {"ListDeadLetterSourceQueues", kListDeadLetterSourceQueues, true},
    {"ListMessageMoveTasks", kListMessageMoveTasks, true},
    {"ListQueueTags", kQueueUrlOnly, true},
    {"ListQueues", kListQueues, true},
    {"PurgeQueue", kQueueUrlOnly, false},
    {"ReceiveMessage", kReceiveMessage, true},
    {"RemovePermission", kRemovePermission, false},
    {"SendMessage", kSendMessage, true},
    {"SendMessageBatch", kSendMessageBatch, true},
    {"SetQueueAttributes", kSetQueueAttributes, false},
    {"StartMessageMoveTask", kStartMessageMoveTask, true},
    {"TagQueue", kTagQueue, false},
    {"UntagQueue", kUntagQueue, false},
}};

}  // namespace

const ActionSchema* find_action_schema(std::string_view action) {
  for (const ActionSchema& schema : kActions) {
    if (schema.action == action) return &schema;
  }
  return nullptr;
}

std::span<const ActionSchema> all_action_schemas() {
  return kActions;
}

}  // namespace sluice::sqs::protocol
