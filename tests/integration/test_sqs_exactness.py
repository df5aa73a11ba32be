"""What real SDK calls expect, asserted against AWS's own codes and wordings, with boto3 in
both SQS protocols: Debian's boto3 1.26 (query) and the image's boto3 (JSON, through
boto3_json.py), and both AWS CLIs (Debian's 2.9 speaks query, the image's speaks JSON).
Where the two protocols word an error differently (a missing queue), each is checked for its
own; the texts come from AWS's answers as SDK users and emulators recorded them (see
docs/sqs.md, "Exactness")."""
import json
import os
import shutil
import subprocess
import time

import boto3
import pytest
from botocore.config import Config

from boto3_json import json_client
from sluice_broker import Broker

MIB = 1024 * 1024
PREFIX = "AWS.SimpleQueueService."


@pytest.fixture(scope="module")
def broker():
    with Broker() as running:
        yield running


@pytest.fixture(scope="module", params=["query", "json"])
def sqs(request, broker):
    if request.param == "query":
        client = boto3.client(
            "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
            aws_access_key_id="x", aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))
        assert client.meta.service_model.protocol == "query"
        client.protocol = "query"
        yield client
        return
    client = json_client(broker.sqs_endpoint)
    client.protocol = "json"
    yield client
    client.close()


def error_of(call, **params):
    """(HTTP status, Code, Message) of a call that must fail."""
    try:
        call(**params)
    except Exception as raised:  # botocore's ClientError or boto3_json's JsonClientError
        response = getattr(raised, "response", None)
        if response is None:
            raise
        return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
                response["Error"]["Message"])
    pytest.fail(f"{call} succeeded")


def queue(sqs, name, **attributes):
    """A fresh queue per protocol (both share one broker)."""
    name = f"{name}-{sqs.protocol}"
    if attributes.get("FifoQueue") == "true":
        name += ".fifo"
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def fifo_queue(sqs, name, **attributes):
    return queue(sqs, name, FifoQueue="true", **attributes)


# --- error texts ---

def test_missing_queue_is_worded_per_protocol_without_its_name(sqs, broker):
    text = {"query": "The specified queue does not exist for this wsdl version.",
            "json": "The specified queue does not exist."}[sqs.protocol]
    expected = (400, PREFIX + "NonExistentQueue", text)
    missing_url = f"{broker.sqs_endpoint}/000000000000/nowhere"
    assert error_of(sqs.get_queue_url, QueueName="nowhere") == expected
    assert error_of(sqs.send_message, QueueUrl=missing_url, MessageBody="x") == expected
    assert error_of(sqs.receive_message, QueueUrl=missing_url) == expected
    assert error_of(sqs.delete_queue, QueueUrl=missing_url) == expected
    assert error_of(sqs.get_queue_attributes, QueueUrl=missing_url,
                    AttributeNames=["All"]) == expected


def test_missing_message_group_id(sqs):
    url = fifo_queue(sqs, "needs-group", ContentBasedDeduplication="true")
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x") == (
        400, "MissingParameter", "The request must contain the parameter MessageGroupId.")


def test_invalid_queue_names(sqs):
    standard = (400, "InvalidParameterValue",
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in "
                "length")
    assert error_of(sqs.create_queue, QueueName="bad name!") == standard
    assert error_of(sqs.create_queue, QueueName="q" * 81) == standard
    assert error_of(sqs.create_queue, QueueName="looks.fifo") == standard
    assert error_of(sqs.create_queue, QueueName="no-suffix",
                    Attributes={"FifoQueue": "true"}) == (
        400, "InvalidParameterValue",
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
        "underscores, must end with .fifo suffix and be 1 to 80 in length.")


def test_empty_batches_name_their_entry(sqs):
    url = queue(sqs, "empty-batches")
    for call, entry in ((sqs.send_message_batch, "SendMessageBatchRequestEntry"),
                        (sqs.delete_message_batch, "DeleteMessageBatchRequestEntry"),
                        (sqs.change_message_visibility_batch,
                         "ChangeMessageVisibilityBatchRequestEntry")):
        assert error_of(call, QueueUrl=url, Entries=[]) == (
            400, PREFIX + "EmptyBatchRequest",
            f"There should be at least one {entry} in the request.")


