"""Consumers follow the per-case chain as they read, on the real PostgreSQL and Kafka.

A store of toy accounts (JSON events the toy projection reads) is published by the real relay
with its chain headers (`previous_leaf`, from `infra/tamper/chain.py`) and projected by a runner
wired as production wires it (`consumer_chain_check`). Then records are put straight onto the
event topic with a plain kafka-python producer — an identical copy, a forged event at a sequence
already applied, one naming a wrong previous leaf, one whose bytes no longer match their
`value_sha256` — and PostgreSQL shows what the runner applied.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid

import psycopg2
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from kafka import KafkaConsumer, KafkaProducer

from consumers.dead_letter import read_dead_letters
from consumers.stream_check import StreamChecker, Verdict
from infra import logs
from infra.relay import Relay, outgoing
from infra.tamper import service
from infra.tamper.chain import StreamChains, consumer_chain_check, store_history
from infra.tamper.log import follow
from infra.topics import ensure_topics
from projections import tablesets
from schemas.codec import default_codec
from tests.integration.projection_support import runner, view_rows
from tests.integration.relay_support import read_topic

PEEK = default_codec().peek


class Account(Aggregate):
    """Events whose stored JSON state is what the toy Accounts projection reads."""

    def __init__(self, account: str, type: str = "Created"):  # "type": the toy projection ignores it
        self.account = account

    @event("Moved")
    def move(self, type: str, account: str, amount: int = 0) -> None:
        pass


def _to_record(settings, chains):
    def to_record(n):
        previous, _ = chains.link(n)
        return outgoing(settings.case_events_topic, n, value=bytes(n.state),
                        event_id=str(uuid.uuid5(n.originator_id, str(n.originator_version))),
                        event_type=n.topic, fingerprint="raw", occurred_at="", recorded_at="",
                        previous_leaf=previous)
    return to_record


def _relay(settings, app):
    chains = StreamChains(store_history(app.recorder), PEEK)
    relay = Relay(settings, app.recorder, _to_record(settings, chains), logs.get_logger("relay"), batch_size=50)
    relay.run(once=True)
    relay.close()
    return chains


@pytest.fixture
def stack(stack_settings, es_env, pg_schema, unique_topic):
    topic = unique_topic("chain")
    settings = dataclasses.replace(stack_settings, case_events_topic=topic, unit_events_topic=topic + ".units",
                                   dead_letter_topic=unique_topic("chain-dlq"), topic_partitions=3)
    ensure_topics(settings)  # the event topics, the dead-letter topic and the relay's position topic
    app = Application(env=es_env)
    accounts = []
    for name in ("a", "b", "c"):
        acc = Account(account=name)
        acc.move(type="Opened", account=name)
        for amount in (10, 20, 30):
            acc.move(type="Deposited", account=name, amount=amount)
        accounts.append(acc)
    app.save(*accounts)
    _relay(settings, app)
    views = f"{pg_schema}_views"
    run(settings, views)
    yield settings, app, views, accounts
    app.close()


def run(settings, views):
    r = runner(settings, views, chain=consumer_chain_check())
    assert r.run(until_caught_up=True) == 0
    return r


def _records(settings, stream: str) -> list:
    return sorted((r for r in read_topic(settings, settings.case_events_topic) if r.key == stream.encode()),
                  key=lambda r: r.offset)


def _put(settings, record, value: bytes, **headers: bytes) -> None:
    """Straight onto the event topic, as anyone with write access to it could."""
    h = {k: v for k, v in record.headers}
    h.update(headers)
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    producer.send(settings.case_events_topic, key=record.key, value=value, headers=list(h.items()))
    producer.flush()
    producer.close()


def _forged(record, **changes) -> bytes:
    state = json.loads(record.value)
    state.update(changes)
    return json.dumps(state).encode()


def _letters(settings):
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    try:
        return read_dead_letters(consumer, settings.dead_letter_topic)
    finally:
        consumer.close()


def test_a_relayed_ledger_is_applied_whole_with_its_chain_recorded(stack):
    settings, app, views, accounts = stack
    assert view_rows(settings, views)["accounts"] == {
        (name,): {"account": name, "status": "open", "label": None, "balance": 60, "movements": 3}
        for name in ("a", "b", "c")}
    with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
        heads = tablesets.stream_heads(cur, views, "accounts", 1, [str(a.id) for a in accounts])
        built = tablesets.built_from(cur, views)
    assert {s: (f, l) for s, (f, l, _) in heads.items()} == {str(a.id): (1, 5) for a in accounts}
    assert all(leaf is not None for _, _, leaf in heads.values())
    assert built["accounts"][0] == app.recorder.max_notification_id()
    assert _letters(settings) == []


def test_the_relays_previous_leaf_headers_are_the_transparency_logs_own_leaves(stack, pg_schema, tmp_path):
    settings, app, _, accounts = stack
    tlog = service.open_log(dataclasses.replace(settings, tlog_key_file=tmp_path / "k.pem"), pg_schema)
    try:
        follow(tlog, app.recorder, PEEK, once=True)
        leaves = {leaf["notification_id"]: leaf["previous_leaf"] for leaf in tlog.leaves()}
        published = {int(dict(r.headers)["notification_id"]): dict(r.headers)["previous_leaf"].decode()
                     for r in read_topic(settings, settings.case_events_topic)}
        assert published == leaves and len(leaves) == 15
    finally:
        with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{tlog.schema}" CASCADE')


def test_an_identical_redelivery_is_an_ordinary_duplicate(stack):
    settings, app, views, accounts = stack
    before = view_rows(settings, views)
    record = _records(settings, str(accounts[0].id))[2]
    _put(settings, record, record.value)
    r = run(settings, views)
    assert view_rows(settings, views) == before
    assert r.dead_lettered_total == 0 and _letters(settings) == []


def test_a_second_different_event_at_an_applied_sequence_is_dead_lettered_not_applied(stack, capsys):
    settings, app, views, accounts = stack
    before = view_rows(settings, views)
    record = _records(settings, str(accounts[0].id))[2]  # sequence 3: a deposit of 20
    value = _forged(record, amount=20_000)
    _put(settings, record, value, value_sha256=hashlib.sha256(value).hexdigest().encode())
    r = run(settings, views)
    assert view_rows(settings, views) == before  # the balance is still 60
    [letter] = _letters(settings)
    assert letter.reason == "sequence_conflict" and letter.error_class == "ChainConflict"
    assert letter.original.value == value and dict(letter.original.headers)["stream_seq"] == b"3"
    assert r.dead_lettered_total == 1
    [alert] = [line for line in capsys.readouterr().out.splitlines() if "projection_chain_conflict" in line]
    assert "[error" in alert and "alert=True" in alert and "reason=sequence_conflict" in alert
    assert f"stream_id={accounts[0].id}" in alert and "stream_seq=3" in alert


def test_a_record_naming_a_wrong_previous_leaf_is_dead_lettered_and_the_true_next_event_still_applies(stack):
    settings, app, views, accounts = stack
    before = view_rows(settings, views)
    last = _records(settings, str(accounts[1].id))[-1]  # sequence 5
    value = _forged(last, amount=5_000)
    _put(settings, last, value, stream_seq=b"6", notification_id=b"999999", previous_leaf=(b"ab" * 32),
         value_sha256=hashlib.sha256(value).hexdigest().encode())
    run(settings, views)
    assert view_rows(settings, views) == before
    assert [d.reason for d in _letters(settings)] == ["previous_leaf_mismatch"]
    # The ledger goes on: the relay's real sequence 6 follows the chain and is applied.
    acc = app.repository.get(accounts[1].id)
    acc.move(type="Deposited", account=acc.account, amount=1)
    app.save(acc)
    _relay(settings, app)
    run(settings, views)
    assert view_rows(settings, views)["accounts"][(acc.account,)]["balance"] == 61
    assert len(_letters(settings)) == 1


def test_a_value_altered_on_the_topic_is_dead_lettered_as_not_matching_its_hash(stack):
    settings, app, views, accounts = stack
    before = view_rows(settings, views)
    record = _records(settings, str(accounts[2].id))[-1]
    _put(settings, record, _forged(record, amount=7_000))  # value_sha256 still the original's
    run(settings, views)
    assert view_rows(settings, views) == before
    assert [d.reason for d in _letters(settings)] == ["value_hash_mismatch"]


def test_the_stream_check_calls_a_forged_record_a_conflict(stack):
    settings, app, views, accounts = stack
    record = _records(settings, str(accounts[0].id))[1]
    value = _forged(record, amount=1)
    _put(settings, record, value, value_sha256=hashlib.sha256(value).hexdigest().encode())
    check = StreamChecker()
    verdicts = [check.observe(r.headers) for r in _records(settings, str(accounts[0].id))]
    assert verdicts == [Verdict.OK] * 5 + [Verdict.CONFLICT]


def test_a_read_model_names_the_tree_size_and_checkpoint_it_was_built_from(stack, pg_schema, tmp_path):
    settings, app, views, accounts = stack
    settings = dataclasses.replace(settings, tlog_key_file=tmp_path / "k.pem")
    with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
        built = tablesets.built_from(cur, views)["accounts"][0]
    before = service.covering_checkpoint(settings, pg_schema, built)
    assert before["checkpoint_size"] is None and before["checkpoint"] == service.NO_CHECKPOINT
    tlog = service.open_log(settings, pg_schema)
    try:
        follow(tlog, app.recorder, PEEK, once=True)  # 15 leaves, one checkpoint of size 15
        [cp] = tlog.checkpoints()
        after = service.covering_checkpoint(settings, pg_schema, built)
        assert (after["tree_size"], after["checkpoint_size"]) == (15, 15)
        assert after["checkpoint"] == f"tree size 15, root {after['checkpoint_root']}"
        import base64
        assert base64.b64decode(after["checkpoint_root"]) == cp.root
        # A later event, applied but not yet in a checkpoint: no checkpoint covers the read model now.
        acc = app.repository.get(accounts[0].id)
        acc.move(type="Deposited", account=acc.account, amount=1)
        app.save(acc)
        _relay(settings, app)
        run(settings, views)
        with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
            newer = tablesets.built_from(cur, views)["accounts"][0]
        assert newer == built + 1
        assert service.covering_checkpoint(settings, pg_schema, newer)["checkpoint"] == service.NO_CHECKPOINT
    finally:
        with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{tlog.schema}" CASCADE')
