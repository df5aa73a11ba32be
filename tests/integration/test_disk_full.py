"""A full disk, as Kafka and SQS clients see it: a real `sluice serve` whose data directory is
an 8 MiB tmpfs (mounted here, so the test runs as root, as `make test` does). While the disk
is full, Produce fails with KAFKA_STORAGE_ERROR and SendMessage with a 503
ServiceUnavailable (both retried by the clients' own retry logic), reads keep working and the
broker stays up; once space is back, appends resume without a restart and every acknowledged
message is there, also after a restart."""
import os
import subprocess
import tempfile
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from confluent_kafka import KafkaError, Producer

from kafka_helpers import consume_all, create_topic
from sluice_broker import Broker

TOPIC = "disk-full"
QUEUE = "disk-full"


@pytest.fixture
def small_disk_broker():
    if os.geteuid() != 0:
        pytest.fail("mounting the small tmpfs needs root (make test runs as root)")
    with tempfile.TemporaryDirectory(prefix="sluice-full-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(data)], check=True)
        broker = Broker(data_dir=tmp)  # the broker's own log and ports file stay off the tmpfs
        try:
            yield broker, data
        finally:
            broker.close()
            subprocess.run(["umount", str(data)], check=True)


def sqs_client(broker):
    # One attempt, so the test sees each error instead of botocore's retries of the 503.
    return boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, read_timeout=10))


def produce(bootstrap, values):
    """Produces each value; returns {value: error code or None}."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "retries": 0,
                         "enable.idempotence": False, "linger.ms": 0,
                         "message.timeout.ms": 10000})
    results = {}

    def delivered(err, message):
        results[message.value()] = err.code() if err else None

    for value in values:
        producer.produce(TOPIC, value=value, partition=0, on_delivery=delivered)
        producer.flush(15)
    return results


def fill(directory):
    """Writes a file until the file system is full to the byte; returns its path."""
    filler = directory / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for size in (1 << 16, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
    return filler


def receive_all(client, url):
    bodies = []
    while True:
        reply = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = reply.get("Messages", [])
        if not messages:
            return bodies
        bodies.extend(m["Body"] for m in messages)


def test_a_full_disk_fails_appends_and_they_resume_when_space_is_back(small_disk_broker):
    broker, data = small_disk_broker
    broker.start()
    create_topic(broker.bootstrap, TOPIC, 1)
    sqs = sqs_client(broker)
    url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    before = [f"before-{i}".encode() for i in range(20)]
    assert set(produce(broker.bootstrap, before).values()) == {None}
    for i in range(10):
        sqs.send_message(QueueUrl=url, MessageBody=f"sent-{i}")

    filler = fill(data)
    # The last partly used page of a file may still take a small write: write until it fails.
    full_values = [f"full-{i}-".encode() + b"x" * 16384 for i in range(8)]
    results = produce(broker.bootstrap, full_values)
    assert KafkaError.KAFKA_STORAGE_ERROR in results.values(), results
    assert set(results.values()) <= {None, KafkaError.KAFKA_STORAGE_ERROR}
    acked = before + [v for v in full_values if results[v] is None]
    bodies = [f"sent-{i}" for i in range(10)]
    for i in range(8):
        body = f"full-{i}-" + "y" * 65536
        try:
            sqs.send_message(QueueUrl=url, MessageBody=body)
            bodies.append(body)
        except ClientError as failure:
            assert failure.response["ResponseMetadata"]["HTTPStatusCode"] == 503
            assert failure.response["Error"]["Code"] == "ServiceUnavailable"
            break
    else:
        pytest.fail("SendMessage never failed on a full disk")
    # Reads work while full; the broker is still up.
    assert [v for _, v, _ in consume_all(broker.bootstrap, TOPIC, 1)[0]] == acked
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == str(len(bodies))
    assert broker.process.poll() is None

    filler.unlink()
    after = [f"after-{i}".encode() for i in range(5)]
    assert set(produce(broker.bootstrap, after).values()) == {None}
    sqs.send_message(QueueUrl=url, MessageBody="after")
    assert [v for _, v, _ in consume_all(broker.bootstrap, TOPIC, 1)[0]] == acked + after
    expected_bodies = sorted(bodies + ["after"])

    broker.stop()
    broker.start()
    assert [v for _, v, _ in consume_all(broker.bootstrap, TOPIC, 1)[0]] == acked + after
    assert sorted(receive_all(sqs_client(broker), url)) == expected_bodies
