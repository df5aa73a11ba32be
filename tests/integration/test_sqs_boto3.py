"""boto3 (Debian's 1.26, query protocol) against a real `sluice serve` SQS listener."""
import hashlib
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import boto3
import pytest
from botocore.config import Config

from sluice_broker import Broker

os.environ.setdefault("AWS_ACCESS_KEY_ID", "x")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "x")


def make_client(broker):
    return boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))


@pytest.fixture
def sqs(broker):
    return make_client(broker)


def attributes_md5(attributes):
    """MD5OfMessageAttributes as SQS documents it, computed here independently."""
    out = b""
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        out += len(name.encode()).to_bytes(4, "big") + name.encode()
        out += len(data_type.encode()).to_bytes(4, "big") + data_type.encode()
        if "BinaryValue" in value:
            out += b"\x02" + len(value["BinaryValue"]).to_bytes(4, "big") + value["BinaryValue"]
        else:
            text = value["StringValue"].encode()
            out += b"\x01" + len(text).to_bytes(4, "big") + text
    return hashlib.md5(out).hexdigest()


def test_queue_lifecycle(sqs, broker):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    assert url == f"{broker.sqs_endpoint}/000000000000/orders"
    # Same attributes: the same queue.
    assert sqs.create_queue(QueueName="orders")["QueueUrl"] == url
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    sqs.create_queue(QueueName="other")
    urls = sqs.list_queues()["QueueUrls"]
    assert sorted(urls) == sorted([url, f"{broker.sqs_endpoint}/000000000000/other"])
    assert sqs.list_queues(QueueNamePrefix="ord")["QueueUrls"] == [url]
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "5"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:orders"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "7"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attributes["Attributes"] == {"VisibilityTimeout": "7"}
    sqs.tag_queue(QueueUrl=url, Tags={"team": "a", "env": "test"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="orders")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="x")


def test_send_receive_delete_with_attributes(sqs):
    url = sqs.create_queue(QueueName="q1")["QueueUrl"]
    attributes = {
        "s": {"DataType": "String", "StringValue": "v é"},
        "n": {"DataType": "Number", "StringValue": "42"},
        "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
        "c": {"DataType": "String.custom", "StringValue": "x"},
    }
    body = "hello é ☃"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == attributes_md5(attributes)

    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                              MessageAttributeNames=["All"])["Messages"]
    assert len(got) == 1
    message = got[0]
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == body
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert "SentTimestamp" in message["Attributes"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)


def test_attribute_name_filtering(sqs):
    url = sqs.create_queue(QueueName="filters")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes={
        "app.one": {"DataType": "String", "StringValue": "1"},
        "app.two": {"DataType": "String", "StringValue": "2"},
        "other": {"DataType": "String", "StringValue": "3"},
    })
    message = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0,
                                  AttributeNames=["SentTimestamp"],
                                  MessageAttributeNames=["app.*"])["Messages"][0]
    assert set(message["Attributes"]) == {"SentTimestamp"}
    assert set(message["MessageAttributes"]) == {"app.one", "app.two"}
    assert message["MD5OfMessageAttributes"] == attributes_md5(message["MessageAttributes"])
    message = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    assert "Attributes" not in message and "MessageAttributes" not in message


def test_visibility_timeout_redelivers_with_new_handle(sqs):
    url = sqs.create_queue(QueueName="vis")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    time.sleep(1.3)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"],
                                 WaitTimeSeconds=2)["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    # ChangeMessageVisibility 0 makes it receivable at once.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"],
                                  VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert third["MessageId"] == first["MessageId"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="not-a-handle",
                                      VisibilityTimeout=0)
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")


