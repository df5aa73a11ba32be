"""Cluster mode with a real etcd: three `sluice serve --etcd` brokers on loopback.

Topics are placed over the brokers by the controller (three replicas each by default); kcat
and confluent-kafka produce and consume through any one broker (clients follow Metadata to
each partition's leader); a consumer group of three members reads every message exactly
once; a partition with a single replica goes offline with its broker and comes back with
its data and a new leader epoch when it restarts. Failover of replicated partitions is in
test_cluster_replication.py."""
import json
import struct
import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic

import kafka_wire
from etcd_server import EtcdServer
from sluice_broker import Broker

NOT_LEADER_OR_FOLLOWER = 6
COORDINATOR_NOT_AVAILABLE = 15
INVALID_REPLICATION_FACTOR = 38
LIST_OFFSETS = 2
INIT_PRODUCER_ID = 22


class Cluster:
    def __init__(self, etcd, size=3, extra_args=()):
        self.name = "it-" + uuid.uuid4().hex[:8]
        self.etcd = etcd
        self.extra_args = list(extra_args)
        self.brokers = {}
        for node in range(1, size + 1):
            self.brokers[node] = Broker(extra_args=self.args(node))

    def args(self, node):
        return ["--etcd", self.etcd.endpoint, "--cluster", self.name, "--node-id", str(node),
                "--lease-ttl", "2", "--group-initial-rebalance-delay-ms", "0"] + self.extra_args

    def start(self):
        for broker in self.brokers.values():
            broker.start(timeout=30)
        self.wait_for(lambda md: len(md.brokers) == len(self.brokers), "every broker registered")
        return self

    def bootstrap(self, node):
        return self.brokers[node].bootstrap

    def metadata(self, node=1, topic=None):
        admin = AdminClient({"bootstrap.servers": self.bootstrap(node)})
        return admin.list_topics(topic=topic, timeout=10)

    def wait_for(self, ready, what, node=1, topic=None, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                md = self.metadata(node, topic)
                if ready(md):
                    return md
            except Exception:  # a broker starting or stopping: ask again
                pass
            time.sleep(0.2)
        raise TimeoutError(f"not within {timeout}s: {what}")

    def close(self):
        for broker in self.brokers.values():
            broker.close()


@pytest.fixture(scope="module")
def etcd():
    with EtcdServer() as server:
        yield server


@pytest.fixture
def cluster(etcd):
    running = Cluster(etcd).start()
    yield running
    running.close()


def create_topic(bootstrap, name, partitions, replication_factor=-1):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, replication_factor)])
    futures[name].result(timeout=30)


def produce(bootstrap, topic, count, prefix="m"):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all",
                         "enable.idempotence": True, "linger.ms": 5})
    failures = []
    for i in range(count):
        producer.produce(topic, key=str(i).encode(), value=f"{prefix}-{i}".encode(),
                         on_delivery=lambda err, msg: err and failures.append(err))
        producer.poll(0)
    assert producer.flush(30) == 0
    assert not failures, failures


def list_offsets_error(bootstrap, topic, partition):
    body = struct.pack(">i", -1) + kafka_wire.array(
        [kafka_wire.string(topic) + kafka_wire.array([struct.pack(">iq", partition, -1)])])
    reply = kafka_wire.call(bootstrap, LIST_OFFSETS, 1, body)
    topics = reply.array(lambda: (reply.string(), reply.array(
        lambda: (reply.int32(), reply.int16(), reply.take(">q"), reply.take(">q")))))
    return topics[0][1][0][1]


def init_producer_id_error(bootstrap):
    reply = kafka_wire.call(bootstrap, INIT_PRODUCER_ID, 0,
                            kafka_wire.nullable_string(None) + struct.pack(">i", 60000))
    reply.int32()
    return reply.int16()


def init_producer_id(bootstrap):
    reply = kafka_wire.call(bootstrap, INIT_PRODUCER_ID, 0,
                            kafka_wire.nullable_string(None) + struct.pack(">i", 60000))
    reply.int32()
    assert reply.int16() == 0
    return reply.take(">q")


