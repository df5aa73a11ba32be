"""Consumer groups with real clients (confluent-kafka and kafka-python): exactly-once
consumption while membership is stable, partitions moving when a member leaves or dies, and
committed offsets surviving a broker SIGKILL."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from kafka import KafkaConsumer

from kafka_helpers import create_topic
from sluice_broker import Broker

PARTITIONS = 6
SESSION_TIMEOUT_MS = 6000


def produce(bootstrap, topic, values):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    for value in values:
        producer.produce(topic, value=value.encode(), key=value.encode())
    assert producer.flush(30) == 0


class GroupMember:
    """A confluent-kafka consumer polling on its own thread, recording what it gets."""

    def __init__(self, bootstrap, group, topic, name):
        self.name = name
        self.received = []
        self.assignment = set()
        self._stop = threading.Event()
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
            "auto.offset.reset": "earliest", "session.timeout.ms": SESSION_TIMEOUT_MS,
            "heartbeat.interval.ms": 500, "enable.auto.commit": True,
            "auto.commit.interval.ms": 200,
        })
        self._consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _on_assign(self, consumer, partitions):
        self.assignment = {p.partition for p in partitions}

    def _on_revoke(self, consumer, partitions):
        self.assignment = set()

    def _run(self):
        while not self._stop.is_set():
            message = self._consumer.poll(0.2)
            if message is not None and not message.error():
                self.received.append((message.partition(), message.offset(), message.value()))

    def close(self):
        self._stop.set()
        self._thread.join()
        self._consumer.close()  # sends LeaveGroup


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def balanced(members):
    owned = [p for m in members for p in m.assignment]
    return sorted(owned) == list(range(PARTITIONS)) and all(m.assignment for m in members)


def test_three_members_share_six_partitions_and_take_over_when_one_leaves():
    with Broker(extra_args=["--group-initial-rebalance-delay-ms", "1000"]) as broker:
        create_topic(broker.bootstrap, "work", PARTITIONS)
        members = [GroupMember(broker.bootstrap, "workers", "work", f"m{i}") for i in range(3)]
        try:
            wait_for(lambda: balanced(members), 30, "three members to split six partitions")
            assert all(len(m.assignment) == 2 for m in members)

            first = [f"first-{i}" for i in range(6000)]
            produce(broker.bootstrap, "work", first)
            wait_for(lambda: sum(len(m.received) for m in members) >= len(first), 60,
                     "the first batch to be consumed")
            time.sleep(0.5)
            values = [v.decode() for m in members for _, _, v in m.received]
            assert sorted(values) == sorted(first), "each message exactly once while stable"

            leaving = members.pop()
            leaving.close()
            moved_at = wait_for(lambda: balanced(members), SESSION_TIMEOUT_MS / 1000,
                                "the two remaining members to own all six partitions")
            assert moved_at

            second = [f"second-{i}" for i in range(3000)]
            produce(broker.bootstrap, "work", second)
            wait_for(lambda: {v.decode() for m in members for _, _, v in m.received} >= set(second),
                     60, "the remaining members to consume the second batch")
        finally:
            for member in members:
                member.close()


CRASHING_MEMBER = r"""
import sys
from confluent_kafka import Consumer
consumer = Consumer({"bootstrap.servers": sys.argv[1], "group.id": sys.argv[2],
                     "session.timeout.ms": int(sys.argv[3]), "heartbeat.interval.ms": 500,
                     "auto.offset.reset": "earliest"})
consumer.subscribe([sys.argv[4]],
                   on_assign=lambda c, ps: print("assigned", len(ps), flush=True))
while True:
    consumer.poll(0.2)
