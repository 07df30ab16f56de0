"""The monthly frequency read model (E54): frequency and the 85 % minimum (SISPETI, seed 002),
closed months flagged for reissue by a later correction (R-66), the compulsory-schooling alert in
semiliberdade (ECA 120 §1; Reg. art. 32 par. único). Stories are recorded by the real ledger and
read back as a subscriber decodes them."""

from __future__ import annotations

import datetime as dt

from domain.case.schooling import ActivityKind
from domain.values import FieldCorrection
from projections.engine import MemoryTables
from projections.schooling import Figure, SchoolingData, SchoolingFrequency, admissions, compulsory_schooling_alerts
from projections.unit_occupancy import OccupancyData, UnitOccupancy
from tests.unit.domain.builders import GERENTE, PEDAGOGA, a_unit, an_admitted_youth, at, events_named, new_ledger
from tests.unit.domain.test_schooling_rules import _attendance, _close, _enrol
from tests.unit.projections.test_read_models_against_the_domain import subscriber_events


def _fold(ledger) -> SchoolingData:
    tables = MemoryTables(SchoolingFrequency()).apply_events(subscriber_events(ledger))
    return SchoolingData.from_tables(tables.rows)


def _story(present=14, justified=1):
    ledger = new_ledger()
    unit = a_unit(ledger)
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    _attendance(ledger, case_id, activity, days_expected=16, days_present=present, justified_absences=justified)
    return ledger, unit, case_id, activity


def test_frequency_is_days_present_over_the_days_expected_less_justified_absences():
    ledger, unit, case_id, _ = _story(present=14, justified=1)
    row, = _fold(ledger).monthly(str(unit), "2026-03").rows
    assert row.figure == Figure(16, 14, 1)
    assert row.figure.frequency == 93.3  # 14 / (16 - 1)
    assert not row.below_minimum


def test_a_month_below_85_percent_is_flagged():
    ledger, unit, case_id, _ = _story(present=11, justified=2)
    table = _fold(ledger).monthly(str(unit), "2026-03")
    assert table.rows[0].figure.frequency == 78.6  # 11 / 14
    assert table.youths_below_minimum == (str(case_id),)


def test_a_month_whose_every_expected_day_was_justified_has_no_frequency():
    assert Figure(10, 0, 10).frequency is None and not Figure(10, 0, 10).below_minimum


def test_a_correction_before_the_month_is_closed_changes_the_figure_without_a_reissue():
    ledger, unit, case_id, _ = _story(present=11)
    version = events_named(ledger, "AttendanceRecorded")[-1].originator_version
    ledger.correct_case_entry(case_id=case_id, target_version=version, corrections=(
        FieldCorrection("days_present", "13"),), reason="Diário", authorised_by=GERENTE,
        occurred_at=at(dt.date(2026, 4, 5)), actor=PEDAGOGA)
    _close(ledger, unit)
    table = _fold(ledger).monthly(str(unit), "2026-03")
    assert table.rows[0].figure.days_present == 13 and table.rows[0].as_closed.days_present == 13
    assert table.closed_at is not None and not table.to_reissue


def test_a_correction_after_the_month_is_closed_flags_it_to_reissue_keeping_both_figures_R66():
    ledger, unit, case_id, _ = _story(present=11)
    version = events_named(ledger, "AttendanceRecorded")[-1].originator_version
    _close(ledger, unit)
    before = _fold(ledger).monthly(str(unit), "2026-03")
    assert not before.to_reissue
    ledger.correct_case_entry(case_id=case_id, target_version=version, corrections=(
        FieldCorrection("days_present", "14"),), reason="Diário da escola", authorised_by=GERENTE,
        occurred_at=at(dt.date(2026, 4, 20)), actor=PEDAGOGA)
    row, = _fold(ledger).monthly(str(unit), "2026-03").rows
    assert row.to_reissue
    assert (row.as_closed.days_present, row.figure.days_present) == (11, 14)
    assert row.as_closed.below_minimum and not row.figure.below_minimum


