"""A youth recorded in the wrong unit (E67, *retificação da unidade*): correcting the unit of the entry
that started the stay moves the youth in the case, in both units' state (their capacity checks) and in
the occupancy read model (CNMP Res. 67 Annex I 1.5: each day's population), with the history as first
recorded still readable (as recorded before the correction). Recorded through the commands of the
in-memory CaseLedger, read back as a subscriber decodes the topics."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.calendar import nth_day
from domain.rules import RuleViolation
from domain.values import DocumentKind, EvasionKind, FieldCorrection, Sex
from projections.engine import MemoryTables
from projections.unit_occupancy import OccupancyData, UnitOccupancy
from tests.unit.domain.builders import (
    GERENTE, INTAKE_DAY, LIDER, a_court_order, a_registration, a_unit, an_intake, at, new_ledger, on_day,
)
from tests.unit.projections.test_read_models_against_the_domain import (
    assert_view_matches_aggregate, case_views, released, subscriber_events,
)

TABLES = ("unit_capacity", "unit_movements", "occupancy_profiles", "occupancy_modalities", "unit_vacancies",
          "unit_entry_corrections")


def occupancy(ledger, unit, as_recorded_at=None) -> OccupancyData:
    t = MemoryTables(UnitOccupancy()).apply_events(subscriber_events(ledger))
    return OccupancyData.recorded_by(str(unit), as_recorded_at, *(t.table(n).values() for n in TABLES))


def correct_unit(ledger, youth, version, unit_code, day=20, field="unit_id"):
    ledger.correct_case_entry(case_id=youth, target_version=version, corrections=(FieldCorrection(field, unit_code),),
                              reason="unidade registrada por engano", authorised_by=GERENTE, occurred_at=on_day(day),
                              actor=LIDER, source_document=a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-U"))


def two_units(ledger, capacity=20):
    return a_unit(ledger, unit_code="SL-WRONG"), a_unit(ledger, unit_code="SL-RIGHT", capacity=capacity)


def test_a_corrected_intake_unit_moves_the_youth_in_the_case_both_units_and_the_occupancy_model():
    ledger = new_ledger()
    wrong, right = two_units(ledger)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    correct_unit(ledger, youth, 2, "SL-RIGHT")  # the unit's code, as reads accept it
    assert ledger.case(youth).unit_id == str(right)
    assert (ledger.unit(wrong).occupancy, ledger.unit(right).occupancy) == (0, 1)
    for day in (INTAKE_DAY, nth_day(INTAKE_DAY, 30)):
        assert occupancy(ledger, wrong).on(day).population == 0
        assert [r.case_id for r in occupancy(ledger, right).on(day).residents] == [str(youth)]
    view = case_views(subscriber_events(ledger))[str(youth)]
    assert view.unit_id == str(right) and "unit_id" in view.corrected
    assert_view_matches_aggregate(view, ledger.case(youth))


def test_as_recorded_before_the_unit_correction_the_occupancy_keeps_the_unit_first_recorded():
    ledger = new_ledger()
    wrong, right = two_units(ledger)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    correct_unit(ledger, youth, 2, "SL-RIGHT")
    t = MemoryTables(UnitOccupancy()).apply_events(subscriber_events(ledger))
    corrected_at = min(r["recorded_at"] for r in t.table("unit_entry_corrections").values())
    before = corrected_at - dt.timedelta(microseconds=1)
    assert occupancy(ledger, wrong, before).on(INTAKE_DAY).population == 1
    assert occupancy(ledger, right, before).on(INTAKE_DAY).population == 0
    assert occupancy(ledger, wrong).on(INTAKE_DAY).population == 0


def test_a_later_intake_into_the_corrected_unit_meets_its_capacity_r04():
    # Reg. art. 14 IX; HC 143.988: a full semiliberdade unit admits only on a court order over capacity.
    ledger = new_ledger()
    wrong, right = two_units(ledger, capacity=1)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    correct_unit(ledger, youth, 2, "SL-RIGHT")
    other = a_registration(ledger, right)
    with pytest.raises(RuleViolation) as refused:
        an_intake(ledger, other, right, occurred_at=on_day(21))
    assert refused.value.code == "R-04"
    an_intake(ledger, other, wrong, occurred_at=on_day(21))  # the place freed in the unit first recorded
    assert ledger.unit(wrong).occupancy == 1


def test_the_release_after_a_unit_correction_leaves_the_corrected_unit():
    ledger = new_ledger()
    wrong, right = two_units(ledger)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    correct_unit(ledger, youth, 2, "SL-RIGHT")
    released(ledger, youth, 40)
    assert ledger.unit(right).occupancy == 0
    data = occupancy(ledger, right)
    assert (data.on(nth_day(INTAKE_DAY, 39)).population, data.on(nth_day(INTAKE_DAY, 40)).population) == (1, 0)


def test_a_unit_corrected_after_the_release_moves_the_whole_stay_and_not_the_present():
    ledger = new_ledger()
    wrong, right = two_units(ledger)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    released(ledger, youth, 40)
    correct_unit(ledger, youth, 2, str(right), day=50)
    assert (ledger.unit(wrong).occupancy, ledger.unit(right).occupancy) == (0, 0)
    assert occupancy(ledger, right).on(nth_day(INTAKE_DAY, 10)).population == 1
    assert occupancy(ledger, right).on(nth_day(INTAKE_DAY, 45)).population == 0
    assert occupancy(ledger, wrong).on(nth_day(INTAKE_DAY, 10)).population == 0


def test_a_corrected_transfer_destination_moves_the_stay_from_the_wrong_destination():
    ledger = new_ledger()
    origin, wrong, right = a_unit(ledger, unit_code="SL-O"), a_unit(ledger, unit_code="SL-W"), a_unit(ledger, unit_code="SL-R")
    youth = a_registration(ledger, origin)
    an_intake(ledger, youth, origin)
    ledger.transfer(case_id=youth, destination_unit_id=wrong, pia_and_history_sent=True, vehicle="viatura",
                    occurred_at=on_day(10), actor=GERENTE, court_order=a_court_order(number="TR-1"))
    version = ledger.case(youth).version
    correct_unit(ledger, youth, version, "SL-R", field="destination_unit_id")
    assert ledger.case(youth).unit_id == str(right)
    assert [ledger.unit(u).occupancy for u in (origin, wrong, right)] == [0, 0, 1]
    day = nth_day(INTAKE_DAY, 12)
    assert [occupancy(ledger, u).on(day).population for u in (origin, wrong, right)] == [0, 0, 1]
    assert occupancy(ledger, origin).on(nth_day(INTAKE_DAY, 9)).population == 1
    assert case_views(subscriber_events(ledger))[str(youth)].unit_id == str(right)


def test_a_unit_cannot_correct_the_unit_of_a_stay_on_its_own_r66():
    ledger = new_ledger()
    wrong, right = two_units(ledger)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    admitted = max(v for v, e in ledger.unit(wrong)._entries.items() if e.event_type == "ResidentAdmitted")
    with pytest.raises(RuleViolation) as refused:
        ledger.correct_unit_entry(unit_id=wrong, target_version=admitted, corrections=(FieldCorrection("unit_id", str(right)),),
                                  reason="engano", authorised_by=GERENTE, occurred_at=on_day(20), actor=LIDER,
                                  source_document=a_court_order())
    assert refused.value.code == "R-66"


def test_the_unit_of_a_release_is_corrected_on_the_entry_that_started_the_stay_d04():
    ledger = new_ledger()
    wrong, right = two_units(ledger)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    released(ledger, youth, 40)
    with pytest.raises(RuleViolation) as refused:
        correct_unit(ledger, youth, ledger.case(youth).version, "SL-RIGHT", day=50)
    assert refused.value.code == "D-04"


def test_a_stay_is_not_moved_to_a_unit_that_does_not_receive_the_youth_d03():
    # CNMP67 Annex III 1.3; ECA 123: units are separated by sex.
    ledger = new_ledger()
    wrong = a_unit(ledger, unit_code="SL-M")
    a_unit(ledger, unit_code="SL-F", sex=Sex.FEMININO)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    version = ledger.unit(wrong).version
    with pytest.raises(RuleViolation) as refused:
        correct_unit(ledger, youth, 2, "SL-F")
    assert refused.value.code == "D-03"
    assert ledger.unit(wrong).version == version and ledger.case(youth).unit_id == str(wrong)


def test_an_evasion_return_to_the_wrong_unit_is_moved_with_its_own_stay_only():
    ledger = new_ledger()
    first, wrong, right = a_unit(ledger, unit_code="SL-1"), a_unit(ledger, unit_code="SL-2"), a_unit(ledger, unit_code="SL-3")
    youth = a_registration(ledger, first)
    an_intake(ledger, youth, first)
    ledger.record_evasion(case_id=youth, kind=EvasionKind.DE_DENTRO_DA_UNIDADE, court_notified=True, superintendencia_notified=True,
                          occurred_at=on_day(5), actor=LIDER)
    ledger.return_from_evasion(case_id=youth, unit_id=wrong, occurred_at=on_day(8), actor=LIDER,
                               court_order=a_court_order(number="REC-1"))
    correct_unit(ledger, youth, ledger.case(youth).version, "SL-3")
    assert [ledger.unit(u).occupancy for u in (first, wrong, right)] == [0, 0, 1]
    assert occupancy(ledger, first).on(nth_day(INTAKE_DAY, 3)).population == 1
    assert occupancy(ledger, right).on(nth_day(INTAKE_DAY, 9)).population == 1
    assert at(INTAKE_DAY)  # the builders' moments are Cuiabá wall-clock times


def test_the_inspection_report_counts_the_youth_in_the_corrected_unit_only():
    # CNMP Res. 67 Annex I 1.5.1: the inspected unit's population on the day of the inspection.
    from projections.audit_trail import AuditTrail
    from projections.inspection import inspection

    ledger = new_ledger()
    wrong, right = two_units(ledger)
    youth = a_registration(ledger, wrong)
    an_intake(ledger, youth, wrong)
    correct_unit(ledger, youth, 2, "SL-RIGHT")
    trail = MemoryTables(AuditTrail()).apply_events(subscriber_events(ledger)).table("audit_entries").values()
    day = nth_day(INTAKE_DAY, 25)
    reports = {}
    for unit in (wrong, right):
        data = occupancy(ledger, unit)
        cases = {m["case_id"] for m in data.movements}
        entries = {c: [r for r in trail if r["stream_id"] == c] for c in cases}
        reports[unit] = inspection(str(unit), day, data, entries)
    assert (reports[wrong].occupancy.population, reports[right].occupancy.population) == (0, 1)
