"""Helpers for the projection runner tests: topics, publishing toy events, reading tables back."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
from kafka import KafkaProducer

from consumers.replay import replay_one
from consumers.runner import ProjectionRunner
from infra.bootstrap import consumer_factory, pg_connector, producer_factory
from infra.topics import TopicSpec, ensure_topics
from projections import tablesets
from projections.engine import MemoryTables
from tests.unit.projections.toy import Accounts, as_sql_rows, decode

WORKER = Path(__file__).with_name("projection_worker.py")
PARTITIONS = 3


def make_topics(settings, unique_topic) -> object:
    """Settings with a fresh event topic (3 partitions) and a fresh dead-letter topic."""
    s = dataclasses.replace(settings, case_events_topic=unique_topic("events"),
                            dead_letter_topic=unique_topic("dlq"))
    ensure_topics(s, [TopicSpec(s.case_events_topic, PARTITIONS, {}), TopicSpec(s.dead_letter_topic, 1, {})])
    return s


def publish(settings, events: list[dict], raw: dict[int, bytes] | None = None) -> None:
    """Publish toy events keyed by account (JSON); `raw` replaces the value at some indexes."""
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                             enable_idempotence=True)
    for i, e in enumerate(events):
        value = (raw or {}).get(i, json.dumps(e).encode())
        producer.send(settings.case_events_topic, key=e["account"].encode(), value=value,
                      headers=[("event_id", e["event_id"].encode()), ("event_type", e["type"].encode())])
    producer.flush()
    producer.close()


def runner(settings, schema: str, projection=None, application_name: str = "caseledger-projection",
           decode=decode, **kwargs) -> ProjectionRunner:
    kwargs.setdefault("poll_timeout_ms", 200)
    kwargs.setdefault("group_id", f"test.{settings.case_events_topic}")
    kwargs.setdefault("make_producer", producer_factory(settings))
    return ProjectionRunner(projection or Accounts(), decode, [settings.case_events_topic], schema=schema,
                            connect_pg=pg_connector(settings, application_name),
                            make_consumer=consumer_factory(settings),
                            dead_letter_topic=settings.dead_letter_topic, **kwargs)


def replay(settings, schema: str, projection=None, decode=decode, **kwargs):
    kwargs.setdefault("make_producer", producer_factory(settings))
    kwargs.setdefault("dead_letter_topic", settings.dead_letter_topic)
    return replay_one(projection or Accounts(), decode, [settings.case_events_topic], schema=schema,
                      connect_pg=pg_connector(settings), make_consumer=consumer_factory(settings), **kwargs)


def view_rows(settings, schema: str, generation: int | None = None, projection=None) -> dict:
    """Every table of the projection (the read views, or one generation) as {table: {key: row}}."""
    projection = projection or Accounts()
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            return {t.name: tablesets.read_rows(cur, schema, t, generation) for t in projection.tables}
    finally:
        conn.close()


def expected_rows(events: list[dict], projection=None) -> dict:
    """The fold of the events in memory, with the SQL defaults filled in."""
    memory = MemoryTables(projection or Accounts()).apply_events(events)
    return {name: as_sql_rows(rows, name) for name, rows in memory.rows.items()}


def stored_offsets(settings, schema: str, generation: int | None = None, name: str = "accounts") -> dict:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            if generation is None:
                generation = tablesets.current_generation(cur, schema, name)
            return tablesets.read_offsets(cur, schema, name, generation)
    except psycopg2.errors.UndefinedTable:
        return {}
    finally:
        conn.close()


def current_generation(settings, schema: str, name: str = "accounts") -> int | None:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            return tablesets.current_generation(cur, schema, name)
    finally:
        conn.close()


def wait_for(predicate, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def start_worker(settings, schema: str, *args: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({
        "CASELEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap_servers,
        "CASELEDGER_PG_PORT": str(settings.pg_port),
        "CASELEDGER_PG_PASSWORD": settings.pg_password_for(settings.pg_user),
        # the stack's secrets and key-encryption key: a child with another would wrap keys we cannot open
        "CASELEDGER_STATE_DIR": str(settings.state_dir),
        "CASELEDGER_KEY_FILE": str(settings.data_key_path),
        "CASELEDGER_CASE_EVENTS_TOPIC": settings.case_events_topic,
        "CASELEDGER_DLQ_TOPIC": settings.dead_letter_topic,
    })
    return subprocess.Popen([sys.executable, str(WORKER), "--schema", schema, *args], env=env,
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)
