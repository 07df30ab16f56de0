"""Wiring of the transparency log: settings → the log, the event store reader, the checkpoint topic.

The checkpoint topic is kept forever (retention -1, not compacted: every checkpoint is evidence,
and a second note for one size must stay visible). Key = tree size, value = the signed note.
"""

from __future__ import annotations

import base64
import time
from contextlib import contextmanager

import psycopg2
import psycopg2.errors
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from infra.settings import Settings
from infra.tamper.log import Checkpoint, TransparencyLog, load_or_create_key, verifier_key
from infra.topics import TopicSpec, ensure_topics


def log_schema(store_schema: str | None) -> str:
    """The log's PostgreSQL schema: beside the event store's, never inside it (other owner later)."""
    return f"{store_schema}_tlog" if store_schema else "tlog"


def checkpoint_topic(settings: Settings) -> str:
    return f"{settings.case_events_topic}.checkpoints"


def open_log(settings: Settings, store_schema: str | None = None) -> TransparencyLog:
    @contextmanager
    def connect():
        conn = psycopg2.connect(settings.pg_dsn, connect_timeout=settings.pg_connect_timeout_s,
                                application_name="caseledger-tlog")
        try:
            with conn:
                yield conn
        finally:
            conn.close()

    key = load_or_create_key(settings.tlog_key_path)
    return TransparencyLog(connect, log_schema(store_schema), settings.tlog_origin, key)


def public_key_line(settings: Settings) -> str:
    """The verifier key auditors pin (exported beside the schemas)."""
    return verifier_key(settings.tlog_origin, load_or_create_key(settings.tlog_key_path))


def ensure_checkpoint_topic(settings: Settings) -> None:
    ensure_topics(settings, [TopicSpec(checkpoint_topic(settings), 1, {
        "retention.ms": "-1", "retention.bytes": "-1",
        "min.insync.replicas": str(settings.topic_min_insync_replicas)})])


def publisher(settings: Settings):
    ensure_checkpoint_topic(settings)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                             enable_idempotence=True, client_id="caseledger-tlog")

    def publish(cp: Checkpoint) -> None:
        producer.send(checkpoint_topic(settings), key=str(cp.size).encode(), value=cp.note.encode()).get(timeout=30)

    publish.close = producer.close
    return publish


VERIFIER_KEY_RECORD = b"verifier-key"  # the record key of the log's public key on the checkpoint topic


def publish_verifier_key(settings: Settings) -> str:
    """Put the log's verifier key on the checkpoint topic (beside the schemas' publication)."""
    ensure_checkpoint_topic(settings)
    line = public_key_line(settings)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                             client_id="caseledger-tlog")
    try:
        producer.send(checkpoint_topic(settings), key=VERIFIER_KEY_RECORD, value=line.encode()).get(timeout=30)
    finally:
        producer.close()
    return line


def published_checkpoints(settings: Settings, timeout: float = 30.0) -> list[str]:
    """Every checkpoint note on the checkpoint topic, in the order published (not the key records)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                             isolation_level="read_committed", client_id="caseledger-verify")
    try:
        topic = checkpoint_topic(settings)
        if topic not in consumer.topics():
            return []
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        end = consumer.end_offsets([tp])[tp]
        out, deadline = [], time.monotonic() + timeout
        while consumer.position(tp) < end and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                out.extend(r.value.decode() for r in batch if r.key != VERIFIER_KEY_RECORD)
        return out
    finally:
        consumer.close()


def event_records(settings: Settings, timeout: float = 60.0) -> list[tuple[int, bytes]]:
    """(notification id, value) of every committed record of the event topics."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                             isolation_level="read_committed", client_id="caseledger-verify")
    try:
        topics = [t for t in (settings.case_events_topic, settings.unit_events_topic) if t in consumer.topics()]
        parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t)]
        if not parts:
            return []
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        out, deadline = [], time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in parts) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                for r in batch:
                    nid = dict(r.headers or []).get("notification_id")
                    if nid is not None:
                        out.append((int(nid), r.value))
        return out
    finally:
        consumer.close()


