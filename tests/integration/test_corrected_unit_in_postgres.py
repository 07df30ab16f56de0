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
    youth = a_registration(ledger, wrong, process_number=_process_number())
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


def test_the_postgres_case_view_counts_the_acolhimento_in_the_new_comarca_after_a_unit_correction(
        stack_settings, unique_topic, pg_schema):
    """Reg. arts. 32, 39 (three *dias úteis*): intake on Friday 11 September 2026 recorded in a Cuiabá unit,
    corrected to the Sinop unit, whose 14 September holiday moves the due day from the 16th to the 17th."""
    import datetime as dt

    from tests.unit.domain.builders import at

    settings = make_topics(stack_settings, unique_topic)
    ledger = new_ledger()
    cuiaba = a_unit(ledger, unit_code="PG-CGB", comarca="Cuiabá")
    sinop = a_unit(ledger, unit_code="PG-SNP", comarca="Sinop")
    friday = dt.date(2026, 9, 11)
    youth = a_registration(ledger, sinop, process_number=_process_number())
    an_intake(ledger, youth, cuiaba,
              occurred_at=at(friday, 10))
    values = publish(settings, stored_events(ledger))
    for name in ("case_view", "unit_occupancy"):
        run(settings, pg_schema, name)
    due = _acolhimento_due(settings, pg_schema, youth, friday)
    assert due == (dt.date(2026, 9, 16), "Cuiabá")
    ledger.correct_case_entry(case_id=youth, target_version=2, corrections=(FieldCorrection("unit_id", "PG-SNP"),),
                              reason="unidade registrada por engano", authorised_by=GERENTE,
                              occurred_at=at(dt.date(2026, 9, 12), 9), actor=LIDER,
                              source_document=a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-U"))
    publish(settings, stored_events(ledger)[len(values):])
    for name in ("case_view", "unit_occupancy"):
        run(settings, pg_schema, name)
    assert _acolhimento_due(settings, pg_schema, youth, friday) == (dt.date(2026, 9, 17), "Sinop")


def _acolhimento_due(settings, schema, youth, on):
    from projections.legal_clocks import clocks_for

    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            view = queries.case(cur, schema, str(youth))
            assert queries.cases(cur, schema)[str(youth)].comarca == view.comarca
    finally:
        conn.close()
    return {c.clock: c.due_on for c in clocks_for(view, on)}["K-ACOLH3"], view.comarca


def test_a_corrected_history_projects_into_postgres_as_the_history_recorded_right(stack_settings, unique_topic,
                                                                                 pg_schema):
    """The property's story through the real runners: intake unit, transfer destination and release date
    corrected; PostgreSQL's case view, clocks and occupancy equal the memory fold of the history recorded
    right the first time."""
    from tests.unit.projections.test_corrected_history_equals_history_recorded_right import (
        VIEW_FACTS, correct_release, correct_unit, derived, story, _entry_version,
    )
    from projections.legal_clocks import clocks_for

    process = _process_number()
    codes = process.split("-")[1]  # unit ids of this run only, for the same reason
    good, units, youth = story(1, 2, (2, 12), (30, 33), process, codes)
    bad, _, _ = story(0, 2, (1, 12), (30, 31), process, codes)
    # The transfer first: the intake corrected to unit 1 first would make a transfer from unit 1 to itself (D-04).
    correct_unit(bad, units, youth, _entry_version(bad, youth, "TransferCompleted"), 2)
    correct_unit(bad, units, youth, 2, 1)
    correct_release(bad, youth, 33)
    settings = make_topics(stack_settings, unique_topic)
    publish(settings, stored_events(bad))
    days = [nth_day(INTAKE_DAY, n) for n in (2, 5, 12, 13, 31, 33, 34, 45)]
    facts, clocks, occupancy, state, unit_now = derived(good, units, youth, days)
    assert (state, unit_now) == (
        {u: bad.unit(u).occupancy for u in units}, bad.case(youth).unit_id)  # the units' own state
    for name in ("case_view", "unit_occupancy"):
        run(settings, pg_schema, name)
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            view = queries.case(cur, pg_schema, str(youth))
            counts = {u: queries.occupancy(cur, pg_schema, str(u)) for u in units}
    finally:
        conn.close()
    assert {n: getattr(view, n) for n in VIEW_FACTS} == facts
    assert {on: sorted((c.clock, c.state, c.started_on, c.due_on, c.stopped_on, c.eligible_on)
                       for c in clocks_for(view, on) if not c.clock.startswith("EXC ")) for on in days} == clocks
    assert {u: [(d.day, d.population, tuple(r.case_id for r in d.residents)) for d in map(counts[u].on, days)]
            for u in units} == occupancy


def _process_number() -> str:
    """A process number (so a case id) of this run only: the stack's key store keeps each case's data key
    across runs, and a case id met again would be sealed with this process's key, opened with another."""
    import uuid

    return f"EXEC-{uuid.uuid4().hex[:12].upper()}-2026"
