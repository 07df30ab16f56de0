"""The read models against the real Kafka and PostgreSQL servers.

Events are recorded by the real CaseLedger (in memory), single-object encoded by
the real codec, published keyed by stream id on this test's own Case and Unit
topics, and projected by the real runners. The reference for every table is
`MemoryTables` folding the same events as a subscriber decodes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from unittest import mock

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from kafka import KafkaProducer

from consumers.replay import replay_one
from consumers.runner import ProjectionRunner
from infra.bootstrap import consumer_factory, pg_connector, producer_factory
from domain.values import FieldCorrection, PetitionAddressee, PetitionSubject, RoomChangeReason, VisitModality
from infra.topics import TopicSpec, ensure_topics
from projections import queries, registry, tablesets
from projections.case_view import views_from_rows
from projections.decoding import make_decoder
from projections.engine import MemoryTables
from projections.history import history
from schemas.codec import encode
from schemas.events import domain_events
from tests.unit.domain.builders import (
    AGENTE, GERENTE, LIDER, a_court_order, a_unit, a_visitor, an_admitted_youth, at, new_ledger, on_day,
)

PARTITIONS = 3


def recorded_story():
    """A unit, two youths; rooms, a corrected room, a visit, a petition, a conversion, a release."""
    ledger = new_ledger()
    unit = a_unit(ledger, capacity=1)
    first = an_admitted_youth(ledger, unit)
    second = an_admitted_youth(ledger, unit, registration={"birth_date": dt.date(2010, 3, 10)},
                               occurred_at=on_day(3), court_ordered_over_capacity=True,
                               exception_justification="court order for admission over capacity")
    ledger.assign_room(case_id=first, room="B2", reason=RoomChangeReason.ROTINA, occurred_at=on_day(2), actor=GERENTE)
    room_version = ledger.case(first).version
    ledger.assign_room(case_id=second, room="C1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(4), actor=GERENTE)
    visitor = a_visitor(ledger, first)
    sunday = dt.date(2026, 3, 8)
    ledger.hold_visit(case_id=first, visitor_ids=(visitor,), modality=VisitModality.COMUM,
                      started_at=at(sunday, 9), ended_at=at(sunday, 10), search_done=True,
                      occurred_at=at(sunday, 10), actor=AGENTE)
    ledger.file_petition(case_id=second, addressee=PetitionAddressee.JUIZ, subject=list(PetitionSubject)[0],
                         occurred_at=on_day(5), actor=AGENTE)
    ledger.correct_case_entry(case_id=first, target_version=room_version,
                              corrections=(FieldCorrection("room", "B3"),), reason="wrong room typed",
                              authorised_by=GERENTE, occurred_at=on_day(20), actor=LIDER)
    ledger.receive_release_order(case_id=second, protocol_number="LIB-1", occurred_at=on_day(30, 9), actor=GERENTE,
                                 court_order=a_court_order())
    return ledger, unit, first, second, room_version


def stored_events(ledger) -> list:
    return [ledger.mapper.to_domain_event(n) for n in ledger.recorder.select_notifications(start=1, limit=1_000_000)]


def make_topics(settings, unique_topic):
    s = dataclasses.replace(settings, case_events_topic=unique_topic("case"), unit_events_topic=unique_topic("unit"),
                            dead_letter_topic=unique_topic("dlq"))
    ensure_topics(s, [TopicSpec(s.case_events_topic, PARTITIONS, {}), TopicSpec(s.unit_events_topic, PARTITIONS, {}),
                      TopicSpec(s.dead_letter_topic, 1, {})])
    return s


def publish(settings, events) -> list[bytes]:
    """Encode with the real codec and publish as the relay does: topic by aggregate, key = stream id."""
    types = domain_events()
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", enable_idempotence=True)
    values = []
    for event in events:
        value = encode(event)
        topic = settings.case_events_topic if types.of(event).name.startswith("Case.") else settings.unit_events_topic
        producer.send(topic, key=str(event.originator_id).encode(), value=value)
        values.append(value)
    producer.flush()
    producer.close()
    return values


def run(settings, schema, name):
    projection, decode = registry.build(name, settings)
    runner = ProjectionRunner(projection, decode, registry.topics_for(projection, settings), schema=schema,
                              connect_pg=pg_connector(settings), make_consumer=consumer_factory(settings),
                              make_producer=producer_factory(settings), dead_letter_topic=settings.dead_letter_topic,
                              group_id=f"test.{name}.{settings.case_events_topic}", poll_timeout_ms=200)
    assert runner.run(until_caught_up=True) == 0
    assert runner.dead_lettered_total == 0
    return projection


def table_rows(settings, schema, projection) -> dict:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            return {t.name: tablesets.read_rows(cur, schema, t) for t in projection.tables}
    finally:
        conn.close()


DEFAULTS = {"corrected": False, "voided": False}


def expected(projection, values: list[bytes]) -> dict:
    """The MemoryTables fold of the decoded values, with the SQL defaults of unwritten columns."""
    decode = make_decoder()
    memory = MemoryTables(projection)
    for value in values:
        memory.apply_event(decode.decode_value(value))
    return memory.rows


def same_rows(actual: dict, reference: dict) -> None:
    for table, rows in reference.items():
        assert set(actual[table]) == set(rows), table
        for key, row in rows.items():
            got = actual[table][key]
            for col, value in got.items():
                want = row.get(col, DEFAULTS.get(col))
                assert want == value, (table, key, col, want, value)


@pytest.fixture
def published(stack_settings, unique_topic):
    settings = make_topics(stack_settings, unique_topic)
    ledger, unit, first, second, room_version = recorded_story()
    values = publish(settings, stored_events(ledger))
    return settings, values, str(unit), str(first), str(second), room_version


@pytest.mark.parametrize("name", ["audit_trail", "case_view", "unit_occupancy"])
def test_runner_tables_equal_the_memory_fold_of_the_same_events(published, pg_schema, name):
    settings, values, *_ = published
    projection = run(settings, pg_schema, name)
    same_rows(table_rows(settings, pg_schema, projection), expected(projection, values))


def test_queries_answer_from_postgres_what_the_fold_answers(published, pg_schema):
    settings, values, unit, first, second, room_version = published
    for name in registry.names():
        run(settings, pg_schema, name)
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            view = queries.case(cur, pg_schema, first)
            rows = queries.stream_entries(cur, pg_schema, first)
            occupancy = queries.occupancy(cur, pg_schema, queries.find_unit(cur, pg_schema, unit))
            with pytest.raises(KeyError):
                queries.case(cur, pg_schema, "00000000-0000-0000-0000-000000000000")
    finally:
        conn.close()
    memory = MemoryTables(registry.build("case_view", settings)[0])
    decode = make_decoder()
    for value in values:
        memory.apply_event(decode.decode_value(value))
    assert view == views_from_rows(memory.table("case_facts").values(), memory.table("case_voids").values())[first]
    # the correction shows in the case view; the audit trail keeps both entries, linked
    assert view.room == "B3" and "room" in view.corrected
    original = next(r for r in rows if r["sequence"] == room_version)
    correction = next(r for r in rows if r["amendment"] == "corrected")
    assert json.loads(original["payload"])["room"] == "B2" and correction["amends_sequence"] == room_version
    # bitemporal: before the correction was recorded the ledger said B2
    said = history(rows, as_recorded_at=correction["recorded_at"] - dt.timedelta(microseconds=1))
    assert said.state.room == "B2" and history(rows, as_of=dt.date(2026, 3, 5)).state.room == "B3"
    # capacity 1 with two residents: over capacity on day 3, the younger in the 12-15 band until 10 March
    day = occupancy.on(dt.date(2026, 3, 5))
    assert (day.population, day.capacity, day.over_capacity) == (2, 1, True)
    assert ("semiliberdade", "12-15", "masculino") in day.breakdown()
    assert ("semiliberdade", "12-15", "masculino") not in occupancy.on(dt.date(2026, 3, 10)).breakdown()


def test_replay_rebuilds_an_identical_generation(published, pg_schema):
    settings, *_ = published
    projection = run(settings, pg_schema, "audit_trail")
    _, decode = registry.build("audit_trail", settings)
    report = replay_one(projection, decode, registry.topics_for(projection, settings), schema=pg_schema,
                        connect_pg=pg_connector(settings), make_consumer=consumer_factory(settings))
    assert report.switched and report.identical and report.events > 0


def _cli(settings, argv, capsys):
    from infra.cli import build_parser

    from tests.e2e.cli import harness_token

    args = build_parser().parse_args(argv)
    capsys.readouterr()  # drop what the runners logged before the command
    # The queries read as a principal (R-61): the tests' state-wide service, with a purpose.
    with mock.patch.dict(os.environ, {"CASELEDGER_TOKEN": harness_token(settings), "CASELEDGER_PURPOSE": "tests"}):
        code = args.func(args, settings)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_commands_show_a_case_its_history_and_say_how_to_list_an_unknown_case(published, pg_schema, capsys):
    settings, _, unit, first, second, _ = published
    for name in registry.names():
        run(settings, pg_schema, name)
    code, out, _ = _cli(settings, ["case", "show", first, "--schema", pg_schema, "--as-of", "2026-03-31", "--json"],
                        capsys)
    shown = json.loads(out)
    assert code == 0 and shown["case"]["room"] == "B3"
    assert {c["clock"] for c in shown["clocks"]} >= {"K-PIA45", "K-REAV6M", "K-ACOLH3", "K-AGE21"}
    code, out, _ = _cli(settings, ["history", first, "--as-of", "2026-03-10", "--schema", pg_schema], capsys)
    assert code == 0 and "corrected" in out and "Adolescente" not in out
    code, out, _ = _cli(settings, ["case", "list", "--schema", pg_schema, "--as-of", "2026-04-30", "--alert",
                                   "--json"], capsys)
    assert code == 0 and {r["case_id"] for r in json.loads(out)} == {first, second}  # PIA 45 days overdue
    code, out, _ = _cli(settings, ["unit", "occupancy", unit, "--schema", pg_schema, "--as-of", "2026-03-05",
                                   "--from", "2026-03-01", "--json"], capsys)
    occupancy = json.loads(out)
    assert code == 0 and occupancy["unit"]["population"] == 2
    on_day_5 = next(d for d in occupancy["series"] if d["day"] == "2026-03-05")
    assert sum(b["count"] for b in on_day_5["breakdown"]) == 2
    code, _, err = _cli(settings, ["case", "show", "11111111-1111-1111-1111-111111111111", "--schema", pg_schema],
                        capsys)
    assert code == 2 and "caseledger case list" in err
    code, out, _ = _cli(settings, ["audit", "export", "--format", "jsonl", "--schema", pg_schema], capsys)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == len(published[1]) and "Adolescente" not in out


@pytest.mark.parametrize("argv", [["clocks"], ["case", "show", "00000000-0000-0000-0000-000000000001"],
                                  ["project", "--until-caught-up"]])
def test_commands_say_to_start_the_stack_when_postgres_is_unreachable(stack_settings, capsys, argv):
    settings = dataclasses.replace(stack_settings, pg_port=1)
    code, _, err = _cli(settings, argv, capsys)
    assert code == 2 and "PostgreSQL" in err and "caseledger stack up" in err


def test_project_says_to_start_the_stack_when_kafka_is_unreachable(stack_settings, capsys):
    settings = dataclasses.replace(stack_settings, kafka_bootstrap_servers="127.0.0.1:1")
    code, _, err = _cli(settings, ["project", "--until-caught-up"], capsys)
    assert code == 2 and "Kafka" in err and "caseledger stack up" in err


def test_query_commands_say_to_run_the_projections_when_there_are_no_tables(stack_settings, pg_schema, capsys):
    code, _, err = _cli(stack_settings, ["case", "list", "--schema", pg_schema], capsys)
    assert code == 2 and "caseledger project --until-caught-up" in err


def test_project_command_catches_up_every_read_model_and_replay_dry_run_finds_no_difference(published, pg_schema,
                                                                                            capsys):
    settings, values, unit, first, *_ = published
    code, _, _ = _cli(settings, ["project", "--until-caught-up", "--schema", pg_schema], capsys)
    assert code == 0
    code, out, _ = _cli(settings, ["clocks", "--unit", unit, "--as-of", "2026-04-30", "--alert", "--json",
                                   "--schema", pg_schema], capsys)
    assert code == 0 and ("K-PIA45", first) in {(c["clock"], c["case_id"]) for c in json.loads(out)}
    code, out, _ = _cli(settings, ["replay", "case_view", "--dry-run", "--json", "--schema", pg_schema], capsys)
    report, = json.loads(out[out.index("[\n"):])
    assert code == 0 and report["identical"] and not report["switched"]
    code, _, err = _cli(settings, ["replay", "no_such_model", "--schema", pg_schema], capsys)
    assert code == 2 and "caseledger project --list" in err


def test_project_runs_every_read_model_until_sigterm_and_exits_cleanly(published, pg_schema, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    settings, values, unit, first, *_ = published
    env = dict(os.environ)
    env.update({
        "CASELEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap_servers,
        "CASELEDGER_PG_PORT": str(settings.pg_port),
        "CASELEDGER_PG_PASSWORD": settings.pg_password_for(settings.pg_user),
        # the stack's secrets and key-encryption key: a child with another would wrap keys we cannot open
        "CASELEDGER_STATE_DIR": str(settings.state_dir),
        "CASELEDGER_KEY_FILE": str(settings.data_key_path),
        "CASELEDGER_CASE_EVENTS_TOPIC": settings.case_events_topic,
        "CASELEDGER_UNIT_EVENTS_TOPIC": settings.unit_events_topic,
        "CASELEDGER_DLQ_TOPIC": settings.dead_letter_topic,
        "CASELEDGER_PROJECTION_SCHEMA": pg_schema,
    })
    log = tmp_path / "project.log"
    proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "project"], env=env, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT)
    expected_audit_rows = len(values)

    def audit_rows() -> int:
        conn = psycopg2.connect(settings.pg_dsn)
        try:
            with conn.cursor() as cur:
                cur.execute(f'SELECT count(*) FROM "{pg_schema}".audit_entries')
                return cur.fetchone()[0]
        except psycopg2.Error:
            return 0
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 60
        while audit_rows() < expected_audit_rows and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.3)
        assert audit_rows() == expected_audit_rows
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    output = log.read_text()
    assert "Adolescente" not in output  # no personal data in the runners' logs
    for name in registry.names():
        assert f"projection={name}" in output or f'"projection": "{name}"' in output


def test_occupancy_plot_is_drawn_as_a_png(published, pg_schema, capsys, tmp_path):
    settings, _, unit, *_ = published
    run(settings, pg_schema, "unit_occupancy")
    target = tmp_path / "occupancy.png"
    code, _, err = _cli(settings, ["unit", "occupancy", unit, "--schema", pg_schema, "--as-of", "2026-03-05",
                                   "--plot", str(target)], capsys)
    assert code == 0, err
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


ACTIONS = ("admit", "room", "visit", "petition", "correct_room", "void_visit", "release")


def random_story(actions: list[str]):
    """Apply the actions in order to a fresh ledger; actions the rules refuse write nothing and are skipped."""
    from domain.rules import RuleViolation
    from domain.values import ReleaseBasis

    ledger = new_ledger()
    unit = a_unit(ledger, capacity=20)
    youths, rooms, visits, day = [], {}, {}, 2
    for i, action in enumerate(actions):
        day += 1
        try:
            if action == "admit" or not youths:
                youths.append(an_admitted_youth(ledger, unit, occurred_at=on_day(day)))
                continue
            youth = youths[i % len(youths)]
            if action == "room":
                ledger.assign_room(case_id=youth, room=f"R{i}", reason=RoomChangeReason.ROTINA,
                                   occurred_at=on_day(day), actor=GERENTE)
                rooms[youth] = ledger.case(youth).version
            elif action == "visit":
                visitor = a_visitor(ledger, youth, occurred_at=on_day(day, 8))
                sunday = on_day(day).date() + dt.timedelta(days=(6 - on_day(day).date().weekday()) % 7)
                ledger.hold_visit(case_id=youth, visitor_ids=(visitor,), modality=VisitModality.COMUM,
                                  started_at=at(sunday, 9), ended_at=at(sunday, 10), search_done=True,
                                  occurred_at=at(sunday, 10), actor=AGENTE)
                visits[youth] = ledger.case(youth).version
            elif action == "petition":
                ledger.file_petition(case_id=youth, addressee=PetitionAddressee.DEFENSORIA,
                                     subject=list(PetitionSubject)[0], occurred_at=on_day(day), actor=AGENTE)
            elif action == "correct_room" and youth in rooms:
                ledger.correct_case_entry(case_id=youth, target_version=rooms[youth],
                                          corrections=(FieldCorrection("room", f"X{i}"),), reason="typo",
                                          authorised_by=GERENTE, occurred_at=on_day(day), actor=LIDER)
            elif action == "void_visit" and youth in visits:
                ledger.void_case_entry(case_id=youth, target_version=visits.pop(youth), reason="wrong youth",
                                       authorised_by=GERENTE, occurred_at=on_day(day), actor=LIDER)
            elif action == "release":
                ledger.receive_release_order(case_id=youth, protocol_number=f"LIB-{i}", occurred_at=on_day(day, 9),
                                             actor=GERENTE, court_order=a_court_order())
                ledger.release(case_id=youth, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True,
                               belongings_returned=True, termo_de_desligamento_signed=True, family_present=True,
                               occurred_at=on_day(day, 10), actor=GERENTE, source_document=a_court_order())
        except RuleViolation:
            continue
    return ledger


@hsettings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(st.sampled_from(ACTIONS), min_size=3, max_size=14))
def test_any_story_projects_into_postgres_exactly_as_the_memory_fold(stack_settings, actions):
    import uuid

    settings = make_topics(stack_settings, lambda prefix="t": f"{prefix}.{uuid.uuid4().hex[:12]}")
    values = publish(settings, stored_events(random_story(actions)))
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE SCHEMA "{schema}"')
        for name in registry.names():
            projection = run(settings, schema, name)
            same_rows(table_rows(settings, schema, projection), expected(projection, values))
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()


def test_a_corrected_intake_date_reaches_the_postgres_case_view_clocks_and_occupancy(stack_settings, unique_topic,
                                                                                     pg_schema):
    """E67 through the real runners: the intake typed a day late, corrected on the case and on the unit."""
    from domain.values import DocumentKind
    from projections.legal_clocks import clocks_for
    from tests.unit.domain.builders import INTAKE_DAY, a_registration, an_intake

    settings = make_topics(stack_settings, unique_topic)
    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = a_registration(ledger, unit)
    an_intake(ledger, youth, unit, occurred_at=on_day(2))
    right = at(INTAKE_DAY, 10).isoformat()
    document = a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-1")
    ledger.correct_case_entry(case_id=youth, target_version=2, corrections=(FieldCorrection("occurred_at", right),),
                              reason="retificação", authorised_by=GERENTE, occurred_at=on_day(20), actor=LIDER,
                              source_document=document)
    admitted = max(v for v, e in ledger.unit(unit)._entries.items() if e.event_type == "ResidentAdmitted")
    ledger.correct_unit_entry(unit_id=unit, target_version=admitted, corrections=(FieldCorrection("occurred_at", right),),
                              reason="retificação", authorised_by=GERENTE, occurred_at=on_day(20), actor=LIDER,
                              source_document=document)
    values = publish(settings, stored_events(ledger))
    for name in ("case_view", "unit_occupancy"):
        projection = run(settings, pg_schema, name)
        same_rows(table_rows(settings, pg_schema, projection), expected(projection, values))
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            view = queries.case(cur, pg_schema, str(youth))
            every = queries.cases(cur, pg_schema)[str(youth)]
            occupancy = queries.occupancy(cur, pg_schema, str(unit))
    finally:
        conn.close()
    assert view == every
    assert view.stay_started_on == INTAKE_DAY == ledger.case(youth).stay_started_on
    assert ("stay_started_on", "#3") in view.corrected_by
    due = {c.clock: c.due_on for c in clocks_for(view, on_day(3).date())}
    assert due["K-TRIAG8"] == INTAKE_DAY + dt.timedelta(days=7)
    assert occupancy.on(INTAKE_DAY).population == 1
