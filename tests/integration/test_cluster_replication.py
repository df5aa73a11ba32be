"""Replication in a three-broker cluster with a real etcd: partitions with three replicas
fail over with nothing acknowledged lost.

- Leader kill: an idempotent acks=all producer writes without pause while the partition's
  leader is killed with SIGKILL, round after round (SLUICE_FAILOVER_ROUNDS, 10 by default;
  docs/cluster.md has the long campaign). Another in-sync replica takes over; every
  acknowledged record is read back exactly once at the offset it was acknowledged with.
- Zombie leader: the leader is stopped with SIGSTOP past its lease, another is elected, and
  the old one resumes: it acknowledges nothing more, steps down, truncates and rejoins.
- min.insync.replicas: with two replicas gone an acks=all write is refused with
  NOT_ENOUGH_REPLICAS while acks=1 still works; the ISR grows back when they return."""
import os
import signal
import statistics
import threading
import time

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

from test_cluster import Cluster, create_topic, etcd  # noqa: F401 (etcd is a fixture)

NOT_ENOUGH_REPLICAS = 19


@pytest.fixture
def cluster(etcd):  # noqa: F811
    running = Cluster(etcd, extra_args=["--replica-lag-time-max-ms", "3000"]).start()
    yield running
    running.close()


class AckedLoad:
    """An idempotent acks=all producer writing numbered values as fast as it can, keeping what
    was acknowledged (value -> (partition, offset)) and when."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.producer = Producer({"bootstrap.servers": bootstrap, "acks": "all",
                                  "enable.idempotence": True, "linger.ms": 2,
                                  "message.timeout.ms": 120000, "retry.backoff.ms": 50,
                                  "topic.metadata.refresh.interval.ms": 1000})
        self.acked = {}
        self.ack_times = []  # (acknowledged at, sent at)
        self.failed = []
        self.sent = 0
        self.send_times = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def delivered(self, err, msg):
        if err:
            self.failed.append(err)
            return
        value = msg.value().decode()
        assert value not in self.acked, f"{value} acknowledged twice"
        self.acked[value] = (msg.partition(), msg.offset())
        self.ack_times.append((time.monotonic(), self.send_times.pop(value)))

    def run(self):
        while not self.stopping.is_set():
            value = f"v-{self.sent}"
            self.send_times[value] = time.monotonic()
            try:
                self.producer.produce(self.topic, value=value.encode(), on_delivery=self.delivered)
                self.sent += 1
            except BufferError:
                pass
            self.producer.poll(0.001)
        self.producer.flush(120)

    def start(self):
        self.thread.start()
        return self

    def first_ack_sent_after(self, moment, timeout=30.0):
        """How long after `moment` the first record sent after it was acknowledged."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for acked_at, sent_at in list(self.ack_times):
                if sent_at > moment:
                    return acked_at - moment
            time.sleep(0.01)
        raise TimeoutError("no acknowledgement after the failover")

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=150)


def read_all(bootstrap, topic, partitions=1):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "check-" + topic,
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    records, ended = [], set()
    deadline = time.monotonic() + 60
    while len(ended) < partitions and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            assert message.error().code() == KafkaError._PARTITION_EOF, message.error()
            ended.add(message.partition())
            continue
        records.append((message.value().decode(), message.partition(), message.offset()))
    consumer.close()
    return records


def check_nothing_acknowledged_lost(load, records):
    assert not load.failed, load.failed[:3]
    values = [value for value, _, _ in records]
    assert len(values) == len(set(values)), "a record was written twice"
    positions = {(partition, offset) for _, partition, offset in records}
    assert len(positions) == len(records), "an offset was used twice"
    read = {value: (partition, offset) for value, partition, offset in records}
    lost = [value for value in load.acked if value not in read]
    assert not lost, f"{len(lost)} acknowledged records lost, e.g. {lost[:3]}"
    moved = [value for value, where in load.acked.items() if read[value] != where]
    assert not moved, f"records read at other offsets than acknowledged: {moved[:3]}"


def leader_of(cluster, topic, ask):
    md = cluster.metadata(ask, topic)
    return md.topics[topic].partitions[0]


def wait_for_full_isr(cluster, topic, ask, timeout=40.0):
    cluster.wait_for(lambda md: sorted(md.topics[topic].partitions[0].isrs) == [1, 2, 3] and
                     md.topics[topic].partitions[0].leader > 0,
                     "every replica in sync", node=ask, topic=topic, timeout=timeout)


