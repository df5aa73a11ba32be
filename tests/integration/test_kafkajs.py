"""kafkajs 2.x (pinned in js/package.json) against a real broker: admin create, list and
delete of a topic, 1,000 keyed messages produced with acks -1, and a consumer-group round
trip. The scenarios live in js/kafkajs_scenarios.js and print their results as JSON.

kafkajs is installed with `npm ci` into $SLUICE_NPM_DIR (CMake points it into the build
tree), never into the source tree; see npm_modules.py."""
import json
import os
import subprocess
from collections import defaultdict

import pytest

import npm_modules
from sluice_broker import Broker

SCENARIOS = npm_modules.JS_DIR / "kafkajs_scenarios.js"
MESSAGES = 1000
PARTITIONS = 3


@pytest.fixture(scope="module")
def node_path():
    """NODE_PATH holding kafkajs (npm_modules installs the lock file's packages)."""
    return npm_modules.node_path("kafkajs", "2.2.4")


@pytest.fixture
def broker():
    with Broker(extra_args=["--group-initial-rebalance-delay-ms", "0"]) as running:
        yield running


def run_scenario(node_path, broker, scenario, topic):
    result = subprocess.run(
        ["node", str(SCENARIOS), broker.bootstrap, scenario, topic],
        env={**os.environ, "NODE_PATH": node_path}, capture_output=True, text=True, timeout=240)
    if result.returncode != 0:
        pytest.fail(f"kafkajs scenario {scenario} exited with {result.returncode}:\n"
                    f"{result.stderr}\nbroker log:\n{broker.log()}", pytrace=False)
    return json.loads(result.stdout)


def by_partition(mapping):
    return {int(partition): value for partition, value in mapping.items()}


def test_admin_create_list_delete(node_path, broker):
    result = run_scenario(node_path, broker, "admin", "kafkajs-admin")
    assert result == {
        "created": True,
        "listedAfterCreate": True,
        "partitions": [0, 1, 2],
        "listedAfterDelete": False,
    }


def test_produce_acks_all_offsets(node_path, broker):
    result = run_scenario(node_path, broker, "produce", "kafkajs-produce")
    assert result["created"] is True
    sends = result["sends"]
    assert sum(sum(send["counts"].values()) for send in sends) == MESSAGES
    # Each send's base offset per partition is where the previous sends left that partition.
    next_offset = defaultdict(int)
    for send in sends:
        counts = by_partition(send["counts"])
        answers = {r["partition"]: r for r in send["results"]}
        assert set(answers) == set(counts)
        for partition, count in counts.items():
            assert answers[partition]["errorCode"] == 0
            assert answers[partition]["baseOffset"] == next_offset[partition]
            next_offset[partition] += count
    assert set(next_offset) == set(range(PARTITIONS))  # 1,000 keys spread over all three
    assert by_partition(result["high"]) == dict(next_offset)


def test_consumer_group_round_trip(node_path, broker):
    result = run_scenario(node_path, broker, "group", "kafkajs-group")
    assert result["created"] is True
    produced = [f"value-{i:04d}" for i in range(MESSAGES)]

    first = result["first"]
    assert first["assigned"] == [0, 1, 2]
    values = [r["value"] for r in first["received"]]
    assert len(values) == MESSAGES  # none twice
    assert sorted(values) == produced
    assert all(r["key"] == r["value"] for r in first["received"])
    offsets = defaultdict(list)
    for r in first["received"]:
        offsets[r["partition"]].append(r["offset"])
    # Per partition: every offset from 0, in order, nothing skipped.
    ends = {partition: len(seen) for partition, seen in offsets.items()}
    assert sorted(ends) == [0, 1, 2]
    for partition, seen in offsets.items():
        assert seen == list(range(ends[partition]))
    assert by_partition(result["committed"]) == ends

    # The second member of the group starts at the commits: only the 10 new messages.
    second = result["second"]
    assert second["assigned"] == [0, 1, 2]
    fresh = [f"fresh-{i:04d}" for i in range(10)]
    assert sorted(r["value"] for r in second["received"]) == fresh
    fresh_offsets = defaultdict(list)
    for r in second["received"]:
        fresh_offsets[r["partition"]].append(r["offset"])
    high = by_partition(result["high"])
    for partition in range(PARTITIONS):
        assert fresh_offsets[partition] == list(range(ends[partition], high[partition]))


def test_delete_records_moves_the_low_watermark(node_path, broker):
    result = run_scenario(node_path, broker, "delete-records", "kafkajs-delete-records")
    assert result == {"low": 6, "high": 10}
