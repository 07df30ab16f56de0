"""The projection runner and rebuilds against the real Kafka and PostgreSQL servers.

Each test has its own topics and schema. The reference for every table is the
fold of the published events in memory (`MemoryTables`, the semantics the
runner gives changes in SQL). The toy projection is not idempotent on its own
(balances are increments, movements are inserts keyed by event id), so an event
applied twice would show in the rows.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import threading

import psycopg2
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from consumers.dead_letter import read_dead_letters, redrive
from consumers.batch import write_batch
from consumers.runner import supervise
from infra.commands.replay import render_replay_report
from infra.bootstrap import producer_factory
from infra.logs import get_logger
from tests.integration.projection_support import (
    PARTITIONS, current_generation, expected_rows, make_topics, publish, replay, runner, start_worker,
    stored_offsets, view_rows, wait_for,
)
from tests.unit.projections.toy import (
    Accounts, AccountsDefusingBooms, AccountsIgnoringLabels, an_event, decode,
)


def printed_json(capsys):
    """The JSON a command printed (log lines, unconfigured in tests, share stdout before it)."""
    out = capsys.readouterr().out
    return json.loads(out[min(i for i in (out.find("{\n"), out.find("[\n")) if i >= 0):])


def a_stream(accounts: int = 30, deposits: int = 8, prefix: str = "acc") -> list[dict]:
    """Opened, labelled, deposits; every fifth account closed, and one deposit after the close."""
    events = []
    for i in range(accounts):
        a = f"{prefix}-{i}"
        events += [an_event("Opened", a), an_event("Labelled", a, label=f"label-{i}")]
        events += [an_event("Deposited", a, amount=i + d) for d in range(deposits)]
        if i % 5 == 0:
            events += [an_event("Closed", a), an_event("Deposited", a, amount=1)]
    return events


def end_offsets(settings) -> dict:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed")
    parts = [TopicPartition(settings.case_events_topic, p) for p in range(PARTITIONS)]
    end = consumer.end_offsets(parts)
    consumer.close()
    return {(tp.topic, tp.partition): o for tp, o in end.items() if o}


def read_all(settings) -> list:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed",
                             enable_auto_commit=False)
    parts = [TopicPartition(settings.case_events_topic, p) for p in range(PARTITIONS)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    out = []
    while any(consumer.position(tp) < end[tp] for tp in parts):
        for batch in consumer.poll(timeout_ms=500).values():
            out.extend(batch)
    consumer.close()
    return sorted(out, key=lambda r: (r.partition, r.offset))


def test_runner_applies_a_stream_and_the_views_equal_the_fold_of_the_events(stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream()
    publish(settings, events)

    assert runner(settings, pg_schema, batch_size=100).run(until_caught_up=True) == 0

    assert view_rows(settings, pg_schema) == expected_rows(events)
    assert stored_offsets(settings, pg_schema) == end_offsets(settings)


def test_a_redelivered_batch_changes_nothing(stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=10)
    publish(settings, events)
    runner(settings, pg_schema).run(until_caught_up=True)
    before = view_rows(settings, pg_schema)

    # The same records again, straight into the batch writer: every one is below its stored offset.
    conn = psycopg2.connect(settings.pg_dsn)
    with conn, conn.cursor() as cur:
        result = write_batch(cur, pg_schema, Accounts(), 1, read_all(settings), decode)
    conn.close()
    assert (result.applied, result.skipped, result.failures) == (0, len(events), [])

    # A restarted runner of the same group: nothing was ever committed to Kafka, so only the
    # offsets in PostgreSQL keep it from applying the stream a second time.
    again = runner(settings, pg_schema)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, group_id=again.group_id,
                             enable_auto_commit=False)
    assert all(consumer.committed(TopicPartition(settings.case_events_topic, p)) is None
               for p in range(PARTITIONS))
    consumer.close()
    assert again.run(until_caught_up=True) == 0
    assert again.applied_total == 0
    assert view_rows(settings, pg_schema) == before == expected_rows(events)


@pytest.mark.fault
def test_runner_killed_mid_batch_resumes_with_identical_tables(stack_settings, pg_schema, unique_topic, tmp_path):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=40, deposits=10)
    publish(settings, events)
    total = sum(end_offsets(settings).values())
    log = tmp_path / "runner.log"

    first = start_worker(settings, pg_schema, "--batch", "40", "--slow", "0.005", log=log)
    wait_for(lambda: sum(stored_offsets(settings, pg_schema).values()) > 0, "a first batch committed")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert sum(stored_offsets(settings, pg_schema).values()) < total, "finished before the kill; proves nothing"

    second = start_worker(settings, pg_schema, "--batch", "200", log=log)
    try:
        wait_for(lambda: stored_offsets(settings, pg_schema) == end_offsets(settings), "caught up after restart")
    finally:
        second.send_signal(signal.SIGTERM)
        code = second.wait(timeout=60)
    assert code == 0, "SIGTERM should finish the batch and exit cleanly"
    assert "projection_runner_stopped" in log.read_text()
    assert view_rows(settings, pg_schema) == expected_rows(events)


def test_poison_events_go_to_the_dead_letter_topic_and_the_partition_keeps_moving(
        stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    # All on one account, so all in one partition: the good events after the poison must still land.
    good_before = [an_event("Opened", "p"), an_event("Deposited", "p", amount=5)]
    undecodable, unprojectable = an_event("Deposited", "p"), an_event("Boom", "p")
    unwritable = an_event("Deposited", "p", amount="not a number")
    good_after = [an_event("Deposited", "p", amount=7), an_event("Labelled", "p", label="after")]
    events = [*good_before, undecodable, unprojectable, unwritable, *good_after]
    publish(settings, events, raw={2: b"{not json"})

    run = runner(settings, pg_schema)
    assert run.run(until_caught_up=True) == 0

    assert view_rows(settings, pg_schema) == expected_rows([*good_before, *good_after])
    assert stored_offsets(settings, pg_schema) == end_offsets(settings)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed")
    letters = read_dead_letters(consumer, settings.dead_letter_topic)
    consumer.close()
    assert [(d.reason, d.original.offset) for d in letters] == [
        ("decode_failed", 2), ("apply_failed", 3), ("write_failed", 4)]
    assert [d.error_class for d in letters] == ["JSONDecodeError", "ValueError", "InvalidTextRepresentation"]
    assert {(d.projection, d.original.topic, d.generation) for d in letters} == {
        ("accounts", settings.case_events_topic, 1)}
    assert letters[1].original.value == json.dumps(unprojectable).encode()
    assert dict(letters[1].original.headers)["event_id"] == unprojectable["event_id"].encode()

    # After a fix, a re-drive applies the one that can now be projected, once.
    conn = psycopg2.connect(settings.pg_dsn)
    log = get_logger("test")
    report = redrive(conn, pg_schema, AccountsDefusingBooms(), decode, letters, log)
    assert (len(report.applied), [e for _, e in report.failed]) == (1, ["JSONDecodeError", "InvalidTextRepresentation"])
    again = redrive(conn, pg_schema, AccountsDefusingBooms(), decode, letters, log)
    conn.close()
    assert (len(again.applied), len(again.already)) == (0, 1)
    assert view_rows(settings, pg_schema)["accounts"][("p",)]["balance"] == 5 + 7 + 1000


def test_rebuild_fills_a_new_generation_while_the_live_one_serves_then_switches(
        stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=40)
    publish(settings, events)
    live = runner(settings, pg_schema, batch_size=100)
    codes = []
    thread = threading.Thread(target=lambda: codes.append(live.run()), daemon=True)
    thread.start()
    try:
        wait_for(lambda: stored_offsets(settings, pg_schema) == end_offsets(settings), "live runner caught up")
        served = []

        def progress(p):  # while rebuilding, the read views still answer from the live generation
            served.append((p.events, len(view_rows(settings, pg_schema)["accounts"])))

        report = replay(settings, pg_schema, progress=progress, batch_size=50)
        assert (report.previous, report.generation, report.switched) == (1, 2, True)
        assert report.identical and report.events == len(events)
        assert all(rows == 40 for _, rows in served) and len(served) > 2
        assert current_generation(settings, pg_schema) == 2

        # The live runner follows the switch and keeps the new generation up to date.
        more = a_stream(accounts=5, prefix="late")
        publish(settings, more)
        wait_for(lambda: stored_offsets(settings, pg_schema, 2) == end_offsets(settings), "new events in gen 2")
    finally:
        live.request_stop()
        thread.join(timeout=30)
    assert codes == [0]
    assert view_rows(settings, pg_schema) == view_rows(settings, pg_schema, 2) == expected_rows(events + more)


def test_a_dry_run_reports_the_differences_and_leaves_the_live_tables_alone(stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=12)
    publish(settings, events)
    runner(settings, pg_schema).run(until_caught_up=True)

    report = replay(settings, pg_schema, AccountsIgnoringLabels(), dry_run=True, sample=5)

    accounts, movements = report.diffs
    # Closed accounts come back through a deposit without a label, so only the others differ.
    labelled = sorted(f"acc-{i}" for i in range(12) if i % 5)
    assert (accounts.live_rows, accounts.rebuilt_rows, accounts.changed) == (12, 12, len(labelled))
    assert (accounts.only_live, accounts.only_rebuilt) == (0, 0)
    assert accounts.sample_keys == tuple((k,) for k in labelled[:5])
    assert movements.identical and movements.rebuilt_rows == movements.live_rows
    assert not report.switched and "changed" in render_replay_report(report)
    assert current_generation(settings, pg_schema) == 1
    assert view_rows(settings, pg_schema) == expected_rows(events)
    conn = psycopg2.connect(settings.pg_dsn)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_name LIKE %s", (pg_schema, "%\\_v2"))
        assert cur.fetchone()[0] == 0, "the dry run's tables were not dropped"
    conn.close()


def test_two_rebuilds_give_identical_tables(stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=15)
    publish(settings, events)

    first = replay(settings, pg_schema)
    second = replay(settings, pg_schema)

    assert (first.generation, second.generation, second.previous) == (1, 2, 1)
    assert second.identical and all(d.rebuilt_rows > 0 for d in second.diffs)
    assert view_rows(settings, pg_schema, 1) == view_rows(settings, pg_schema, 2) == expected_rows(events)


def test_a_rebuild_dead_letters_a_poison_event_and_switches_to_tables_equal_to_the_live_ones(
        stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = [an_event("Opened", "q"), an_event("Deposited", "q", amount=3)]
    publish(settings, events)
    publish(settings, [an_event("Boom", "q"), an_event("Deposited", "q", amount=4)])
    runner(settings, pg_schema).run(until_caught_up=True)

    report = replay(settings, pg_schema)

    [failure] = report.dead_lettered
    assert (failure.reason, failure.error_class, failure.origin[2]) == ("apply_failed", "ValueError", 2)
    assert report.switched and report.identical and current_generation(settings, pg_schema) == 2
    assert "dead-lettered" in render_replay_report(report) and "apply_failed" in render_replay_report(report)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed")
    letters = read_dead_letters(consumer, settings.dead_letter_topic)
    consumer.close()
    # One from the live runner (generation 1), one from the rebuild (generation 2), same origin.
    assert sorted((d.generation, d.origin[2], d.reason) for d in letters) == [
        (1, 2, "apply_failed"), (2, 2, "apply_failed")]


def test_a_dry_run_lists_a_poison_event_without_dead_lettering_it(stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    publish(settings, [an_event("Opened", "d"), an_event("Boom", "d")])

    report = replay(settings, pg_schema, dry_run=True)

    assert [f.origin[2] for f in report.dead_lettered] == [1] and not report.switched
    assert "dry run: not dead-lettered" in render_replay_report(report)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed")
    assert read_dead_letters(consumer, settings.dead_letter_topic) == []
    consumer.close()


def test_a_rebuild_split_over_worker_processes_gives_the_tables_of_a_single_process(
        stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=15)
    publish(settings, events)

    alone = replay(settings, pg_schema)
    split = replay(settings, pg_schema, workers=3, batch_size=7)

    assert split.identical and split.events == alone.events == len(events)
    assert view_rows(settings, pg_schema, 2) == view_rows(settings, pg_schema, 1) == expected_rows(events)
    # Every partition (three, one per process) was read to its end and its offset stored.
    assert split.positions == alone.positions and len(split.positions) == 3


def _boom_in_partition_2(settings) -> int:
    """A poison event straight into partition 2: with three workers, a forked process (not this one) reads it."""
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    boom = producer.send(settings.case_events_topic, partition=2, value=json.dumps(an_event("Boom", "z")).encode())
    offset = boom.get(timeout=10).offset
    producer.close()
    return offset


def test_a_poison_event_met_by_a_worker_process_is_dead_lettered_and_the_rebuild_finishes(
        stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=6)
    publish(settings, events)
    offset = _boom_in_partition_2(settings)

    report = replay(settings, pg_schema, workers=3)

    assert [(f.origin, f.reason) for f in report.dead_lettered] == [
        ((settings.case_events_topic, 2, offset), "apply_failed")]
    assert report.switched and report.events == len(events) + 1
    assert view_rows(settings, pg_schema) == expected_rows(events)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed")
    [letter] = read_dead_letters(consumer, settings.dead_letter_topic)
    consumer.close()
    assert (letter.origin, letter.projection, letter.generation) == (
        (settings.case_events_topic, 2, offset), "accounts", report.generation)


def test_a_worker_process_that_cannot_dead_letter_a_poison_event_stops_the_rebuild_leaving_no_half_built_generation(
        stack_settings, pg_schema, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    publish(settings, a_stream(accounts=6))
    _boom_in_partition_2(settings)
    nowhere = dataclasses.replace(settings, kafka_bootstrap_servers="127.0.0.1:9")  # no broker listens there

    with pytest.raises(RuntimeError, match="rebuild worker .* failed"):
        replay(settings, pg_schema, workers=3, make_producer=producer_factory(nowhere))

    conn = psycopg2.connect(settings.pg_dsn)
    with conn.cursor() as cur:  # the half-built generation is gone; nothing was switched
        cur.execute("SELECT count(*) FROM {}.projection_tablesets".format(f'"{pg_schema}"'))
        assert cur.fetchone()[0] == 0
    conn.close()


def test_runner_reconnects_after_losing_its_database_connection(stack_settings, pg_schema, unique_topic, capsys):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=10)
    publish(settings, events[:40])
    # Its own application name, so the test cuts only this runner's connection.
    app = f"projection-test-{pg_schema}"
    live = runner(settings, pg_schema, application_name=app)
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: sum(stored_offsets(settings, pg_schema).values()) == 40, "first events applied")
        admin = psycopg2.connect(settings.pg_dsn)
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                        (app,))
            assert cur.rowcount >= 1
        admin.close()
        publish(settings, events[40:])
        wait_for(lambda: stored_offsets(settings, pg_schema) == end_offsets(settings), "rest applied")
    finally:
        live.request_stop()
        thread.join(timeout=30)
    assert view_rows(settings, pg_schema) == expected_rows(events)
    assert live.applied_total == len(events), "an event was applied twice or not at all across the reconnect"
    assert "projection_runner_unavailable" in capsys.readouterr().out, "it never noticed the lost connection"


def test_dlq_commands_list_the_dead_letters_and_redrive_them_once(
        stack_settings, pg_schema, unique_topic, capsys, monkeypatch):
    from infra.commands import dlq
    from projections import registry

    settings = make_topics(stack_settings, unique_topic)
    events = [an_event("Opened", "r"), an_event("Boom", "r"), an_event("Deposited", "r", amount=2)]
    publish(settings, events)
    runner(settings, pg_schema).run(until_caught_up=True)
    capsys.readouterr()

    list_args = argparse.Namespace(projection=None, schema=pg_schema, json=False)
    assert dlq.cmd_list(list_args, settings) == 0
    table = capsys.readouterr().out
    assert f"{settings.case_events_topic}[" in table and "apply_failed" in table and "ValueError" in table
    assert table.splitlines()[-1].rstrip().endswith("False"), "shown as re-driven before any re-drive"

    monkeypatch.setitem(registry._FACTORIES, "accounts", lambda s: (AccountsDefusingBooms(), decode))
    redrive_args = argparse.Namespace(projection="accounts", schema=pg_schema, dry_run=False, json=True)
    assert dlq.cmd_redrive(redrive_args, settings) == 0
    assert printed_json(capsys)["applied"] == 1
    assert dlq.cmd_redrive(redrive_args, settings) == 0
    assert printed_json(capsys)["already_redriven"] == 1

    assert dlq.cmd_list(argparse.Namespace(projection="accounts", schema=pg_schema, json=True), settings) == 0
    [row] = printed_json(capsys)
    assert (row["reason"], row["redriven"], row["error_message"]) == (
        "apply_failed", True, "this event cannot be projected")
    assert view_rows(settings, pg_schema)["accounts"][("r",)]["balance"] == 1002


def test_a_runner_that_crashes_on_an_unforeseen_error_is_restarted_and_applies_every_event_once(
        stack_settings, pg_schema, unique_topic, capsys):
    settings = make_topics(stack_settings, unique_topic)
    events = a_stream(accounts=8)
    publish(settings, events)
    made = []

    def flaky_producer():  # a defect nobody foresaw, twice: not a server away, not a poison event
        made.append(1)
        if len(made) <= 2:
            raise RuntimeError("a defect nobody foresaw")
        return producer_factory(settings)()

    live = runner(settings, pg_schema, make_producer=flaky_producer)

    assert supervise(live, until_caught_up=True, first_backoff=0.1) == 0

    assert view_rows(settings, pg_schema) == expected_rows(events)
    assert live.applied_total == len(events)
    out = capsys.readouterr().out
    assert out.count("projection_runner_crashed") == 2 and "RuntimeError" in out
