"""FIFO queues under concurrency, with boto3 (Debian's 1.26, query protocol):

- 10 message groups x 1,000 messages, sent with SendMessageBatch from 4 threads while 4
  other threads receive and delete, come out in per-group order, each exactly once, and
  no group is ever held by two receives at once;
- a repeated MessageDeduplicationId within the 5-minute window is acknowledged with the
  first send's MessageId but enqueued once, also after that message was deleted and after
  the broker was killed and restarted."""
import threading
import time
from collections import defaultdict

import boto3
import pytest
from botocore.config import Config

from sluice_broker import Broker

GROUPS = 10
PER_GROUP = 1000
SENDERS = 4
RECEIVERS = 4
# The whole concurrent run must finish within this, on a loaded 2-core machine.
DEADLINE_S = 80


def make_client(broker):
    return boto3.client(
        "sqs", endpoint_url=broker.sqs_endpoint, region_name="us-east-1",
        aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30,
                      max_pool_connections=2))


def body(group, index):
    return f"g{group}:{index:04d}"


def sender_entries(groups):
    """The thread's messages, in the order it sends them: round by round over its groups,
    so every batch mixes groups and each group's messages go out in index order."""
    entries = []
    for index in range(PER_GROUP):
        for group in groups:
            entries.append({"MessageBody": body(group, index), "MessageGroupId": f"g{group}",
                            "MessageDeduplicationId": f"{group}-{index}"})
    return entries


class GroupChecker:
    """What the receivers saw. A group is held from the receive that returned it until the
    receiver lets it go, which it does just before its DeleteMessageBatch: the broker frees
    the group only once that delete is done, so a receive that still finds the group held
    got a group another receive had in flight."""

    def __init__(self):
        self.lock = threading.Lock()
        self.held_by = {}
        self.violations = []
        self.bodies = defaultdict(list)
        self.sequence_numbers = defaultdict(list)
        self.count = 0

    def received(self, receiver, messages):
        with self.lock:
            groups = {m["Attributes"]["MessageGroupId"] for m in messages}
            for group in groups:
                if group in self.held_by:
                    self.violations.append((group, self.held_by[group], receiver))
                self.held_by[group] = receiver
            for m in messages:
                group = m["Attributes"]["MessageGroupId"]
                self.bodies[group].append(m["Body"])
                self.sequence_numbers[group].append(int(m["Attributes"]["SequenceNumber"]))
            self.count += len(messages)

    def release(self, receiver, messages):
        with self.lock:
            for group in {m["Attributes"]["MessageGroupId"] for m in messages}:
                if self.held_by.get(group) == receiver:
                    del self.held_by[group]