def test_metadata_lists_every_broker_and_one_controller_through_any_broker(cluster):
    for node in cluster.brokers:
        md = cluster.metadata(node)
        assert sorted(md.brokers) == [1, 2, 3]
        assert md.controller_id in (1, 2, 3)
        assert {b.port for b in md.brokers.values()} == {
            b.kafka_port for b in cluster.brokers.values()}
    ids = {cluster.metadata(node).cluster_id for node in cluster.brokers}
    assert len(ids) == 1 and len(ids.pop()) == 22


def test_a_topic_spreads_its_leaders_and_every_client_reaches_them_through_one_broker(cluster):
    create_topic(cluster.bootstrap(1), "spread", 6)
    md = cluster.wait_for(
        lambda md: len(md.topics["spread"].partitions) == 6 and
        all(p.leader > 0 for p in md.topics["spread"].partitions.values()),
        "leaders for every partition", node=2, topic="spread")
    leaders = {p.leader for p in md.topics["spread"].partitions.values()}
    assert leaders == {1, 2, 3}
    for p in md.topics["spread"].partitions.values():
        assert sorted(p.replicas) == [1, 2, 3] and p.leader == p.replicas[0]
        assert sorted(p.isrs) == [1, 2, 3]

    produce(cluster.bootstrap(2), "spread", 3000)
    # kcat, bootstrapped from the third broker only, reads all of it back.
    out = subprocess.run(
        ["kcat", "-C", "-b", cluster.bootstrap(3), "-t", "spread", "-o", "beginning", "-e",
         "-q", "-f", "%s\n"], capture_output=True, text=True, timeout=60, check=True).stdout
    values = out.split()
    assert sorted(values) == sorted(f"m-{i}" for i in range(3000))

    # A partition asked of a broker that does not lead it: the client must go elsewhere.
    partition = next(p for p in md.topics["spread"].partitions.values() if p.leader != 1)
    assert list_offsets_error(cluster.bootstrap(1), "spread", partition.id) == \
        NOT_LEADER_OR_FOLLOWER


def test_a_consumer_group_of_three_reads_every_message_exactly_once(cluster):
    create_topic(cluster.bootstrap(3), "grouped", 6)
    produce(cluster.bootstrap(1), "grouped", 1200)
    seen = []
    consumers = [Consumer({"bootstrap.servers": cluster.bootstrap(node), "group.id": "g3",
                           "auto.offset.reset": "earliest", "enable.auto.commit": True})
                 for node in (1, 2, 3)]
    for consumer in consumers:
        consumer.subscribe(["grouped"])
    deadline = time.monotonic() + 60
    while len(seen) < 1200 and time.monotonic() < deadline:
        for consumer in consumers:
            message = consumer.poll(0.2)
            if message is None:
                continue
            if message.error():
                assert message.error().code() == KafkaError._PARTITION_EOF, message.error()
                continue
            seen.append(message.value().decode())
    assignments = [len(c.assignment()) for c in consumers]
    for consumer in consumers:
        consumer.close()
    assert len(seen) == 1200 and len(set(seen)) == 1200
    assert sum(assignments) == 6 and all(n > 0 for n in assignments)


def test_a_single_replica_partition_comes_back_with_its_data_and_a_new_epoch(cluster):
    create_topic(cluster.bootstrap(1), "survive", 3, replication_factor=1)
    produce(cluster.bootstrap(1), "survive", 300)
    md = cluster.metadata(1, "survive")
    victim = md.topics["survive"].partitions[0].leader
    survivor = next(node for node in cluster.brokers if node != victim)
    cluster.brokers[victim].kill()
    # Its lease (2 s) runs out: the controller takes the partition offline, as no other
    # replica holds its data (no unclean election).
    cluster.wait_for(lambda md: victim not in md.brokers and
                     md.topics["survive"].partitions[0].leader == -1,
                     "the partition offline", node=survivor, topic="survive")
    cluster.brokers[victim].start(timeout=30)
    md = cluster.wait_for(lambda md: md.topics["survive"].partitions[0].leader == victim,
                          "the partition led again", node=survivor, topic="survive")
    out = subprocess.run(
        ["kcat", "-C", "-b", cluster.bootstrap(survivor), "-t", "survive", "-o", "beginning",
         "-e", "-q", "-f", "%s\n"], capture_output=True, text=True, timeout=60, check=True)
    assert sorted(out.stdout.split()) == sorted(f"m-{i}" for i in range(300))


