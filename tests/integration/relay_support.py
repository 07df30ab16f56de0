"""Helpers for the relay tests: fill a store, run the relay process, read a topic back."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from infra.relay import Outgoing, outgoing, read_position
from infra.topics import relay_position_topic

WORKER = Path(__file__).with_name("relay_worker.py")


class Ward(Aggregate):
    """A stand-in stream: the relay does not care what the events mean."""

    def __init__(self, number: int):
        self.number = number

    @event("Noted")
    def note(self, text: str) -> None:
        pass


def fill_store(es_env: dict, streams: int, events_per_stream: int) -> None:
    app = Application(env=es_env)
    wards = [Ward(number=i) for i in range(streams)]
    for _ in range(events_per_stream - 1):
        for w in wards:
            w.note(text="x" * 40)
    # Several aggregates per save: one transaction, notifications interleave across streams.
    for i in range(0, streams, 25):
        app.save(*wards[i:i + 25])
    app.close()


def plain_records(settings):
    """Stored notification → Kafka record with the stored bytes as value (these tests check
    delivery, not encoding); the event id is derived from stream id and sequence."""

    def to_record(n) -> Outgoing:
        return outgoing(
            settings.case_events_topic, n, value=n.state,
            event_id=str(uuid.uuid5(n.originator_id, str(n.originator_version))),
            event_type=n.topic, fingerprint="raw", occurred_at="", recorded_at="",
        )

    return to_record


def relay_settings(stack_settings, topic: str):
    return dataclasses.replace(stack_settings, case_events_topic=topic, topic_partitions=3)


def worker_env(settings, pg_schema: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "CASELEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap_servers,
        "CASELEDGER_PG_PORT": str(settings.pg_port),
        "CASELEDGER_PG_PASSWORD": settings.pg_password_for(settings.pg_user),
        # the stack's secrets and key-encryption key: a child with another would wrap keys we cannot open
        "CASELEDGER_STATE_DIR": str(settings.state_dir),
        "CASELEDGER_KEY_FILE": str(settings.data_key_path),
        "CASELEDGER_CASE_EVENTS_TOPIC": settings.case_events_topic,
        "CASELEDGER_TOPIC_PARTITIONS": str(settings.topic_partitions),
        "POSTGRES_SCHEMA": pg_schema,
    })
    return env


def start_worker(settings, pg_schema: str, *args: str, log: Path,
                 env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WORKER), *args],
                            env={**worker_env(settings, pg_schema), **(env or {})},
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def wait_position(settings, predicate, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pos = read_position(settings, relay_position_topic(settings), timeout=5)
        except KafkaError:  # the broker is away (fault tests), or the position could not be read in time
            pos = None
        if pos is not None and predicate(pos):
            return pos
        time.sleep(0.1)
    raise AssertionError(f"relay position did not reach the expected value within {timeout} s")


def wait_for_log_line(log: Path, *events: str, timeout: float = 60.0) -> str:
    """Wait until a worker's log holds one of `events` (structlog event names); return the one found."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.exists() else ""
        for name in events:
            if f'"{name}"' in text:
                return name
        time.sleep(0.1)
    raise AssertionError(f"none of {events} in {log} within {timeout} s")


def read_topic(settings, topic: str, isolation: str = "read_committed") -> list:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                             isolation_level=isolation, enable_auto_commit=False)
    parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    out = []
    deadline = time.monotonic() + 60
    while any(consumer.position(tp) < end[tp] for tp in parts) and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            out.extend(batch)
    consumer.close()
    return out


def store_events(es_env: dict) -> list:
    app = Application(env=es_env)
    out = list(app.recorder.select_notifications(start=None, limit=10**9))
    app.close()
    return out


def stream_key(n) -> tuple[str, int]:
    return str(n.originator_id), n.originator_version


def headers(record) -> dict[str, bytes]:
    return dict(record.headers)


def as_event(record) -> tuple[str, int]:
    h = headers(record)
    return h["stream_id"].decode(), int(h["stream_seq"])


def assert_topic_equals_store(records: list, notifications: list, derived_event_ids: bool = True) -> None:
    """Same events, exactly once, per-stream order preserved, bytes identical.

    `records` may come from several topics. `derived_event_ids`: the stores of `fill_store`, whose
    event id header is derived from stream id and sequence (the ledger's comes from the envelope).
    """
    stored = {stream_key(n): n for n in notifications}
    published = [as_event(r) for r in records]
    assert len(published) == len(set(published)), "an event was published twice (read_committed)"
    assert set(published) == set(stored), (
        f"missing {len(set(stored) - set(published))}, unexpected {len(set(published) - set(stored))}")
    by_partition: dict[int, list] = {}
    for r in records:
        by_partition.setdefault((r.topic, r.partition), []).append(r)
    for rs in by_partition.values():
        last: dict[str, int] = {}
        for r in rs:  # within a partition, in offset order
            stream, seq = as_event(r)
            assert seq == last.get(stream, 0) + 1, f"stream {stream}: {seq} after {last.get(stream, 0)}"
            last[stream] = seq
    for r in records:
        n = stored[as_event(r)]
        assert r.value == n.state
        assert int(headers(r)["notification_id"]) == n.id
        if derived_event_ids:
            assert headers(r)["event_id"].decode() == str(uuid.uuid5(n.originator_id, str(n.originator_version)))


class Writers:
    """Records events continuously on `threads` threads of their own until stopped (the load)."""

    def __init__(self, es_env: dict, threads: int = 1) -> None:
        self._env = es_env
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, name=f"writer-{i}", daemon=True)
                         for i in range(threads)]
        self.rounds = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            fill_store(self._env, streams=20, events_per_stream=10)
            self.rounds += 1
            time.sleep(0.02)

    def __enter__(self) -> "Writers":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)
