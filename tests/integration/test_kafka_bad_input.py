"""Malformed frames get an error or a closed connection, and other clients keep being served."""
import socket
import struct
import subprocess

import pytest

API_VERSIONS = 18
METADATA = 3


def connect(broker):
    sock = socket.create_connection(("127.0.0.1", broker.kafka_port), timeout=10)
    sock.settimeout(10)
    return sock


def header(api_key, version, correlation_id, client_id=b"bad-input-test"):
    return struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


def read_response(sock):
    size = struct.unpack(">i", recv_exactly(sock, 4))[0]
    return recv_exactly(sock, size)


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def assert_closed_by_broker(sock):
    try:
        assert sock.recv(1) == b""
    except ConnectionResetError:
        pass


def assert_broker_serves_others(broker):
    result = subprocess.run(["kcat", "-b", broker.bootstrap, "-L"], capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert b"1 brokers" in result.stdout


@pytest.mark.parametrize("size", [-1, -2**31, 2**31 - 1, 0, 3])
def test_frame_sizes_outside_limits_close_the_connection(broker, size):
    sock = connect(broker)
    sock.sendall(struct.pack(">i", size) + b"\0" * 16)
    assert_closed_by_broker(sock)
    assert_broker_serves_others(broker)


def test_truncated_frame_then_hangup_is_harmless(broker):
    sock = connect(broker)
    sock.sendall(struct.pack(">i", 100) + header(METADATA, 1, 1)[:6])
    sock.close()
    assert_broker_serves_others(broker)


def test_unknown_api_key_closes_the_connection(broker):
    sock = connect(broker)
    sock.sendall(frame(header(999, 0, 7)))
    assert_closed_by_broker(sock)
    assert_broker_serves_others(broker)


def test_unsupported_version_of_a_known_api_closes_the_connection(broker):
    sock = connect(broker)
    sock.sendall(frame(header(METADATA, 99, 8)))
    assert_closed_by_broker(sock)
    assert_broker_serves_others(broker)


def test_unsupported_api_versions_version_gets_error_35_in_a_v0_body(broker):
    sock = connect(broker)
    # A flexible version: header v2, which ends with an empty tagged-field section.
    sock.sendall(frame(header(API_VERSIONS, 99, 42) + b"\x00"))
    response = read_response(sock)
    correlation_id, error_code, count = struct.unpack_from(">ihi", response)
    assert correlation_id == 42
    assert error_code == 35
    keys = {struct.unpack_from(">hhh", response, 10 + 6 * i)[0] for i in range(count)}
    assert {0, 1, 2, 3, 18, 19, 20} <= keys


def test_garbage_after_a_valid_header_closes_the_connection(broker):
    sock = connect(broker)
    # Metadata v1: a topic array claiming a million entries, then nothing.
    sock.sendall(frame(header(METADATA, 1, 9) + struct.pack(">i", 1_000_000) + b"\xff\xfe"))
    assert_closed_by_broker(sock)
    assert_broker_serves_others(broker)


def test_pipelined_requests_are_answered_in_order(broker):
    sock = connect(broker)
    sock.sendall(b"".join(frame(header(API_VERSIONS, 0, correlation_id))
                          for correlation_id in (11, 12, 13)))
    answered = [struct.unpack_from(">i", read_response(sock))[0] for _ in range(3)]
    assert answered == [11, 12, 13]