def test_cluster_status_shows_the_controller_and_every_partitions_placement(cluster):
    create_topic(cluster.bootstrap(1), "shown", 3)
    broker = cluster.brokers[2]
    out = subprocess.run(
        [broker_bin(), "cluster", "status", "--partitions", "--format", "json",
         "--brokers", broker.bootstrap, "--admin-url", broker.admin_url],
        capture_output=True, text=True, timeout=30, check=True).stdout
    status = json.loads(out)
    assert [b["id"] for b in status["brokers"]] == [1, 2, 3]
    assert status["broker_status"]["cluster"]["mode"] == "cluster"
    assert status["broker_status"]["cluster"]["controller"] in (1, 2, 3)
    assert status["broker_status"]["cluster"]["brokers"] == 3
    shown = [p for p in status["partition_list"] if p["topic"] == "shown"]
    assert len(shown) == 3 and all(p["leader"] in (1, 2, 3) for p in shown)
    assert status["offline_partitions"] == []


def test_leaders_keep_serving_while_etcd_is_unreachable_for_10_s(cluster):
    create_topic(cluster.bootstrap(1), "no-etcd", 3)
    producer = Producer({"bootstrap.servers": cluster.bootstrap(1), "acks": "all",
                         "enable.idempotence": True, "linger.ms": 5})
    acked, failed = [], []

    def delivered(err, msg):
        (failed if err else acked).append(err or msg.value())

    # An existing producer: its id was taken before etcd went away (a new idempotent
    # producer needs etcd for its id block).
    producer.produce("no-etcd", value=b"m-0", on_delivery=delivered)
    assert producer.flush(30) == 0
    sent = 1
    cluster.etcd.pause()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            producer.produce("no-etcd", value=f"m-{sent}".encode(), on_delivery=delivered)
            sent += 1
            producer.poll(0.01)
        assert producer.flush(10) == 0
        acked_while_down = len(acked)
        # A new producer cannot have an id now (its block would come from etcd): a retriable
        # COORDINATOR_NOT_AVAILABLE, not a disk error.
        assert init_producer_id_error(cluster.bootstrap(2)) == COORDINATOR_NOT_AVAILABLE
    finally:
        cluster.etcd.resume()
    # Every record sent while etcd was away was acknowledged then, by the leaders alone.
    assert not failed, failed[:3]
    assert acked_while_down == sent
    # And the brokers find their way back: same three brokers, every partition led.
    cluster.wait_for(lambda md: len(md.brokers) == 3 and
                     all(p.leader > 0 for p in md.topics["no-etcd"].partitions.values()),
                     "the cluster back", topic="no-etcd")
    out = subprocess.run(
        ["kcat", "-C", "-b", cluster.bootstrap(2), "-t", "no-etcd", "-o", "beginning", "-e",
         "-q", "-f", "%s\n"], capture_output=True, text=True, timeout=60, check=True)
    assert sorted(out.stdout.split()) == sorted(f"m-{i}" for i in range(sent))


def test_producer_ids_are_unique_across_brokers(cluster):
    ids = [init_producer_id(cluster.bootstrap(node)) for node in (1, 2, 3, 1, 2, 3)]
    assert len(set(ids)) == len(ids)


def test_a_replication_factor_above_the_live_brokers_is_refused(cluster):
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap(1)})
    futures = admin.create_topics([NewTopic("replicated", 1, 4)])
    with pytest.raises(Exception) as error:
        futures["replicated"].result(timeout=30)
    assert error.value.args[0].code() == INVALID_REPLICATION_FACTOR


def test_a_cluster_data_directory_is_refused_by_a_single_node(cluster):
    broker = cluster.brokers[1]
    broker.stop()
    single = subprocess.run(
        [broker_bin(), "serve", "--data-dir", str(broker.data_dir / "data"),
         "--kafka-listen", "127.0.0.1:0", "--sqs-listen", "127.0.0.1:0",
         "--admin-listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    assert single.returncode != 0
    assert "belongs to node 1 of cluster" in single.stdout + single.stderr


def broker_bin():
    from sluice_broker import SLUICE_BIN
    return SLUICE_BIN
