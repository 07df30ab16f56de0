"""The monthly frequency read model against the real Kafka and PostgreSQL servers.

A unit's schooling story (enrolments, monthly attendance, a closed month corrected afterwards, a
void) is recorded by the real ledger, published with the real codec on this test's own topics and
projected by the real runner; the tables must equal the MemoryTables fold of the same events, and
the monthly table read back from PostgreSQL must say what the fold says, to-reissue flag included.
"""

from __future__ import annotations

import datetime as dt

import psycopg2

from domain.case.schooling import ActivityKind
from domain.values import FieldCorrection
from projections import queries
from projections.schooling import SchoolingData
from tests.integration.test_read_models import (
    expected, make_topics, publish, run, same_rows, stored_events, table_rows,
)
from tests.unit.domain.builders import GERENTE, PEDAGOGA, a_unit, an_admitted_youth, at, events_named, new_ledger
from tests.unit.domain.test_schooling_rules import _attendance, _close, _enrol


def schooling_story():
    ledger = new_ledger()
    unit = a_unit(ledger)
    first, second = an_admitted_youth(ledger, unit), an_admitted_youth(ledger, unit)
    school = _enrol(ledger, first)
    course = _enrol(ledger, first, kind=ActivityKind.CURSO_PROFISSIONALIZANTE, institution="Curso Fictício")
    other = _enrol(ledger, second)
    _attendance(ledger, first, school, days_present=11, justified_absences=2)
    _attendance(ledger, first, course, days_expected=8, days_present=8, justified_absences=0)
    _attendance(ledger, second, other, days_present=15, justified_absences=0)
    corrected = events_named(ledger, "AttendanceRecorded")[0].originator_version
    voided = events_named(ledger, "AttendanceRecorded")[-1].originator_version
    _close(ledger, unit)
    ledger.correct_case_entry(case_id=first, target_version=corrected, corrections=(
        FieldCorrection("days_present", "13"),), reason="Diário da escola", authorised_by=GERENTE,
        occurred_at=at(dt.date(2026, 4, 20)), actor=PEDAGOGA)
    ledger.void_case_entry(case_id=second, target_version=voided, reason="Lançado em duplicidade",
                           authorised_by=GERENTE, occurred_at=at(dt.date(2026, 4, 21)), actor=PEDAGOGA)
    return ledger, unit, first, second


def test_schooling_tables_equal_the_memory_fold_and_the_monthly_table_reads_back_flagged(stack_settings, unique_topic,
                                                                                       pg_schema):
    settings = make_topics(stack_settings, unique_topic)
    ledger, unit, first, second = schooling_story()
    values = publish(settings, stored_events(ledger))
    projection = run(settings, pg_schema, "schooling_frequency")
    reference = expected(projection, values)
    same_rows(table_rows(settings, pg_schema, projection), reference)
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            from_pg = queries.schooling_data(cur, pg_schema, str(unit)).monthly(str(unit), "2026-03")
    finally:
        conn.close()
    from_fold = SchoolingData.from_tables(reference).monthly(str(unit), "2026-03")
    assert from_pg == from_fold
    assert from_pg.to_reissue and from_pg.closed_at is not None
    by_case = {(r.case_id, r.kind): r for r in from_pg.rows}
    school = by_case[(str(first), "escola")]
    assert (school.as_closed.days_present, school.figure.days_present) == (11, 13)
    assert by_case[(str(second), "escola")].figure is None
    assert from_pg.youths_below_minimum == ()  # 13 / 14 after the correction; 11 / 14 as closed
