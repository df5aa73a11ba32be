"""Admin APIs through confluent-kafka and kafka-python: topic configs (describe, alter,
incremental alter), adding partitions, deleting groups and group offsets. The two APIs no
client here sends (IncrementalAlterConfigs, OffsetDelete) go through kafka_wire."""
import time

import kafka.errors
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions
from kafka.admin import ConfigResource as PyConfigResource, ConfigResourceType, KafkaAdminClient

import kafka_wire
from kafka_helpers import create_topic


def test_describe_configs_shows_overrides_and_defaults(broker):
    create_topic(broker.bootstrap, "configured", 2, {"retention.ms": "3600000"})
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    futures = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, "configured")])
    configs = list(futures.values())[0].result(timeout=30)
    assert configs["retention.ms"].value == "3600000"
    assert not configs["retention.ms"].is_default
    assert configs["cleanup.policy"].value == "delete"
    assert configs["cleanup.policy"].is_default

    missing = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, "no-such")])
    error = list(missing.values())[0].exception(timeout=30)
    assert error is not None and "UNKNOWN_TOPIC_OR_PART" in str(error)


def test_kafka_python_describes_topic_configs(broker):
    create_topic(broker.bootstrap, "py-configured", 1, {"segment.bytes": "1048576"})
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    response = admin.describe_configs(
        [PyConfigResource(ConfigResourceType.TOPIC, "py-configured")])
    admin.close()
    entries = {entry[0]: entry[1] for entry in response[0].resources[0][4]}
    assert entries["segment.bytes"] == "1048576"


def test_create_partitions_grows_a_topic_and_refuses_to_shrink(broker):
    create_topic(broker.bootstrap, "growing", 2)
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_partitions([NewPartitions("growing", 5)])["growing"].result(timeout=30)
    metadata = admin.list_topics("growing", timeout=30)
    assert sorted(metadata.topics["growing"].partitions) == [0, 1, 2, 3, 4]
    error = admin.create_partitions([NewPartitions("growing", 3)])["growing"].exception(timeout=30)
    assert error is not None and "INVALID_PARTITIONS" in str(error)


def topic_configs(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)])
    configs = list(futures.values())[0].result(timeout=30)
    return {name: (entry.value, entry.is_default) for name, entry in configs.items()}


def test_alter_configs_replaces_overrides_and_survives_restart(broker):
    create_topic(broker.bootstrap, "altered", 1, {"retention.ms": "3600000"})
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    response = admin.alter_configs([PyConfigResource(
        ConfigResourceType.TOPIC, "altered", configs={"segment.bytes": "1048576"})])
    assert [(r[0], r[3]) for r in response.resources] == [(0, "altered")]
    # The legacy API replaces the whole set: retention.ms is back to its default.
    bad = admin.alter_configs([PyConfigResource(
        ConfigResourceType.TOPIC, "altered", configs={"retention.ms": "soon"})])
    missing = admin.alter_configs([PyConfigResource(
        ConfigResourceType.TOPIC, "no-such-topic", configs={"retention.ms": "1"})])
    admin.close()
    assert bad.resources[0][0] == 40  # INVALID_CONFIG
    assert "retention.ms" in bad.resources[0][1]
    assert missing.resources[0][0] == 3  # UNKNOWN_TOPIC_OR_PARTITION

    configs = topic_configs(broker.bootstrap, "altered")
    assert configs["segment.bytes"] == ("1048576", False)
    assert configs["retention.ms"][1]
    broker.restart()
    assert topic_configs(broker.bootstrap, "altered")["segment.bytes"] == ("1048576", False)


def test_confluent_alter_configs(broker):
    create_topic(broker.bootstrap, "confluent-altered", 1)
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    resource = ConfigResource(ConfigResource.Type.TOPIC, "confluent-altered",
                              set_config={"retention.bytes": "10485760"})
    list(admin.alter_configs([resource]).values())[0].result(timeout=30)
    assert topic_configs(broker.bootstrap, "confluent-altered")["retention.bytes"] == (
        "10485760", False)