def test_bad_repeated_and_too_many_batch_entry_ids(sqs):
    url = queue(sqs, "batch-ids")
    bad_id = (400, PREFIX + "InvalidBatchEntryId",
              "A batch entry id can only contain alphanumeric characters, hyphens and "
              "underscores. It can be at most 80 letters long.")
    assert error_of(sqs.send_message_batch, QueueUrl=url,
                    Entries=[{"Id": "bad id!", "MessageBody": "x"}]) == bad_id
    assert error_of(sqs.delete_message_batch, QueueUrl=url,
                    Entries=[{"Id": "i" * 81, "ReceiptHandle": "h"}]) == bad_id
    assert error_of(sqs.send_message_batch, QueueUrl=url,
                    Entries=[{"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2"},
                             {"Id": "a", "MessageBody": "3"}]) == (
        400, PREFIX + "BatchEntryIdsNotDistinct", "Id a repeated.")
    assert error_of(sqs.change_message_visibility_batch, QueueUrl=url,
                    Entries=[{"Id": "a", "ReceiptHandle": "h", "VisibilityTimeout": 1}] * 2) == (
        400, PREFIX + "BatchEntryIdsNotDistinct", "Id a repeated.")
    eleven = [{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)]
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=eleven) == (
        400, PREFIX + "TooManyEntriesInBatchRequest",
        "Maximum number of entries per request are 10. You have sent 11.")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)


def test_invalid_receipt_handles_single_and_in_batches(sqs):
    url = queue(sqs, "bad-handles")
    single = (404, "ReceiptHandleIsInvalid",
              'The input receipt handle "garbage" is not a valid receipt handle.')
    assert error_of(sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage") == single
    assert error_of(sqs.change_message_visibility, QueueUrl=url, ReceiptHandle="garbage",
                    VisibilityTimeout=5) == single
    # A handle another queue issued is no better.
    other = queue(sqs, "bad-handles-other")
    sqs.send_message(QueueUrl=other, MessageBody="x")
    foreign = sqs.receive_message(QueueUrl=other)["Messages"][0]["ReceiptHandle"]
    assert error_of(sqs.delete_message, QueueUrl=url, ReceiptHandle=foreign)[1:] == (
        "ReceiptHandleIsInvalid",
        f'The input receipt handle "{foreign}" is not a valid receipt handle.')

    in_batch = {"Id": "bad", "SenderFault": True, "Code": "ReceiptHandleIsInvalid",
                "Message": 'The receipt handle "garbage" is not valid for this queue.'}
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "bad", "ReceiptHandle": "garbage"}])
    assert deleted["Failed"] == [in_batch] and not deleted.get("Successful")
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "bad", "ReceiptHandle": "garbage", "VisibilityTimeout": 5}])
    assert changed["Failed"] == [in_batch] and not changed.get("Successful")


def test_unknown_attribute_names(sqs):
    url = queue(sqs, "attribute-names")
    unknown = (400, "InvalidAttributeName", "Unknown Attribute Colour.")
    assert error_of(sqs.get_queue_attributes, QueueUrl=url, AttributeNames=["Colour"]) == unknown
    assert error_of(sqs.set_queue_attributes, QueueUrl=url, Attributes={"Colour": "x"}) == unknown
    assert error_of(sqs.create_queue, QueueName=f"colourful-{sqs.protocol}",
                    Attributes={"Colour": "x"}) == unknown
    assert error_of(sqs.set_queue_attributes, QueueUrl=url,
                    Attributes={"QueueArn": "arn"}) == (
        400, "InvalidAttributeName", "Unknown Attribute QueueArn.")
    assert error_of(sqs.set_queue_attributes, QueueUrl=url,
                    Attributes={"FifoQueue": "true"}) == (
        400, "InvalidAttributeName", "Unknown Attribute FifoQueue.")
    fifo = fifo_queue(sqs, "stays-fifo")
    assert error_of(sqs.set_queue_attributes, QueueUrl=fifo,
                    Attributes={"FifoQueue": "false"}) == (
        400, "InvalidAttributeValue",
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not "
        "supported.")


