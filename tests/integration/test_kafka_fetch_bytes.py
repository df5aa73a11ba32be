"""Fetch sends the record batches byte for byte as they are stored: the broker sends them
from the segment files (sendfile), so what a consumer gets must be exactly the bytes of
the .log files, in every partition of a response, from every segment."""
import struct
import subprocess

from kafka_helpers import create_topic
from kafka_wire import Reader, array, call, string

FETCH = 1


def produce(broker, topic, partition, count):
    lines = "".join(f"{partition}-{i}-{'x' * (i % 50)}\n" for i in range(count)).encode()
    result = subprocess.run(
        ["kcat", "-b", broker.bootstrap, "-P", "-t", topic, "-p", str(partition),
         "-X", "acks=all", "-X", "batch.num.messages=37"],
        input=lines, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr


def fetch_v4(broker, topic, wanted, max_bytes=64 << 20, partition_max_bytes=16 << 20):
    """{partition: (error_code, high_watermark, records bytes)} for [(partition, offset)]."""
    partitions = [struct.pack(">iqi", p, offset, partition_max_bytes) for p, offset in wanted]
    topics = array([string(topic) + array(partitions)])
    body = struct.pack(">iiiib", -1, 100, 1, max_bytes, 0) + topics
    reader = call(broker.bootstrap, FETCH, 4, body)
    reader.int32()  # throttle_time_ms
    result = {}
    for _ in range(reader.int32()):
        assert reader.string() == topic
        for _ in range(reader.int32()):
            partition, error, high_watermark = reader.int32(), reader.int16(), reader.take(">q")
            reader.take(">q")  # last_stable_offset
            aborted = reader.int32()
            assert aborted <= 0
            length = reader.int32()
            records = b"" if length < 0 else reader.data[reader.pos:reader.pos + length]
            reader.pos += max(length, 0)
            result[partition] = (error, high_watermark, records)
    assert reader.done()
    return result


def segment_files(broker, topic, partition):
    directory = broker.data_dir / "data" / "topics" / topic / str(partition)
    return sorted(directory.glob("*.log"))


def test_fetch_returns_the_stored_bytes_of_every_partition(broker):
    create_topic(broker.bootstrap, "exact", 3)
    produce(broker, "exact", 0, 500)
    produce(broker, "exact", 2, 300)  # partition 1 stays empty, between two spliced ones
    fetched = fetch_v4(broker, "exact", [(0, 0), (1, 0), (2, 0)])
    for partition, count in ((0, 500), (2, 300)):
        error, high_watermark, records = fetched[partition]
        (log,) = segment_files(broker, "exact", partition)
        assert (error, high_watermark) == (0, count)
        assert records == log.read_bytes()
    assert fetched[1] == (0, 0, b"")


def test_fetch_from_each_segment_returns_that_segments_bytes(broker):
    create_topic(broker.bootstrap, "rolled", 1, {"segment.bytes": "4096"})
    produce(broker, "rolled", 0, 2000)
    logs = segment_files(broker, "rolled", 0)
    assert len(logs) > 3
    for log in logs:
        base = int(log.stem)
        error, _, records = fetch_v4(broker, "rolled", [(0, base)])[0]
        assert error == 0
        assert records == log.read_bytes(), log.name


def test_fetch_within_partition_max_bytes_returns_whole_batches_from_the_file(broker):
    create_topic(broker.bootstrap, "sliced", 1)
    produce(broker, "sliced", 0, 1000)
    (log,) = segment_files(broker, "sliced", 0)
    stored = log.read_bytes()
    _, _, records = fetch_v4(broker, "sliced", [(0, 0)], partition_max_bytes=3000)[0]
    assert 0 < len(records) <= 3000
    assert records == stored[:len(records)]
    # The next fetch starts where those batches end, at the next batch in the file.
    last_batch = 0
    while last_batch + 12 < len(records):
        (length,) = struct.unpack_from(">i", records, last_batch + 8)
        next_batch = last_batch + 12 + length
        if next_batch == len(records):
            break
        last_batch = next_batch
    (base_offset,) = struct.unpack_from(">q", records, last_batch)
    (delta,) = struct.unpack_from(">i", records, last_batch + 23)
    _, _, more = fetch_v4(broker, "sliced", [(0, base_offset + delta + 1)],
                          partition_max_bytes=3000)[0]
    assert 0 < len(more) <= 3000
    assert more == stored[len(records):len(records) + len(more)]
