"""Verification: every read model equals the fold of the event store.

The projections are built from Kafka; this folds the event store's own
notification log — encoded exactly as the relay encodes it, decoded exactly as
a subscriber decodes it — through the same pure projections in memory, and
compares the result with the live PostgreSQL tables, row by row. Equal tables
prove that nothing was lost, duplicated or reordered between the store, the
relay, the topics and the runners.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg2

from infra import bootstrap
from infra.settings import Settings


@dataclass
class ModelCheck:
    name: str
    rows: int = 0
    missing: list = field(default_factory=list)  # keys in the fold, not in PostgreSQL
    extra: list = field(default_factory=list)  # keys in PostgreSQL, not in the fold
    different: list = field(default_factory=list)  # (table, key, column, fold, postgres)

    @property
    def equal(self) -> bool:
        return not (self.missing or self.extra or self.different)


def _unwritten(value: Any) -> bool:
    # A column the fold never wrote holds its SQL default in PostgreSQL.
    return value in (None, False, 0)


def verify_projections(settings: Settings, names: list[str] | None = None, sample: int = 5) -> list[ModelCheck]:
    from projections import registry, tablesets
    from projections.decoding import make_decoder
    from projections.engine import MemoryTables

    app = bootstrap.ledger(settings)
    try:
        make = bootstrap.avro_records(settings, app.mapper, bootstrap.codec())
        values = [make(n).value for n in app.recorder.select_notifications(start=None, limit=10**9)]
    finally:
        app.close()
    decoder = make_decoder()
    events = [decoder.decode_value(v) for v in values]
    checks = []
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        for name in names or registry.names():
            projection, _decode = registry.build(name, settings)
            memory = MemoryTables(projection).apply_events(events)
            check = ModelCheck(name)
            with conn.cursor() as cur:
                for table in projection.tables:
                    live = tablesets.read_rows(cur, settings.projection_schema, table)
                    folded = memory.rows[table.name]
                    check.rows += len(live)
                    check.missing += [(table.name, k) for k in folded.keys() - live.keys()][:sample]
                    check.extra += [(table.name, k) for k in live.keys() - folded.keys()][:sample]
                    for key in folded.keys() & live.keys():
                        for column, value in live[key].items():
                            want = folded[key].get(column)
                            if column not in folded[key] and _unwritten(value):
                                continue
                            if want != value and len(check.different) < sample:
                                check.different.append((table.name, key, column, want, value))
            checks.append(check)
    finally:
        conn.close()
    return checks


@dataclass
class TopicCheck:
    """The event topics against the event store: each stored event on Kafka exactly once, as stored."""

    stored: int = 0
    published: int = 0  # records read with read_committed
    aborted: int = 0  # records only a read_uncommitted reader sees (transactions cut short)
    missing: list = field(default_factory=list)  # (stream id, sequence) stored, not on the topics
    doubled: list = field(default_factory=list)  # (stream id, sequence) on the topics more than once
    unexpected: list = field(default_factory=list)  # on the topics, not in the store
    out_of_order: list = field(default_factory=list)  # (stream id, sequence, after sequence)
    different: list = field(default_factory=list)  # (stream id, sequence, what differs)
    counts: dict = field(default_factory=dict)  # missing/doubled/... in full (the lists are samples)

    @property
    def equal(self) -> bool:
        return not any(self.counts.values())


def read_topics(settings: Settings, topics: list[str], isolation: str = "read_committed",
                timeout: float = 120.0) -> list:
    """Every record of the topics from the beginning to their end, with the given isolation level."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level=isolation,
                             enable_auto_commit=False, client_id="caseledger-verify",
                             request_timeout_ms=30_000, max_partition_fetch_bytes=8 * 1024 * 1024)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        out = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {', '.join(topics)} to the end within {timeout:.0f} s")
            for records in consumer.poll(timeout_ms=500).values():
                out.extend(r for r in records if r.offset < end[TopicPartition(r.topic, r.partition)])
        return out
    finally:
        consumer.close()


def verify_topics(settings: Settings, sample: int = 5) -> TopicCheck:
    """Compare the case and unit topics (read_committed) with the event store, event by event.

    Every stored event must be published exactly once, on the topic and with the value, key
    and notification id the relay gives it, and each stream's events must follow each other
    1, 2, 3… within its partition.
    """
    app = bootstrap.ledger(settings)
    try:
        make = bootstrap.avro_records(settings, app.mapper, bootstrap.codec())
        expected = {}
        for n in app.recorder.select_notifications(start=None, limit=10**9):
            expected[(str(n.originator_id), n.originator_version)] = make(n)
    finally:
        app.close()
    topics = [settings.case_events_topic, settings.unit_events_topic]
    committed = read_topics(settings, topics)
    check = TopicCheck(stored=len(expected), published=len(committed))
    check.aborted = len(read_topics(settings, topics, isolation="read_uncommitted")) - len(committed)
    seen: set = set()
    last: dict = {}
    for r in sorted(committed, key=lambda r: (r.topic, r.partition, r.offset)):
        h = dict(r.headers)
        key = (h["stream_id"].decode(), int(h["stream_seq"]))
        if key in seen:
            check.doubled.append(key)
            continue
        seen.add(key)
        want = expected.get(key)
        if want is None:
            check.unexpected.append(key)
            continue
        previous = last.get((r.topic, r.partition, key[0]), 0)
        if key[1] != previous + 1:
            check.out_of_order.append((*key, previous))
        last[(r.topic, r.partition, key[0])] = key[1]
        for what, ok in (("topic", r.topic == want.topic), ("key", r.key == want.key),
                         ("value", r.value == want.value),
                         ("notification_id", int(h["notification_id"]) == want.notification_id)):
            if not ok:
                check.different.append((*key, what))
    check.missing = sorted(expected.keys() - seen)
    for name in ("missing", "doubled", "unexpected", "out_of_order", "different"):
        found = getattr(check, name)
        check.counts[name] = len(found)
        setattr(check, name, found[:sample])
    return check