def test_invalid_message_attribute_names_and_types(sqs):
    url = queue(sqs, "message-attributes")

    def send_with(name, value):
        return error_of(sqs.send_message, QueueUrl=url, MessageBody="x",
                        MessageAttributes={name: value})

    text = {"DataType": "String", "StringValue": "v"}
    characters = (400, "InvalidParameterValue",
                  "Message (user) attributes name can only contain upper and lower score "
                  "characters, digits, periods, hyphens and underscores.")
    assert send_with("has space", text) == characters
    assert send_with("a..b", text) == characters
    reserved = (400, "InvalidParameterValue",
                "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. "
                "These strings are reserved for internal use. Additionally, they cannot start or "
                "end with '.'.")
    assert send_with("AWS.trace", text) == reserved
    assert send_with("Amazon.x", text) == reserved
    assert send_with(".dot", text) == reserved
    assert send_with("colour", {"DataType": "Text", "StringValue": "v"}) == (
        400, "InvalidParameterValue",
        "The type of message (user) attribute 'colour' is invalid. You must use only the "
        "following supported type prefixes: Binary, Number, String.")
    assert send_with("colour", {"DataType": "String", "StringValue": ""}) == (
        400, "InvalidParameterValue",
        "Message (user) attribute 'colour' must contain a non-empty value of type 'String'.")
    # In a batch, the entry fails alone with the same words.
    sent = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "x"},
        {"Id": "bad", "MessageBody": "x", "MessageAttributes": {"AWS.x": text}}])
    assert [e["Id"] for e in sent["Successful"]] == ["ok"]
    assert sent["Failed"] == [{"Id": "bad", "SenderFault": True, "Code": "InvalidParameterValue",
                               "Message": reserved[2]}]


def test_fifo_without_deduplication_id_or_content_based_deduplication(sqs):
    url = fifo_queue(sqs, "needs-dedup")
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId="g") == (
        400, "InvalidParameterValue",
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly")


# --- FIFO delays and batches ---

def test_fifo_accepts_delay_seconds_zero_and_refuses_others(sqs):
    url = fifo_queue(sqs, "zero-delay", ContentBasedDeduplication="true")
    sqs.send_message(QueueUrl=url, MessageBody="single", MessageGroupId="g", DelaySeconds=0)
    sent = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "batched", "MessageGroupId": "g", "DelaySeconds": 0},
        {"Id": "b", "MessageBody": "delayed", "MessageGroupId": "g", "DelaySeconds": 5}])
    assert [e["Id"] for e in sent["Successful"]] == ["a"]
    refused = ("Value 5 for parameter DelaySeconds is invalid. Reason: The request include "
               "parameter that is not valid for this queue type.")
    assert sent["Failed"] == [{"Id": "b", "SenderFault": True, "Code": "InvalidParameterValue",
                               "Message": refused}]
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="later", MessageGroupId="g",
                    DelaySeconds=5) == (400, "InvalidParameterValue", refused)
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in received] == ["single", "batched"]


def test_fifo_batch_without_group_or_deduplication_id_fails_whole(sqs):
    url = fifo_queue(sqs, "whole-batch")
    good = {"Id": "good", "MessageBody": "x", "MessageGroupId": "g",
            "MessageDeduplicationId": "d"}
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=[
        good, {"Id": "nogroup", "MessageBody": "y", "MessageDeduplicationId": "e"}]) == (
        400, "InvalidParameterValue", "The request must contain the parameter MessageGroupId.")
    assert error_of(sqs.send_message_batch, QueueUrl=url, Entries=[
        good, {"Id": "nodedup", "MessageBody": "y", "MessageGroupId": "g"}]) == (
        400, "InvalidParameterValue",
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    # With content-based deduplication only the group is required.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    sent = sqs.send_message_batch(QueueUrl=url, Entries=[
        good, {"Id": "nodedup", "MessageBody": "y", "MessageGroupId": "g"}])
    assert sorted(e["Id"] for e in sent["Successful"]) == ["good", "nodedup"]


# --- visibility with an older receipt handle ---

