"""Tampering with the stored ledger is detected, online and offline, on the real PostgreSQL and Kafka.

Each test fills an event store, builds the transparency log and signs a checkpoint (published on
the checkpoint topic), then tampers as someone holding the database would — with SQL — and checks
that `verify_online` (what `caseledger verify` runs) and the standalone verifier, on a bundle
exported after the tampering, both name the event or checkpoint.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import uuid

import psycopg2
import pytest
from eventsourcing.application import Application

from infra.tamper import service
from infra.tamper.audit import bundle, verify_online
from infra.tamper.log import LogIntegrityError, follow, sign_note
from infra.tamper.verifier import VerificationError, verify_bundle
from schemas.codec import default_codec
from tests.integration.relay_support import fill_store

PEEK = default_codec().peek


@pytest.fixture
def ledger(stack_settings, es_env, pg_schema, tmp_path):
    topic = f"tamper-{uuid.uuid4().hex[:8]}"
    settings = dataclasses.replace(stack_settings, case_events_topic=topic, unit_events_topic=topic + ".units",
                                   tlog_key_file=tmp_path / "key.pem", tlog_checkpoint_events=10)
    fill_store(es_env, streams=6, events_per_stream=5)  # 30 events, 5 per stream
    app = Application(env=es_env)
    tlog = service.open_log(settings, pg_schema)
    publish = service.publisher(settings)
    follow(tlog, app.recorder, PEEK, batch=7, every_events=10, once=True, publish=publish)
    publish.close()
    yield settings, app, tlog, pg_schema
    app.close()
    with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{tlog.schema}" CASCADE')


def _sql(settings, statement, args=()):
    """SQL as an adversary holding the database owner's rights: the append-only trigger (R-66) does
    not stop them (they switch triggers off), so what catches them is the log."""
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SET session_replication_role = replica")  # triggers off, as the owner may
            cur.execute(statement, args)
    finally:
        conn.close()


def _online(settings, app, tlog):
    stored, _ = service.stored_reader(app.recorder)
    return verify_online(tlog, stored, PEEK, published=service.published_checkpoints(settings))


def _offline(settings, app, tlog, stream, tmp_path, **kw):
    _, by_id = service.stored_reader(app.recorder)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(tlog, by_id, stream, published=service.published_checkpoints(settings), **kw)))
    run = subprocess.run([sys.executable, "infra/tamper/verifier.py", str(path)], capture_output=True, text=True)
    return run.returncode, run.stdout


def _stream_events(app):
    notes = list(app.recorder.select_notifications(1, 1000))
    return notes, str(notes[0].originator_id)


def test_an_untouched_ledger_verifies_online_and_offline(ledger, tmp_path):
    settings, app, tlog, _ = ledger
    report = _online(settings, app, tlog)
    assert report.ok, report.findings
    assert report.events == 30 and report.checkpoints >= 6  # 3 checkpoints stored + the same 3 published
    code, out = _offline(settings, app, tlog, _stream_events(app)[1], tmp_path)
    assert code == 0, out
    assert "complete at checkpoint 30" in out and "VERIFIED" in out


def test_a_stored_event_changed_by_sql_is_named(ledger, tmp_path):
    settings, app, tlog, schema = ledger
    notes, stream = _stream_events(app)
    victim = next(n for n in notes if str(n.originator_id) == stream and n.originator_version == 3)
    _sql(settings, f'UPDATE "{schema}".application_events SET state = %s WHERE notification_id = %s',
         (bytes(victim.state).replace(b"x", b"y"), victim.id))
    report = _online(settings, app, tlog)
    assert [f.message for f in report.findings] == [
        f"event 3 of stream {stream} (notification {victim.id}): its stored bytes differ from what its leaf "
        "committed to (altered)"]
    code, out = _offline(settings, app, tlog, stream, tmp_path)
    assert code == 1 and f"event 3 of stream {stream} (notification {victim.id})" in out and "altered" in out


def test_a_deleted_event_is_named(ledger, tmp_path):
    settings, app, tlog, schema = ledger
    notes, stream = _stream_events(app)
    victim = next(n for n in notes if str(n.originator_id) == stream and n.originator_version == 2)
    _sql(settings, f'DELETE FROM "{schema}".application_events WHERE notification_id = %s', (victim.id,))
    report = _online(settings, app, tlog)
    assert any(f"event 2 of stream {stream} (notification {victim.id}) is gone" in f.message for f in report.findings)
    code, out = _offline(settings, app, tlog, stream, tmp_path)
    assert code == 1 and f"event 2 of stream {stream} (notification {victim.id})" in out


def test_two_swapped_events_are_named(ledger, tmp_path):
    settings, app, tlog, schema = ledger
    notes, stream = _stream_events(app)
    a, b = [n for n in notes if str(n.originator_id) == stream and n.originator_version in (2, 4)]
    table = f'"{schema}".application_events'
    _sql(settings, f"UPDATE {table} SET state = CASE notification_id WHEN %s THEN %s ELSE %s END "
                   "WHERE notification_id IN (%s, %s)", (a.id, bytes(b.state), bytes(a.state), a.id, b.id))
    report = _online(settings, app, tlog)
    named = [f.message for f in report.findings]
    assert len(named) == 2 and f"event 2 of stream {stream}" in named[0] and f"event 4 of stream {stream}" in named[1]
    code, out = _offline(settings, app, tlog, stream, tmp_path)
    assert code == 1 and f"event 2 of stream {stream} (notification {a.id})" in out


def test_a_log_truncated_and_regrown_is_named_and_never_signed(ledger, tmp_path):
    settings, app, tlog, schema = ledger
    notes, stream = _stream_events(app)
    # Cut the last two events of the store and the log, write two different ones in their place,
    # and rebuild the log's tail from them.
    last = notes[-2:]
    _sql(settings, f'DELETE FROM "{schema}".application_events WHERE notification_id >= %s', (last[0].id,))
    _sql(settings, f'DELETE FROM "{tlog.schema}".leaves WHERE notification_id >= %s', (last[0].id,))
    with pytest.raises(LogIntegrityError, match="checkpoint 30 is larger than the stored log"):
        tlog.load()  # the builder refuses to sign over a shorter history
    _sql(settings, f'DELETE FROM "{tlog.schema}".checkpoints WHERE size > 28')  # the adversary hides it too
    app2 = Application(env=app.env)
    fill_store(app.env, streams=1, events_per_stream=2)
    app2.close()
    follow(tlog, app.recorder, PEEK, once=True)
    report = _online(settings, app, tlog)
    assert any("published checkpoint 30: its root is not the root of the stored leaves" in f.message
               for f in report.findings), report.findings
    regrown_stream = str(list(app.recorder.select_notifications(1, 1000))[-1].originator_id)
    code, out = _offline(settings, app, tlog, regrown_stream, tmp_path)
    assert code == 1 and "checkpoint 30" in out, out


def test_a_checkpoint_re_signed_over_a_different_history_is_named(ledger, tmp_path):
    settings, app, tlog, schema = ledger
    notes, stream = _stream_events(app)
    # Whoever holds the key rewrites an event, rebuilds the leaves and re-signs checkpoint 30.
    victim = next(n for n in notes if str(n.originator_id) == stream and n.originator_version == 1)
    _sql(settings, f'UPDATE "{schema}".application_events SET state = %s WHERE notification_id = %s',
         (bytes(victim.state) + b" ", victim.id))
    _sql(settings, f'TRUNCATE "{tlog.schema}".leaves, "{tlog.schema}".checkpoints')
    follow(tlog, app.recorder, PEEK, once=True, every_events=10**6)
    report = _online(settings, app, tlog)
    assert any("checkpoint 30: two different signed roots for tree size 30" in f.message for f in report.findings), \
        report.findings
    code, out = _offline(settings, app, tlog, stream, tmp_path)
    # The published checkpoints 14 and 28 still hold the old history: the new 28 does not extend them.
    assert code == 1 and "NOT VERIFIED: checkpoint 28 is not consistent with checkpoint 14" in out, out


def test_a_forged_note_and_an_extra_witness_signature(ledger, tmp_path):
    settings, app, tlog, _ = ledger
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from infra.tamper.log import verifier_key
    _, by_id = service.stored_reader(app.recorder)
    witness = Ed25519PrivateKey.generate()
    b = bundle(tlog, by_id, _stream_events(app)[1], witness_keys=[verifier_key("corregedoria", witness)])
    text = b["checkpoints"][-1]["note"].split("\n\n")[0] + "\n"
    b["checkpoints"][-1]["note"] += sign_note(text, "corregedoria", witness).split("\n\n", 1)[1]
    assert any("witnessed by corregedoria" in line for line in verify_bundle(b))
    b["checkpoints"][-1]["note"] = b["checkpoints"][-1]["note"].replace("\n30\n", "\n31\n")
    with pytest.raises(VerificationError, match="checkpoint"):
        verify_bundle(b)


def test_a_kafka_record_that_differs_from_its_leaf_is_named(ledger):
    settings, app, tlog, _ = ledger
    from kafka import KafkaProducer
    from infra.relay import outgoing
    from infra.topics import ensure_topics, ledger_topics
    ensure_topics(settings, [t for t in ledger_topics(settings) if t.name == settings.case_events_topic])
    notes, stream = _stream_events(app)
    victim = notes[4]
    forged = outgoing(settings.case_events_topic, victim, value=bytes(victim.state) + b"!", event_id="e",
                      event_type="x", fingerprint="f", occurred_at="", recorded_at="")
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    producer.send(forged.topic, key=forged.key, value=forged.value, headers=forged.headers).get(timeout=30)
    producer.close()
    stored, _ = service.stored_reader(app.recorder)
    report = verify_online(tlog, stored, PEEK, kafka=service.event_records(settings))
    assert report.kafka_records == 1
    assert [f.message for f in report.findings] == [
        f"Kafka record of event {victim.originator_version} of stream {victim.originator_id} "
        f"(notification {victim.id}) differs from what its leaf committed to"]
