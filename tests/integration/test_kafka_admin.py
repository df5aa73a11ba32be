"""Admin APIs through confluent-kafka and kafka-python: topic configs, adding partitions."""
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions
from kafka.admin import ConfigResource as PyConfigResource, ConfigResourceType, KafkaAdminClient

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
