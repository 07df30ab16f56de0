"""A correction (E67) reaches every rule that reads the corrected field: the aggregate's state is
the corrected history's, as if the entry had been recorded right the first time (R-66 keeps the
original in the store)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings, strategies as st

from domain.calendar import nth_day
from domain.values import DocumentKind, FieldCorrection, LeaveKind
from tests.unit.domain.builders import (
    GERENTE, INTAKE_DAY, LIDER, a_court_order, a_registration, a_unit, an_intake, at, new_ledger, on_day,
)

DAY_AFTER = nth_day(INTAKE_DAY, 2)


def _youth_recorded_a_day_late(ledger, unit):
    """Registered on 2 March; the intake typed as 3 March though the youth entered on 2 March."""
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit, occurred_at=at(DAY_AFTER, 10))
    return case_id


def _correct_intake_date(ledger, case_id, when):
    ledger.correct_case_entry(case_id=case_id, target_version=2,
                              corrections=(FieldCorrection("occurred_at", when.isoformat()),),
                              reason="data da inserção digitada errada", authorised_by=GERENTE,
                              occurred_at=on_day(20), actor=LIDER,
                              source_document=a_court_order(DocumentKind.DECISAO_JUDICIAL, "RET-1"))


def _leave(ledger, case_id, leave_day: date, kind=LeaveKind.MESMO_DIA):
    return ledger.authorise_family_leave(case_id=case_id, kind=kind, leave_date=leave_day,
                                         technical_assessment_done=True, travels_alone=False,
                                         guardian_term_signed=False, occurred_at=on_day(30), actor=GERENTE)


def test_leave_eligibility_counts_from_the_corrected_intake_date_R31(ledger, unit):
    # Reg. art. 63 I, 75: same-day leave from day 45 of the stay, intake day = 1 (Decision 11).
    case_id = _youth_recorded_a_day_late(ledger, unit)
    _correct_intake_date(ledger, case_id, at(INTAKE_DAY, 10))
    case = ledger.case(case_id)
    assert case.stay_started_on == INTAKE_DAY and case.measure_started_on == INTAKE_DAY
    _leave(ledger, case_id, nth_day(INTAKE_DAY, 45))
    assert ledger.case(case_id).day_of_measure(nth_day(INTAKE_DAY, 45)) == 45


def test_leave_on_day_44_of_the_corrected_stay_is_refused_R31(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit)
    _correct_intake_date(ledger, case_id, at(DAY_AFTER, 10))  # the youth really entered on 3 March
    with refused("R-31") as info:
        _leave(ledger, case_id, nth_day(INTAKE_DAY, 45))
    assert "Day 44" in info.value.message


def test_a_corrected_birth_date_changes_the_age_later_rules_read_R08(ledger, unit):
    case_id = a_registration(ledger, unit)
    ledger.correct_case_entry(case_id=case_id, target_version=1,
                              corrections=(FieldCorrection("birth_date", "2008-01-10"),),
                              reason="certidão conferida", authorised_by=GERENTE, occurred_at=at(INTAKE_DAY, 9, 30),
                              actor=LIDER)
    assert ledger.case(case_id).birth_date == date(2008, 1, 10)
    assert ledger.case(case_id).age_on(INTAKE_DAY) == 18


def test_a_correction_naming_a_field_the_entry_lacks_is_refused_D04(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    with refused("D-04") as info:
        ledger.correct_case_entry(case_id=case_id, target_version=1,
                                  corrections=(FieldCorrection("stay_started_on", "2026-03-01"),),
                                  reason="erro", authorised_by=GERENTE, occurred_at=at(INTAKE_DAY, 9, 30), actor=LIDER)
    assert "birth_date" in info.value.message


def test_a_corrected_value_that_is_not_a_date_is_refused_D04(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    with refused("D-04"):
        ledger.correct_case_entry(case_id=case_id, target_version=1,
                                  corrections=(FieldCorrection("birth_date", "15/06/2009"),),
                                  reason="erro", authorised_by=GERENTE, occurred_at=at(INTAKE_DAY, 9, 30), actor=LIDER)


def test_the_recorded_entry_itself_stays_as_first_recorded_R66(ledger, unit):
    case_id = _youth_recorded_a_day_late(ledger, unit)
    _correct_intake_date(ledger, case_id, at(INTAKE_DAY, 10))
    stored = ledger.repository.event_store.get(case_id)
    intake = [e for e in stored if e.originator_version == 2][0]
    assert intake.occurred_at == at(DAY_AFTER, 10)


@settings(max_examples=25, deadline=None)
@given(intake_day=st.integers(min_value=1, max_value=10), corrected_day=st.integers(min_value=1, max_value=10),
       birth=st.dates(min_value=date(2006, 1, 1), max_value=date(2012, 12, 31)),
       corrected_birth=st.dates(min_value=date(2006, 1, 1), max_value=date(2012, 12, 31)),
       modality_first=st.booleans())
def test_a_corrected_case_has_the_state_of_the_history_recorded_right_the_first_time(
        intake_day, corrected_day, birth, corrected_birth, modality_first):
    """Property (E67): for any intake date and birth date, corrected in any order, the aggregate's
    state (stay start, measure start, day counts, ages, leave eligibility) equals the state of the
    same history recorded with the right values from the start."""

    def story(ledger, unit, day, born):
        case_id = a_registration(ledger, unit, birth_date=born)
        an_intake(ledger, case_id, unit, occurred_at=on_day(day))
        return case_id

    wrong, right = new_ledger(), new_ledger()
    wrong_unit, right_unit = a_unit(wrong), a_unit(right)
    corrected = story(wrong, wrong_unit, intake_day, birth)
    fixes = [
        (2, FieldCorrection("occurred_at", on_day(corrected_day).isoformat()), a_court_order(number="RET-1")),
        (1, FieldCorrection("birth_date", corrected_birth.isoformat()), None),
    ]
    for version, fix, document in (fixes if modality_first else fixes[::-1]):
        wrong.correct_case_entry(case_id=corrected, target_version=version, corrections=(fix,), reason="erro",
                                 authorised_by=GERENTE, occurred_at=on_day(15), actor=LIDER, source_document=document)
    reference = story(right, right_unit, corrected_day, corrected_birth)
    a, b = wrong.case(corrected), right.case(reference)
    for name in ("stay_started_on", "measure_started_on", "definitive_since", "birth_date", "status", "modality"):
        assert getattr(a, name) == getattr(b, name), name
    for n in (1, 30, 45, 75, 400):
        on = nth_day(INTAKE_DAY, n)
        assert (a.day_of_measure(on), a.age_on(on), a.pia_due_on()) == (b.day_of_measure(on), b.age_on(on), b.pia_due_on())