def test_groups_keep_order_and_are_never_in_flight_twice(broker):
    setup = make_client(broker)
    url = setup.create_queue(QueueName="load.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    total = GROUPS * PER_GROUP
    started = time.monotonic()
    deadline = started + DEADLINE_S
    errors = []
    sent_sequence = defaultdict(list)  # group -> sequence numbers in send order
    sent_lock = threading.Lock()
    checker = GroupChecker()

    def send(thread_index):
        try:
            client = make_client(broker)
            entries = sender_entries(range(thread_index, GROUPS, SENDERS))
            for start in range(0, len(entries), 10):
                if time.monotonic() > deadline:
                    raise TimeoutError("sending did not finish in time")
                chunk = entries[start:start + 10]
                result = client.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), **entry} for i, entry in enumerate(chunk)])
                assert result.get("Failed", []) == [], result["Failed"]
                by_id = {int(e["Id"]): e for e in result["Successful"]}
                assert sorted(by_id) == list(range(len(chunk)))
                with sent_lock:
                    for i, entry in enumerate(chunk):
                        sent_sequence[entry["MessageGroupId"]].append(
                            int(by_id[i]["SequenceNumber"]))
        except Exception as error:  # reported by the main thread
            errors.append(("sender", thread_index, repr(error)))

    def receive(receiver):
        try:
            client = make_client(broker)
            while time.monotonic() < deadline:
                with checker.lock:
                    if checker.count >= total:
                        return
                got = client.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                    VisibilityTimeout=120,
                    AttributeNames=["MessageGroupId", "SequenceNumber"]).get("Messages", [])
                if not got:
                    continue
                checker.received(receiver, got)
                checker.release(receiver, got)
                deleted = client.delete_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(got)])
                assert deleted.get("Failed", []) == [], deleted["Failed"]
            raise TimeoutError("receiving did not finish in time")
        except Exception as error:
            errors.append(("receiver", receiver, repr(error)))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(SENDERS)]
    threads += [threading.Thread(target=receive, args=(i,)) for i in range(RECEIVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_S + 30)
    elapsed = time.monotonic() - started
    print(f"{total} FIFO messages sent by {SENDERS} threads and received by {RECEIVERS} "
          f"in {elapsed:.1f} s")
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert checker.violations == []
    assert checker.count == total
    for group in range(GROUPS):
        name = f"g{group}"
        assert checker.bodies[name] == [body(group, i) for i in range(PER_GROUP)], name
        # Sequence numbers grow within a group, in send order, and come back as sent.
        assert sent_sequence[name] == sorted(sent_sequence[name])
        assert len(set(sent_sequence[name])) == PER_GROUP
        assert checker.sequence_numbers[name] == sent_sequence[name]
    assert "Messages" not in setup.receive_message(QueueUrl=url, WaitTimeSeconds=0)


def receive_bodies(sqs, url):
    """Every message now receivable (deleted as they come), until a 1 s long poll is empty."""
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                  WaitTimeSeconds=1).get("Messages", [])
        if not got:
            return bodies
        bodies += [m["Body"] for m in got]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])


def test_duplicate_dedup_ids_are_acknowledged_but_enqueued_once():
    with Broker() as broker:
        sqs = make_client(broker)
        url = sqs.create_queue(QueueName="dedup.fifo",
                               Attributes={"FifoQueue": "true"})["QueueUrl"]
        first = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g",
                                 MessageDeduplicationId="d1")
        # Same id, another body: SQS acknowledges it as the first message.
        again = sqs.send_message(QueueUrl=url, MessageBody="one, again", MessageGroupId="g",
                                 MessageDeduplicationId="d1")
        assert again["MessageId"] == first["MessageId"]
        assert again["SequenceNumber"] == first["SequenceNumber"]
        batch = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "dup", "MessageBody": "one, batched", "MessageGroupId": "g",
             "MessageDeduplicationId": "d1"},
            {"Id": "new", "MessageBody": "two", "MessageGroupId": "g",
             "MessageDeduplicationId": "d2"},
            {"Id": "dup-in-batch", "MessageBody": "two, again", "MessageGroupId": "g",
             "MessageDeduplicationId": "d2"}])
        assert batch.get("Failed", []) == []
        ids = {e["Id"]: e["MessageId"] for e in batch["Successful"]}
        assert ids["dup"] == first["MessageId"]
        assert ids["dup-in-batch"] == ids["new"] != first["MessageId"]
        assert receive_bodies(sqs, url) == ["one", "two"]

        # Deleted, but still within the window: acknowledged, not delivered again.
        after_delete = sqs.send_message(QueueUrl=url, MessageBody="one", MessageGroupId="g",
                                        MessageDeduplicationId="d1")
        assert after_delete["MessageId"] == first["MessageId"]
        assert receive_bodies(sqs, url) == []

        # The window survives a crash: the broker rebuilds it from the messages log.
        broker.restart_on_same_port()
        sqs = make_client(broker)
        after_restart = sqs.send_message(QueueUrl=url, MessageBody="two", MessageGroupId="g",
                                         MessageDeduplicationId="d2")
        assert after_restart["MessageId"] == ids["new"]
        assert receive_bodies(sqs, url) == []
        fresh = sqs.send_message(QueueUrl=url, MessageBody="three", MessageGroupId="g",
                                 MessageDeduplicationId="d3")
        assert fresh["MessageId"] not in (first["MessageId"], ids["new"])
        assert receive_bodies(sqs, url) == ["three"]