def test_older_receipt_handle_changes_visibility_on_a_standard_queue(sqs):
    url = queue(sqs, "older-handle")
    sqs.send_message(QueueUrl=url, MessageBody="work")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    second = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    # The older handle changes the current receive: visible again now.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"],
                                  VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    # Both older handles, in one batch: the last change (visible now) holds.
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "old", "ReceiptHandle": first["ReceiptHandle"], "VisibilityTimeout": 60},
        {"Id": "older", "ReceiptHandle": second["ReceiptHandle"], "VisibilityTimeout": 0}])
    assert sorted(e["Id"] for e in changed["Successful"]) == ["old", "older"]
    assert not changed.get("Failed")
    again = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"]
    assert [m["MessageId"] for m in again] == [third["MessageId"]]
    # A longer timeout through an old handle hides it.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"],
                                  VisibilityTimeout=600)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


# --- queue attributes, permissions, tags ---

def test_empty_policy_and_redrive_policy_remove_them(sqs):
    dlq = queue(sqs, "policies-dlq")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    url = queue(sqs, "policies")
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "Policy": policy,
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["Policy"] == policy
    # maxReceiveCount given as a string comes back as a number.
    assert attributes["RedrivePolicy"] == (
        '{"deadLetterTargetArn":"' + dlq_arn + '","maxReceiveCount":3}')
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [url]

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "Policy" not in attributes and "RedrivePolicy" in attributes
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": ""})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert "RedrivePolicy" not in attributes
    assert not sqs.list_dead_letter_source_queues(QueueUrl=dlq).get("queueUrls")
    assert "Attributes" not in sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["Policy", "RedrivePolicy"])


def test_add_permission_limits_and_the_last_removal(sqs):
    url = queue(sqs, "permissions")
    eight = ["SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
             "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue"]
    assert error_of(sqs.add_permission, QueueUrl=url, Label="many", AWSAccountIds=["111111111111"],
                    Actions=eight) == (403, "OverLimit", "8 Actions were found, maximum allowed is 7.")
    for owner_only in ("CreateQueue", "SetQueueAttributes", "AddPermission", "TagQueue"):
        assert error_of(sqs.add_permission, QueueUrl=url, Label="owner",
                        AWSAccountIds=["111111111111"], Actions=["SendMessage", owner_only]) == (
            400, "InvalidParameterValue",
            f"Value SQS:{owner_only} for parameter ActionName is invalid. Reason: Only the queue "
            "owner is allowed to invoke this action.")
    assert error_of(sqs.add_permission, QueueUrl=url, Label="unknown",
                    AWSAccountIds=["111111111111"], Actions=["Fly"]) == (
        400, "InvalidParameterValue",
        "Value SQS:Fly for parameter ActionName is invalid. Reason: Please refer to the "
        "appropriate WSDL for a list of valid actions.")
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])

    sqs.add_permission(QueueUrl=url, Label="seven", AWSAccountIds=["111111111111"],
                       Actions=eight[:7])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])[
        "Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["seven"]
    assert policy["Statement"][0]["Action"] == ["SQS:" + a for a in eight[:7]]
    sqs.add_permission(QueueUrl=url, Label="all", AWSAccountIds=["111111111111"], Actions=["*"])
    sqs.remove_permission(QueueUrl=url, Label="seven")
    sqs.remove_permission(QueueUrl=url, Label="all")
    # No statement left: no policy at all, as SQS leaves it.
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])


def test_untag_queue_without_keys(sqs):
    url = queue(sqs, "untag")
    sqs.tag_queue(QueueUrl=url, Tags={"team": "a"})
    assert error_of(sqs.untag_queue, QueueUrl=url, TagKeys=[]) == (
        400, "InvalidParameterValue", "Tag keys must be between 1 and 128 characters in length.")
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert not sqs.list_queue_tags(QueueUrl=url).get("Tags")


# --- receiving and sizes ---

