"""Bad SQS requests, sent as raw HTTP in both protocols, get SQS's own error: the same code and
HTTP status as an XML <ErrorResponse> (query protocol) and as JSON {"__type"} with the
x-amzn-query-error header (JSON protocol), from which query-compatible SDKs take the code.
Slow and half-open connections are closed after the idle timeout, release what they held,
and do not keep other clients from being served. The broker survives all of it."""
import http.client
import json
import os
import socket
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import boto3
import pytest
from botocore.config import Config

from sluice_broker import Broker

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"
IDLE_TIMEOUT_MS = 2000
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def broker():
    with Broker(extra_args=["--sqs-idle-timeout-ms", str(IDLE_TIMEOUT_MS)]) as running:
        yield running


@pytest.fixture(scope="module")
def queue_url(broker):
    return query(broker, {"Action": "CreateQueue", "QueueName": "bad-input"})[2]


@pytest.fixture(scope="module")
def small_queue_url(broker):
    params = {"Action": "CreateQueue", "QueueName": "bad-input-small",
              "Attribute.1.Name": "MaximumMessageSize", "Attribute.1.Value": "1024"}
    return query(broker, params)[2]


def post(broker, body, headers):
    connection = http.client.HTTPConnection("127.0.0.1", broker.sqs_port, timeout=30)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def query(broker, params):
    """A query-protocol request: `params` as a dict, or the raw form body as a str. Returns
    (status, error code or None, QueueUrl or the parsed XML root)."""
    body = params if isinstance(params, str) else urllib.parse.urlencode(params)
    status, headers, raw = post(broker, body.encode(), {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert headers["Content-Type"] == "text/xml"
    root = ET.fromstring(raw)
    if root.tag == NS + "ErrorResponse":
        assert root.find(f"{NS}Error/{NS}Type").text == "Sender"
        assert root.find(f"{NS}RequestId").text
        return status, root.find(f"{NS}Error/{NS}Code").text, root
    url = root.find(f".//{NS}QueueUrl")
    return status, None, url.text if url is not None else root


def json_call(broker, action, payload):
    """A JSON-protocol request: `payload` as a dict, or the raw body as bytes. Returns
    (status, x-amzn-query-error code or None, parsed body)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    status, headers, raw = post(broker, body, {
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AmazonSQS.{action}",
        "x-amzn-query-mode": "true"})
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert headers["x-amzn-RequestId"]
    parsed = json.loads(raw)
    if status == 200:
        return status, None, parsed
    query_code, fault = headers["x-amzn-query-error"].split(";")
    assert fault == "Sender"
    assert parsed["__type"].startswith("com.amazonaws.sqs#")
    assert parsed["message"]
    return status, query_code, parsed


def expect_both(broker, query_params, action, json_payload, code, status=400, shape=None):
    """The same error from both protocols: `code` in <Code> and in x-amzn-query-error,
    com.amazonaws.sqs#`shape` as __type (the modelled name; `code` itself when unmodelled)."""
    got_status, got_code, _ = query(broker, query_params)
    assert (got_status, got_code) == (status, code), "query protocol"
    got_status, got_code, body = json_call(broker, action, json_payload)
    assert (got_status, got_code) == (status, code), "JSON protocol"
    assert body["__type"] == "com.amazonaws.sqs#" + (shape or code)


def test_malformed_query_string_and_bad_json(broker):
    for body in ("Action=ListQueues&QueueNamePrefix=%ZZ", "Action=ListQueues&QueueNamePrefix=%4",
                 "Action=List%Queues", "Action=ListQueues&Action=ListQueues"):
        assert query(broker, body)[:2] == (400, "MalformedQueryString"), body
    for body in (b"{", b"{\"QueueNamePrefix\": }", b"[1, 2", b"\xff\xfe",
                 b"{\"QueueName\": \"\xff\"}"):
        status, code, parsed = json_call(broker, "ListQueues", body)
        assert (status, code) == (400, "SerializationException"), body
        assert parsed["__type"] == "com.amazonaws.sqs#SerializationException"
    # A member of the wrong JSON type is no better than bad JSON.
    status, code, _ = json_call(broker, "ReceiveMessage",
                                {"QueueUrl": "q", "MaxNumberOfMessages": "ten"})
    assert (status, code) == (400, "SerializationException")


def test_unknown_actions(broker):
    expect_both(broker, {"Action": "DropAllTables"}, "DropAllTables", {}, "InvalidAction")
    # No action at all: neither an Action parameter nor an AmazonSQS target.
    assert query(broker, "QueueName=x")[:2] == (400, "InvalidAction")
    status, headers, raw = post(broker, b"{}", {"Content-Type": "application/x-amz-json-1.0",
                                                "X-Amz-Target": "DynamoDB_20120810.ListTables"})
    assert status == 400
    assert headers["x-amzn-query-error"] == "InvalidAction;Sender"


def test_missing_parameters(broker, queue_url):
    cases = [
        ({"Action": "CreateQueue"}, "CreateQueue", {}),
        ({"Action": "GetQueueUrl"}, "GetQueueUrl", {}),
        ({"Action": "SendMessage", "QueueUrl": queue_url}, "SendMessage", {"QueueUrl": queue_url}),
        ({"Action": "SendMessage", "MessageBody": "x"}, "SendMessage", {"MessageBody": "x"}),
        ({"Action": "DeleteMessage", "QueueUrl": queue_url}, "DeleteMessage",
         {"QueueUrl": queue_url}),
        ({"Action": "ChangeMessageVisibility", "QueueUrl": queue_url, "ReceiptHandle": "h"},
         "ChangeMessageVisibility", {"QueueUrl": queue_url, "ReceiptHandle": "h"}),
        ({"Action": "SendMessageBatch", "QueueUrl": queue_url,
          "SendMessageBatchRequestEntry.1.Id": "a"},
         "SendMessageBatch", {"QueueUrl": queue_url, "Entries": [{"Id": "a"}]}),
        ({"Action": "TagQueue", "QueueUrl": queue_url}, "TagQueue", {"QueueUrl": queue_url}),
    ]
    for query_params, action, json_payload in cases:
        expect_both(broker, query_params, action, json_payload, "MissingParameter")


def batch_query(queue_url, entries):
    params = {"Action": "SendMessageBatch", "QueueUrl": queue_url}
    for n, entry in enumerate(entries, start=1):
        for key, value in entry.items():
            params[f"SendMessageBatchRequestEntry.{n}.{key}"] = value
    return params


def expect_batch_error(broker, queue_url, entries, code, shape):
    expect_both(broker, batch_query(queue_url, entries), "SendMessageBatch",
                {"QueueUrl": queue_url, "Entries": entries}, code, shape=shape)


def test_batch_limits(broker, queue_url):
    prefix = "AWS.SimpleQueueService."
    expect_batch_error(broker, queue_url,
                       [{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)],
                       prefix + "TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest")
    expect_batch_error(broker, queue_url,
                       [{"Id": "same", "MessageBody": "1"}, {"Id": "same", "MessageBody": "2"}],
                       prefix + "BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct")
    expect_batch_error(broker, queue_url, [{"Id": "bad id!", "MessageBody": "x"}],
                       prefix + "InvalidBatchEntryId", "InvalidBatchEntryId")
    expect_both(broker, {"Action": "SendMessageBatch", "QueueUrl": queue_url},
                "SendMessageBatch", {"QueueUrl": queue_url, "Entries": []},
                prefix + "EmptyBatchRequest", shape="EmptyBatchRequest")
    # Two entries of 600 KiB each: every entry fits a message, the batch is over 1 MiB.
    big = "x" * (600 * 1024)
    expect_batch_error(broker, queue_url,
                       [{"Id": "a", "MessageBody": big}, {"Id": "b", "MessageBody": big}],
                       prefix + "BatchRequestTooLong", "BatchRequestTooLong")
    # A single entry over 1 MiB is over the batch limit too.
    expect_batch_error(broker, queue_url, [{"Id": "a", "MessageBody": "x" * (MIB + 1)}],
                       prefix + "BatchRequestTooLong", "BatchRequestTooLong")
    # Nothing of the refused batches was enqueued.
    status, _, root = query(broker, {"Action": "GetQueueAttributes", "QueueUrl": queue_url,
                                     "AttributeName.1": "ApproximateNumberOfMessages"})
    assert status == 200
    assert root.find(f".//{NS}Attribute/{NS}Value").text == "0"


def test_forbidden_characters_are_invalid_message_contents(broker, queue_url):
    for bad in ("\x00", "nul \x01 in the middle", "\x1f", "\ufffe", "\uffff"):
        expect_both(broker, {"Action": "SendMessage", "QueueUrl": queue_url, "MessageBody": bad},
                    "SendMessage", {"QueueUrl": queue_url, "MessageBody": bad},
                    "InvalidMessageContents")
    # Bytes that are not UTF-8 at all (only the query protocol can carry them; to JSON they
    # are a SerializationException, above).
    raw = "Action=SendMessage&QueueUrl=" + urllib.parse.quote(queue_url, safe="") + \
        "&MessageBody=%FF%FE"
    assert query(broker, raw)[:2] == (400, "InvalidMessageContents")
    # In a batch, the entry fails and the others are sent.
    entries = [{"Id": "ok", "MessageBody": "fine \t\n\r é 😀"}, {"Id": "bad", "MessageBody": "\x02"}]
    status, _, root = query(broker, batch_query(queue_url, entries))
    assert status == 200
    assert [e.text for e in root.iterfind(f".//{NS}SendMessageBatchResultEntry/{NS}Id")] == ["ok"]
    failed = root.find(f".//{NS}BatchResultErrorEntry")
    assert failed.find(f"{NS}Id").text == "bad"
    assert failed.find(f"{NS}Code").text == "InvalidMessageContents"
    assert failed.find(f"{NS}SenderFault").text == "true"
    status, _, body = json_call(broker, "SendMessageBatch",
                                {"QueueUrl": queue_url, "Entries": entries})
    assert status == 200
    assert [e["Id"] for e in body["Successful"]] == ["ok"]
    assert [(e["Id"], e["Code"], e["SenderFault"]) for e in body["Failed"]] == [
        ("bad", "InvalidMessageContents", True)]
    drain(broker, queue_url)


def test_oversized_messages(broker, queue_url, small_queue_url):
    # Over the queue's MaximumMessageSize (1,024 bytes here; attributes count too).
    for url, size in ((small_queue_url, 1025), (queue_url, MIB + 1)):
        body = "x" * size
        expect_both(broker, {"Action": "SendMessage", "QueueUrl": url, "MessageBody": body},
                    "SendMessage", {"QueueUrl": url, "MessageBody": body},
                    "InvalidParameterValue")
    with_attribute = {"QueueUrl": small_queue_url, "MessageBody": "x" * 1000,
                      "MessageAttributes": {"name": {"DataType": "String",
                                                     "StringValue": "y" * 30}}}
    status, code, body = json_call(broker, "SendMessage", with_attribute)
    assert (status, code) == (400, "InvalidParameterValue")
    assert body["message"] == ("One or more parameters are invalid. Reason: Message must be "
                               "shorter than 1024 bytes.")
    # In a batch whose total is within 1 MiB, the entry over MaximumMessageSize fails alone
    # (as SQS answers it, localstack#8570) and the others are sent.
    entries = [{"Id": "small", "MessageBody": "x" * 1024},
               {"Id": "large", "MessageBody": "x" * 1025}]
    status, _, root = query(broker, batch_query(small_queue_url, entries))
    assert status == 200
    assert [e.text for e in root.iterfind(f".//{NS}SendMessageBatchResultEntry/{NS}Id")] == [
        "small"]
    failed = root.find(f".//{NS}BatchResultErrorEntry")
    assert (failed.find(f"{NS}Id").text, failed.find(f"{NS}Code").text) == (
        "large", "InvalidParameterValue")
    status, _, body = json_call(broker, "SendMessageBatch",
                                {"QueueUrl": small_queue_url, "Entries": entries})
    assert status == 200
    assert [e["Id"] for e in body["Successful"]] == ["small"]
    assert [(e["Id"], e["Code"]) for e in body["Failed"]] == [("large", "InvalidParameterValue")]
    assert drain(broker, small_queue_url) == 2


def drain(broker, url):
    """Receives and deletes everything visible; returns how many messages there were."""
    count = 0
    while True:
        status, _, body = json_call(broker, "ReceiveMessage",
                                    {"QueueUrl": url, "MaxNumberOfMessages": 10})
        assert status == 200
        messages = body.get("Messages", [])
        if not messages:
            return count
        count += len(messages)
        for message in messages:
            json_call(broker, "DeleteMessage",
                      {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]})


# --- slow and half-open connections ---

def open_socket_count(pid):
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            pass  # closed while we looked
    return count


def wait_closed(sock, limit_s):
    """Seconds until the server closed `sock` (EOF or reset); fails after limit_s."""
    started = time.monotonic()
    sock.settimeout(limit_s)
    try:
        while sock.recv(4096):
            pass  # a 4xx reply may come first; the close is what counts
    except ConnectionResetError:
        pass
    except socket.timeout:
        pytest.fail(f"the server kept a stalled connection open for over {limit_s} s")
    return time.monotonic() - started


def test_stalled_connections_are_closed_and_others_served(broker, queue_url):
    client = boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10))
    client.get_queue_url(QueueName="bad-input")
    baseline = open_socket_count(broker.process.pid)
    address = ("127.0.0.1", broker.sqs_port)

    silent = [socket.create_connection(address) for _ in range(40)]
    half_header = socket.create_connection(address)
    half_header.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
    half_body = socket.create_connection(address)
    half_body.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                      b"application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
                      b"Action=ListQueues&")
    trickle = socket.create_connection(address)
    stop_trickle = threading.Event()

    def trickle_header():
        # One byte every 100 ms: never idle, but the request never completes.
        request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Slow: " + b"a" * 10_000
        for byte in request:
            if stop_trickle.wait(0.1):
                return
            try:
                trickle.send(bytes([byte]))
            except OSError:
                return

    trickler = threading.Thread(target=trickle_header)
    trickler.start()
    try:
        deadline = time.monotonic() + 10
        while open_socket_count(broker.process.pid) < baseline + 43 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert open_socket_count(broker.process.pid) >= baseline + 43

        # Meanwhile other clients are served at once.
        for i in range(20):
            started = time.monotonic()
            client.send_message(QueueUrl=queue_url, MessageBody=f"served {i}")
            assert time.monotonic() - started < 5.0

        limit = IDLE_TIMEOUT_MS / 1000 + 8
        for sock in [half_header, half_body, trickle, *silent]:
            assert wait_closed(sock, limit) < limit
        # The broker let go of all of them.
        deadline = time.monotonic() + 10
        while open_socket_count(broker.process.pid) > baseline and time.monotonic() < deadline:
            time.sleep(0.05)
        assert open_socket_count(broker.process.pid) <= baseline
    finally:
        stop_trickle.set()
        trickler.join(timeout=5)
        for sock in [half_header, half_body, trickle, *silent]:
            sock.close()
    received = 0
    while received < 20:
        got = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=1).get("Messages", [])
        assert got, "messages sent during the stall are missing"
        received += len(got)
        client.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    # A long poll outlasts the idle timeout: it is not idle.
    started = time.monotonic()
    assert "Messages" not in client.receive_message(QueueUrl=queue_url, WaitTimeSeconds=3)
    assert time.monotonic() - started >= 2.9


def test_broker_survived(broker):
    assert broker.process.poll() is None
    status, code, _ = query(broker, {"Action": "ListQueues"})
    assert (status, code) == (200, None)
