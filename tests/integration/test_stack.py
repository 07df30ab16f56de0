"""The local stack serves real Kafka and PostgreSQL, as the rest of the ledger needs them."""

from __future__ import annotations

import uuid

import psycopg2
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from infra import stack


def create_topic(settings, name, partitions=1):
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        admin.close()


def test_idempotent_producer_and_consumer_round_trip_keeps_key_and_headers(stack_settings, unique_topic):
    topic = unique_topic()
    create_topic(stack_settings, topic, partitions=3)
    producer = KafkaProducer(bootstrap_servers=stack_settings.kafka_bootstrap_servers,
                             acks="all", enable_idempotence=True)
    sent = [(f"case-{i % 2}".encode(), f"event-{i}".encode()) for i in range(6)]
    for key, value in sent:
        producer.send(topic, key=key, value=value, headers=[("event_type", b"Demo"), ("seq", value[-1:])])
    producer.flush()
    producer.close()

    consumer = KafkaConsumer(topic, bootstrap_servers=stack_settings.kafka_bootstrap_servers,
                             group_id=f"g-{uuid.uuid4().hex[:6]}", auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=10000)
    got = [(m.key, m.value, m.headers, m.partition) for m in consumer]
    consumer.close()

    assert sorted((k, v) for k, v, _, _ in got) == sorted(sent)
    assert all(h == [("event_type", b"Demo"), ("seq", v[-1:])] for _, v, h, _ in got)
    # Same key, same partition, in the order sent: the per-case ordering the relay relies on.
    for key in {k for k, _ in sent}:
        assert len({p for k, _, _, p in got if k == key}) == 1
        assert [v for k, v, _, _ in got if k == key] == [v for k, v in sent if k == key]


def test_transactional_producer_commits_on_one_node(stack_settings, unique_topic):
    # Needs transaction.state.log.replication.factor=1 and min.isr=1 on a single broker.
    topic = unique_topic()
    create_topic(stack_settings, topic)
    producer = KafkaProducer(bootstrap_servers=stack_settings.kafka_bootstrap_servers, acks="all",
                             enable_idempotence=True, transactional_id=f"tx-{uuid.uuid4().hex[:8]}")
    producer.init_transactions()
    producer.begin_transaction()
    producer.send(topic, key=b"k", value=b"committed")
    producer.commit_transaction()
    producer.begin_transaction()
    producer.send(topic, key=b"k", value=b"aborted")
    producer.abort_transaction()
    producer.close()
    consumer = KafkaConsumer(topic, bootstrap_servers=stack_settings.kafka_bootstrap_servers,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             isolation_level="read_committed", consumer_timeout_ms=8000)
    values = [m.value for m in consumer]
    consumer.close()
    assert values == [b"committed"]


def test_postgres_row_round_trip(stack_settings, pg_schema):
    conn = psycopg2.connect(stack_settings.pg_dsn)
    with conn, conn.cursor() as cur:
        cur.execute(f'CREATE TABLE "{pg_schema}".note (id int PRIMARY KEY, body text NOT NULL)')
        cur.execute(f'INSERT INTO "{pg_schema}".note VALUES (%s, %s)', (1, "Inserção às 09h"))
    with conn.cursor() as cur:
        cur.execute(f'SELECT id, body FROM "{pg_schema}".note')
        assert cur.fetchall() == [(1, "Inserção às 09h")]
    conn.close()


class Dossier(Aggregate):
    def __init__(self, number: str):
        self.number = number
        self.notes: list[str] = []

    @event("NoteAdded")
    def add_note(self, text: str) -> None:
        self.notes.append(text)


def test_eventsourcing_postgres_persistence_saves_and_reads_back_an_aggregate(es_env):
    app = Application(env=es_env)
    dossier = Dossier(number="0001234-56.2026.8.11.0041")
    dossier.add_note("acolhimento")
    dossier.add_note("PIA enviado")
    app.save(dossier)

    # A second application instance reads it from the database, not from memory.
    reader = Application(env=es_env)
    again = reader.repository.get(dossier.id)
    assert again.notes == ["acolhimento", "PIA enviado"]
    assert again.version == 3
    assert [n.originator_version for n in reader.notification_log.select(start=1, limit=10)] == [1, 2, 3]
    app.close()
    reader.close()


def test_status_reports_a_killed_broker_down_without_hanging(stack_settings):
    import os
    import signal
    import time

    from infra.stack.kafka import KafkaServer

    kafka = KafkaServer(stack_settings)
    pid = kafka.running_pid()
    assert pid
    os.kill(pid, signal.SIGKILL)
    started = time.monotonic()
    while kafka.running_pid():
        assert time.monotonic() - started < 10, "the killed broker's process did not go away"
        time.sleep(0.05)
    rows = {r["server"]: r for r in stack.status(stack_settings)}
    assert rows["kafka"]["state"] == "down"
    assert rows["postgres"]["state"] == "up"
    assert time.monotonic() - started < 10
    # Bring it back for the rest of the session; `up` is idempotent for PostgreSQL.
    stack.up(stack_settings)
    assert {r["server"]: r["state"] for r in stack.status(stack_settings)} == {"postgres": "up", "kafka": "up"}
