"""Runs boto3 calls against an SQS endpoint for boto3_json.py, one call a line: reads
{"method": ..., "params": {...}} from stdin and writes {"response": {...}} or
{"error": {...}, "status": N} to stdout. Run by a python3 whose boto3 speaks the JSON protocol
(>= 1.34.90); it says which protocol it speaks first, so the caller can check."""
import base64
import json
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def encode(value):
    # BinaryValue comes back as bytes; the caller gets it as base64 text.
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def main():
    client = boto3.client(
        "sqs", endpoint_url=sys.argv[1], region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))
    print(json.dumps({"protocol": client.meta.service_model.protocol}), flush=True)
    for line in sys.stdin:
        call = json.loads(line)
        try:
            response = getattr(client, call["method"])(**call["params"])
            response.pop("ResponseMetadata", None)
            out = {"response": response}
        except ClientError as error:
            out = {"error": error.response["Error"],
                   "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
        print(json.dumps(out, default=encode), flush=True)


if __name__ == "__main__":
    main()
