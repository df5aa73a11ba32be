"""bench/loadgen against a real broker: both Sluice drivers (Kafka topics over librdkafka, SQS
queues over HTTP keep-alive) move messages end to end and measure their latency; a broker
that is not there is an error, not an empty result. The peers' drivers are exercised by
bench/compare, which installs the peers; ctest does not depend on them."""
import json
import os
import socket
import subprocess

import pytest

LOADGEN_BIN = os.environ.get("LOADGEN_BIN")


def run_loadgen(*args, timeout=120):
    assert LOADGEN_BIN, "LOADGEN_BIN is not set (ctest sets it)"
    return subprocess.run([LOADGEN_BIN, *args], capture_output=True, text=True, timeout=timeout)


def measure(*args):
    done = run_loadgen(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_end_to_end(result, at_least):
    assert result["sent"] >= at_least, result
    assert result["received"] >= at_least, result
    assert result["msg_per_s"] > 0 and result["mb_per_s"] > 0
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["p999_ms"] <= result["max_ms"]
    quantiles = [ms for _, ms in result["percentiles_ms"]]
    assert quantiles == sorted(quantiles)


@pytest.mark.parametrize("system", ["kafka", "sqs"])
def test_fixed_rate_round_trip(broker, system):
    address = broker.bootstrap if system == "kafka" else broker.sqs_endpoint
    result = measure("--system", system, "--address", address, "--size", "200",
                     "--rate", "500", "--warmup", "1", "--duration", "3")
    # 500 msg/s for 3 s, well below what either API takes on a loaded machine: the consumer
    # keeps up. The window may also receive what the warm-up left queued, never more than
    # was sent in all (1 + 3 s at 500 msg/s).
    check_end_to_end(result, at_least=1200)
    assert result["sent"] <= 1510, result
    assert result["received"] <= 2010, result
    assert result["backlog"] < 500, result


@pytest.mark.parametrize("system", ["kafka", "sqs"])
def test_max_rate_with_several_producers_and_consumers(broker, system):
    address = broker.bootstrap if system == "kafka" else broker.sqs_endpoint
    result = measure("--system", system, "--address", address, "--size", "100",
                     "--producers", "2", "--consumers", "2", "--warmup", "0.5",
                     "--duration", "2")
    check_end_to_end(result, at_least=100)


@pytest.mark.parametrize("system", ["kafka", "sqs"])
def test_no_broker_is_an_error(system):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"127.0.0.1:{port}" if system == "kafka" else f"http://127.0.0.1:{port}"
    done = run_loadgen("--system", system, "--address", address, "--duration", "1")
    assert done.returncode != 0
    assert done.stdout == ""
    assert "loadgen" in done.stderr