def stored_reader(recorder):
    """What the auditor's side needs of the event store: all notifications, and one by id."""
    def all_notifications():
        start = 1
        while True:
            batch = list(recorder.select_notifications(start, 5000))
            if not batch:
                return
            yield from batch
            start = batch[-1].id + 1

    def by_id(nid: int) -> bytes | None:
        found = list(recorder.select_notifications(nid, 1))
        return bytes(found[0].state) if found and found[0].id == nid else None

    return all_notifications, by_id


def log_state(settings: Settings, store_schema: str | None) -> dict | None:
    """Last leaf's notification id, leaves and latest checkpoint, read only; None if no log was built."""
    schema = log_schema(store_schema)
    conn = psycopg2.connect(settings.pg_dsn, connect_timeout=settings.pg_connect_timeout_s)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s), to_regclass(%s)", (f'"{schema}".leaves', f'"{schema}".checkpoints'))
            if None in cur.fetchone():
                return None
            cur.execute(f'SELECT count(*), coalesce(max(notification_id), 0) FROM "{schema}".leaves')
            leaves, position = cur.fetchone()
            cur.execute(f'SELECT max(size) FROM "{schema}".checkpoints')
            return {"leaves": leaves, "position": position, "checkpoint": cur.fetchone()[0]}
    finally:
        conn.close()


NO_CHECKPOINT = "no checkpoint yet covers these facts"


def covering_checkpoint(settings: Settings, store_schema: str | None, notification_id: int | None) -> dict:
    """What a read model built up to `notification_id` can be proved against.

    The tree size at that event (its leaf's index + 1) and the first checkpoint of at least that
    size: the smallest signed tree holding every fact the read model shows (docs/TAMPER-EVIDENCE.md).
    Read models record only the notification id (`projection_built_from`): the checkpoint usually
    comes after they applied the event, so it is looked up when asked.
    """
    out = {"notification_id": notification_id, "tree_size": None, "checkpoint_size": None, "checkpoint_root": None,
           "checkpoint": NO_CHECKPOINT}
    if notification_id is None:
        return out
    schema = log_schema(store_schema)
    conn = psycopg2.connect(settings.pg_dsn, connect_timeout=settings.pg_connect_timeout_s)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s), to_regclass(%s)", (f'"{schema}".leaves', f'"{schema}".checkpoints'))
            if None in cur.fetchone():
                return out
            cur.execute(f'SELECT idx FROM "{schema}".leaves WHERE notification_id <= %s'
                        ' ORDER BY notification_id DESC LIMIT 1', (notification_id,))
            row = cur.fetchone()
            cur.execute(f'SELECT coalesce(max(notification_id), 0) FROM "{schema}".leaves')
            if row is None or cur.fetchone()[0] < notification_id:
                return out  # the log builder has not reached the read model's last event yet
            out["tree_size"] = row[0] + 1
            cur.execute(f'SELECT size, root FROM "{schema}".checkpoints WHERE size >= %s ORDER BY size LIMIT 1',
                        (out["tree_size"],))
            cp = cur.fetchone()
            if cp is not None:
                root = base64.b64encode(bytes(cp[1])).decode()
                out.update(checkpoint_size=cp[0], checkpoint_root=root, checkpoint=f"tree size {cp[0]}, root {root}")
    except psycopg2.errors.InsufficientPrivilege:
        # A role that may read the read models but not the log (database roles): say so, never fail the report.
        out["checkpoint"] = "unknown: this role cannot read the transparency log"
    finally:
        conn.close()
    return out


def inspection_checkpoint(settings: Settings, views_schema: str, store_schema: str | None = None,
                          projections=("unit_occupancy", "audit_trail")):
    """The checkpoint the inspection report's read models were built from (the later of the two)."""
    from projections import tablesets
    from projections.inspection import LogCheckpoint

    if store_schema is None:
        store_schema = settings.eventsourcing_env().get("POSTGRES_SCHEMA") or None
    conn = psycopg2.connect(settings.pg_dsn, connect_timeout=settings.pg_connect_timeout_s)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)", (f'"{views_schema}".projection_built_from',))
            built = tablesets.built_from(cur, views_schema) if cur.fetchone()[0] else {}
    finally:
        conn.close()
    ids = [built[p][0] for p in projections if p in built and built[p][0] is not None]
    cov = covering_checkpoint(settings, store_schema, max(ids) if ids else None)
    return LogCheckpoint(cov["notification_id"], cov["tree_size"], cov["checkpoint_size"], cov["checkpoint_root"])
