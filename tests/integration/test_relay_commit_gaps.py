"""Notification ids and commit order: a writer that commits late must never be skipped by the relay.

The relay publishes in notification-id order and remembers only the last id it published. If a
transaction could take id N and commit after another transaction took and committed N+1, a relay
reading in between would publish N+1, move its position past N, and never publish N. The event
store prevents it by inserting under an exclusive table lock (ids are assigned in commit order;
POSTGRES_ENABLE_DB_FUNCTIONS stays off). This holds a transaction open with an id assigned while
several writers keep committing and the relay keeps reading, and checks that no later id commits
meanwhile and that every event reaches the topic exactly once, in order.
"""

from __future__ import annotations

import signal
import time
import uuid

import psycopg2
import pytest
from psycopg2 import sql

from infra.topics import ensure_topics
from tests.integration.relay_support import (
    Writers, assert_topic_equals_store, fill_store, read_topic, relay_settings, start_worker, store_events,
    wait_position,
)

pytestmark = pytest.mark.fault

HOLDS = 4
HOLD_S = 1.5  # under the store's lock timeout: the blocked writers wait, they do not fail


def events_table(conn, schema: str) -> sql.Composed:
    with conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.columns WHERE table_schema = %s "
                    "AND column_name = 'notification_id'", (schema,))
        (name,), = cur.fetchall()
    return sql.Identifier(schema, name)


def test_a_transaction_committing_after_later_writers_is_never_skipped_by_the_relay(
        stack_settings, es_env, pg_schema, unique_topic, tmp_path):
    settings = relay_settings(stack_settings, unique_topic("relay"))
    ensure_topics(settings)
    fill_store(es_env, streams=10, events_per_stream=5)
    relay = start_worker(settings, pg_schema, "--batch", "50", log=tmp_path / "relay.log")
    slow_ids = []
    try:
        wait_position(settings, lambda p: p > 0)
        table = events_table(psycopg2.connect(stack_settings.pg_dsn), pg_schema)
        with Writers(es_env, threads=3) as writers:
            for _ in range(HOLDS):
                time.sleep(0.5)  # let the writers and the relay run between holds
                slow = psycopg2.connect(stack_settings.pg_dsn)
                with slow.cursor() as cur:
                    # What the store's insert does: lock, then insert; here the commit comes late.
                    cur.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table))
                    cur.execute(sql.SQL("INSERT INTO {} (originator_id, originator_version, topic, state) "
                                        "VALUES (%s, 1, 'tests:Slow', %s) RETURNING notification_id").format(table),
                                (str(uuid.uuid4()), b"late"))
                    slow_id = cur.fetchone()[0]
                time.sleep(HOLD_S)
                watcher = psycopg2.connect(stack_settings.pg_dsn)
                with watcher.cursor() as cur:
                    cur.execute(sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}").format(table))
                    committed_max = cur.fetchone()[0]
                watcher.close()
                assert committed_max < slow_id, "a later id committed while an earlier one was still open"
                slow.commit()
                slow.close()
                slow_ids.append(slow_id)
            assert writers.rounds > 0
        head = store_events(es_env)[-1].id
        wait_position(settings, lambda p: p >= head, timeout=120)
    finally:
        relay.send_signal(signal.SIGTERM)
        code = relay.wait(timeout=60)
    assert code == 0
    stored = store_events(es_env)
    assert set(slow_ids) <= {n.id for n in stored}
    assert_topic_equals_store(read_topic(settings, settings.case_events_topic), stored)