def test_a_void_after_the_month_is_closed_flags_it_to_reissue_R66():
    ledger, unit, case_id, _ = _story()
    version = events_named(ledger, "AttendanceRecorded")[-1].originator_version
    _close(ledger, unit)
    ledger.void_case_entry(case_id=case_id, target_version=version, reason="Lançado no aluno errado",
                           authorised_by=GERENTE, occurred_at=at(dt.date(2026, 4, 20)), actor=PEDAGOGA)
    row, = _fold(ledger).monthly(str(unit), "2026-03").rows
    assert row.figure is None and row.as_closed == Figure(16, 14, 1) and row.to_reissue


def _alerts(ledger, unit, on):
    t = MemoryTables(UnitOccupancy()).apply_events(subscriber_events(ledger)).rows
    occupancy = OccupancyData.from_rows(str(unit), t["unit_capacity"].values(), t["unit_movements"].values(),
                                        t["occupancy_profiles"].values(), t["occupancy_modalities"].values())
    residents = occupancy.on(on).residents
    return compulsory_schooling_alerts(_fold(ledger), residents, admissions(occupancy.movements, on), on)


def test_semiliberdade_youth_without_school_after_the_triage_raises_the_compulsory_schooling_alert():
    ledger = new_ledger()
    unit = a_unit(ledger)
    case_id = an_admitted_youth(ledger, unit)
    assert _alerts(ledger, unit, dt.date(2026, 3, 9)) == []  # day 8: still in triage (Reg. art. 32 par. único)
    alert, = _alerts(ledger, unit, dt.date(2026, 3, 10))
    assert alert.case_id == str(case_id) and alert.days_in_unit == 9


def test_a_youth_enrolled_in_school_raises_no_schooling_alert_but_one_in_sport_only_does():
    ledger = new_ledger()
    unit = a_unit(ledger)
    in_school = an_admitted_youth(ledger, unit)
    in_sport = an_admitted_youth(ledger, unit)
    _enrol(ledger, in_school)
    _enrol(ledger, in_sport, kind=ActivityKind.ESPORTE, institution="Clube Fictício")
    assert [a.case_id for a in _alerts(ledger, unit, dt.date(2026, 3, 20))] == [str(in_sport)]


def _inspection_of(ledger, unit, on):
    from projections.audit_trail import AuditTrail
    from projections.inspection import inspection

    events = subscriber_events(ledger)
    t = MemoryTables(UnitOccupancy()).apply_events(events).rows
    occupancy = OccupancyData.from_rows(str(unit), t["unit_capacity"].values(), t["unit_movements"].values(),
                                        t["occupancy_profiles"].values(), t["occupancy_modalities"].values())
    entries: dict[str, list] = {}
    for row in MemoryTables(AuditTrail()).apply_events(events).rows["audit_entries"].values():
        entries.setdefault(row["stream_id"], []).append(row)
    schooling = SchoolingData.from_tables(MemoryTables(SchoolingFrequency()).apply_events(events).rows)
    return inspection(str(unit), on, occupancy, entries, schooling=schooling)


def test_inspection_answers_the_checklist_schooling_and_vocational_items_from_the_read_model():
    from infra.inspection_render import Facts, blocks
    from projections.form_items import label

    ledger = new_ledger()
    unit = a_unit(ledger)
    in_school, without = an_admitted_youth(ledger, unit), an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, in_school)
    _enrol(ledger, in_school, kind=ActivityKind.CURSO_PROFISSIONALIZANTE, institution="Curso Fictício")
    _attendance(ledger, in_school, activity, days_present=10, justified_absences=0)
    report = _inspection_of(ledger, unit, dt.date(2026, 4, 15))
    s = report.schooling
    assert (s.residents, s.in_school, s.in_course_or_work, s.month) == (2, 1, 1, "2026-03")
    assert (s.youths_with_frequency, s.youths_below_minimum, s.alerts) == (1, 1, (str(without),))
    facts = {k: v for b in blocks(report) if isinstance(b, Facts) for k, v in b.rows}
    school = facts[label("schooling_offered", "semiliberdade")]
    assert school.startswith("Não — 1 de 2 adolescentes do dia matriculados em escola")
    assert "1 de 1 adolescente(s) abaixo de 85 %" in school and str(without) in school
    assert facts[label("vocational_offered", "semiliberdade")].startswith("Não — 1 de 2")
