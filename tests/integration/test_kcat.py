"""kcat (librdkafka 2.0) against a live broker: metadata, and a keyed round trip."""
import re
import subprocess

from kafka_helpers import create_topic


def kcat(*args, stdin=None, timeout=120):
    return subprocess.run(["kcat", *args], input=stdin, capture_output=True, timeout=timeout)


def test_metadata_lists_the_broker_and_topics(broker):
    create_topic(broker.bootstrap, "listed", 3)
    result = kcat("-b", broker.bootstrap, "-L")
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert f"broker 0 at 127.0.0.1:{broker.kafka_port} (controller)" in out
    assert 'topic "listed" with 3 partitions' in out
    for partition in range(3):
        assert f"partition {partition}, leader 0, replicas: 0, isrs: 0" in out


def test_hundred_thousand_keyed_messages_round_trip_in_order(broker):
    create_topic(broker.bootstrap, "orders", 6)
    count = 100_000
    lines = "".join(f"key{i % 97}:{i}\n" for i in range(count)).encode()
    produced = kcat("-b", broker.bootstrap, "-P", "-t", "orders", "-K:", "-X", "acks=all",
                    stdin=lines)
    assert produced.returncode == 0, produced.stderr

    consumed = kcat("-b", broker.bootstrap, "-C", "-t", "orders", "-e", "-f", "%p %o %k %s\n")
    assert consumed.returncode == 0, consumed.stderr
    rows = [line.split(" ") for line in consumed.stdout.decode().splitlines()]
    assert len(rows) == count
    assert sorted(int(value) for _, _, _, value in rows) == list(range(count))

    by_partition = {}
    partition_of_key = {}
    for partition, offset, key, value in rows:
        by_partition.setdefault(int(partition), []).append((int(offset), int(value)))
        # A key always lands in the same partition.
        assert partition_of_key.setdefault(key, partition) == partition
    assert sorted(by_partition) == list(range(6))
    for partition, entries in by_partition.items():
        offsets = [offset for offset, _ in entries]
        values = [value for _, value in entries]
        assert offsets == list(range(len(entries))), f"gap in partition {partition}"
        assert values == sorted(values), f"partition {partition} out of produce order"
