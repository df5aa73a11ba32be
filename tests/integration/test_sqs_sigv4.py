"""SigV4 verification (`sluice serve --sqs-access-key ID:SECRET`): real boto3 and awscli
signing with right and wrong keys, and hand-signed raw requests (botocore's SigV4Auth) for
the JSON protocol's error shape and the clock window."""
import datetime
import json
import os
import subprocess
import urllib.error
import urllib.request

import boto3
import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from sluice_broker import Broker

KEY_ID = "AKIDSLUICETEST"
SECRET = "s3cr3t/with+odd=chars"
FILE_KEY_ID = "AKIDFROMFILE"
FILE_SECRET = "file-secret"
AWS = "/usr/bin/aws"


@pytest.fixture
def broker(tmp_path):
    keys = tmp_path / "keys"
    keys.write_text(f"# test keys\n\n{FILE_KEY_ID}:{FILE_SECRET}\n")
    with Broker(extra_args=["--sqs-access-key", f"{KEY_ID}:{SECRET}",
                            "--sqs-access-keys-file", str(keys)]) as running:
        yield running


def client(broker, key_id=KEY_ID, secret=SECRET, region="us-east-1"):
    return boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name=region,
        aws_access_key_id=key_id, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call()
    response = error.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_right_keys_work_in_any_region(broker):
    sqs = client(broker)
    url = sqs.create_queue(QueueName="signed")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello é & <x>",
                     MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})
    # The key from the file, and a region from the request's own credential scope.
    other = client(broker, FILE_KEY_ID, FILE_SECRET, region="ap-southeast-2")
    messages = other.receive_message(QueueUrl=url, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in messages] == ["hello é & <x>"]
    other.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])


def test_wrong_secret_is_signature_does_not_match(broker):
    sqs = client(broker, secret="not-the-secret")
    assert error_of(lambda: sqs.list_queues()) == (403, "SignatureDoesNotMatch")
    assert error_of(lambda: sqs.create_queue(QueueName="x")) == (403, "SignatureDoesNotMatch")
    # Nothing was created.
    assert "QueueUrls" not in client(broker).list_queues()


def test_unknown_key_id_is_invalid_client_token_id(broker):
    sqs = client(broker, key_id="AKIDUNKNOWN")
    assert error_of(lambda: sqs.list_queues()) == (403, "InvalidClientTokenId")


def signed_raw(broker, body, headers, key_id=KEY_ID, secret=SECRET, when=None):
    """A request signed by botocore's SigV4Auth, optionally at another time."""
    request = AWSRequest(method="POST", url=broker.sqs_endpoint + "/", data=body, headers=headers)
    original = botocore.auth.datetime.datetime
    if when is not None:
        class Fixed(datetime.datetime):
            @classmethod
            def utcnow(cls):
                return when
        botocore.auth.datetime.datetime = Fixed
    try:
        botocore.auth.SigV4Auth(Credentials(key_id, secret), "sqs", "us-east-1").add_auth(request)
    finally:
        botocore.auth.datetime.datetime = original
    return urllib.request.Request(broker.sqs_endpoint + "/", data=body.encode(),
                                  headers=dict(request.headers.items()), method="POST")


def http_error(request):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=10)
    return error.value.code, error.value.headers, error.value.read().decode()


JSON_HEADERS = {"Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": "AmazonSQS.ListQueues"}
QUERY_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
QUERY_BODY = "Action=ListQueues&Version=2012-11-05"


def test_json_protocol_requests_are_verified_and_errors_are_json(broker):
    ok = urllib.request.urlopen(signed_raw(broker, "{}", JSON_HEADERS), timeout=10)
    assert ok.status == 200
    assert json.loads(ok.read()) == {}

    status, headers, body = http_error(signed_raw(broker, "{}", JSON_HEADERS, secret="wrong"))
    assert status == 403
    assert json.loads(body)["__type"] == "com.amazonaws.sqs#SignatureDoesNotMatch"
    assert headers["x-amzn-query-error"] == "SignatureDoesNotMatch;Sender"

    status, headers, body = http_error(signed_raw(broker, "{}", JSON_HEADERS, key_id="AKIDNOPE"))
    assert status == 403
    assert json.loads(body)["__type"] == "com.amazonaws.sqs#InvalidClientTokenId"
    assert headers["x-amzn-query-error"] == "InvalidClientTokenId;Sender"


def test_tampered_body_is_rejected(broker):
    request = signed_raw(broker, QUERY_BODY, QUERY_HEADERS)
    request.data = b"Action=ListQueues&Version=2012-11-05&QueueNamePrefix=x"
    request.headers["Content-length"] = str(len(request.data))
    status, _, body = http_error(request)
    assert status == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in body


def test_clock_window_is_five_minutes(broker):
    now = datetime.datetime.utcnow()
    ok = urllib.request.urlopen(
        signed_raw(broker, QUERY_BODY, QUERY_HEADERS, when=now - datetime.timedelta(minutes=3)),
        timeout=10)
    assert ok.status == 200
    for skew in (datetime.timedelta(minutes=-10), datetime.timedelta(minutes=10)):
        status, _, body = http_error(
            signed_raw(broker, QUERY_BODY, QUERY_HEADERS, when=now + skew))
        assert status == 403
        assert "<Code>SignatureDoesNotMatch</Code>" in body
        assert "Signature expired" in body


def test_unsigned_request_is_refused(broker):
    request = urllib.request.Request(broker.sqs_endpoint + "/", data=QUERY_BODY.encode(),
                                     headers=QUERY_HEADERS, method="POST")
    status, _, body = http_error(request)
    assert status == 403
    assert "<Code>MissingAuthenticationToken</Code>" in body


def aws(broker, home, key_id, secret, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
               AWS_DEFAULT_REGION="eu-west-1", AWS_PAGER="", HOME=str(home),
               AWS_CONFIG_FILE=str(home / "none"), AWS_SHARED_CREDENTIALS_FILE=str(home / "none"))
    return subprocess.run(
        [AWS, "--endpoint-url", broker.sqs_endpoint, "--output", "json", "sqs", *args],
        env=env, capture_output=True, text=True, timeout=60)


def test_awscli_with_right_and_wrong_keys(broker, tmp_path):
    created = aws(broker, tmp_path, KEY_ID, SECRET, "create-queue", "--queue-name", "cli")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["QueueUrl"].endswith("/cli")
    wrong = aws(broker, tmp_path, KEY_ID, "wrong", "list-queues")
    assert wrong.returncode == 254
    assert "SignatureDoesNotMatch" in wrong.stderr
    unknown = aws(broker, tmp_path, "AKIDNOPE", SECRET, "list-queues")
    assert unknown.returncode == 254
    assert "InvalidClientTokenId" in unknown.stderr


def test_without_keys_any_signature_is_accepted():
    with Broker() as open_broker:
        sqs = client(open_broker, key_id="anything", secret="whatever")
        assert sqs.create_queue(QueueName="open")["QueueUrl"].endswith("/open")


def test_malformed_key_flag_is_refused(tmp_path):
    broker = Broker(extra_args=["--sqs-access-key", "no-colon"])
    with pytest.raises(RuntimeError, match="ID:SECRET"):
        broker.start()
    broker.close()
