"""Runs Debian's AWS CLI 2.9 (`aws sqs ...`, query protocol) against a test broker, with
dummy credentials, no config files and --endpoint-url, and parses its JSON output. Shared
by the awscli test files; `cli` is a pytest fixture they import."""
import hashlib
import json
import os
import subprocess

import pytest

AWS = "/usr/bin/aws"  # by path: an `aws` earlier on PATH may speak the JSON protocol


@pytest.fixture
def cli(broker, tmp_path):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
               AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="", HOME=str(tmp_path),
               AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))

    def run(*args, check=True):
        result = subprocess.run(
            [AWS, "--endpoint-url", broker.sqs_endpoint, "--output", "json", "sqs",
             *[json.dumps(a) if isinstance(a, (dict, list)) else str(a) for a in args]],
            env=env, capture_output=True, text=True, timeout=60)
        if not check:
            return result
        assert result.returncode == 0, f"aws sqs {args[0]}: {result.stderr}"
        return json.loads(result.stdout) if result.stdout.strip() else {}

    return run


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def receive_all(cli, url, count, *extra):
    messages = []
    for _ in range(10):
        if len(messages) >= count:
            break
        got = cli("receive-message", "--queue-url", url, "--max-number-of-messages", 10,
                  "--wait-time-seconds", 1, *extra)
        messages += got.get("Messages", [])
    return messages


def counts(cli, url):
    attributes = cli("get-queue-attributes", "--queue-url", url, "--attribute-names",
                     "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                     "ApproximateNumberOfMessagesDelayed")["Attributes"]
    return (int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]),
            int(attributes["ApproximateNumberOfMessagesDelayed"]))