def test_a_killed_leader_is_replaced_and_nothing_acknowledged_is_lost(cluster):
    rounds = int(os.environ.get("SLUICE_FAILOVER_ROUNDS", "10"))
    create_topic(cluster.bootstrap(1), "failover", 1)
    wait_for_full_isr(cluster, "failover", 1)
    load = AckedLoad(cluster.bootstrap(1), "failover").start()
    failovers = []
    try:
        for _ in range(rounds):
            victim = leader_of(cluster, "failover", 1 if cluster.brokers[1].process.poll() is None
                               else 2).leader
            witness = next(node for node in cluster.brokers if node != victim)
            time.sleep(0.5)  # load flowing through the victim
            killed_at = time.monotonic()
            cluster.brokers[victim].kill()
            failovers.append(load.first_ack_sent_after(killed_at))
            cluster.wait_for(lambda md: md.topics["failover"].partitions[0].leader not in
                             (victim, -1), "a new leader", node=witness, topic="failover")
            cluster.brokers[victim].start(timeout=30)
            wait_for_full_isr(cluster, "failover", witness)
    finally:
        load.stop()
    print(f"\nfailover over {rounds} leader kills (kill to the first acknowledgement of a "
          f"record sent after it): min {min(failovers):.2f} s, median "
          f"{statistics.median(failovers):.2f} s, max {max(failovers):.2f} s; "
          f"{len(load.acked)} records acknowledged")
    assert max(failovers) < 10
    check_nothing_acknowledged_lost(load, read_all(cluster.bootstrap(witness), "failover"))


def test_a_zombie_leader_acknowledges_nothing_after_it_is_replaced_and_rejoins(cluster):
    create_topic(cluster.bootstrap(1), "zombie", 1)
    wait_for_full_isr(cluster, "zombie", 1)
    zombie = leader_of(cluster, "zombie", 1).leader
    witness = next(node for node in cluster.brokers if node != zombie)
    load = AckedLoad(cluster.bootstrap(witness), "zombie").start()
    try:
        time.sleep(1)
        os.kill(cluster.brokers[zombie].process.pid, signal.SIGSTOP)
        try:
            stopped_at = time.monotonic()
            cluster.wait_for(lambda md: md.topics["zombie"].partitions[0].leader not in
                             (zombie, -1), "another leader", node=witness, topic="zombie")
            time.sleep(1)
        finally:
            os.kill(cluster.brokers[zombie].process.pid, signal.SIGCONT)
        # The requests the zombie held while stopped are answered now, by a broker that no
        # longer leads; the producer goes on with the new leader.
        load.first_ack_sent_after(stopped_at)
        # It steps down, truncates what it alone had, and catches up into the ISR again.
        wait_for_full_isr(cluster, "zombie", witness)
        time.sleep(1)
    finally:
        load.stop()
    assert leader_of(cluster, "zombie", witness).leader != zombie
    log = cluster.brokers[zombie].log(tail=0)
    assert "truncated topic=zombie" in log, log[-3000:]
    check_nothing_acknowledged_lost(load, read_all(cluster.bootstrap(witness), "zombie"))


def produce_one(bootstrap, topic, acks):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": acks, "retries": 0,
                         "enable.idempotence": False, "message.timeout.ms": 10000})
    outcome = []
    producer.produce(topic, value=b"x", on_delivery=lambda err, msg: outcome.append(err))
    producer.flush(15)
    return outcome[0]


def test_min_insync_replicas_refuses_acks_all_until_enough_replicas_are_back(cluster):
    create_topic(cluster.bootstrap(1), "guarded", 1)
    wait_for_full_isr(cluster, "guarded", 1)
    leader = leader_of(cluster, "guarded", 1).leader
    followers = [node for node in cluster.brokers if node != leader]
    for node in followers:
        cluster.brokers[node].kill()
    cluster.wait_for(lambda md: md.topics["guarded"].partitions[0].isrs == [leader],
                     "the ISR down to the leader", node=leader, topic="guarded")
    error = produce_one(cluster.bootstrap(leader), "guarded", "all")
    assert error is not None and error.code() == NOT_ENOUGH_REPLICAS, error
    assert produce_one(cluster.bootstrap(leader), "guarded", "1") is None
    for node in followers:
        cluster.brokers[node].start(timeout=30)
    wait_for_full_isr(cluster, "guarded", leader)
    assert produce_one(cluster.bootstrap(leader), "guarded", "all") is None
