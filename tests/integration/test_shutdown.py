"""Stopping a broker: SIGTERM or SIGINT answers what is in flight, closes every log cleanly
and exits 0 within 10 s; the next start says it needed no recovery scan. A SIGKILL, by
contrast, makes the next start scan."""
import signal
import threading
import time

import boto3
from botocore.config import Config
from confluent_kafka import Consumer, Producer, TopicPartition

from sluice_broker import Broker

CLEAN = "clean shutdown: no recovery needed"
UNCLEAN = "unclean shutdown: recovery scanned"


def sqs_client(broker):
    return boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))


def fill(broker):
    """Writes to every kind of log: a topic partition, group offsets, a queue's two logs."""
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
    for i in range(20):
        producer.produce("durable", value=f"v{i}".encode())
    assert producer.flush(30) == 0
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "g",
                         "enable.auto.commit": False})
    consumer.commit(offsets=[TopicPartition("durable", 0, 5)], asynchronous=False)
    consumer.close()
    sqs = sqs_client(broker)
    url = sqs.create_queue(QueueName="durable-q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="kept")
    received = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    assert len(received["Messages"]) == 1


def log_lines_since(broker, marker):
    text = broker.log(tail=0)
    return text[text.rfind(marker):] if marker in text else ""


def test_sigterm_exits_zero_and_restart_skips_recovery(tmp_path):
    broker = Broker(data_dir=tmp_path)
    try:
        broker.start()
        assert "first start: no logs to recover" in broker.log(tail=0)
        fill(broker)
        started = time.monotonic()
        assert broker.stop(timeout=15, sig=signal.SIGTERM) == 0
        took = time.monotonic() - started
        assert took < 10, f"stop took {took:.1f}s"
        assert "stopped cleanly: every log flushed and closed" in broker.log(tail=0)

        broker.start()
        since = log_lines_since(broker, "stopped cleanly")
        assert CLEAN in since, since
        assert UNCLEAN not in since
        # The data is all there: 20 records, the committed offset, the queue message.
        sqs = sqs_client(broker)
        url = sqs.get_queue_url(QueueName="durable-q")["QueueUrl"]
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["kept"]
        consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "g"})
        committed = consumer.committed([TopicPartition("durable", 0)], timeout=30)
        consumer.close()
        assert committed[0].offset == 5

        # SIGINT is a graceful stop too.
        assert broker.stop(timeout=15, sig=signal.SIGINT) == 0
        broker.start()
        assert CLEAN in log_lines_since(broker, "stopping on signal 2")
    finally:
        broker.close()


def test_after_sigkill_the_restart_scans(tmp_path):
    broker = Broker(data_dir=tmp_path)
    try:
        broker.start()
        fill(broker)
        broker.kill()
        broker.start()
        text = broker.log(tail=0)
        assert UNCLEAN in text
        assert CLEAN not in text
    finally:
        broker.close()


def start_long_poll(sqs, url, wait_seconds):
    outcome = {}

    def poll():
        try:
            outcome["response"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait_seconds)
        except Exception as error:  # noqa: BLE001 - recorded for the assertion
            outcome["error"] = error

    poller = threading.Thread(target=poll)
    poller.start()
    return poller, outcome


def wait_in_flight(broker, queue):
    """Until the broker counts the long poll as an SQS request in flight."""
    from prometheus_text import scrape
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if scrape(broker.admin_url).get("sluice_requests_in_flight", listener="sqs") == 1:
            return
        time.sleep(0.05)
    raise AssertionError("the long poll never reached the broker")


def test_sigterm_finishes_the_request_in_flight(tmp_path):
    """A 3 s long poll in flight when SIGTERM arrives gets its (empty) answer; then the
    broker exits 0."""
    broker = Broker(data_dir=tmp_path)
    try:
        broker.start()
        sqs = sqs_client(broker)
        url = sqs.create_queue(QueueName="waiting")["QueueUrl"]
        poller, outcome = start_long_poll(sqs, url, 3)
        wait_in_flight(broker, "waiting")
        started = time.monotonic()
        assert broker.stop(timeout=15) == 0
        took = time.monotonic() - started
        poller.join(timeout=30)
        assert "error" not in outcome, outcome
        assert outcome["response"]["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert outcome["response"].get("Messages", []) == []
        assert took < 10
        assert "drain time over" not in broker.log(tail=0)
    finally:
        broker.close()


def test_sigterm_stops_in_time_when_a_request_outlasts_the_drain(tmp_path):
    """A 20 s long poll cannot hold the stop: after the drain time its connection closes and
    the broker still exits 0 well within 10 s."""
    broker = Broker(data_dir=tmp_path, extra_args=["--shutdown-drain-ms", "1000"])
    try:
        broker.start()
        sqs = sqs_client(broker)
        url = sqs.create_queue(QueueName="waiting")["QueueUrl"]
        poller, outcome = start_long_poll(sqs, url, 20)
        wait_in_flight(broker, "waiting")
        started = time.monotonic()
        assert broker.stop(timeout=15) == 0
        took = time.monotonic() - started
        poller.join(timeout=30)
        assert not poller.is_alive()
        assert took < 10
        assert "drain time over, closing connections requests_in_flight=1" in broker.log(tail=0)
    finally:
        broker.close()
