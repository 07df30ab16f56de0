"""A death (E53) and the occurrence book (E55) through the real Kafka and PostgreSQL: the unit's occupancy
drops with the death, the case view ends the measure (SINASE art. 46 I), and the inspection computed from
the PostgreSQL rows answers the rebellion and police-report items of CNMP Res. 67 and R-64's part."""

from __future__ import annotations

import datetime as dt

import psycopg2

from projections import queries
from projections.inspection import inspection
from tests.integration.test_read_models import (
    expected, make_topics, publish, run, same_rows, stored_events, table_rows,
)
from tests.unit.domain.builders import AGENTE, GERENTE, INTAKE_DAY, LIDER, a_unit, an_admitted_youth, at, new_ledger, on_day
from tests.unit.domain.test_occurrence_book_and_death import _death, _handover, _log, _police_report, _rebellion


def test_a_death_and_the_unit_s_safety_record_reach_postgres_occupancy_case_view_and_inspection(
        stack_settings, unique_topic, pg_schema):
    settings = make_topics(stack_settings, unique_topic)
    ledger = new_ledger()
    unit = a_unit(ledger)
    dies = an_admitted_youth(ledger, unit)
    stays = an_admitted_youth(ledger, unit)
    _log(ledger, unit)
    _handover(ledger, unit)
    _police_report(ledger, unit, involved_case_ids=(stays,))
    _rebellion(ledger, unit, court_informed=False)
    _death(ledger, dies, family_informed_at=None)
    values = publish(settings, stored_events(ledger))
    for name in ("audit_trail", "case_view", "unit_occupancy"):
        projection = run(settings, pg_schema, name)
        same_rows(table_rows(settings, pg_schema, projection), expected(projection, values))
    on = INTAKE_DAY + dt.timedelta(days=40)
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            view = queries.case(cur, pg_schema, str(dies))
            occupancy = queries.occupancy(cur, pg_schema, str(unit))
            entries = {str(c): queries.stream_entries(cur, pg_schema, str(c)) for c in (dies, stays)}
            entries[str(unit)] = queries.stream_entries(cur, pg_schema, str(unit))
    finally:
        conn.close()
    assert (view.status, view.unit_id, view.pending_exceptions) == ("falecido", None, ("R-68",))
    assert occupancy.on(INTAKE_DAY).population == 2
    assert occupancy.on(on).population == 1 == ledger.unit(unit).occupancy
    report = inspection(str(unit), on, occupancy, entries, INTAKE_DAY)
    s = report.safety
    assert (s.rebellions, s.rebellions_with_injuries, s.police_reports, s.deaths) == (1, 1, 1, (str(dies),))
    assert (s.occurrences_logged, s.shifts_handed_over, s.occurrences_not_validated) == (1, 1, 0)
    assert s.rebellion_free_6_months is False