def test_batches(sqs):
    url = sqs.create_queue(QueueName="batch")["QueueUrl"]
    sent = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": f"e{i}", "MessageBody": f"body {i}"} for i in range(10)])
    assert sorted(e["Id"] for e in sent["Successful"]) == sorted(f"e{i}" for i in range(10))
    assert sent.get("Failed", []) == []
    for entry in sent["Successful"]:
        assert entry["MD5OfMessageBody"] == hashlib.md5(f"body {entry['Id'][1:]}".encode()).hexdigest()
    received = []
    deadline = time.monotonic() + 10
    while len(received) < 10 and time.monotonic() < deadline:
        received += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    assert sorted(m["Body"] for m in received) == sorted(f"body {i}" for i in range(10))
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "a", "ReceiptHandle": received[0]["ReceiptHandle"], "VisibilityTimeout": 60},
        {"Id": "b", "ReceiptHandle": "bogus", "VisibilityTimeout": 60}])
    assert [e["Id"] for e in changed["Successful"]] == ["a"]
    assert [(e["Id"], e["Code"]) for e in changed["Failed"]] == [("b", "ReceiptHandleIsInvalid")]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)])
    assert len(deleted["Successful"]) == 10
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "same", "MessageBody": "1"}, {"Id": "same", "MessageBody": "2"}])
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": f"e{i}", "MessageBody": "x"} for i in range(11)])
    sqs.send_message(QueueUrl=url, MessageBody="to purge")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_dead_letter_queue(sqs):
    dlq_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url,
                                       AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="work", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"] == [url]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    for _ in range(2):
        message = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
        assert message["Body"] == "poison"
    # The third receive moves it instead of delivering it.
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    moved = sqs.receive_message(QueueUrl=dlq_url, AttributeNames=["All"])["Messages"][0]
    assert moved["Body"] == "poison"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"].endswith(":work")


def test_fifo_group_order_and_dedup(sqs):
    url = sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for i in range(5):
        for group in ("a", "b"):
            sqs.send_message(QueueUrl=url, MessageBody=f"{group}{i}", MessageGroupId=group,
                             MessageDeduplicationId=f"{group}-{i}")
    duplicate = sqs.send_message(QueueUrl=url, MessageBody="a0", MessageGroupId="a",
                                 MessageDeduplicationId="a-0")
    assert "SequenceNumber" in duplicate
    seen = {"a": [], "b": []}
    deadline = time.monotonic() + 10
    while sum(map(len, seen.values())) < 10 and time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                  AttributeNames=["MessageGroupId"]).get("Messages", [])
        for message in got:
            seen[message["Attributes"]["MessageGroupId"]].append(message["Body"])
        if got:
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    assert seen == {"a": [f"a{i}" for i in range(5)], "b": [f"b{i}" for i in range(5)]}
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="no group")
    assert error.value.response["Error"]["Code"] == "MissingParameter"


def test_long_poll_wakes_on_send(sqs, broker):
    url = sqs.create_queue(QueueName="poll")["QueueUrl"]
    sender = make_client(broker)
    sender.get_queue_url(QueueName="poll")  # connect before timing
    sent_at = {}

    def send_later():
        time.sleep(1.0)
        sent_at["t"] = time.monotonic()
        sender.send_message(QueueUrl=url, MessageBody="wake up")

    thread = threading.Thread(target=send_later)
    started = time.monotonic()
    thread.start()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
    returned = time.monotonic()
    thread.join(timeout=10)
    assert got["Messages"][0]["Body"] == "wake up"
    latency = returned - sent_at["t"]
    print(f"long poll returned {latency * 1000:.1f} ms after the send started")
    assert latency < 0.5
    assert returned - started < 4.0
    # A poll with nothing to find returns when its wait is over.
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 <= time.monotonic() - started < 3.0


def test_long_delays_with_sluice_max_delay_seconds(sqs, broker):
    """Beyond SQS: SluiceMaxDelaySeconds lets DelaySeconds exceed 900 s, and a long poll
    returns a delayed message at its due time."""
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.send_message(QueueUrl=plain, MessageBody="late", DelaySeconds=901)
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    url = sqs.create_queue(QueueName="later",
                           Attributes={"SluiceMaxDelaySeconds": "86400"})["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["SluiceMaxDelaySeconds"] == "86400"
    sqs.send_message(QueueUrl=url, MessageBody="tomorrow", DelaySeconds=86400)
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="too late", DelaySeconds=86401)
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    counts = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])["Attributes"]
    assert counts["ApproximateNumberOfMessagesDelayed"] == "1"

    # The long poll sleeps until the due time: it returns within 100 ms of it (asserted with
    # room for a loaded machine; the figure is printed).
    sent_at = time.time()
    sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=2)
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    returned = time.time()
    assert [m["Body"] for m in got["Messages"]] == ["soon"]
    late = returned - (sent_at + 2)
    print(f"delayed message returned {late * 1000:.1f} ms after its due time")
    assert -0.05 < late < 0.3


