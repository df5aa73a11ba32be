"""An idempotent confluent-kafka producer keeps producing while the broker is SIGKILLed and
restarted under it: every message arrives exactly once, in order within its partition."""
import threading
import time

from confluent_kafka import Producer

from kafka_helpers import consume_all, create_topic
from sluice_broker import Broker

MESSAGES = 20_000
PARTITIONS = 3


def test_idempotent_producer_survives_broker_restarts_without_duplicates_or_loss():
    with Broker() as broker:
        create_topic(broker.bootstrap, "exactly-once", PARTITIONS)
        errors = []
        producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                             "acks": "all", "linger.ms": 5, "message.timeout.ms": 120000,
                             "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 500})

        def on_delivery(err, msg):
            if err is not None:
                errors.append(err)

        def restarts():
            for _ in range(3):
                time.sleep(0.7)
                broker.restart_on_same_port()

        chaos = threading.Thread(target=restarts)
        chaos.start()
        # A steady 5,000 messages a second for four seconds, so the three restarts land in
        # the middle of the stream.
        started = time.monotonic()
        for i in range(MESSAGES):
            while True:
                try:
                    producer.produce("exactly-once", key=str(i % 101).encode(),
                                     value=str(i).encode(), on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
            ahead = started + i / 5000 - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        chaos.join()
        assert producer.flush(120) == 0
        assert errors == []

        records = consume_all(broker.bootstrap, "exactly-once", PARTITIONS)
    values = [int(value) for partition in records.values() for _, value, _ in partition]
    assert len(values) == MESSAGES, f"{len(values) - len(set(values))} duplicates"
    assert sorted(values) == list(range(MESSAGES))
    for partition, entries in records.items():
        sequence = [int(value) for _, value, _ in entries]
        assert sequence == sorted(sequence), f"partition {partition} out of order"
