"""A correction reaches the read models as it reaches the aggregate (E67): the case view's stay
start and day counts, the legal clocks' due dates, and the view marks the fact as corrected with
the link to the correcting entry. Recorded by the real CaseLedger in memory, read back as a
subscriber reads (encoded and decoded)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from domain.calendar import DEFAULT_CALENDAR, nth_day
from domain.values import DocumentKind, FieldCorrection, Modality
from projections.legal_clocks import clocks_for
from tests.unit.domain.builders import (
    GERENTE, INTAKE_DAY, LIDER, a_court_order, a_registration, a_unit, an_intake, an_internacao_unit, at,
    new_ledger, on_day,
)
from tests.unit.projections.test_read_models_against_the_domain import (
    assert_view_matches_aggregate, case_views, subscriber_events,
)

DAY_AFTER = nth_day(INTAKE_DAY, 2)


def _typed_a_day_late(ledger, unit, **intake):
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit, occurred_at=at(DAY_AFTER, 10), **intake)
    return case_id


def _correct(ledger, case_id, version, field, value, day=20):
    ledger.correct_case_entry(case_id=case_id, target_version=version, corrections=(FieldCorrection(field, value),),
                              reason="retificação", authorised_by=GERENTE, occurred_at=on_day(day), actor=LIDER,
                              source_document=a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-1"))


def test_the_case_view_follows_a_corrected_intake_date_and_links_the_correction():
    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = _typed_a_day_late(ledger, unit)
    _correct(ledger, youth, 2, "occurred_at", at(INTAKE_DAY, 10).isoformat())
    view = case_views(subscriber_events(ledger))[str(youth)]
    assert view.stay_started_on == INTAKE_DAY and view.measure_started_on == INTAKE_DAY
    assert view.day_in_unit(nth_day(INTAKE_DAY, 45)) == 45
    assert view.leave_entitlements(nth_day(INTAKE_DAY, 45))["same_day"] is True  # R-31, Reg. art. 63 I
    assert "stay_started_on" in view.corrected
    assert ("stay_started_on", "#3") in view.corrected_by
    assert_view_matches_aggregate(view, ledger.case(youth))


def test_k_clocks_are_due_from_the_corrected_intake_date():
    ledger = new_ledger()
    unit = an_internacao_unit(ledger)
    youth = _typed_a_day_late(ledger, unit, modality=Modality.INTERNACAO)
    _correct(ledger, youth, 2, "occurred_at", at(INTAKE_DAY, 10).isoformat())
    view = case_views(subscriber_events(ledger))[str(youth)]
    due = {c.clock: c.due_on for c in clocks_for(view, nth_day(INTAKE_DAY, 3))}
    # Reg. arts. 32, 39: acolhimento within 3 business days; SINASE art. 55: PIA within 45 days.
    assert due["K-ACOLH3"] == DEFAULT_CALENDAR.add_business_days(INTAKE_DAY, 3)
    assert due["K-PIA45"] == INTAKE_DAY + dt.timedelta(days=45) == ledger.case(youth).pia_due_on()
    assert due["K-TRIAG8"] == INTAKE_DAY + dt.timedelta(days=7)


def test_the_age_21_clock_follows_a_corrected_birth_date():
    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = a_registration(ledger, unit)
    an_intake(ledger, youth, unit)
    ledger.correct_case_entry(case_id=youth, target_version=1, corrections=(FieldCorrection("birth_date", "2006-04-10"),),
                              reason="certidão", authorised_by=GERENTE, occurred_at=on_day(3), actor=LIDER)
    view = case_views(subscriber_events(ledger))[str(youth)]
    age21 = [c for c in clocks_for(view, on_day(4).date()) if c.clock == "K-AGE21"]
    assert [c.due_on for c in age21] == [dt.date(2027, 4, 10)]  # ECA art. 121 §5


@settings(max_examples=20, deadline=None)
@given(recorded=st.integers(min_value=1, max_value=8), right=st.integers(min_value=1, max_value=8),
       born=st.dates(min_value=dt.date(2006, 6, 1), max_value=dt.date(2012, 1, 1)),
       reborn=st.dates(min_value=dt.date(2006, 6, 1), max_value=dt.date(2012, 1, 1)),
       internacao=st.booleans())
def test_every_derived_fact_of_a_corrected_history_equals_the_history_recorded_right(
        recorded, right, born, reborn, internacao):
    """Property (E67): intake date and birth date corrected → the case view, its day counts and every
    clock equal those of the same story recorded with the right values the first time."""

    def story(day, birth):
        ledger = new_ledger()
        unit = an_internacao_unit(ledger, unit_code="U-PROP") if internacao else a_unit(ledger, unit_code="U-PROP")
        youth = a_registration(ledger, unit, birth_date=birth)
        an_intake(ledger, youth, unit, occurred_at=on_day(day),
                  modality=Modality.INTERNACAO if internacao else Modality.SEMILIBERDADE)
        return ledger, youth

    wrong, wrong_youth = story(recorded, born)
    _correct(wrong, wrong_youth, 2, "occurred_at", on_day(right).isoformat(), day=15)
    _correct(wrong, wrong_youth, 1, "birth_date", reborn.isoformat(), day=16)
    good, good_youth = story(right, reborn)
    a = case_views(subscriber_events(wrong))[str(wrong_youth)]
    b = case_views(subscriber_events(good))[str(good_youth)]
    for name in ("status", "unit_id", "modality", "birth_date", "stay_started_on", "measure_started_on",
                 "definitive_since"):
        assert getattr(a, name) == getattr(b, name), name
    for n in (2, 30, 45, 75, 200):
        on = nth_day(INTAKE_DAY, n)
        assert a.day_in_unit(on) == b.day_in_unit(on) and a.age_on(on) == b.age_on(on)
        # A recorded exception (EXC R-nn, e.g. R-06 for an intake on a holiday) is a fact of the
        # recording, not derived from the dates: a correction does not invent one.
        strip = lambda cs: sorted((c.clock, c.state, c.started_on, c.due_on, c.eligible_on) for c in cs
                                  if not c.clock.startswith("EXC "))
        assert strip(clocks_for(a, on)) == strip(clocks_for(b, on))


def _occupancy(ledger, unit):
    from projections.engine import MemoryTables
    from projections.unit_occupancy import OccupancyData, UnitOccupancy

    t = MemoryTables(UnitOccupancy()).apply_events(subscriber_events(ledger))
    return OccupancyData.from_rows(str(unit), *(t.table(n).values() for n in (
        "unit_capacity", "unit_movements", "occupancy_profiles", "occupancy_modalities", "unit_vacancies",
        "unit_entry_corrections")))


def test_occupancy_on_the_corrected_day_counts_the_youth_once_the_units_entry_is_corrected():
    # CNMP Res. 67 Annex I 1.5: the population of each day; the unit's own entry is what it counts.
    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = _typed_a_day_late(ledger, unit)
    assert _occupancy(ledger, unit).on(INTAKE_DAY).population == 0
    _correct(ledger, youth, 2, "occurred_at", at(INTAKE_DAY, 10).isoformat())
    admitted = max(v for v, e in ledger.unit(unit)._entries.items() if e.event_type == "ResidentAdmitted")
    ledger.correct_unit_entry(unit_id=unit, target_version=admitted,
                              corrections=(FieldCorrection("occurred_at", at(INTAKE_DAY, 10).isoformat()),),
                              reason="retificação", authorised_by=GERENTE, occurred_at=on_day(20), actor=LIDER,
                              source_document=a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-1"))
    data = _occupancy(ledger, unit)
    assert data.on(INTAKE_DAY).population == 1
    assert [r.case_id for r in data.on(INTAKE_DAY).residents] == [str(youth)]


def test_occupancy_as_recorded_before_the_correction_gives_the_old_count():
    """The bitemporal point: the corrected day as the ledger said it before the correction was recorded."""
    from projections.engine import MemoryTables
    from projections.unit_occupancy import OccupancyData, UnitOccupancy

    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = _typed_a_day_late(ledger, unit)
    admitted = max(v for v, e in ledger.unit(unit)._entries.items() if e.event_type == "ResidentAdmitted")
    ledger.correct_unit_entry(unit_id=unit, target_version=admitted,
                              corrections=(FieldCorrection("occurred_at", at(INTAKE_DAY, 10).isoformat()),),
                              reason="retificação", authorised_by=GERENTE, occurred_at=on_day(20), actor=LIDER,
                              source_document=a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-1"))
    t = MemoryTables(UnitOccupancy()).apply_events(subscriber_events(ledger))
    rows = [t.table(n).values() for n in ("unit_capacity", "unit_movements", "occupancy_profiles",
                                          "occupancy_modalities", "unit_vacancies", "unit_entry_corrections")]
    corrected_at = next(iter(t.table("unit_entry_corrections").values()))["recorded_at"]
    before = OccupancyData.recorded_by(str(unit), corrected_at - dt.timedelta(microseconds=1), *rows)
    now = OccupancyData.recorded_by(str(unit), None, *rows)
    assert (before.on(INTAKE_DAY).population, now.on(INTAKE_DAY).population) == (0, 1)
    assert before.on(DAY_AFTER).population == now.on(DAY_AFTER).population == 1
    assert youth


@settings(max_examples=15, deadline=None)
@given(recorded=st.integers(min_value=1, max_value=8), right=st.integers(min_value=1, max_value=8))
def test_as_recorded_before_the_correction_the_history_keeps_the_old_facts(recorded, right):
    """E67 on the transaction-time axis: as the ledger said just before the correction was recorded,
    the stay started on the day first recorded; as of now (every correction applied) on the right day."""
    from projections.audit_trail import AuditTrail
    from projections.engine import MemoryTables
    from projections.history import history

    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = a_registration(ledger, unit)
    an_intake(ledger, youth, unit, occurred_at=on_day(recorded))
    _correct(ledger, youth, 2, "occurred_at", on_day(right).isoformat(), day=15)
    trail = MemoryTables(AuditTrail()).apply_events(subscriber_events(ledger))
    rows = [r for r in trail.table("audit_entries").values() if r["stream_id"] == str(youth)]
    correction = next(r for r in rows if r.get("amendment") == "corrected")
    before = history(rows, as_recorded_at=correction["recorded_at"] - dt.timedelta(microseconds=1)).state
    now = history(rows, as_of=nth_day(INTAKE_DAY, 30)).state
    assert before.stay_started_on == nth_day(INTAKE_DAY, recorded)
    assert now.stay_started_on == nth_day(INTAKE_DAY, right) == case_views(subscriber_events(ledger))[str(youth)].stay_started_on
    assert clocks_for(before, nth_day(INTAKE_DAY, 9))[0] != clocks_for(now, nth_day(INTAKE_DAY, 9))[0] or recorded == right


def test_a_corrected_release_time_reaches_the_case_and_the_release_clock():
    # Reg. art. 107; ECA art. 235: the release follows the order promptly; its time is what K-RELEASE judges.
    from tests.unit.projections.test_read_models_against_the_domain import released

    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = a_registration(ledger, unit)
    an_intake(ledger, youth, unit)
    released(ledger, youth, 60)
    version = ledger.case(youth).version
    assert ledger.repository.get(youth)._entry(version).__class__.__name__ == "Released"
    wrong_day = on_day(61, 10)
    _correct(ledger, youth, version, "occurred_at", wrong_day.isoformat(), day=70)
    view = case_views(subscriber_events(ledger))[str(youth)]
    assert view.released_at == wrong_day and "released_at" in view.corrected
    release = [c for c in clocks_for(view, on_day(62).date()) if c.clock == "K-RELEASE"]
    assert [(c.state, c.stopped_on) for c in release] == [("met_late", wrong_day.date())]
    assert view.days_in_measure(on_day(90).date()) == 61
