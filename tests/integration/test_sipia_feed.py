"""The SIPIA feed on the real Kafka and PostgreSQL: killed with SIGKILL mid-batch, it gives the same report.

A month of three units (tests/unit/consumers/sipia_story.py, 270-odd events) is recorded by the real
CaseLedger, encoded by the real codec and published on this test's own topics as the relay does. The
feed runs as a process of its own WITHOUT the key file. One run goes through uninterrupted; another
is SIGKILLed while a batch's transaction is open, then restarted: tables and reports must be equal,
and equal to the fold of the same events in memory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from kafka import KafkaConsumer, TopicPartition

from consumers import sipia
from infra.topics import TopicSpec, ensure_topics
from projections import tablesets
from projections.engine import MemoryTables
from tests.integration.projection_support import wait_for
from tests.integration.test_read_models import publish
from tests.unit.consumers.sipia_story import MARCH, export_march, recorded_month, stored_events

WORKER = Path(__file__).with_name("sipia_worker.py")
PARTITIONS = 3
UNITS = ("a", "b", "c")
PERIODS = (MARCH, (dt.date(2026, 3, 10), dt.date(2026, 3, 20)), (dt.date(2026, 4, 1), dt.date(2026, 4, 30)))


def _topics(settings, unique_topic):
    s = dataclasses.replace(settings, case_events_topic=unique_topic("case"), unit_events_topic=unique_topic("unit"),
                            dead_letter_topic=unique_topic("dlq"))
    ensure_topics(s, [TopicSpec(s.case_events_topic, PARTITIONS, {}), TopicSpec(s.unit_events_topic, PARTITIONS, {}),
                      TopicSpec(s.dead_letter_topic, 1, {})])
    # A consumer group formed before the broker's metadata lists a fresh topic's partitions can be
    # assigned nothing and stay so: wait until a client sees every partition of both topics.
    consumer = KafkaConsumer(bootstrap_servers=s.kafka_bootstrap_servers)
    try:
        wait_for(lambda: all(len(consumer.partitions_for_topic(t) or ()) == PARTITIONS
                             for t in (s.case_events_topic, s.unit_events_topic)), "the topics' metadata")
    finally:
        consumer.close()
    return s


def _end_offsets(settings) -> dict:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed")
    try:
        parts = [TopicPartition(t, p) for t in (settings.case_events_topic, settings.unit_events_topic)
                 for p in range(PARTITIONS)]
        return {(tp.topic, tp.partition): o for tp, o in consumer.end_offsets(parts).items() if o}
    finally:
        consumer.close()


def _stored(settings, schema) -> dict:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            live = tablesets.current_generation(cur, schema, sipia.NAME)
            return tablesets.read_offsets(cur, schema, sipia.NAME, live) if live else {}
    except psycopg2.errors.UndefinedTable:
        return {}
    finally:
        conn.close()


def _open_batch_transactions(settings) -> int:
    """Connections of the feed holding a transaction open (a batch in flight)."""
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'caseledger-projection' "
                        "AND xact_start IS NOT NULL AND state LIKE 'idle in transaction%%'")
            return cur.fetchone()[0]
    finally:
        conn.close()


def _start(settings, schema, group, *args, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update({
        "CASELEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap_servers,
        "CASELEDGER_PG_PORT": str(settings.pg_port),
        "CASELEDGER_PG_PASSWORD": settings.pg_password_for(settings.pg_user),
        "CASELEDGER_STATE_DIR": str(settings.state_dir),
        # No key: the feed opens no sealed value (a codec with no key service).
        "CASELEDGER_KEY_FILE": "/nonexistent/no-key-for-the-sipia-feed.key",
        "CASELEDGER_CASE_EVENTS_TOPIC": settings.case_events_topic,
        "CASELEDGER_UNIT_EVENTS_TOPIC": settings.unit_events_topic,
        "CASELEDGER_DLQ_TOPIC": settings.dead_letter_topic,
    })
    worker = subprocess.Popen([sys.executable, str(WORKER), "--schema", schema, "--group", group, *args], env=env,
                              stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    _STARTED.append(worker)
    return worker


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_worker_left_running():
    """A failed assertion must not leave a worker running for the rest of the suite."""
    yield
    while _STARTED:
        worker = _STARTED.pop()
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)


def _tables(settings, schema) -> dict:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            return {t.name: tablesets.read_rows(cur, schema, t) for t in sipia.SipiaFeed.tables}
    finally:
        conn.close()


def _reports(tables: dict, ids: dict) -> list[dict]:
    rows = {name: list(t.values()) for name, t in tables.items()}
    units = {r["unit_id"]: r for r in rows["sipia_units"]}
    return [sipia.reconcile(rows, units[ids[u]], *period) for u in UNITS for period in PERIODS]


@pytest.fixture
def second_schema(stack_settings):
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield name
    conn = psycopg2.connect(stack_settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    conn.close()


@pytest.mark.fault
def test_feed_killed_mid_batch_gives_the_report_of_an_uninterrupted_run(stack_settings, pg_schema, second_schema,
                                                                        unique_topic, tmp_path):
    settings = _topics(stack_settings, unique_topic)
    ledger, ids = recorded_month(extra=40)
    export_march(ledger, ids["a"], "ab" * 32)
    values = publish(settings, stored_events(ledger))
    end = _end_offsets(settings)
    log = tmp_path / "feed.log"

    calm = _start(settings, pg_schema, f"test.sipia.{uuid.uuid4().hex[:8]}", "--batch", "500", log=log)
    assert calm.wait(timeout=180) == 0, log.read_text()[-3000:]
    assert _stored(settings, pg_schema) == end

    group = f"test.sipia.{uuid.uuid4().hex[:8]}"
    first = _start(settings, second_schema, group, "--batch", "20", "--slow", "0.02", log=log)
    wait_for(lambda: sum(_stored(settings, second_schema).values()) > 0 and _open_batch_transactions(settings),
             "a batch committed and the next one open", timeout=120)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    killed_at = _stored(settings, second_schema)
    assert sum(killed_at.values()) < sum(end.values()), "finished before the kill; proves nothing"

    second = _start(settings, second_schema, group, "--batch", "50", log=log)
    assert second.wait(timeout=180) == 0, log.read_text()[-3000:]
    assert _stored(settings, second_schema) == end

    interrupted, uninterrupted = _tables(settings, second_schema), _tables(settings, pg_schema)
    assert interrupted == uninterrupted
    assert _reports(interrupted, ids) == _reports(uninterrupted, ids)

    # ... and both are the fold of the same events in memory (nothing lost, nothing applied twice).
    memory = MemoryTables(sipia.SipiaFeed())
    decode = sipia.SipiaDecoder()
    for value in values:
        memory.apply_event(decode.decode_value(value))
    folded = _reports({k: {key: {c: row.get(c) for c in interrupted[k][key]} for key, row in v.items()}
                       for k, v in memory.rows.items()}, ids)
    assert _reports(interrupted, ids) == folded
    march = _reports(interrupted, ids)[0]
    assert march["counts"]["entries"] > 0 and march["differences"]["last_export"]["report_digest"] == "ab" * 32
    assert "SIPIA-0001" not in repr(interrupted) and "projection_runner_stopped" in log.read_text()