def test_errors_are_named_exceptions(sqs):
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="missing")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.receive_message(QueueUrl="http://127.0.0.1/000000000000/missing")
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.create_queue(QueueName="bad name!")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    url = sqs.create_queue(QueueName="errs")["QueueUrl"]
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    # Over MaximumMessageSize (1 MiB): the queue's error; over the 2 MiB request cap: refused
    # before the body is read, with the same message-size error.
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (1024 * 1024 + 1))
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.send_message(QueueUrl=url, MessageBody="x" * (3 * 1024 * 1024))
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert error.value.response["Error"]["Message"] == (
        "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.")
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")


def test_unknown_actions_are_invalid_action(broker):
    # Every SQS action is served (the message move tasks: test_sqs_move_tasks.py); one SQS
    # does not have is InvalidAction.
    body = urllib.parse.urlencode({
        "Action": "FrobnicateQueue", "Version": "2012-11-05",
        "SourceArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}).encode()
    request = urllib.request.Request(broker.sqs_endpoint + "/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    assert error.value.code == 400
    assert "<Code>InvalidAction</Code>" in error.value.read().decode()


def test_permissions_edit_the_policy(sqs):
    url = sqs.create_queue(QueueName="perm")["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="senders", AWSAccountIds=["123456789012"],
                       Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["senders"]
    assert policy["Statement"][0]["Action"] == ["SQS:SendMessage"]
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.add_permission(QueueUrl=url, Label="senders", AWSAccountIds=["1"], Actions=["*"])
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    sqs.remove_permission(QueueUrl=url, Label="senders")
    # The last statement gone, the Policy goes too, as SQS leaves it.
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.remove_permission(QueueUrl=url, Label="senders")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_many_concurrent_long_polls(sqs, broker):
    url = sqs.create_queue(QueueName="fanout")["QueueUrl"]
    results = []
    lock = threading.Lock()

    def poll():
        client = make_client(broker)
        got = client.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
        with lock:
            results.extend(m["Body"] for m in got)

    threads = [threading.Thread(target=poll) for _ in range(20)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    for i in range(0, 20, 10):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(j), "MessageBody": f"m{j}"} for j in range(i, i + 10)])
    for thread in threads:
        thread.join(timeout=20)
    assert not any(thread.is_alive() for thread in threads)
    assert sorted(results) == sorted(f"m{j}" for j in range(20))


def test_messages_survive_kill_and_deletes_stay_deleted():
    with Broker() as broker:
        sqs = make_client(broker)
        url = sqs.create_queue(QueueName="durable")["QueueUrl"]
        for i in range(5):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        deleted = [m for m in got["Messages"] if m["Body"] in ("m0", "m1")]
        for message in deleted:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        expected = {f"m{i}" for i in range(5)} - {m["Body"] for m in deleted}

        broker.restart_on_same_port()
        sqs = make_client(broker)
        assert sqs.get_queue_url(QueueName="durable")["QueueUrl"] == url
        bodies = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got and len(bodies) >= len(expected):
                break
            bodies += [m["Body"] for m in got]
        assert sorted(bodies) == sorted(expected)


def test_advertised_host_and_account_in_queue_urls():
    args = ["--advertised-sqs", "sqs.internal:4566", "--sqs-account-id", "123456789012",
            "--sqs-region", "eu-west-1"]
    with Broker(extra_args=args) as broker:
        sqs = make_client(broker)
        url = sqs.create_queue(QueueName="adv")["QueueUrl"]
        assert url == "http://sqs.internal:4566/123456789012/adv"
        # botocore sends to endpoint_url; the queue is found by the URL's last segment.
        sqs.send_message(QueueUrl=url, MessageBody="x")
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        assert attributes["Attributes"]["QueueArn"] == "arn:aws:sqs:eu-west-1:123456789012:adv"
