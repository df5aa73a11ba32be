"""SIGKILL during a concurrent SQS load, many times over, on the same data directory.

Each round, boto3 threads send (single and batched), receive and delete on a standard
queue; the broker is killed with SIGKILL at a random moment and restarted on the same data
directory. Every message whose send was acknowledged must then be receivable unless its
delete was acknowledged, and no message whose delete was acknowledged may ever come back.
A request the kill interrupted is in doubt: its message may or may not be there. Each round
ends by receiving and deleting everything, so the next round checks those deletes too.

CI runs a short campaign; SLUICE_KILL_ROUNDS=300 runs the long one (docs/operations.md)."""
import os
import random
import threading
import time

import boto3
from botocore.config import Config

from sluice_broker import Broker

ROUNDS = int(os.environ.get("SLUICE_KILL_ROUNDS", "10"))
SENDERS = 2
RECEIVERS = 2
LOAD_VISIBILITY_S = 1  # in flight at the kill: visible again this long after the receive
ROUND_CHECK_S = 12     # the check after a restart gives up after this


def make_client(broker):
    return boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10))


class Ledger:
    """What clients were told, across all rounds. Bodies are unique, so they name messages."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked_sends = {}        # body -> MessageId
        self.doubtful_sends = set()  # interrupted: maybe stored
        self.acked_deletes = set()   # bodies
        self.doubtful_deletes = set()
        self.next_body = 0

    def new_bodies(self, count, round_index):
        with self.lock:
            first = self.next_body
            self.next_body += count
        return [f"r{round_index:02d}-m{n:07d}" for n in range(first, first + count)]


def run_load(broker, url, ledger, round_index, stop):
    """Sender and receiver threads, running until `stop` is set."""

    def send(worker):
        client = make_client(broker)
        rng = random.Random(worker)
        while not stop.is_set():
            bodies = ledger.new_bodies(rng.choice([1, 10]), round_index)
            try:
                if len(bodies) == 1:
                    sent = client.send_message(QueueUrl=url, MessageBody=bodies[0])
                    ids = {bodies[0]: sent["MessageId"]}
                else:
                    result = client.send_message_batch(QueueUrl=url, Entries=[
                        {"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)])
                    assert result.get("Failed", []) == [], result["Failed"]
                    ids = {bodies[int(e["Id"])]: e["MessageId"] for e in result["Successful"]}
                with ledger.lock:
                    ledger.acked_sends.update(ids)
            except Exception:  # the kill: the send may or may not have been stored
                with ledger.lock:
                    ledger.doubtful_sends.update(bodies)
                return

    def receive_and_delete(worker):
        client = make_client(broker)
        use_batch = worker % 2 == 0
        while not stop.is_set():
            try:
                got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                             VisibilityTimeout=LOAD_VISIBILITY_S,
                                             WaitTimeSeconds=1).get("Messages", [])
            except Exception:
                return
            for start in range(0, len(got), 10 if use_batch else 1):
                chunk = got[start:start + (10 if use_batch else 1)]
                bodies = [m["Body"] for m in chunk]
                try:
                    if use_batch:
                        result = client.delete_message_batch(QueueUrl=url, Entries=[
                            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                            for i, m in enumerate(chunk)])
                        assert result.get("Failed", []) == [], result["Failed"]
                    else:
                        client.delete_message(QueueUrl=url,
                                              ReceiptHandle=chunk[0]["ReceiptHandle"])
                    with ledger.lock:
                        ledger.acked_deletes.update(bodies)
                except Exception:
                    with ledger.lock:
                        ledger.doubtful_deletes.update(bodies)
                    return

    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    threads += [threading.Thread(target=receive_and_delete, args=(i,)) for i in range(RECEIVERS)]
    for thread in threads:
        thread.start()
    return threads


def drain_and_check(broker, url, ledger):
    """Receives everything after a restart and deletes it; returns what came back. Messages
    in flight at the kill come back once their visibility timeout has run out."""
    client = make_client(broker)
    with ledger.lock:
        must_see = set(ledger.acked_sends) - ledger.acked_deletes - ledger.doubtful_deletes
        may_see = (set(ledger.acked_sends) | ledger.doubtful_sends) - ledger.acked_deletes
    seen = {}
    started = time.monotonic()
    while time.monotonic() - started < ROUND_CHECK_S:
        got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                     WaitTimeSeconds=1).get("Messages", [])
        for message in got:
            assert message["Body"] not in seen, f"{message['Body']} received twice"
            seen[message["Body"]] = message["MessageId"]
        if got:
            result = client.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
            assert result.get("Failed", []) == [], result["Failed"]
        elif must_see <= set(seen) and time.monotonic() - started > LOAD_VISIBILITY_S + 0.5:
            break
    missing = must_see - set(seen)
    assert not missing, f"{len(missing)} acknowledged sends lost, e.g. {sorted(missing)[:5]}"
    resurrected = set(seen) & ledger.acked_deletes
    assert not resurrected, f"acknowledged deletes came back: {sorted(resurrected)[:5]}"
    unexpected = set(seen) - may_see
    assert not unexpected, f"messages nobody sent: {sorted(unexpected)[:5]}"
    for body, message_id in seen.items():
        if body in ledger.acked_sends:
            assert message_id == ledger.acked_sends[body], body
    with ledger.lock:  # the drain's deletes were acknowledged
        ledger.acked_deletes.update(seen)
    return seen


def test_acknowledged_sends_and_deletes_survive_repeated_kills():
    seed = int(os.environ.get("SLUICE_TEST_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    print(f"seed {seed} (SLUICE_TEST_SEED reproduces the kill moments)")
    ledger = Ledger()
    with Broker() as broker:
        url = make_client(broker).create_queue(QueueName="crash")["QueueUrl"]
        for round_index in range(ROUNDS):
            round_start = time.monotonic()
            stop = threading.Event()
            threads = run_load(broker, url, ledger, round_index, stop)
            kill_after = rng.uniform(0.2, 1.5)
            time.sleep(kill_after)
            broker.kill()
            stop.set()
            for thread in threads:
                thread.join(timeout=15)
            assert not any(thread.is_alive() for thread in threads)
            broker.start()
            seen = drain_and_check(broker, url, ledger)
            print(f"round {round_index}: killed after {kill_after:.2f} s; "
                  f"{len(ledger.acked_sends)} sends and {len(ledger.acked_deletes)} deletes "
                  f"acknowledged so far, {len(ledger.doubtful_sends)} sends and "
                  f"{len(ledger.doubtful_deletes)} deletes in doubt; {len(seen)} messages "
                  f"left at the restart; round took {time.monotonic() - round_start:.1f} s")
        # The load really ran between the kills, and the kills cut requests short.
        assert len(ledger.acked_sends) > ROUNDS * 10
        assert ledger.doubtful_sends or ledger.doubtful_deletes
