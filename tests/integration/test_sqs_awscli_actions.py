"""Every SQS action Debian's AWS CLI 2.9 knows (query protocol), on a standard queue, against
a real `sluice serve`, with dummy credentials and --endpoint-url; the CLI's JSON output is
parsed and checked. The CLI's own pagination (--page-size, --max-items, --starting-token)
drives ListQueues' and ListDeadLetterSourceQueues' MaxResults and NextToken. The FIFO
queue's share is in test_sqs_awscli_fifo.py, so that ctest runs the two in parallel."""
import base64
import json

from awscli_runner import cli, counts, md5, receive_all  # noqa: F401 (cli is a fixture)


def test_queue_listing_and_pagination(cli, broker):
    names = [f"page-{i}" for i in range(5)] + ["other-1"]
    urls = {name: cli("create-queue", "--queue-name", name)["QueueUrl"] for name in names}
    assert urls["page-0"] == f"{broker.sqs_endpoint}/000000000000/page-0"
    assert cli("get-queue-url", "--queue-name", "page-3")["QueueUrl"] == urls["page-3"]
    page_urls = sorted(urls[f"page-{i}"] for i in range(5))

    assert sorted(cli("list-queues")["QueueUrls"]) == sorted(urls.values())
    assert sorted(cli("list-queues", "--queue-name-prefix", "page-")["QueueUrls"]) == page_urls
    # --page-size 2: the CLI follows NextToken through three pages of MaxResults 2.
    assert sorted(cli("list-queues", "--queue-name-prefix", "page-", "--page-size", 2)[
        "QueueUrls"]) == page_urls
    # --no-paginate: one request with MaxResults 2, whose NextToken the CLI prints as is.
    first = cli("list-queues", "--no-paginate", "--cli-input-json",
                {"QueueNamePrefix": "page-", "MaxResults": 2})
    assert len(first["QueueUrls"]) == 2 and first["NextToken"]
    # --max-items 3 and --starting-token: the listing resumes where it stopped.
    head = cli("list-queues", "--queue-name-prefix", "page-", "--page-size", 2,
               "--max-items", 3)
    assert len(head["QueueUrls"]) == 3
    rest = cli("list-queues", "--queue-name-prefix", "page-", "--page-size", 2,
               "--starting-token", head["NextToken"])
    assert sorted(head["QueueUrls"] + rest["QueueUrls"]) == page_urls
    assert "NextToken" not in rest
    assert cli("list-queues", "--queue-name-prefix", "nothing-") == {}

    # Dead-letter sources, paged the same way.
    dlq = urls["other-1"]
    dlq_arn = cli("get-queue-attributes", "--queue-url", dlq, "--attribute-names",
                  "QueueArn")["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
    for i in range(3):
        cli("set-queue-attributes", "--queue-url", urls[f"page-{i}"], "--attributes",
            {"RedrivePolicy": policy})
    sources = sorted(urls[f"page-{i}"] for i in range(3))
    assert sorted(cli("list-dead-letter-source-queues", "--queue-url", dlq)["queueUrls"]) == \
        sources
    assert sorted(cli("list-dead-letter-source-queues", "--queue-url", dlq,
                      "--page-size", 1)["queueUrls"]) == sources
    head = cli("list-dead-letter-source-queues", "--queue-url", dlq, "--page-size", 1,
               "--max-items", 2)
    rest = cli("list-dead-letter-source-queues", "--queue-url", dlq, "--page-size", 1,
               "--starting-token", head["NextToken"])
    assert sorted(head["queueUrls"] + rest["queueUrls"]) == sources

    for url in urls.values():
        cli("delete-queue", "--queue-url", url)
    assert cli("list-queues") == {}
    result = cli("get-queue-url", "--queue-name", "page-0", check=False)
    assert result.returncode == 254 and "NonExistentQueue" in result.stderr


def test_standard_queue_every_action(cli, tmp_path):
    url = cli("create-queue", "--queue-name", "cli-standard", "--attributes",
              {"VisibilityTimeout": "20", "MaximumMessageSize": "4096"},
              "--tags", {"team": "a", "env": "test"})["QueueUrl"]
    attributes = cli("get-queue-attributes", "--queue-url", url, "--attribute-names",
                     "All")["Attributes"]
    assert attributes["VisibilityTimeout"] == "20"
    assert attributes["MaximumMessageSize"] == "4096"
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:cli-standard"
    assert {"CreatedTimestamp", "LastModifiedTimestamp", "DelaySeconds",
            "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds"} <= set(attributes)
    cli("set-queue-attributes", "--queue-url", url, "--attributes",
        {"MessageRetentionPeriod": "3600", "ReceiveMessageWaitTimeSeconds": "1"})
    assert cli("get-queue-attributes", "--queue-url", url, "--attribute-names",
               "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds")["Attributes"] == {
        "MessageRetentionPeriod": "3600", "ReceiveMessageWaitTimeSeconds": "1"}
    result = cli("set-queue-attributes", "--queue-url", url, "--attributes",
                 {"VisibilityTimeout": "43201"}, check=False)
    assert result.returncode == 254 and "InvalidAttributeValue" in result.stderr

    # Tags.
    assert cli("list-queue-tags", "--queue-url", url)["Tags"] == {"team": "a", "env": "test"}
    cli("tag-queue", "--queue-url", url, "--tags", {"owner": "me", "team": "b"})
    cli("untag-queue", "--queue-url", url, "--tag-keys", "env")
    assert cli("list-queue-tags", "--queue-url", url)["Tags"] == {"team": "b", "owner": "me"}

    # Permissions edit the Policy.
    cli("add-permission", "--queue-url", url, "--label", "senders", "--aws-account-ids",
        "111122223333", "--actions", "SendMessage", "ReceiveMessage")
    policy = json.loads(cli("get-queue-attributes", "--queue-url", url, "--attribute-names",
                            "Policy")["Attributes"]["Policy"])
    statement, = policy["Statement"]
    assert statement["Sid"] == "senders"
    assert statement["Action"] == ["SQS:SendMessage", "SQS:ReceiveMessage"]
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root"]}
    cli("remove-permission", "--queue-url", url, "--label", "senders")
    # The last statement gone, the Policy goes too, as SQS leaves it.
    assert "Attributes" not in cli("get-queue-attributes", "--queue-url", url,
                                   "--attribute-names", "Policy")

    # Send, single and batched, with attributes and a delay.
    binary = base64.b64encode(b"\x00\x01\xfe").decode()
    sent = cli("send-message", "--queue-url", url, "--message-body", "single é",
               "--message-attributes", {"s": {"DataType": "String", "StringValue": "v"},
                                        "b": {"DataType": "Binary", "BinaryValue": binary}})
    assert sent["MD5OfMessageBody"] == md5("single é")
    assert sent["MD5OfMessageAttributes"]
    delayed = cli("send-message", "--queue-url", url, "--message-body", "later",
                  "--delay-seconds", 900)
    entries = [{"Id": f"e{i}", "MessageBody": f"batch {i}"} for i in range(5)]
    entries.append({"Id": "toolarge", "MessageBody": "x" * 5000})
    batch = cli("send-message-batch", "--queue-url", url, "--entries", entries)
    assert sorted(e["Id"] for e in batch["Successful"]) == [f"e{i}" for i in range(5)]
    assert [(e["Id"], e["Code"]) for e in batch["Failed"]] == [("toolarge", "InvalidParameterValue")]
    assert all(e["MD5OfMessageBody"] == md5(f"batch {e['Id'][1:]}") for e in batch["Successful"])
    assert counts(cli, url) == (6, 0, 1)

    # Receive everything visible; the delayed message stays back.
    messages = receive_all(cli, url, 6, "--attribute-names", "All",
                           "--message-attribute-names", "All", "--visibility-timeout", 600)
    assert sorted(m["Body"] for m in messages) == sorted(
        ["single é"] + [f"batch {i}" for i in range(5)])
    single, = [m for m in messages if m["Body"] == "single é"]
    assert single["MessageId"] == sent["MessageId"]
    assert single["MessageAttributes"]["b"] == {"DataType": "Binary", "BinaryValue": binary}
    assert single["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert single["Attributes"]["ApproximateReceiveCount"] == "1"
    assert counts(cli, url) == (0, 6, 1)

    # Visibility: one message back at once, two more by batch, one bad handle.
    others = [m for m in messages if m is not single]
    cli("change-message-visibility", "--queue-url", url, "--receipt-handle",
        single["ReceiptHandle"], "--visibility-timeout", 0)
    changed = cli("change-message-visibility-batch", "--queue-url", url, "--entries", [
        {"Id": "a", "ReceiptHandle": others[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "b", "ReceiptHandle": others[1]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "c", "ReceiptHandle": "not-a-handle", "VisibilityTimeout": 0}])
    assert sorted(e["Id"] for e in changed["Successful"]) == ["a", "b"]
    assert [(e["Id"], e["Code"]) for e in changed["Failed"]] == [("c", "ReceiptHandleIsInvalid")]
    assert counts(cli, url) == (3, 3, 1)
    again = receive_all(cli, url, 3, "--attribute-names", "ApproximateReceiveCount",
                        "--visibility-timeout", 600)
    assert sorted(m["MessageId"] for m in again) == sorted(
        m["MessageId"] for m in [single, others[0], others[1]])
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "2" for m in again)

    # Delete: one alone, the rest by batch (one bad handle fails alone).
    cli("delete-message", "--queue-url", url, "--receipt-handle", again[0]["ReceiptHandle"])
    remaining = again[1:] + others[2:]
    deleted = cli("delete-message-batch", "--queue-url", url, "--entries",
                  [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]}
                   for i, m in enumerate(remaining)] +
                  [{"Id": "bad", "ReceiptHandle": "not-a-handle"}])
    assert len(deleted["Successful"]) == 5
    assert [(e["Id"], e["Code"]) for e in deleted["Failed"]] == [("bad", "ReceiptHandleIsInvalid")]
    assert counts(cli, url) == (0, 0, 1)

    # Purge takes the delayed message too; a second purge within 60 s is refused.
    cli("purge-queue", "--queue-url", url)
    assert counts(cli, url) == (0, 0, 0)
    result = cli("purge-queue", "--queue-url", url, check=False)
    assert result.returncode == 254 and "PurgeQueueInProgress" in result.stderr
    assert delayed["MessageId"]

    cli("delete-queue", "--queue-url", url)
    result = cli("send-message", "--queue-url", url, "--message-body", "x", check=False)
    assert result.returncode == 254 and "NonExistentQueue" in result.stderr
