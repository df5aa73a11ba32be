"""A minimal Kafka request/response exchange over a socket, for the APIs that none of the
clients on this machine sends: IncrementalAlterConfigs (librdkafka 2.2+, Java admin) and
OffsetDelete (librdkafka's DeleteConsumerGroupOffsets, Java admin). Only non-flexible
versions, encoded field by field as Kafka's protocol guide lays them out."""
import socket
import struct


def string(value):
    data = value.encode()
    return struct.pack(">h", len(data)) + data


def nullable_string(value):
    return struct.pack(">h", -1) if value is None else string(value)


def array(items):
    return struct.pack(">i", len(items)) + b"".join(items)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def int8(self):
        return self.take(">b")

    def int16(self):
        return self.take(">h")

    def int32(self):
        return self.take(">i")

    def string(self):
        length = self.int16()
        if length < 0:
            return None
        value = self.data[self.pos:self.pos + length].decode()
        self.pos += length
        return value

    def array(self, read_element):
        return [read_element() for _ in range(self.int32())]

    def done(self):
        return self.pos == len(self.data)


def call(bootstrap, api_key, version, body, correlation_id=7, timeout=30.0):
    """Sends one request with header v1 and returns the response body after the v0 header."""
    host, port = bootstrap.rsplit(":", 1)
    header = struct.pack(">hhi", api_key, version, correlation_id) + string("sluice-wire-test")
    frame = header + body
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", _read_exactly(sock, 4))[0]
        response = _read_exactly(sock, size)
    assert struct.unpack(">i", response[:4])[0] == correlation_id
    return Reader(response[4:])


def _read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        data += chunk
    return data


INCREMENTAL_ALTER_CONFIGS = 44
OFFSET_DELETE = 47
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
TOPIC_RESOURCE = 2


def incremental_alter_configs(bootstrap, topic, ops, validate_only=False):
    """ops: [(name, operation, value)]. Returns (error_code, error_message) for the topic."""
    configs = array([string(name) + struct.pack(">b", op) + nullable_string(value)
                     for name, op, value in ops])
    resource = struct.pack(">b", TOPIC_RESOURCE) + string(topic) + configs
    body = array([resource]) + struct.pack(">?", validate_only)
    reply = call(bootstrap, INCREMENTAL_ALTER_CONFIGS, 0, body)
    reply.int32()  # throttle time
    results = reply.array(lambda: (reply.int16(), reply.string(), reply.int8(), reply.string()))
    assert reply.done() and len(results) == 1 and results[0][3] == topic
    return results[0][0], results[0][1]


def offset_delete(bootstrap, group, partitions_by_topic):
    """Returns (top-level error, {(topic, partition): error})."""
    topics = array([string(topic) + array([struct.pack(">i", p) for p in partitions])
                    for topic, partitions in partitions_by_topic.items()])
    reply = call(bootstrap, OFFSET_DELETE, 0, string(group) + topics)
    error = reply.int16()
    reply.int32()  # throttle time
    per_partition = {}
    for topic, partitions in reply.array(
            lambda: (reply.string(), reply.array(lambda: (reply.int32(), reply.int16())))):
        for partition, partition_error in partitions:
            per_partition[(topic, partition)] = partition_error
    assert reply.done()
    return error, per_partition
