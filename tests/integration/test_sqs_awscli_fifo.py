"""Every SQS action Debian's AWS CLI 2.9 knows (query protocol), on a FIFO queue, against a
real `sluice serve`: group order, deduplication, stale handles, purge, tags, permissions and
a FIFO dead-letter queue. The standard queue's share is in test_sqs_awscli_actions.py."""
import json

from awscli_runner import cli, counts, receive_all  # noqa: F401 (cli is a fixture)


def test_fifo_queue_every_action(cli):
    url = cli("create-queue", "--queue-name", "cli-jobs.fifo", "--attributes",
              {"FifoQueue": "true", "ContentBasedDeduplication": "true"},
              "--tags", {"kind": "fifo"})["QueueUrl"]
    assert url.endswith("/000000000000/cli-jobs.fifo")
    attributes = cli("get-queue-attributes", "--queue-url", url, "--attribute-names",
                     "All")["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"
    result = cli("set-queue-attributes", "--queue-url", url, "--attributes",
                 {"FifoQueue": "false"}, check=False)
    assert result.returncode == 254
    cli("set-queue-attributes", "--queue-url", url, "--attributes",
        {"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
    assert cli("list-queue-tags", "--queue-url", url)["Tags"] == {"kind": "fifo"}
    cli("tag-queue", "--queue-url", url, "--tags", {"tier": "1"})
    cli("untag-queue", "--queue-url", url, "--tag-keys", "kind")
    assert cli("list-queue-tags", "--queue-url", url)["Tags"] == {"tier": "1"}
    cli("add-permission", "--queue-url", url, "--label", "p", "--aws-account-ids",
        "111122223333", "--actions", "*")
    cli("remove-permission", "--queue-url", url, "--label", "p")

    first = cli("send-message", "--queue-url", url, "--message-body", "a0",
                "--message-group-id", "a", "--message-deduplication-id", "a0")
    duplicate = cli("send-message", "--queue-url", url, "--message-body", "a0",
                    "--message-group-id", "a", "--message-deduplication-id", "a0")
    assert duplicate["MessageId"] == first["MessageId"]
    assert first["SequenceNumber"]
    batch = cli("send-message-batch", "--queue-url", url, "--entries",
                [{"Id": f"{g}{i}", "MessageBody": f"{g}{i}", "MessageGroupId": g}
                 for i in range(1, 4) for g in "ab"] + [
                    {"Id": "b0", "MessageBody": "b0", "MessageGroupId": "b"}])
    assert batch.get("Failed", []) == []
    sequence = {e["Id"]: int(e["SequenceNumber"]) for e in batch["Successful"]}
    assert sequence["a1"] < sequence["a2"] < sequence["a3"]
    result = cli("send-message", "--queue-url", url, "--message-body", "no group", check=False)
    assert result.returncode == 254 and "MissingParameter" in result.stderr

    # Group a's head is in flight: group a is held, group b is not.
    # Long visibility timeouts throughout: each CLI call takes seconds on a loaded machine,
    # and an expired FIFO handle is refused.
    head = cli("receive-message", "--queue-url", url, "--attribute-names", "All",
               "--visibility-timeout", 600,
               "--receive-request-attempt-id", "attempt-1")["Messages"]
    assert [m["Body"] for m in head] == ["a0"]
    assert head[0]["Attributes"]["MessageGroupId"] == "a"
    assert head[0]["Attributes"]["MessageDeduplicationId"] == "a0"
    assert head[0]["Attributes"]["SequenceNumber"] == first["SequenceNumber"]
    rest = receive_all(cli, url, 4, "--attribute-names", "MessageGroupId",
                       "--visibility-timeout", 600)
    assert [m["Body"] for m in rest] == ["b1", "b2", "b3", "b0"]
    assert "Messages" not in cli("receive-message", "--queue-url", url)

    # Releasing group a by visibility 0: its messages come in order, a0 first again.
    cli("change-message-visibility", "--queue-url", url, "--receipt-handle",
        head[0]["ReceiptHandle"], "--visibility-timeout", 0)
    group_a = receive_all(cli, url, 4, "--visibility-timeout", 600)
    assert [m["Body"] for m in group_a] == ["a0", "a1", "a2", "a3"]
    changed = cli("change-message-visibility-batch", "--queue-url", url, "--entries", [
        {"Id": "x", "ReceiptHandle": group_a[0]["ReceiptHandle"], "VisibilityTimeout": 120}])
    assert [e["Id"] for e in changed["Successful"]] == ["x"]
    # On a FIFO queue, the handle of an earlier receive of a0 no longer deletes it.
    result = cli("delete-message", "--queue-url", url, "--receipt-handle",
                 head[0]["ReceiptHandle"], check=False)
    assert result.returncode == 254 and "InvalidParameterValue" in result.stderr
    assert "The receipt handle has expired" in result.stderr
    cli("delete-message", "--queue-url", url, "--receipt-handle", group_a[0]["ReceiptHandle"])
    deleted = cli("delete-message-batch", "--queue-url", url, "--entries",
                  [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]}
                   for i, m in enumerate(group_a[1:] + rest)])
    assert len(deleted["Successful"]) == 7 and deleted.get("Failed", []) == []

    cli("send-message", "--queue-url", url, "--message-body", "to purge",
        "--message-group-id", "c")
    assert counts(cli, url) == (1, 0, 0)
    cli("purge-queue", "--queue-url", url)
    assert counts(cli, url) == (0, 0, 0)

    dlq = cli("create-queue", "--queue-name", "cli-dead.fifo", "--attributes",
              {"FifoQueue": "true"})["QueueUrl"]
    dlq_arn = cli("get-queue-attributes", "--queue-url", dlq, "--attribute-names",
                  "QueueArn")["Attributes"]["QueueArn"]
    cli("set-queue-attributes", "--queue-url", url, "--attributes", {
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})})
    assert cli("list-dead-letter-source-queues", "--queue-url", dlq)["queueUrls"] == [url]
    cli("delete-queue", "--queue-url", url)
    cli("delete-queue", "--queue-url", dlq)
    assert cli("list-queues", "--queue-name-prefix", "cli-") == {}