def test_content_based_and_per_group_deduplication(sqs):
    url = sqs.create_queue(QueueName="content.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    first = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="a")
    again = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="b")
    assert again["MessageId"] == first["MessageId"]  # the body's SHA-256 is the id, queue-wide
    explicit = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="a",
                                MessageDeduplicationId="explicit")
    assert explicit["MessageId"] != first["MessageId"]  # an explicit id overrides the body
    assert sorted(receive_bodies(sqs, url)) == ["same body", "same body"]

    # DeduplicationScope=messageGroup: the same id in two groups is two messages.
    url = sqs.create_queue(QueueName="pergroup.fifo", Attributes={
        "FifoQueue": "true", "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId"})["QueueUrl"]
    a = sqs.send_message(QueueUrl=url, MessageBody="in a", MessageGroupId="a",
                         MessageDeduplicationId="d")
    b = sqs.send_message(QueueUrl=url, MessageBody="in b", MessageGroupId="b",
                         MessageDeduplicationId="d")
    a_again = sqs.send_message(QueueUrl=url, MessageBody="in a, again", MessageGroupId="a",
                               MessageDeduplicationId="d")
    assert a["MessageId"] != b["MessageId"]
    assert a_again["MessageId"] == a["MessageId"]
    assert sorted(receive_bodies(sqs, url)) == ["in a", "in b"]


@pytest.fixture
def sqs(broker):
    return make_client(broker)


def test_expired_fifo_handle_is_refused_as_sqs_refuses_it(sqs):
    url = sqs.create_queue(QueueName="stale.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m", MessageGroupId="g")
    first = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    second = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    # DeleteMessage: InvalidParameterValue, "... Reason: The receipt handle has expired."
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert error.value.response["Error"]["Message"].endswith(
        "Reason: The receipt handle has expired.")
    # In a DeleteMessageBatch entry the same refusal is ReceiptHandleIsInvalid.
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "old", "ReceiptHandle": first["ReceiptHandle"]},
        {"Id": "new", "ReceiptHandle": second["ReceiptHandle"]}])
    assert [e["Id"] for e in deleted["Successful"]] == ["new"]
    assert [(e["Id"], e["Code"], e["Message"]) for e in deleted["Failed"]] == [
        ("old", "ReceiptHandleIsInvalid", "The receipt handle has expired")]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_receive_retried_with_its_attempt_id_gets_the_same_messages(sqs):
    """A receive whose answer was lost, retried with its ReceiveRequestAttemptId, returns the
    same messages and receipt handles instead of finding their groups locked."""
    url = sqs.create_queue(QueueName="attempts.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    for group, text in [("a", "a1"), ("a", "a2"), ("b", "b1")]:
        sqs.send_message(QueueUrl=url, MessageBody=text, MessageGroupId=group)
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2,
                                ReceiveRequestAttemptId="attempt-1")["Messages"]
    retry = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2,
                                ReceiveRequestAttemptId="attempt-1")["Messages"]
    assert [m["Body"] for m in first] == ["a1", "a2"]
    assert [(m["Body"], m["ReceiptHandle"]) for m in retry] == [
        (m["Body"], m["ReceiptHandle"]) for m in first]
    # Another attempt id is another receive: only group b is free.
    other = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                ReceiveRequestAttemptId="attempt-2")["Messages"]
    assert [m["Body"] for m in other] == ["b1"]
    # Once a message of the attempt is deleted the retry is a new receive.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=retry[0]["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="attempt-1")
    with pytest.raises(sqs.exceptions.ClientError) as error:
        sqs.receive_message(QueueUrl=url, ReceiveRequestAttemptId="bad id with spaces")
    assert error.value.response["Error"]["Code"] == "InvalidParameterValue"
