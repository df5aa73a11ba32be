"""Small helpers over the real Kafka clients used by the tests."""
import time

from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def create_topic(bootstrap, name, partitions, config=None):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, partitions, 1, config=config or {})])
    futures[name].result(timeout=30)


def consume_all(bootstrap, topic, partitions, timeout=60.0):
    """Every record of every partition from the beginning: {partition: [(key, value, offset)]}."""
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "sluice-test-reader",
        "enable.auto.commit": False,
        "enable.partition.eof": True,
    })
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    records = {p: [] for p in range(partitions)}
    at_eof = set()
    deadline = time.monotonic() + timeout
    while len(at_eof) < partitions and time.monotonic() < deadline:
        message = consumer.poll(1.0)
        if message is None:
            continue
        if message.error():
            if message.error().code() == KafkaError._PARTITION_EOF:
                at_eof.add(message.partition())
                continue
            raise RuntimeError(message.error())
        at_eof.discard(message.partition())
        records[message.partition()].append((message.key(), message.value(), message.offset()))
    consumer.close()
    if len(at_eof) < partitions:
        raise TimeoutError(f"only partitions {sorted(at_eof)} reached their end")
    return records