def test_message_attribute_names_prefix_form(sqs):
    url = queue(sqs, "attribute-prefix")
    attributes = {name: {"DataType": "String", "StringValue": name}
                  for name in ("General", "Hello", "Help.Me")}
    sqs.send_message(QueueUrl=url, MessageBody="msg", MessageAttributes=attributes)

    def names(*wanted):
        message = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0,
                                      MessageAttributeNames=list(wanted))["Messages"][0]
        return sorted(message.get("MessageAttributes", {}))

    # As SQS answers: "Hel.*" is every name starting with "Hel".
    assert names("Hel.*") == ["Hello", "Help.Me"]
    assert names("Help.*") == ["Help.Me"]
    assert names("All") == names(".*") == names("*") == ["General", "Hello", "Help.Me"]
    assert names("Gen.*", "Hello") == ["General", "Hello"]
    assert names("Missing") == [] and names() == []


def test_body_over_the_request_limit_gets_the_message_size_error(sqs):
    url = queue(sqs, "huge")
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x" * (3 * MIB)) == (
        400, "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.")
    # The same error as a message just over the largest MaximumMessageSize.
    assert error_of(sqs.send_message, QueueUrl=url, MessageBody="x" * (MIB + 1)) == (
        400, "InvalidParameterValue",
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.")
    assert sqs.send_message(QueueUrl=url, MessageBody="still served")["MessageId"]


# --- the AWS CLIs ---

DEBIAN_AWS = "/usr/bin/aws"


def json_aws():
    """An `aws` on PATH other than Debian's whose botocore speaks JSON (the image's awscli)."""
    found = shutil.which("aws")
    if found is None or os.path.realpath(found) == os.path.realpath(DEBIAN_AWS):
        return None
    version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
    try:
        botocore = tuple(int(p) for p in version.split("botocore/")[1].split()[0].split("."))
    except (IndexError, ValueError):
        return None
    return found if botocore >= (1, 34, 90) else None


# Debian's CLI speaks query; a JSON-speaking one exists only where a newer awscli is installed
# (the development image). The JSON protocol's codes and texts are checked everywhere above.
@pytest.mark.parametrize("protocol", ["query"] + (["json"] if json_aws() else []))
def test_aws_cli_reports_the_same_words(broker, tmp_path, protocol):
    aws = DEBIAN_AWS if protocol == "query" else json_aws()
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", HOME=str(tmp_path),
               AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))

    def cli(*args):
        return subprocess.run([aws, "--endpoint-url", broker.sqs_endpoint, "--output", "json",
                               "sqs", *args], env=env, capture_output=True, text=True, timeout=60)

    def failure(operation, code, message):
        return f"An error occurred ({code}) when calling the {operation} operation: {message}"

    missing = cli("get-queue-url", "--queue-name", "nowhere")
    assert missing.returncode != 0  # 254 from the CLI v2, 255 from v1
    text = {"query": "The specified queue does not exist for this wsdl version.",
            "json": "The specified queue does not exist."}[protocol]
    assert failure("GetQueueUrl", PREFIX + "NonExistentQueue", text) in missing.stderr

    created = cli("create-queue", "--queue-name", f"cli-{protocol}.fifo", "--attributes",
                  "FifoQueue=true")
    assert created.returncode == 0, created.stderr
    url = json.loads(created.stdout)["QueueUrl"]
    no_group = cli("send-message", "--queue-url", url, "--message-body", "x",
                   "--message-deduplication-id", "d")
    assert failure("SendMessage", "MissingParameter",
                   "The request must contain the parameter MessageGroupId.") in no_group.stderr
    zero = cli("send-message", "--queue-url", url, "--message-body", "x",
               "--message-group-id", "g", "--message-deduplication-id", "d",
               "--delay-seconds", "0")
    assert zero.returncode == 0, zero.stderr
    bad_handle = cli("delete-message", "--queue-url", url, "--receipt-handle", "garbage")
    assert failure("DeleteMessage", "ReceiptHandleIsInvalid",
                   'The input receipt handle "garbage" is not a valid receipt handle.'
                   ) in bad_handle.stderr
    unknown = cli("get-queue-attributes", "--queue-url", url, "--attribute-names", "Colour")
    assert failure("GetQueueAttributes", "InvalidAttributeName",
                   "Unknown Attribute Colour.") in unknown.stderr
