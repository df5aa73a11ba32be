"""Starts and stops real `sluice serve` processes for the integration tests.

Each broker gets a fresh data directory and binds port 0; the broker writes the ports it
actually bound to a ports file, so tests never race each other for a port.
"""
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

SLUICE_BIN = os.environ.get("SLUICE_BIN", str(Path(__file__).resolve().parents[2] / "build" / "sluice"))


class Broker:
    def __init__(self, data_dir=None, extra_args=()):
        self._tmp = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="sluice-it-")
            data_dir = self._tmp.name
        self.data_dir = Path(data_dir)
        self.extra_args = list(extra_args)
        self.process = None
        self.kafka_port = None
        self.sqs_port = None
        self.admin_port = None
        self.log_path = self.data_dir / "broker.log"

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def sqs_endpoint(self):
        return f"http://127.0.0.1:{self.sqs_port}"

    @property
    def admin_url(self):
        return f"http://127.0.0.1:{self.admin_port}"

    def start(self, timeout=15.0, kafka_port=0, sqs_port=0):
        """Starts the broker; kafka_port=0 and sqs_port=0 let it pick free ports."""
        ports_file = self.data_dir / "ports"
        if ports_file.exists():
            ports_file.unlink()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [SLUICE_BIN, "serve", "--data-dir", str(self.data_dir / "data"),
             "--kafka-listen", f"127.0.0.1:{kafka_port}", "--ports-file", str(ports_file),
             "--sqs-listen", f"127.0.0.1:{sqs_port}",
             "--admin-listen", "127.0.0.1:0",
             *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited with {self.process.returncode}:\n{self.log()}")
            if ports_file.exists():
                ports = dict(line.split("=", 1) for line in ports_file.read_text().split())
                self.kafka_port = int(ports["kafka"])
                self.sqs_port = int(ports["sqs"])
                self.admin_port = int(ports["admin"])
                return self
            time.sleep(0.02)
        raise RuntimeError(f"broker did not start within {timeout}s:\n{self.log()}")

    def kill(self):
        """SIGKILL: no shutdown path runs, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout=15.0, sig=signal.SIGTERM):
        """A graceful stop (SIGTERM or SIGINT); returns the exit code."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=timeout)
        return self.process.returncode if self.process else None

    def restart(self):
        self.kill()
        return self.start()

    def restart_on_same_port(self):
        """SIGKILL, then start again where clients already point (the broker sets
        SO_REUSEADDR, so the port is free again at once)."""
        port = self.kafka_port
        sqs_port = self.sqs_port
        self.kill()
        return self.start(kafka_port=port, sqs_port=sqs_port)

    def log(self, tail=4000):
        try:
            text = self.log_path.read_text(errors="replace")
            return text[-tail:] if tail else text
        except OSError:
            return ""

    def close(self):
        self.kill()
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
