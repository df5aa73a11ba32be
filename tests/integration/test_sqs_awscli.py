"""The AWS CLI (Debian's awscli 2.9, query protocol) against a real `sluice serve`.

Debian's /usr/bin/aws by its path: an `aws` earlier on PATH may be another install
(a pip awscli v1 speaks the JSON protocol)."""
import hashlib
import json
import os
import subprocess


AWS = "/usr/bin/aws"


def aws(broker, home, *args, check=True):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", HOME=str(home),
               AWS_CONFIG_FILE=str(home / "none"), AWS_SHARED_CREDENTIALS_FILE=str(home / "none"))
    result = subprocess.run(
        [AWS, "--endpoint-url", broker.sqs_endpoint, "--output", "json", "sqs", *args],
        env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}
    return result


def test_awscli_core_flow(broker, tmp_path):
    url = aws(broker, tmp_path, "create-queue", "--queue-name", "cli",
              "--attributes", "VisibilityTimeout=20")["QueueUrl"]
    assert url == f"{broker.sqs_endpoint}/000000000000/cli"
    assert aws(broker, tmp_path, "get-queue-url", "--queue-name", "cli")["QueueUrl"] == url
    assert url in aws(broker, tmp_path, "list-queues")["QueueUrls"]

    sent = aws(broker, tmp_path, "send-message", "--queue-url", url, "--message-body", "from cli",
               "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"from cli").hexdigest()
    assert "MD5OfMessageAttributes" in sent

    attributes = aws(broker, tmp_path, "get-queue-attributes", "--queue-url", url,
                     "--attribute-names", "All")["Attributes"]
    assert attributes["VisibilityTimeout"] == "20"
    assert attributes["ApproximateNumberOfMessages"] == "1"

    got = aws(broker, tmp_path, "receive-message", "--queue-url", url,
              "--message-attribute-names", "All", "--attribute-names", "All",
              "--wait-time-seconds", "2")["Messages"]
    assert [m["Body"] for m in got] == ["from cli"]
    assert got[0]["MessageAttributes"]["k"]["StringValue"] == "v"
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"

    aws(broker, tmp_path, "delete-message", "--queue-url", url,
        "--receipt-handle", got[0]["ReceiptHandle"])
    attributes = aws(broker, tmp_path, "get-queue-attributes", "--queue-url", url,
                     "--attribute-names", "ApproximateNumberOfMessages",
                     "ApproximateNumberOfMessagesNotVisible")["Attributes"]
    assert attributes == {"ApproximateNumberOfMessages": "0",
                          "ApproximateNumberOfMessagesNotVisible": "0"}
    assert aws(broker, tmp_path, "receive-message", "--queue-url", url) == {}
    aws(broker, tmp_path, "delete-queue", "--queue-url", url)


def test_awscli_errors(broker, tmp_path):
    result = aws(broker, tmp_path, "get-queue-url", "--queue-name", "nope", check=False)
    assert result.returncode == 254
    assert "NonExistentQueue" in result.stderr or "QueueDoesNotExist" in result.stderr
    result = aws(broker, tmp_path, "delete-message", "--queue-url",
                 f"{broker.sqs_endpoint}/000000000000/nope", "--receipt-handle", "x", check=False)
    assert result.returncode == 254
