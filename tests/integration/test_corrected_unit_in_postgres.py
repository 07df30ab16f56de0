"""A youth recorded in the wrong unit, corrected (E67), through the real runners into PostgreSQL: the
occupancy read model counts the youth in the right unit only, the case view names it, and the rows equal
the memory fold of the same events."""

from __future__ import annotations

import psycopg2

from domain.calendar import nth_day
from domain.values import DocumentKind, FieldCorrection
from projections import queries
from tests.integration.test_read_models import expected, make_topics, publish, run, same_rows, stored_events, table_rows
from tests.unit.domain.builders import (
    GERENTE, INTAKE_DAY, LIDER, a_court_order, a_registration, a_unit, an_intake, new_ledger, on_day,
)


def test_a_corrected_intake_unit_moves_the_youth_in_the_postgres_occupancy_and_case_view(stack_settings, unique_topic,
                                                                                        pg_schema):
    settings = make_topics(stack_settings, unique_topic)
    ledger = new_ledger()
    wrong, right = a_unit(ledger, unit_code="PG-WRONG"), a_unit(ledger, unit_code="PG-RIGHT")
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    ledger.correct_case_entry(case_id=youth, target_version=2, corrections=(FieldCorrection("unit_id", "PG-RIGHT"),),
                              reason="unidade registrada por engano", authorised_by=GERENTE, occurred_at=on_day(20),
                              actor=LIDER, source_document=a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-U"))
    values = publish(settings, stored_events(ledger))
    for name in ("case_view", "unit_occupancy"):
        projection = run(settings, pg_schema, name)
        same_rows(table_rows(settings, pg_schema, projection), expected(projection, values))
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            view = queries.case(cur, pg_schema, str(youth))
            counts = {u: queries.occupancy(cur, pg_schema, str(u)) for u in (wrong, right)}
    finally:
        conn.close()
    assert view.unit_id == str(right) and "unit_id" in view.corrected
    day = nth_day(INTAKE_DAY, 10)
    assert (counts[wrong].on(day).population, counts[right].on(day).population) == (0, 1)
    assert [r.case_id for r in counts[right].on(INTAKE_DAY).residents] == [str(youth)]
