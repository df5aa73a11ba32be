"""The admin HTTP API of a real broker: health, readiness, /metrics moving under real Kafka
and SQS clients, the CLI's JSON endpoints, and log levels changed while running."""
import json
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from confluent_kafka import Consumer, Producer, TopicPartition

from kafka_helpers import create_topic
from prometheus_text import scrape


def get(broker, path):
    with urllib.request.urlopen(broker.admin_url + path, timeout=10) as response:
        return response.status, response.read().decode()


def get_json(broker, path):
    status, body = get(broker, path)
    assert status == 200
    return json.loads(body)


def put_json(broker, path, payload):
    request = urllib.request.Request(broker.admin_url + path, method="PUT",
                                     data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def sqs_client(broker):
    return boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))


def produce(broker, topic, count):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
    for i in range(count):
        producer.produce(topic, value=f"value-{i}".encode(), key=b"k")
    assert producer.flush(30) == 0


def test_health_and_readiness(broker):
    assert get(broker, "/healthz") == (200, "ok\n")
    assert get(broker, "/readyz") == (200, "ready\n")
    try:
        get(broker, "/no-such-path")
        raise AssertionError("expected 404")
    except urllib.error.HTTPError as error:
        assert error.code == 404


def test_metrics_counters_move_after_kafka_produce_and_fetch(broker):
    create_topic(broker.bootstrap, "metered", 1)
    before = scrape(broker.admin_url)
    labels = {"topic": "metered", "partition": "0"}
    assert before.get("sluice_partition_records_in_total", **labels) == 0
    assert before.types["sluice_partition_records_in_total"] == "counter"
    assert before.types["sluice_kafka_request_duration_seconds"] == "histogram"
    fsyncs_before = before.get("sluice_fsync_duration_seconds_count")
    produces_before = before.get("sluice_kafka_request_duration_seconds_count", api="Produce")

    produce(broker, "metered", 25)
    after_produce = scrape(broker.admin_url)
    assert after_produce.get("sluice_partition_records_in_total", **labels) == 25
    assert after_produce.get("sluice_partition_bytes_in_total", **labels) > 25 * len("value-0")
    assert after_produce.get("sluice_partition_log_end_offset", **labels) == 25
    # Acknowledged under fsync=always: on disk, and what consumers may read.
    assert after_produce.get("sluice_partition_durable_offset", **labels) == 25
    assert after_produce.get("sluice_partition_high_watermark", **labels) == 25
    assert after_produce.get("sluice_partition_log_start_offset", **labels) == 0
    assert after_produce.get("sluice_partition_log_size_bytes", **labels) >= \
        after_produce.get("sluice_partition_bytes_in_total", **labels)
    assert after_produce.get("sluice_kafka_request_duration_seconds_count", api="Produce") > \
        produces_before
    # acks=all under fsync=always: every produce waited for an fdatasync, which was timed.
    assert after_produce.get("sluice_fsync_duration_seconds_count") > fsyncs_before
    assert after_produce.get("sluice_fsync_duration_seconds_bucket", le="+Inf") == \
        after_produce.get("sluice_fsync_duration_seconds_count")

    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "metered-readers",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition("metered", 0, 0)])
    received = 0
    deadline = time.monotonic() + 30
    while received < 25 and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is not None and not message.error():
            received += 1
    # Committing 10 of 25 leaves a lag of 15.
    consumer.commit(offsets=[TopicPartition("metered", 0, 10)], asynchronous=False)
    consumer.close()
    assert received == 25

    after_fetch = scrape(broker.admin_url)
    assert after_fetch.get("sluice_partition_records_out_total", **labels) >= 25
    assert after_fetch.get("sluice_partition_bytes_out_total", **labels) >= \
        after_produce.get("sluice_partition_bytes_in_total", **labels)
    assert after_fetch.get("sluice_kafka_request_duration_seconds_count", api="Fetch") > 0
    assert after_fetch.get("sluice_group_lag", group="metered-readers", topic="metered",
                           partition="0") == 15


def test_metrics_move_after_sqs_send_and_receive(broker):
    sqs = sqs_client(broker)
    url = sqs.create_queue(QueueName="metered-queue")["QueueUrl"]
    before = scrape(broker.admin_url)
    assert before.get("sluice_queue_messages_visible", queue="metered-queue") == 0
    sends_before = before.get("sluice_sqs_request_duration_seconds_count", api="SendMessage")

    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"body-{i}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=600)
    after_send = scrape(broker.admin_url)
    assert after_send.get("sluice_sqs_request_duration_seconds_count", api="SendMessage") == \
        sends_before + 4
    assert after_send.get("sluice_queue_messages_visible", queue="metered-queue") == 3
    assert after_send.get("sluice_queue_messages_delayed", queue="metered-queue") == 1
    assert after_send.get("sluice_queue_messages_in_flight", queue="metered-queue") == 0
    assert after_send.has("sluice_queue_oldest_message_age_seconds", queue="metered-queue")

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=300)
    assert len(received["Messages"]) == 1
    after_receive = scrape(broker.admin_url)
    assert after_receive.get("sluice_queue_messages_visible", queue="metered-queue") == 2
    assert after_receive.get("sluice_queue_messages_in_flight", queue="metered-queue") == 1
    assert after_receive.get("sluice_open_connections", listener="sqs") >= 1

    queues = {q["name"]: q for q in get_json(broker, "/v1/queues")["queues"]}
    assert queues["metered-queue"]["visible"] == 2
    assert queues["metered-queue"]["in_flight"] == 1
    assert queues["metered-queue"]["delayed"] == 1
    assert queues["metered-queue"]["fifo"] is False


def test_json_status_and_topics_for_the_cli(broker):
    create_topic(broker.bootstrap, "listed", 2)
    produce(broker, "listed", 5)
    status = get_json(broker, "/v1/status")
    assert status["ready"] is True
    assert status["listeners"]["kafka"] == broker.bootstrap
    assert status["topics"] >= 1 and status["partitions"] >= 2
    topics = {t["name"]: t for t in get_json(broker, "/v1/topics")["topics"]}
    partitions = topics["listed"]["partitions"]
    assert [p["partition"] for p in partitions] == [0, 1]
    assert sum(p["log_end_offset"] for p in partitions) == 5
    assert sum(p["high_watermark"] for p in partitions) == 5
    assert sum(p["durable_offset"] for p in partitions) == 5
    assert sum(p["records_in"] for p in partitions) == 5
    groups = get_json(broker, "/v1/groups")
    assert isinstance(groups["groups"], list)


def test_log_level_changes_at_run_time(broker):
    levels = get_json(broker, "/v1/log-levels")
    assert levels["default"] == "info"
    assert levels["components"]["kafka"] == "info"

    produce(broker, "quiet", 1)  # opens a Kafka connection while kafka logs at info
    assert "debug kafka: connection opened" not in broker.log(tail=0)

    status, body = put_json(broker, "/v1/log-levels", {"component": "kafka", "level": "debug"})
    assert status == 200
    assert body["components"]["kafka"] == "debug"
    assert body["default"] == "info"
    produce(broker, "quiet", 1)
    deadline = time.monotonic() + 10
    while "debug kafka: connection opened" not in broker.log(tail=0) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "debug kafka: connection opened" in broker.log(tail=0)

    status, body = put_json(broker, "/v1/log-levels", {"component": "kafka", "level": "loud"})
    assert status == 400
    assert "loud" in body["error"]
