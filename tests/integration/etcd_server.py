"""A real etcd (Debian's etcd-server) for the cluster tests: one member on free loopback
ports in a temporary directory, killed and removed at the end."""
import json
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EtcdServer:
    def __init__(self):
        self._dir = Path(tempfile.mkdtemp(prefix="sluice-etcd-"))
        self.client_port = free_port()
        self.peer_port = free_port()
        self.process = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.client_port}"

    def start(self, timeout=15.0):
        peer = f"http://127.0.0.1:{self.peer_port}"
        log = open(self._dir / "etcd.log", "ab")
        self.process = subprocess.Popen(
            [shutil.which("etcd") or "/usr/bin/etcd", "--name", "e1",
             "--data-dir", str(self._dir / "data"),
             "--listen-client-urls", self.endpoint, "--advertise-client-urls", self.endpoint,
             "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", f"e1={peer}"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"etcd exited with {self.process.returncode}")
            try:
                request = urllib.request.Request(self.endpoint + "/v3/maintenance/status",
                                                 data=b"{}", method="POST")
                with urllib.request.urlopen(request, timeout=1) as answer:
                    json.load(answer)
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"etcd did not answer within {timeout}s")

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def close(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
