"""@aws-sdk/client-sqs v3 (pinned in js/package.json; JSON 1.0 protocol,
application/x-amz-json-1.0) against a real broker, with the SDK's MD5 checks on as they are
by default. The scenario lives in js/sqs_client_scenarios.js and prints what it saw as JSON;
the MD5s are recomputed here independently of both the SDK and the broker."""
import base64
import hashlib
import json
import os
import subprocess

import pytest

import npm_modules

SCENARIO = npm_modules.JS_DIR / "sqs_client_scenarios.js"


@pytest.fixture(scope="module")
def node_path():
    return npm_modules.node_path("@aws-sdk/client-sqs", "3.1175.0")


def attributes_md5(attributes):
    """MD5OfMessageAttributes as SQS documents it (binary values given in base64)."""
    out = b""
    for name in sorted(attributes):
        value = attributes[name]
        out += len(name.encode()).to_bytes(4, "big") + name.encode()
        out += len(value["DataType"]).to_bytes(4, "big") + value["DataType"].encode()
        if "BinaryValue" in value:
            raw = base64.b64decode(value["BinaryValue"])
            out += b"\x02" + len(raw).to_bytes(4, "big") + raw
        else:
            text = value["StringValue"].encode()
            out += b"\x01" + len(text).to_bytes(4, "big") + text
    return hashlib.md5(out).hexdigest()


def run_scenario(node_path, broker, queue_name):
    result = subprocess.run(
        ["node", str(SCENARIO), broker.sqs_endpoint, queue_name],
        env={**os.environ, "NODE_PATH": node_path}, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"the @aws-sdk/client-sqs scenario exited with {result.returncode}:\n"
                    f"{result.stderr}\nbroker log:\n{broker.log()}", pytrace=False)
    return json.loads(result.stdout)


def test_js_sdk_round_trip_with_md5_checks(node_path, broker):
    out = run_scenario(node_path, broker, "js-orders")
    assert out["md5ValidationOn"] is True
    assert out["contentTypes"] == ["application/x-amz-json-1.0"]
    assert out["queueUrl"] == f"{broker.sqs_endpoint}/000000000000/js-orders"

    body = "hello from js é ☃"
    attributes = {
        "s": {"DataType": "String", "StringValue": "v é"},
        "n": {"DataType": "Number", "StringValue": "42"},
        "b": {"DataType": "Binary", "BinaryValue": base64.b64encode(b"\x00\x01\xff").decode()},
    }
    sent = out["sent"]
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == attributes_md5(attributes)

    assert len(out["received"]) == 1
    received = out["received"][0]
    assert received["MessageId"] == sent["MessageId"]
    assert received["Body"] == body
    assert received["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert received["MessageAttributes"] == attributes
    assert received["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert received["ReceiveCount"] == "1"

    ids = [f"e{i}" for i in range(10)]
    assert out["batchSuccessful"] == sorted(ids)
    assert out["batchFailed"] == []
    for i in range(10):
        assert out["batchMd5"][f"e{i}"] == hashlib.md5(f"batch body {i}".encode()).hexdigest()

    attributes = out["attributes"]
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:js-orders"
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["ApproximateNumberOfMessages"] == "10"  # the batch, nothing received yet
    assert out["batchBodies"] == sorted(f"batch body {i}" for i in range(10))
    assert out["batchDeleted"] == 10

    via_url = out["viaQueueUrl"]
    assert via_url["received"] == [[via_url["sent"], "via url"]]

    # The JSON error (__type plus x-amzn-query-error) reaches the SDK as its modelled
    # exception, carrying the query protocol's code.
    assert out["afterDelete"] == {
        "name": "QueueDoesNotExist",
        "isQueueDoesNotExist": True,
        "code": "AWS.SimpleQueueService.NonExistentQueue",
        "status": 400,
    }