def test_incremental_alter_configs_set_delete_append(broker):
    create_topic(broker.bootstrap, "incremental", 1,
                 {"retention.ms": "3600000", "segment.bytes": "1048576"})
    # SET one, DELETE another, and APPEND to the list-valued cleanup.policy (already delete).
    error, message = kafka_wire.incremental_alter_configs(broker.bootstrap, "incremental", [
        ("retention.ms", kafka_wire.SET, "7200000"),
        ("segment.bytes", kafka_wire.DELETE, None),
        ("cleanup.policy", kafka_wire.APPEND, "delete"),
    ])
    assert (error, message) == (0, None)
    configs = topic_configs(broker.bootstrap, "incremental")
    assert configs["retention.ms"] == ("7200000", False)
    assert configs["segment.bytes"][1]
    assert configs["cleanup.policy"][0] == "delete"

    # Validate-only changes nothing; bad values, APPEND to a scalar and unknown topics fail.
    error, _ = kafka_wire.incremental_alter_configs(
        broker.bootstrap, "incremental", [("retention.ms", kafka_wire.SET, "1")],
        validate_only=True)
    assert error == 0
    assert topic_configs(broker.bootstrap, "incremental")["retention.ms"] == ("7200000", False)
    error, message = kafka_wire.incremental_alter_configs(
        broker.bootstrap, "incremental", [("retention.ms", kafka_wire.APPEND, "5")])
    assert error == 40 and "not a list" in message
    error, _ = kafka_wire.incremental_alter_configs(
        broker.bootstrap, "incremental", [("cleanup.policy", kafka_wire.SET, "compact")])
    assert error == 40
    error, _ = kafka_wire.incremental_alter_configs(
        broker.bootstrap, "nowhere", [("retention.ms", kafka_wire.SET, "1")])
    assert error == 3


def commit_offsets(bootstrap, group, offsets):
    """Commits {(topic, partition): offset} for `group` without joining it (assign())."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                         "enable.auto.commit": False})
    consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in offsets.items()],
                    asynchronous=False)
    consumer.close()


def committed(bootstrap, group):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    offsets = admin.list_consumer_group_offsets(group)
    admin.close()
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}


def joined_member(bootstrap, group, topic):
    """A consumer that has joined `group` subscribed to `topic` (has its assignment)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group,
                         "enable.auto.commit": False, "session.timeout.ms": 10000})
    consumer.subscribe([topic])
    deadline = time.monotonic() + 60
    while not consumer.assignment():
        assert time.monotonic() < deadline, "the consumer never got an assignment"
        consumer.poll(0.2)
    return consumer


def test_delete_groups(broker):
    create_topic(broker.bootstrap, "grouped", 2)
    commit_offsets(broker.bootstrap, "finished", {("grouped", 0): 5, ("grouped", 1): 7})
    member = joined_member(broker.bootstrap, "running", "grouped")
    try:
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        results = dict(admin.delete_consumer_groups(["finished", "running", "never-was"]))
        admin.close()
    finally:
        member.close()
    assert results["finished"] is kafka.errors.NoError
    assert results["running"] is kafka.errors.NonEmptyGroupError
    assert results["never-was"] is kafka.errors.GroupIdNotFoundError
    assert committed(broker.bootstrap, "finished") == {}
    broker.restart()
    assert committed(broker.bootstrap, "finished") == {}


def test_offset_delete_keeps_subscribed_topics(broker):
    create_topic(broker.bootstrap, "watched", 1)
    create_topic(broker.bootstrap, "abandoned", 1)
    commit_offsets(broker.bootstrap, "mixed", {("watched", 0): 3, ("abandoned", 0): 9})
    member = joined_member(broker.bootstrap, "mixed", "watched")
    try:
        error, partitions = kafka_wire.offset_delete(
            broker.bootstrap, "mixed", {"watched": [0], "abandoned": [0], "nowhere": [0]})
    finally:
        member.close()
    assert error == 0
    assert partitions == {("watched", 0): 86,  # GROUP_SUBSCRIBED_TO_TOPIC
                          ("abandoned", 0): 0, ("nowhere", 0): 3}
    assert committed(broker.bootstrap, "mixed") == {("watched", 0): 3}

    # Once the group is empty, subscribed or not no longer matters.
    error, partitions = kafka_wire.offset_delete(broker.bootstrap, "mixed", {"watched": [0]})
    assert (error, partitions) == (0, {("watched", 0): 0})
    assert committed(broker.bootstrap, "mixed") == {}
    error, _ = kafka_wire.offset_delete(broker.bootstrap, "no-such-group", {"watched": [0]})
    assert error == 69  # GROUP_ID_NOT_FOUND
