"""boto3 in the JSON protocol, for tests run by Debian's python3 (whose boto3 1.26 speaks only
the query protocol). The image's own python3 carries a boto3 >= 1.34.90, which speaks AWS JSON
1.0 to SQS; it runs boto3_json_worker.py, and JsonSqs forwards calls to it, so a test drives
both protocols with the same calls:

    sqs = JsonSqs(broker.sqs_endpoint)      # or boto3.client("sqs", ...) for query
    sqs.send_message(QueueUrl=url, MessageBody="x")
    # an SQS error raises JsonClientError, whose .response is shaped like botocore's ClientError

The interpreter is SLUICE_JSON_PYTHON when set, else the first python3 on PATH (other than
Debian's) whose boto3 speaks JSON; json_python() is None when there is none. Then
json_client() falls back to RawJsonSqs: the same calls as AWS JSON 1.0 requests built here
(boto3's parameter and response shapes are the JSON protocol's own members), with the error
code read as botocore reads it, so the JSON half of a suite runs everywhere, never skipped."""
import functools
import json
import os
import subprocess
import http.client
import urllib.parse
from pathlib import Path

WORKER = Path(__file__).resolve().parent / "boto3_json_worker.py"
DEBIAN_PYTHON = "/usr/bin/python3"
PROBE = ("import boto3; print(boto3.client('sqs', region_name='us-east-1', "
         "aws_access_key_id='x', aws_secret_access_key='x').meta.service_model.protocol)")


@functools.cache
def json_python():
    if os.environ.get("SLUICE_JSON_PYTHON"):
        return os.environ["SLUICE_JSON_PYTHON"]
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, "python3")
        if not os.access(candidate, os.X_OK):
            continue
        if os.path.realpath(candidate) == os.path.realpath(DEBIAN_PYTHON):
            continue
        try:
            probe = subprocess.run([candidate, "-c", PROBE], capture_output=True, text=True,
                                   timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0 and probe.stdout.strip() == "json":
            return candidate
    return None


class JsonClientError(Exception):
    def __init__(self, error, status):
        super().__init__(f"{error.get('Code')}: {error.get('Message')}")
        self.response = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}


class JsonSqs:
    def __init__(self, endpoint):
        self._process = subprocess.Popen(
            [json_python(), str(WORKER), endpoint], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        hello = json.loads(self._process.stdout.readline())
        assert hello == {"protocol": "json"}, hello

    def __getattr__(self, method):
        def call(**params):
            self._process.stdin.write(json.dumps({"method": method, "params": params}) + "\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
            assert line, f"the boto3 worker died during {method}"
            out = json.loads(line)
            if "error" in out:
                raise JsonClientError(out["error"], out["status"])
            return out["response"]
        return call

    def close(self):
        self._process.stdin.close()
        self._process.wait(timeout=30)


class RawJsonSqs:
    """The JSON protocol without boto3: `send_message_batch(**params)` posts params as the body
    of X-Amz-Target AmazonSQS.SendMessageBatch and returns the parsed answer."""

    def __init__(self, endpoint):
        self._host = urllib.parse.urlsplit(endpoint).netloc

    def __getattr__(self, method):
        action = "".join(part.capitalize() for part in method.split("_"))

        def call(**params):
            body = json.dumps(params).encode()
            connection = http.client.HTTPConnection(self._host, timeout=30)
            try:
                connection.putrequest("POST", "/")
                connection.putheader("Content-Type", "application/x-amz-json-1.0")
                connection.putheader("X-Amz-Target", f"AmazonSQS.{action}")
                connection.putheader("Content-Length", str(len(body)))
                connection.endheaders()
                try:
                    connection.send(body)
                except (BrokenPipeError, ConnectionResetError):
                    # Refused before the body was read (as an SDK sending Expect:
                    # 100-continue would see): the answer is already on its way.
                    pass
                answer = connection.getresponse()
                data = answer.read()
                if answer.status < 300:
                    return json.loads(data) if data else {}
                failure = json.loads(data or b"{}")
                # As botocore does for SQS (awsQueryCompatible): the query protocol's code
                # from x-amzn-query-error when present, else the __type after its '#'.
                header = answer.getheader("x-amzn-query-error")
                code = header.split(";")[0] if header else failure.get("__type", "").split("#")[-1]
                message = failure.get("message", failure.get("Message", ""))
                raise JsonClientError({"Code": code, "Message": message}, answer.status)
            finally:
                connection.close()
        return call

    def close(self):
        pass


def json_client(endpoint):
    """boto3 speaking JSON when this machine has one, else RawJsonSqs."""
    return JsonSqs(endpoint) if json_python() else RawJsonSqs(endpoint)
