"""The relay's batch reading ahead and its partitioner, without Kafka or PostgreSQL."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner import DefaultPartitioner

from infra.relay import ReadAhead, StreamPartitioner


class Log:
    """A notification log in memory: `read(after)` gives the next ids, `size` at a time."""

    def __init__(self, head: int, size: int = 3) -> None:
        self.head, self.size = head, size
        self.reads: list[int] = []
        self.read_done = threading.Event()

    def read(self, after: int) -> list[int]:
        self.reads.append(after)
        batch = list(range(after + 1, min(after + self.size, self.head) + 1))
        self.read_done.set()
        return batch


def test_a_batch_read_ahead_is_the_batch_after_the_position_asked_for():
    log = Log(head=10)
    ahead = ReadAhead(log.read)
    ahead.start(after=3)
    assert ahead.take(3) == [4, 5, 6]
    assert log.reads == [3], "the batch was read twice"


def test_a_batch_read_ahead_from_another_position_is_not_used():
    # After a failed commit the relay re-reads its position: the read ahead no longer fits.
    log = Log(head=10)
    ahead = ReadAhead(log.read)
    ahead.start(after=6)
    assert ahead.take(3) == [4, 5, 6]


def test_a_discarded_read_ahead_is_not_used():
    log = Log(head=10)
    ahead = ReadAhead(log.read)
    ahead.start(after=3)
    assert log.read_done.wait(5)
    ahead.discard()
    log.head = 4  # what a fresh read sees differs from what was read ahead
    assert ahead.take(3) == [4]


def test_a_batch_is_read_once_only():
    log = Log(head=10)
    ahead = ReadAhead(log.read)
    ahead.start(after=3)
    ahead.take(3)
    log.head = 5
    assert ahead.take(3) == [4, 5], "the second take reused the first read"


def test_a_discarded_read_finishing_late_does_not_replace_the_next_one():
    log, slow = Log(head=20), threading.Event()

    def read(after: int) -> list[int]:
        if after == 3:
            slow.wait(5)
        return log.read(after)

    ahead = ReadAhead(read)
    ahead.start(after=3)
    ahead.discard()
    ahead.start(after=6)
    slow.set()
    deadline = time.monotonic() + 5
    while any(t.name == "relay-read-ahead" for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(log.reads) == [3, 6], "both reads should have finished"
    assert ahead.take(6) == [7, 8, 9]


def test_an_error_while_reading_ahead_is_raised_by_take():
    release = threading.Event()

    def failing(after: int) -> list[int]:
        release.wait(5)
        raise ConnectionError("PostgreSQL went away")

    ahead = ReadAhead(failing)
    ahead.start(after=0)
    release.set()
    with pytest.raises(ConnectionError, match="went away"):
        ahead.take(0)


class Cluster:
    """The two questions a partitioner asks of the producer's metadata."""

    def __init__(self, partitions: int) -> None:
        self.partitions = set(range(partitions))

    def topics(self):
        return {"t"}

    def partitions_for_topic(self, topic):
        return set(self.partitions)

    def available_partitions_for_topic(self, topic):
        return set(self.partitions)


@given(keys=st.lists(st.binary(min_size=1, max_size=64), min_size=1, max_size=20),
       partitions=st.integers(min_value=1, max_value=64))
def test_stream_partitioner_chooses_the_default_partition_for_every_key(keys, partitions):
    cluster, default, remembering = Cluster(partitions), DefaultPartitioner(), StreamPartitioner(remember=8)
    for key in keys + keys:  # the second time from its memory
        expected = default.partition("t", key, key, b"v", b"v", cluster)
        assert remembering.partition("t", key, key, b"v", b"v", cluster) == expected


def test_stream_partitioner_follows_a_change_of_partition_count():
    partitioner, key = StreamPartitioner(), b"0b8e4f0c-2d1c-4c55-9a4e-6f3d2b7e9a10"
    chosen = {partitioner.partition("t", key, key, b"v", b"v", Cluster(n)) for n in (3, 5, 7, 11, 13)}
    assert len(chosen) > 1
    assert partitioner.partition("t", key, key, b"v", b"v", Cluster(6)) == \
        DefaultPartitioner().partition("t", key, key, b"v", b"v", Cluster(6))
