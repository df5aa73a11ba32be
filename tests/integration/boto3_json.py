"""boto3 in the JSON protocol, for tests run by Debian's python3 (whose boto3 1.26 speaks only
the query protocol). The image's own python3 carries a boto3 >= 1.34.90, which speaks AWS JSON
1.0 to SQS; it runs boto3_json_worker.py, and JsonSqs forwards calls to it, so a test drives
both protocols with the same calls:

    sqs = JsonSqs(broker.sqs_endpoint)      # or boto3.client("sqs", ...) for query
    sqs.send_message(QueueUrl=url, MessageBody="x")
    # an SQS error raises JsonClientError, whose .response is shaped like botocore's ClientError

The interpreter is SLUICE_JSON_PYTHON when set, else the first python3 on PATH (other than
Debian's) whose boto3 speaks JSON; json_python() is None when there is none."""
import functools
import json
import os
import subprocess
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
