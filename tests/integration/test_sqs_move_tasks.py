"""Message move tasks (dead-letter queue redrive) against a real `sluice serve`.

Debian's botocore 1.29 predates StartMessageMoveTask, ListMessageMoveTasks and
CancelMessageMoveTask, so those are posted by hand in both wire protocols (query form posts
with XML answers, JSON 1.0 posts as @aws-sdk/client-sqs and newer botocore send them);
everything else goes through boto3."""
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree

import boto3
import pytest
from botocore.config import Config

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


@pytest.fixture
def sqs(broker):
    return boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))


def query(broker, action, **params):
    """A query-protocol POST; returns (HTTP status, parsed XML root)."""
    body = urllib.parse.urlencode({"Action": action, "Version": "2012-11-05", **params}).encode()
    request = urllib.request.Request(broker.sqs_endpoint + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, ElementTree.fromstring(response.read())
    except urllib.error.HTTPError as error:
        return error.code, ElementTree.fromstring(error.read())


def json_call(broker, action, payload):
    """A JSON 1.0 POST; returns (HTTP status, headers, parsed body)."""
    request = urllib.request.Request(
        broker.sqs_endpoint + "/", data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/x-amz-json-1.0",
                 "X-Amz-Target": f"AmazonSQS.{action}", "x-amzn-query-mode": "true"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def xml_code(root):
    return root.find(f"{NS}Error/{NS}Code").text


def query_tasks(broker, source_arn, max_results=10):
    status, root = query(broker, "ListMessageMoveTasks", SourceArn=source_arn,
                         MaxResults=str(max_results))
    assert status == 200
    entries = root.findall(f"{NS}ListMessageMoveTasksResult/{NS}ListMessageMoveTasksResultEntry")
    return [{child.tag[len(NS):]: child.text for child in entry} for entry in entries]


def make_dead_letters(sqs, count, source="jobs", dlq="jobs-dlq"):
    """Messages that went to the DLQ after maxReceiveCount (1) receives."""
    dlq_url = sqs.create_queue(QueueName=dlq)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(
        QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=source, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    sent = set()
    for i in range(count):
        sent.add(sqs.send_message(QueueUrl=url, MessageBody=f"m{i}",
                                  MessageAttributes={"n": {"DataType": "Number",
                                                           "StringValue": str(i)}})["MessageId"])
    # First receives take every message once (visibility 0: visible again at once); the
    # next receive finds them over maxReceiveCount and moves them to the DLQ.
    received = 0
    while received < count:
        received += len(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                            VisibilityTimeout=0).get("Messages", []))
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                 VisibilityTimeout=0)
    counts = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == str(count)
    return url, dlq_url, dlq_arn, sent


def wait_for_status(broker, source_arn, wanted, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = query_tasks(broker, source_arn, 1)
        if tasks and tasks[0]["Status"] == wanted:
            return tasks[0]
        time.sleep(0.05)
    raise AssertionError(f"no {wanted} task: {query_tasks(broker, source_arn)}")


def test_redrive_returns_dead_letters_to_their_source_query_protocol(sqs, broker):
    url, dlq_url, dlq_arn, sent = make_dead_letters(sqs, 25)
    status, root = query(broker, "StartMessageMoveTask", SourceArn=dlq_arn)
    assert status == 200
    handle = root.find(f"{NS}StartMessageMoveTaskResult/{NS}TaskHandle").text
    assert handle

    done = wait_for_status(broker, dlq_arn, "COMPLETED")
    assert done["ApproximateNumberOfMessagesMoved"] == "25"
    assert done["ApproximateNumberOfMessagesToMove"] == "25"
    assert done["SourceArn"] == dlq_arn
    assert "TaskHandle" not in done  # listed only while running
    assert abs(int(done["StartedTimestamp"]) - time.time() * 1000) < 120_000

    back = {}
    while len(back) < 25:
        for message in sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", []):
            back[message["MessageId"]] = message
            assert "DeadLetterQueueSourceArn" not in message["Attributes"]
            assert message["MessageAttributes"]["n"]["StringValue"] == message["Body"][1:]
    assert set(back) == sent
    dlq_counts = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    assert dlq_counts["ApproximateNumberOfMessages"] == "0"
    assert dlq_counts["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_move_tasks_over_json_with_destination_rate_and_cancel(sqs, broker):
    url, dlq_url, dlq_arn, sent = make_dead_letters(sqs, 6)
    other_url = sqs.create_queue(QueueName="elsewhere")["QueueUrl"]
    other_arn = sqs.get_queue_attributes(
        QueueUrl=other_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    # 1 message a second: still running when cancelled.
    status, _, started = json_call(broker, "StartMessageMoveTask", {
        "SourceArn": dlq_arn, "DestinationArn": other_arn, "MaxNumberOfMessagesPerSecond": 1})
    assert status == 200
    handle = started["TaskHandle"]
    status, headers, body = json_call(broker, "StartMessageMoveTask", {"SourceArn": dlq_arn})
    assert status == 400
    assert body["__type"] == "com.amazonaws.sqs#InvalidParameterValue"

    status, _, listed = json_call(broker, "ListMessageMoveTasks", {"SourceArn": dlq_arn})
    assert status == 200
    [running] = listed["Results"]
    assert running["Status"] == "RUNNING"
    assert running["TaskHandle"] == handle
    assert running["DestinationArn"] == other_arn
    assert running["MaxNumberOfMessagesPerSecond"] == 1
    assert running["ApproximateNumberOfMessagesToMove"] == 6

    status, _, cancelled = json_call(broker, "CancelMessageMoveTask", {"TaskHandle": handle})
    assert status == 200
    moved = cancelled["ApproximateNumberOfMessagesMoved"]
    assert 0 <= moved < 6
    status, _, body = json_call(broker, "CancelMessageMoveTask", {"TaskHandle": handle})
    assert status == 404
    assert body["__type"] == "com.amazonaws.sqs#ResourceNotFoundException"

    # A second task moves the rest, unthrottled, to the same destination.
    status, _, _ = json_call(broker, "StartMessageMoveTask",
                             {"SourceArn": dlq_arn, "DestinationArn": other_arn})
    assert status == 200
    done = wait_for_status(broker, dlq_arn, "COMPLETED")
    assert done["DestinationArn"] == other_arn
    status, _, listed = json_call(broker, "ListMessageMoveTasks",
                                  {"SourceArn": dlq_arn, "MaxResults": 10})
    assert [t["Status"] for t in listed["Results"]] == ["COMPLETED", "CANCELLED"]
    total = sum(t["ApproximateNumberOfMessagesMoved"] for t in listed["Results"])
    assert total == 6

    got = set()
    while len(got) < 6:
        for message in sqs.receive_message(QueueUrl=other_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1).get("Messages", []):
            got.add(message["MessageId"])
    assert got == sent
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)


def test_move_task_errors_in_both_protocols(sqs, broker):
    sqs.create_queue(QueueName="plain")
    plain_arn = "arn:aws:sqs:us-east-1:000000000000:plain"
    missing_arn = "arn:aws:sqs:us-east-1:000000000000:missing"

    status, root = query(broker, "StartMessageMoveTask", SourceArn=missing_arn)
    assert (status, xml_code(root)) == (404, "ResourceNotFoundException")
    status, root = query(broker, "StartMessageMoveTask", SourceArn=plain_arn)
    assert (status, xml_code(root)) == (400, "InvalidParameterValue")
    status, root = query(broker, "StartMessageMoveTask")
    assert (status, xml_code(root)) == (400, "MissingParameter")
    status, root = query(broker, "CancelMessageMoveTask", TaskHandle="nope")
    assert (status, xml_code(root)) == (404, "ResourceNotFoundException")
    status, root = query(broker, "ListMessageMoveTasks", SourceArn=plain_arn, MaxResults="11")
    assert (status, xml_code(root)) == (400, "InvalidParameterValue")
    assert query_tasks(broker, plain_arn) == []

    status, headers, body = json_call(broker, "ListMessageMoveTasks", {"SourceArn": missing_arn})
    assert status == 404
    assert body["__type"] == "com.amazonaws.sqs#ResourceNotFoundException"
    assert headers["x-amzn-query-error"] == "ResourceNotFoundException;Sender"
    status, _, body = json_call(broker, "StartMessageMoveTask",
                                {"SourceArn": plain_arn, "MaxNumberOfMessagesPerSecond": 501})
    assert status == 400


def test_sigkill_mid_move_loses_no_message(sqs, broker):
    url, dlq_url, dlq_arn, sent = make_dead_letters(sqs, 100)
    status, _ = query(broker, "StartMessageMoveTask", SourceArn=dlq_arn,
                      MaxNumberOfMessagesPerSecond="20")
    assert status == 200
    deadline = time.monotonic() + 30
    while int(query_tasks(broker, dlq_arn, 1)[0]["ApproximateNumberOfMessagesMoved"]) < 10:
        assert time.monotonic() < deadline, "the task moved nothing"
        time.sleep(0.05)
    broker.restart_on_same_port()  # SIGKILL mid-move, then the same data directory again
    # Tasks live in memory: the interrupted one is gone and may be started again.
    assert query_tasks(broker, dlq_arn) == []

    # Every message is in one queue or the other (or both: a move cut between the append
    # and the delete duplicates). Messages the task had in flight in the DLQ come back when
    # their 30 s move visibility ends.
    seen = set()
    deadline = time.monotonic() + 90
    while seen != sent and time.monotonic() < deadline:
        for queue_url in (url, dlq_url):
            for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                               VisibilityTimeout=600,
                                               WaitTimeSeconds=1).get("Messages", []):
                seen.add(message["MessageId"])
    assert seen == sent, f"{len(sent - seen)} messages lost"
