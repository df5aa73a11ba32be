"""`sluice serve` configuration: a TOML file, SLUICE_* environment variables and flags, in
that order of precedence, shown by --print-config; bad keys and values refused by name."""
import json
import os
import subprocess

import pytest

from sluice_broker import SLUICE_BIN, Broker
from prometheus_text import scrape


def serve(*args, env=None, timeout=30):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    full_env.update(env or {})
    return subprocess.run([SLUICE_BIN, "serve", *args], env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def print_config(*args, env=None):
    result = serve("--print-config", "--format", "json", *args, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_bind_localhost():
    config = print_config()
    for key, port in [("kafka.listen", 9092), ("sqs.listen", 9324), ("admin.listen", 9644)]:
        assert config[key] == {"value": f"127.0.0.1:{port}", "source": "default",
                               "flag": config[key]["flag"], "env": config[key]["env"]}


def test_file_then_env_then_flag(tmp_path):
    file = tmp_path / "sluice.toml"
    file.write_text(
        'data_dir = "/srv/from-file"\n'
        "[kafka]\n"
        'listen = "127.0.0.1:1001"\n'
        "default_partitions = 3\n"
        "[sqs]\n"
        'listen = "127.0.0.1:2001"\n'
        'region = "eu-west-1"\n')
    env = {"SLUICE_KAFKA_LISTEN": "127.0.0.1:1002", "SLUICE_SQS_LISTEN": "127.0.0.1:2002",
           "SLUICE_KAFKA_DEFAULT_PARTITIONS": "5"}
    config = print_config("--config", str(file), "--sqs-listen", "127.0.0.1:2003",
                          "--default-partitions", "7", env=env)
    assert config["data_dir"]["value"] == "/srv/from-file"
    assert config["data_dir"]["source"] == "file"
    assert config["sqs.region"] == {"value": "eu-west-1", "source": "file",
                                    "flag": "--sqs-region", "env": "SLUICE_SQS_REGION"}
    assert config["kafka.listen"]["value"] == "127.0.0.1:1002"
    assert config["kafka.listen"]["source"] == "env"
    assert config["sqs.listen"]["value"] == "127.0.0.1:2003"
    assert config["sqs.listen"]["source"] == "flag"
    assert config["kafka.default_partitions"]["value"] == 7
    assert config["kafka.default_partitions"]["source"] == "flag"
    assert config["admin.listen"]["source"] == "default"

    # The text form is TOML with the source of each value in a comment.
    text = serve("--print-config", "--config", str(file), env=env)
    assert text.returncode == 0, text.stderr
    assert 'kafka.listen = "127.0.0.1:1002"  # env' in text.stdout.splitlines()


def test_unknown_key_is_rejected_by_name(tmp_path):
    file = tmp_path / "sluice.toml"
    file.write_text('[kafka]\nlisten = "127.0.0.1:0"\nlisten_adress = "127.0.0.1:0"\n')
    result = serve("--config", str(file), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert "kafka.listen_adress" in result.stderr
    assert not (tmp_path / "data").exists()  # refused before touching anything


@pytest.mark.parametrize("args,env,named", [
    (["--default-partitions", "0"], {}, "kafka.default_partitions"),
    (["--fsync", "sometimes"], {}, "storage.fsync"),
    ([], {"SLUICE_ADMIN_LISTEN": "localhost"}, "admin.listen"),
    ([], {"SLUICE_KAFKA_AUTO_CREATE_TOPICS": "maybe"}, "kafka.auto_create_topics"),
    (["--log-level", "chatty"], {}, "log.level"),
])
def test_bad_values_are_rejected_by_name(tmp_path, args, env, named):
    result = serve(*args, "--data-dir", str(tmp_path / "data"), env=env)
    assert result.returncode == 2
    assert named in result.stderr


def test_wrong_toml_type_is_rejected_by_name(tmp_path):
    file = tmp_path / "sluice.toml"
    file.write_text("[kafka]\ndefault_partitions = \"three\"\n")
    result = serve("--config", str(file))
    assert result.returncode == 2
    assert "kafka.default_partitions" in result.stderr


def test_a_broker_runs_from_a_config_file(tmp_path):
    """The file's values reach the running broker: its partition default shows in metrics."""
    file = tmp_path / "sluice.toml"
    file.write_text("[kafka]\ndefault_partitions = 3\n[log]\nlevel = \"info\"\n")
    with Broker(extra_args=["--config", str(file)]) as broker:
        from kafka_helpers import consume_all
        from confluent_kafka import Producer
        producer = Producer({"bootstrap.servers": broker.bootstrap})
        producer.produce("auto-made", value=b"x")
        assert producer.flush(30) == 0
        metrics = scrape(broker.admin_url)
        partitions = {dict(labels)["partition"] for (name, labels) in metrics.samples
                      if name == "sluice_partition_log_end_offset"
                      and dict(labels)["topic"] == "auto-made"}
        assert partitions == {"0", "1", "2"}
        assert sum(len(r) for r in consume_all(broker.bootstrap, "auto-made", 3).values()) == 1
