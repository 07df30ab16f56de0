"""How far a reader is behind: the committed records after its position, not the offsets.

Offsets are not records. Every write to the event topics is transactional, so
a transaction's commit or abort marker takes an offset, and so does every
record of an aborted transaction (a relay that crashed mid-batch leaves some);
a read_committed consumer skips them all, and so do our runners. Subtracting
the stored position from the end offset therefore counts markers and aborted
records as lag, and a caught-up read model looks behind forever.

`records_behind` counts what a runner would still receive: it reads each
partition with a read_committed consumer from the position to the last stable
offset and counts the records. A reader far behind does not need an exact
figure, and reading it all would be slow: past `limit` offsets the offset span
is reported instead (an upper bound).
"""

from __future__ import annotations

import time
from typing import Mapping

from kafka import TopicPartition

LIMIT = 20_000  # offsets per partition counted exactly; beyond, the span is an upper bound


def records_behind(consumer, positions: Mapping[TopicPartition, int], limit: int = LIMIT,
                   timeout: float = 30.0) -> dict[TopicPartition, int]:
    """Committed records from each partition's position (the next offset to read) to its end.

    `consumer` is a KafkaConsumer without a group, with isolation_level="read_committed"
    (its end offsets are then the last stable offsets); it is left assigned, for the caller to close.
    """
    parts = list(positions)
    if not parts:
        return {}
    begin, end = consumer.beginning_offsets(parts), consumer.end_offsets(parts)
    start = {tp: max(positions[tp], begin[tp]) for tp in parts}
    behind = {tp: 0 for tp in parts}
    to_read = []
    for tp in parts:
        span = end[tp] - start[tp]
        if span > limit:
            behind[tp] = span
        elif span > 0:
            to_read.append(tp)
    if not to_read:
        return behind
    consumer.assign(to_read)
    for tp in to_read:
        consumer.seek(tp, start[tp])
    deadline = time.monotonic() + timeout
    while any(consumer.position(tp) < end[tp] for tp in to_read):
        if time.monotonic() > deadline:
            raise TimeoutError(f"could not read to the end of {len(to_read)} partition(s) within {timeout} s")
        for tp, records in consumer.poll(timeout_ms=500).items():
            behind[tp] += sum(1 for r in records if r.offset < end[tp])
    return behind
