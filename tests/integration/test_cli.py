"""The `sluice` CLI against a live broker: every topic, record, group, queue and cluster
command, with --format json output parsed and checked; exit codes; where it connects."""
import json
import os
import subprocess

import pytest

from sluice_broker import SLUICE_BIN


def run(broker, *args, stdin=None, env=None, expect=0):
    """Runs `sluice ARGS` pointed at `broker` through the environment; returns stdout."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    environment.update({"SLUICE_BROKERS": broker.bootstrap,
                        "SLUICE_SQS_ENDPOINT": broker.sqs_endpoint,
                        "SLUICE_CONFIG": "/nonexistent/sluice.toml"})
    environment.update(env or {})
    result = subprocess.run([SLUICE_BIN, *args], input=stdin, capture_output=True, text=True,
                            env=environment, timeout=60)
    assert result.returncode == expect, (args, result.returncode, result.stdout, result.stderr)
    return result.stdout if expect == 0 else result.stderr


def run_json(broker, *args, **kwargs):
    return json.loads(run(broker, *args, "--format", "json", **kwargs))


def test_topic_commands(broker):
    created = run_json(broker, "topic", "create", "orders", "--partitions", "3",
                       "--config", "retention.ms=3600000")
    assert created == {"topic": "orders", "partitions": 3, "created": True,
                       "configs": {"retention.ms": "3600000"}}
    assert {"topic": "orders", "partitions": 3, "replicas": 1} in run_json(broker, "topic", "list")

    described = run_json(broker, "topic", "describe", "orders")
    assert described["partition_count"] == 3
    assert [p["partition"] for p in described["partitions"]] == [0, 1, 2]
    assert all(p["leader"] == 0 and p["end_offset"] == 0 for p in described["partitions"])
    assert described["configs"]["retention.ms"] == {"value": "3600000", "source": "topic"}
    assert described["configs"]["segment.bytes"]["source"] == "default"

    altered = run_json(broker, "topic", "alter-config", "orders", "--set",
                       "segment.bytes=1048576", "--delete", "retention.ms")
    assert altered["overrides"] == {"segment.bytes": "1048576"}
    configs = run_json(broker, "topic", "describe", "orders")["configs"]
    assert configs["segment.bytes"] == {"value": "1048576", "source": "topic"}
    assert configs["retention.ms"]["source"] == "default"

    assert run_json(broker, "topic", "add-partitions", "orders", "--num", "2")["partitions"] == 5
    assert run_json(broker, "topic", "describe", "orders")["partition_count"] == 5

    assert run_json(broker, "topic", "delete", "orders") == {"topic": "orders", "deleted": True}
    assert "orders" not in [t["topic"] for t in run_json(broker, "topic", "list")]

    # Failures name the entity and the broker, and exit 1; usage errors exit 2.
    error = run(broker, "topic", "describe", "orders", expect=1)
    assert "'orders'" in error and broker.bootstrap in error
    error = run(broker, "topic", "create", "twice", expect=0) and run(
        broker, "topic", "create", "twice", expect=1)
    assert "TOPIC_ALREADY_EXISTS" in error
    run(broker, "topic", "create", "x", "--partitions", "zero", expect=2)
    run(broker, "topic", "frobnicate", expect=2)


def test_produce_and_consume(broker):
    run(broker, "topic", "create", "events", "--partitions", "2")
    lines = "".join(f"k{i % 4}:value-{i}\n" for i in range(40))
    produced = run_json(broker, "produce", "events", "--key-separator", ":",
                        "--header", "origin=cli", stdin=lines)
    assert produced["records"] == 40
    assert sum(p["records"] for p in produced["partitions"]) == 40

    # Without --count, consume stops at the end the topic had when it started.
    records = [json.loads(line) for line in
               run(broker, "consume", "events", "--format", "json").splitlines()]
    assert sorted(r["value"] for r in records) == sorted(f"value-{i}" for i in range(40))
    assert all(r["headers"] == {"origin": "cli"} for r in records)
    assert all(r["key"] == "k" + str(int(r["value"].split("-")[1]) % 4) for r in records)
    by_partition = {}
    for r in records:
        by_partition.setdefault(r["partition"], []).append(r["offset"])
    assert all(offsets == sorted(offsets) for offsets in by_partition.values())

    raw = run(broker, "consume", "events", "--count", "5").splitlines()
    assert len(raw) == 5 and all(v.startswith("value-") for v in raw)

    # --offset N starts each partition there; @timestamp finds the first record at or after it.
    later = run(broker, "consume", "events", "--offset", "3", "--format", "json").splitlines()
    assert len(later) == 40 - 3 * len(by_partition)
    first_time = min(r["timestamp"] for r in records)
    assert len(run(broker, "consume", "events", "--offset", f"@{first_time}").splitlines()) == 40
    assert run(broker, "consume", "events", "--offset", "end") == ""

    run(broker, "produce", "events", "--partition", "1", stdin="pinned\n")
    pinned = [json.loads(line) for line in run(broker, "consume", "events", "--format",
                                                "json").splitlines()
              if json.loads(line)["value"] == "pinned"]
    assert [r["partition"] for r in pinned] == [1]
    run(broker, "consume", "events", "--offset", "soon", expect=2)


def test_group_commands(broker):
    run(broker, "topic", "create", "work", "--partitions", "2")
    run(broker, "produce", "work", stdin="".join(f"job-{i}\n" for i in range(10)))
    consumed = run(broker, "consume", "work", "--group", "workers").splitlines()
    assert sorted(consumed) == sorted(f"job-{i}" for i in range(10))

    assert {"group": "workers", "state": "Empty"} in run_json(broker, "group", "list")
    described = run_json(broker, "group", "describe", "workers")
    assert described["state"] == "Empty" and described["members"] == []
    assert sum(o["committed"] for o in described["offsets"]) == 10
    assert described["lag"] == 0

    # A consumer in the group resumes where it committed: nothing is left to read.
    run(broker, "produce", "work", stdin="job-10\n")
    assert run(broker, "consume", "work", "--group", "workers").splitlines() == ["job-10"]

    reset = run_json(broker, "group", "reset-offsets", "workers", "--topic", "work", "--to",
                     "earliest")
    assert all(o["offset"] == 0 for o in reset["offsets"])
    assert run_json(broker, "group", "describe", "workers")["lag"] == 11
    assert len(run(broker, "consume", "work", "--group", "workers").splitlines()) == 11
    run_json(broker, "group", "reset-offsets", "workers", "--topic", "work", "--to", "latest")
    assert run_json(broker, "group", "describe", "workers")["lag"] == 0

    assert run_json(broker, "group", "delete", "workers") == {"group": "workers", "deleted": True}
    error = run(broker, "group", "describe", "workers", expect=1)
    assert "'workers'" in error
    run(broker, "group", "reset-offsets", "workers", "--topic", "work", "--to", "someday",
        expect=2)


def test_queue_commands(broker):
    created = run_json(broker, "queue", "create", "jobs", "--attr", "VisibilityTimeout=1")
    assert created["url"].endswith("/000000000000/jobs")
    fifo = run_json(broker, "queue", "create", "ordered", "--fifo")
    assert fifo["queue"] == "ordered.fifo"
    assert {q["queue"] for q in run_json(broker, "queue", "list")} == {"jobs", "ordered.fifo"}
    assert [q["queue"] for q in run_json(broker, "queue", "list", "--prefix", "ord")] == [
        "ordered.fifo"]

    sent = run_json(broker, "queue", "send", "jobs", "first")
    assert len(sent["message_id"]) == 36
    run(broker, "queue", "send", "jobs", "-", stdin="second\n")
    sequenced = run_json(broker, "queue", "send", "ordered.fifo", "x", "--group-id", "g",
                         "--dedup-id", "d1")
    assert "sequence_number" in sequenced

    attributes = run_json(broker, "queue", "attrs", "jobs")["attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "2"
    assert attributes["VisibilityTimeout"] == "1"

    received = run_json(broker, "queue", "receive", "jobs", "--count", "5", "--wait", "1")
    assert sorted(m["body"] for m in received) == ["first", "second"]
    assert all(m["attributes"]["ApproximateReceiveCount"] == "1" for m in received)
    # Not deleted: visible again after the 1 s visibility timeout, now deleted as printed.
    again = run_json(broker, "queue", "receive", "jobs", "--count", "5", "--wait", "5",
                     "--delete")
    while len(again) < 2:
        again += run_json(broker, "queue", "receive", "jobs", "--count", "5", "--wait", "5",
                          "--delete")
    assert sorted(m["body"] for m in again) == ["first", "second"]
    assert run_json(broker, "queue", "receive", "jobs", "--wait", "1") == []

    run(broker, "queue", "send", "jobs", "left over")
    assert run_json(broker, "queue", "purge", "jobs") == {"queue": "jobs", "purged": True}
    assert run_json(broker, "queue", "attrs", "jobs")["attributes"][
        "ApproximateNumberOfMessages"] == "0"
    assert run_json(broker, "queue", "delete", "ordered.fifo") == {"queue": "ordered.fifo",
                                                                   "deleted": True}
    error = run(broker, "queue", "attrs", "ordered.fifo", expect=1)
    assert "'ordered.fifo' does not exist" in error and broker.sqs_endpoint in error


def test_queue_redrive(broker):
    """Messages dead-lettered after maxReceiveCount go back to their queue with
    `queue redrive DLQ`, which waits for the move task to finish."""
    run(broker, "queue", "create", "work-dlq")
    dlq_arn = run_json(broker, "queue", "attrs", "work-dlq")["attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})
    run(broker, "queue", "create", "work", "--attr", f"RedrivePolicy={policy}")
    for i in range(3):
        run(broker, "queue", "send", "work", f"job-{i}")
    first = run_json(broker, "queue", "receive", "work", "--count", "10", "--visibility", "0")
    while len(first) < 3:
        first += run_json(broker, "queue", "receive", "work", "--count", "10",
                          "--visibility", "0")
    # The second receive finds each message over its maxReceiveCount: moved, not delivered.
    assert run_json(broker, "queue", "receive", "work", "--count", "10") == []
    assert run_json(broker, "queue", "attrs", "work-dlq")["attributes"][
        "ApproximateNumberOfMessages"] == "3"

    assert run_json(broker, "queue", "redrive", "work-dlq") == {
        "queue": "work-dlq", "status": "COMPLETED", "moved": 3}
    assert run_json(broker, "queue", "attrs", "work-dlq")["attributes"][
        "ApproximateNumberOfMessages"] == "0"
    back = run_json(broker, "queue", "receive", "work", "--count", "10", "--wait", "1",
                    "--delete")
    while len(back) < 3:
        back += run_json(broker, "queue", "receive", "work", "--count", "10", "--wait", "1",
                         "--delete")
    assert sorted(m["body"] for m in back) == ["job-0", "job-1", "job-2"]

    # A queue that is no dead-letter queue cannot be redriven: exit 1, SQS's reason.
    error = run(broker, "queue", "redrive", "work", expect=1)
    assert "InvalidParameterValue" in error and broker.sqs_endpoint in error


def test_cluster_status(broker):
    run(broker, "topic", "create", "a", "--partitions", "3")
    run(broker, "queue", "create", "q")
    status = run_json(broker, "cluster", "status", env={"SLUICE_ADMIN_URL": broker.admin_url})
    assert status["brokers"] == [{"id": 0, "address": broker.bootstrap, "leaders": 3}]
    assert status["partitions"] == 3 and status["under_replicated_partitions"] == []
    # From the admin API: readiness, the data directory, what the broker holds.
    broker_status = status["broker_status"]
    assert broker_status["ready"] is True
    assert broker_status["queues"] == 1 and broker_status["topics"] == 1
    assert broker_status["data_dir"] == str(broker.data_dir / "data")
    table = run(broker, "cluster", "status", env={"SLUICE_ADMIN_URL": broker.admin_url})
    assert "UPTIME" in table and "QUEUES" in table

    # Without the admin API the Kafka part still answers, and stderr says what is missing.
    dead = "http://127.0.0.1:1"
    result = subprocess.run([SLUICE_BIN, "cluster", "status", "--format", "json",
                             "--brokers", broker.bootstrap, "--admin-url", dead],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "broker_status" not in json.loads(result.stdout)
    assert dead in result.stderr and "--admin-url" in result.stderr


def test_topic_sizes_from_the_admin_api(broker):
    run(broker, "topic", "create", "sized", "--partitions", "2")
    run(broker, "produce", "sized", "--partition", "1",
        stdin="".join(f"{'x' * 1000}-{i}\n" for i in range(100)))
    env = {"SLUICE_ADMIN_URL": broker.admin_url}
    described = run_json(broker, "topic", "describe", "sized", env=env)
    sizes = {p["partition"]: p["size_bytes"] for p in described["partitions"]}
    assert sizes[0] == 0 and sizes[1] > 100 * 1000
    assert described["size_bytes"] == sizes[1]
    assert all(p["segments"] >= 1 for p in described["partitions"])
    assert "SIZE" in run(broker, "topic", "describe", "sized", env=env)


def test_where_the_cli_connects(broker, tmp_path):
    """Flag over environment over profile file over defaults."""
    profile = tmp_path / "config.toml"
    profile.write_text(f'brokers = "{broker.bootstrap}"\n')
    only_profile = {"SLUICE_BROKERS": "", "SLUICE_CONFIG": str(profile)}
    run(broker, "topic", "create", "via-profile", env=only_profile)

    dead = "127.0.0.1:1"
    error = run(broker, "topic", "list", env={"SLUICE_BROKERS": dead,
                                              "SLUICE_CONFIG": str(profile)}, expect=1)
    assert dead in error and "SLUICE_BROKERS" in error
    listed = run(broker, "--brokers", broker.bootstrap, "topic", "list", "--format", "json",
                 env={"SLUICE_BROKERS": dead})
    assert "via-profile" in [t["topic"] for t in json.loads(listed)]
    # After the subcommand too, as people type it.
    run(broker, "topic", "list", "--brokers", broker.bootstrap, env={"SLUICE_BROKERS": dead})

    profile.write_text('brokers = "x"\ncolour = "blue"\n')
    error = run(broker, "topic", "list", env={"SLUICE_CONFIG": str(profile)}, expect=2)
    assert "colour" in error


def test_bench_kafka(broker):
    result = run_json(broker, "bench", "kafka", "--records", "2000", "--record-size", "200",
                      "--producers", "2", "--acks", "all")
    assert result["records"] == 2000 and result["record_size"] == 200
    assert result["records_per_second"] > 0
    assert result["megabytes_per_second"] == pytest.approx(
        result["records_per_second"] * 200 / 1e6)
    for latency in (result["ack_latency"], result["end_to_end_latency"]):
        assert 0 < latency["p50_ms"] <= latency["p99_ms"] <= latency["p999_ms"] <= latency[
            "max_ms"]
    # The topic it loaded holds every record.
    topic = run_json(broker, "topic", "describe", result["topic"])
    assert sum(p["records"] for p in topic["partitions"]) == 2000
