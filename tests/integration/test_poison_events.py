"""One bad event never stops a reader: the read models of CaseLedger against real Kafka and PostgreSQL.

The poison is an event of the real contract, well-formed Avro published the way
the relay publishes, whose actor id holds a NUL character: it decodes and
projects, but PostgreSQL cannot store it (psycopg2 refuses the string before it
is sent). The input validation at the door refuses such commands; these tests
publish straight to the topic to stand for whatever gets past it.
"""

from __future__ import annotations

import dataclasses
import uuid

import psycopg2
from kafka import KafkaConsumer

from consumers.dead_letter import read_dead_letters, redrive
from infra.logs import get_logger
from infra.topics import TopicSpec, ensure_topics
from projections import registry
from tests.integration.ledger_events import POISON_ACTOR, a_story, publish_ledger_events
from tests.integration.projection_support import current_generation, replay, runner, stored_offsets, view_rows

PARTITIONS = 3


def ledger_topics(stack_settings, unique_topic, pg_schema):
    """Settings with fresh case, unit and dead-letter topics, and the read models in the test's schema."""
    s = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                            unit_events_topic=unique_topic("unit"), dead_letter_topic=unique_topic("dlq"),
                            projection_schema=pg_schema)
    ensure_topics(s, [TopicSpec(s.case_events_topic, PARTITIONS, {}), TopicSpec(s.unit_events_topic, PARTITIONS, {}),
                      TopicSpec(s.dead_letter_topic, 1, {})])
    return s


def audit_trail():
    projection, decode = registry.build("audit_trail", None)
    return projection, decode


def audit_runner(settings, schema):
    projection, decode = audit_trail()
    return runner(settings, schema, projection, decode=decode)


def audit_sequences(settings, schema, generation=None) -> list[int]:
    projection, _ = audit_trail()
    rows = view_rows(settings, schema, generation, projection)["audit_entries"]
    return sorted(seq for _, seq in rows)


def dead_letters(settings):
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, isolation_level="read_committed")
    try:
        return read_dead_letters(consumer, settings.dead_letter_topic)
    finally:
        consumer.close()


def test_runner_dead_letters_an_event_it_cannot_write_and_applies_the_rest(stack_settings, pg_schema, unique_topic):
    settings = ledger_topics(stack_settings, unique_topic, pg_schema)
    stream = uuid.uuid4()
    # One stream, so one partition: the events after the poison must still land.
    sent = publish_ledger_events(settings, a_story(stream, 5, poison_at=(2,)))

    assert audit_runner(settings, pg_schema).run(until_caught_up=True) == 0

    assert audit_sequences(settings, pg_schema) == [1, 2, 4, 5]
    assert stored_offsets(settings, pg_schema, name="audit_trail") == {
        (settings.case_events_topic, sent[-1].partition): sent[-1].offset + 1}
    [letter] = dead_letters(settings)
    assert letter.origin == (settings.case_events_topic, sent[2].partition, sent[2].offset)
    assert (letter.projection, letter.reason, letter.error_class) == ("audit_trail", "write_failed", "ValueError")
    assert "NUL" in letter.error_message and letter.event_type == "Case.PhoneCallHeld"


def test_rebuild_dead_letters_a_poison_event_and_finishes(stack_settings, pg_schema, unique_topic):
    settings = ledger_topics(stack_settings, unique_topic, pg_schema)
    stream = uuid.uuid4()
    sent = publish_ledger_events(settings, a_story(stream, 6, poison_at=(1, 4)))
    audit_runner(settings, pg_schema).run(until_caught_up=True)
    projection, decode = audit_trail()

    report = replay(settings, pg_schema, projection, decode=decode, workers=1)

    assert (report.previous, report.generation, report.switched) == (1, 2, True)
    # The rebuilt tables equal the live ones: the live runner skipped the same two events.
    assert report.identical and report.events == 6
    poison = [(settings.case_events_topic, sent[i].partition, sent[i].offset) for i in (1, 4)]
    assert [f.origin for f in report.dead_lettered] == poison
    assert audit_sequences(settings, pg_schema) == [1, 3, 4, 6]
    letters = dead_letters(settings)
    assert sorted((d.generation, d.origin) for d in letters) == sorted((g, o) for g in (1, 2) for o in poison)
    assert {(d.reason, d.error_class) for d in letters} == {("write_failed", "ValueError")}
    assert current_generation(settings, pg_schema, "audit_trail") == 2


def test_a_poison_event_dead_lettered_by_a_rebuild_is_redriven_into_the_generation_it_built(
        stack_settings, pg_schema, unique_topic):
    settings = ledger_topics(stack_settings, unique_topic, pg_schema)
    stream = uuid.uuid4()
    publish_ledger_events(settings, a_story(stream, 3, poison_at=(1,)))
    audit_runner(settings, pg_schema).run(until_caught_up=True)
    projection, decode = audit_trail()
    replay(settings, pg_schema, projection, decode=decode)
    letters = dead_letters(settings)
    assert {d.generation for d in letters} == {1, 2}

    # The operator's fix: a decoder that cleans actor ids. Only the letter of the live generation
    # is re-driven; the one of generation 1 is superseded (generation 2 was rebuilt without it).
    def cleaning(record):
        event = decode(record)
        return dataclasses.replace(event, actor_id=event.actor_id.replace("\x00", ""))

    conn = psycopg2.connect(settings.pg_dsn)
    try:
        report = redrive(conn, pg_schema, projection, cleaning, letters, get_logger("test"))
        again = redrive(conn, pg_schema, projection, cleaning, letters, get_logger("test"))
    finally:
        conn.close()
    assert (len(report.applied), len(report.superseded), report.failed) == (1, 1, [])
    assert (len(again.applied), len(again.already)) == (0, 1)
    assert audit_sequences(settings, pg_schema) == [1, 2, 3]
    rows = view_rows(settings, pg_schema, None, projection)["audit_entries"]
    assert rows[(str(stream), 2)]["actor_id"] == POISON_ACTOR.replace("\x00", "")


def lags(settings) -> dict[str, int]:
    from infra.commands.status import projection_rows

    return {row["stage"].split()[1]: row["lag"] for row in projection_rows(settings)
            if row["stage"].startswith("projection ")}


def project_all(settings, schema) -> None:
    for name in registry.names():
        projection, decode = registry.build(name, settings)
        assert runner(settings, schema, projection, decode=decode,
                      group_id=f"test.{name}.{settings.case_events_topic}").run(until_caught_up=True) == 0


def test_status_does_not_count_aborted_records_as_lag(stack_settings, pg_schema, unique_topic):
    settings = ledger_topics(stack_settings, unique_topic, pg_schema)
    stream = uuid.uuid4()
    publish_ledger_events(settings, a_story(stream, 3))
    project_all(settings, pg_schema)
    assert set(lags(settings).values()) == {0}

    # A relay that crashed mid-batch: four records and an abort marker take offsets, and no reader
    # ever receives them.
    publish_ledger_events(settings, a_story(stream, 4, first=4), abort=True)
    assert lags(settings) == {name: 0 for name in registry.names()}

    publish_ledger_events(settings, a_story(stream, 2, first=4))
    assert lags(settings) == {name: 2 for name in registry.names()}
    project_all(settings, pg_schema)
    assert lags(settings) == {name: 0 for name in registry.names()}
    assert audit_sequences(settings, pg_schema) == [1, 2, 3, 4, 5]