"""


def test_partitions_of_a_killed_member_move_within_the_session_timeout():
    with Broker(extra_args=["--group-initial-rebalance-delay-ms", "1000"]) as broker:
        create_topic(broker.bootstrap, "jobs", PARTITIONS)
        survivor = GroupMember(broker.bootstrap, "crew", "jobs", "survivor")
        doomed = subprocess.Popen(
            [sys.executable, "-c", CRASHING_MEMBER, broker.bootstrap, "crew",
             str(SESSION_TIMEOUT_MS), "jobs"], stdout=subprocess.PIPE)
        try:
            wait_for(lambda: 0 < len(survivor.assignment) < PARTITIONS, 30,
                     "the survivor and the doomed member to share the partitions")
            doomed.send_signal(signal.SIGKILL)
            doomed.wait()
            killed_at = time.monotonic()
            took_over = wait_for(lambda: len(survivor.assignment) == PARTITIONS,
                                 SESSION_TIMEOUT_MS / 1000 + 5, "the survivor to own everything")
            # Expiry after the session timeout, then one rebalance round.
            assert took_over - killed_at < SESSION_TIMEOUT_MS / 1000 + 5
        finally:
            doomed.kill()
            survivor.close()


def test_committed_offsets_survive_a_broker_sigkill_and_consumption_resumes_there():
    with Broker(extra_args=["--group-initial-rebalance-delay-ms", "0"]) as broker:
        create_topic(broker.bootstrap, "ledger", 2)
        produce(broker.bootstrap, "ledger", [f"entry-{i}" for i in range(1000)])

        consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "auditors",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe(["ledger"])
        next_offsets = {}
        while len(next_offsets) < 2 or sum(next_offsets.values()) < 300:
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                next_offsets[message.partition()] = message.offset() + 1
        committed_list = consumer.commit(
            offsets=[TopicPartition("ledger", p, o) for p, o in next_offsets.items()],
            asynchronous=False)
        committed = {tp.partition: tp.offset for tp in committed_list}
        consumer.close()
        assert committed == next_offsets

        broker.kill()
        broker.start()
        # Fresh records in both partitions, so that each has something after its commit.
        producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
        for partition in range(2):
            producer.produce("ledger", value=b"after-restart", partition=partition)
        assert producer.flush(30) == 0

        resumed = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "auditors",
                            "auto.offset.reset": "earliest", "enable.auto.commit": False})
        resumed.subscribe(["ledger"])
        first_offsets = {}
        deadline = time.monotonic() + 30
        while len(first_offsets) < 2 and time.monotonic() < deadline:
            message = resumed.poll(1.0)
            if message is not None and not message.error():
                first_offsets.setdefault(message.partition(), message.offset())
        listed = resumed.committed([TopicPartition("ledger", p) for p in range(2)], timeout=10)
        resumed.close()
        assert first_offsets == committed
        assert {tp.partition: tp.offset for tp in listed} == committed


def test_kafka_python_group_consumes_every_message():
    with Broker(extra_args=["--group-initial-rebalance-delay-ms", "0"]) as broker:
        create_topic(broker.bootstrap, "py-group", 3)
        values = [f"py-{i}" for i in range(1500)]
        produce(broker.bootstrap, "py-group", values)
        consumer = KafkaConsumer("py-group", bootstrap_servers=broker.bootstrap,
                                 group_id="py-readers", auto_offset_reset="earliest",
                                 consumer_timeout_ms=10000)
        received = [message.value.decode() for message in consumer]
        consumer.commit()
        committed = {p: consumer.committed(p) for p in consumer.assignment()}
        consumer.close()
        assert sorted(received) == sorted(values)
        assert sum(committed.values()) == len(values)


class PythonGroupMember:
    """A kafka-python consumer polling on its own thread, recording what it gets."""

    def __init__(self, bootstrap, group, topic, name):
        self.received = []
        self.assignment = set()
        self._stop = threading.Event()
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, client_id=name,
            auto_offset_reset="earliest", session_timeout_ms=SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=500, enable_auto_commit=True, auto_commit_interval_ms=200)
        self._consumer.subscribe([topic])
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            batches = self._consumer.poll(timeout_ms=200)
            # The assignment as of this poll: a rebalance happens inside poll().
            self.assignment = {tp.partition for tp in self._consumer.assignment()}
            for records in batches.values():
                self.received.extend((r.partition, r.offset, r.value) for r in records)

    def close(self):
        self._stop.set()
        self._thread.join()
        self._consumer.close()  # commits, then sends LeaveGroup


def test_kafka_python_three_members_share_six_partitions_and_take_over_when_one_leaves():
    with Broker(extra_args=["--group-initial-rebalance-delay-ms", "1000"]) as broker:
        create_topic(broker.bootstrap, "py-work", PARTITIONS)
        members = [PythonGroupMember(broker.bootstrap, "py-workers", "py-work", f"p{i}")
                   for i in range(3)]
        try:
            wait_for(lambda: balanced(members) and all(len(m.assignment) == 2 for m in members),
                     30, "three kafka-python members to split six partitions")

            first = [f"first-{i}" for i in range(3000)]
            produce(broker.bootstrap, "py-work", first)
            wait_for(lambda: sum(len(m.received) for m in members) >= len(first), 60,
                     "the first batch to be consumed")
            time.sleep(0.5)
            values = [v.decode() for m in members for _, _, v in m.received]
            assert sorted(values) == sorted(first), "each message exactly once while stable"

            leaving = members.pop()
            leaving.close()
            wait_for(lambda: balanced(members), SESSION_TIMEOUT_MS / 1000,
                     "the two remaining members to own all six partitions")

            second = [f"second-{i}" for i in range(1500)]
            produce(broker.bootstrap, "py-work", second)
            wait_for(lambda: {v.decode() for m in members for _, _, v in m.received} >= set(second),
                     60, "the remaining members to consume the second batch")
        finally:
            for member in members:
                member.close()
