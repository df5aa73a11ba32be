"""Produce with acks=all, SIGKILL the broker at a random moment, restart: every message
the broker acknowledged is still there, at the offset it was acknowledged with.

CI runs a short campaign; SLUICE_KILL_ROUNDS=300 runs the long one (docs/operations.md)."""
import os
import random
import threading
import time

from confluent_kafka import Producer

from kafka_helpers import consume_all, create_topic
from sluice_broker import Broker

ROUNDS = int(os.environ.get("SLUICE_KILL_ROUNDS", "10"))
PARTITIONS = 3


def produce_until(bootstrap, stop, acked, prefix):
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 2,
                         "message.timeout.ms": 1500, "retries": 0})

    def on_delivery(err, msg):
        if err is None:
            acked[msg.value()] = (msg.partition(), msg.offset())

    sequence = 0
    while not stop.is_set():
        try:
            producer.produce("durable", value=f"{prefix}-{sequence}".encode(), on_delivery=on_delivery)
            sequence += 1
        except BufferError:
            producer.poll(0.01)
        producer.poll(0)
    # The broker is dead: what it has not acknowledged by now never will be (its socket is
    # gone), so drop it rather than wait out message.timeout.ms.
    producer.purge()
    producer.flush(1)


def test_acknowledged_messages_survive_repeated_sigkills():
    seed = int(os.environ.get("SLUICE_TEST_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    print(f"seed {seed} (SLUICE_TEST_SEED reproduces the kill moments), {ROUNDS} rounds")
    acked = {}
    with Broker() as broker:
        create_topic(broker.bootstrap, "durable", PARTITIONS)
        for round_number in range(ROUNDS):
            stop = threading.Event()
            producer = threading.Thread(target=produce_until,
                                        args=(broker.bootstrap, stop, acked, f"r{round_number}"))
            producer.start()
            time.sleep(rng.uniform(0.2, 0.8))
            broker.kill()
            stop.set()
            producer.join()
            broker.start()
        # A long campaign leaves millions of records; Python reads them at about 100,000/s.
        records = consume_all(broker.bootstrap, "durable", PARTITIONS,
                              timeout=60 + len(acked) / 20_000)

    assert len(acked) > ROUNDS * 10, "the producer barely ran"
    stored = {}
    for partition, entries in records.items():
        for _, value, offset in entries:
            stored[value] = (partition, offset)
    lost = [value for value in acked if value not in stored]
    assert lost == []
    moved = [value for value, place in acked.items() if stored[value] != place]
    assert moved == []
    print(f"{len(acked)} records acknowledged over {ROUNDS} kills, all read back in place")
