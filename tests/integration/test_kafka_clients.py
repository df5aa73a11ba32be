"""confluent-kafka and kafka-python producers with every compression codec, acks=all."""
import struct
from pathlib import Path

import pytest
from confluent_kafka import Producer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from kafka_helpers import consume_all, create_topic

CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def stored_codecs(broker, topic):
    """The compression codec of every batch stored on disk for `topic`."""
    codecs = set()
    for log in sorted((broker.data_dir / "data" / "topics" / topic).glob("*/*.log")):
        data = log.read_bytes()
        position = 0
        while position + 61 <= len(data):
            (length,) = struct.unpack_from(">i", data, position + 8)
            (attributes,) = struct.unpack_from(">h", data, position + 21)
            codecs.add(attributes & 0x7)
            position += 12 + length
    return codecs


@pytest.mark.parametrize("codec", list(CODEC_IDS))
def test_confluent_kafka_producer_round_trips_with_codec(broker, codec):
    topic = f"confluent-{codec}"
    create_topic(broker.bootstrap, topic, 3)
    errors = []
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                         "compression.type": codec, "linger.ms": 20})
    # Compressible values: librdkafka sends a batch uncompressed when compression would
    # not make it smaller.
    sent = {(f"value-{i}-" + "abc" * 40).encode(): f"key-{i % 13}".encode() for i in range(3000)}
    for value, key in sent.items():
        producer.produce(topic, value=value, key=key,
                         on_delivery=lambda err, msg: err and errors.append(err))
    assert producer.flush(30) == 0
    assert errors == []

    records = consume_all(broker.bootstrap, topic, 3)
    received = {value: key for partition in records.values() for key, value, _ in partition}
    assert received == sent
    # librdkafka silently sends uncompressed when the broker's API versions look wrong: the
    # batches on disk must carry the codec that was asked for (a batch that compression
    # would not shrink may go plain).
    codecs = stored_codecs(broker, topic)
    assert CODEC_IDS[codec] in codecs
    assert codecs <= {0, CODEC_IDS[codec]}


@pytest.mark.parametrize("codec", [None, "gzip", "snappy", "lz4", "zstd"])
def test_kafka_python_producer_round_trips_with_codec(broker, codec):
    topic = f"kafka-python-{codec or 'none'}"
    create_topic(broker.bootstrap, topic, 2)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                             compression_type=codec, linger_ms=20)
    values = {(f"v{i}-" + "xyz" * 40).encode() for i in range(2000)}
    futures = [producer.send(topic, key=f"k{i % 7}".encode(), value=value)
               for i, value in enumerate(sorted(values))]
    producer.flush(30)
    metadata = [future.get(timeout=30) for future in futures]
    producer.close()
    assert len({(m.partition, m.offset) for m in metadata}) == 2000

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None,
                             enable_auto_commit=False, consumer_timeout_ms=5000)
    partitions = [TopicPartition(topic, p) for p in range(2)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    received = {message.value for message in consumer}
    consumer.close()
    assert received == values
    assert stored_codecs(broker, topic) == {CODEC_IDS[codec or "none"]}
