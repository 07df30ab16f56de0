"""Schooling and activities (E54): enrolment, monthly attendance, closed months.

Written from the text: ECA art. 120 §1 (schooling and professionalisation compulsory in
semiliberdade); Reg. arts. 17–19 (the pedagogue, arte-educador and educador físico follow the
youth's schooling and activities), 52 XXIV (the youth attends school and courses assiduously),
53 XI (the unit follows the frequency); SISPETI (seed 002: monthly frequency, closed months, a
history never rewritten).
"""

from __future__ import annotations

from datetime import date

from domain.case.schooling import ActivityKind, EnrolmentEndReason
from domain.values import Actor, FieldCorrection, Role
from tests.unit.domain.builders import (
    AGENTE,
    GERENTE,
    LIDER,
    PEDAGOGA,
    an_admitted_youth,
    at,
    events_named,
)

EDUCADOR_FISICO = Actor("staff-edf-01", Role.EDUCADOR_FISICO)


def _enrol(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, kind=ActivityKind.ESCOLA, institution="Escola Estadual Fictícia",
                  started_on=date(2026, 3, 10), occurred_at=at(date(2026, 3, 10)), actor=PEDAGOGA)
    kwargs.update(overrides)
    return ledger.record_enrolment(**kwargs)


def _attendance(ledger, case_id, activity_id, **overrides):
    kwargs = dict(case_id=case_id, activity_id=activity_id, month="2026-03", days_expected=16, days_present=14,
                  justified_absences=1, occurred_at=at(date(2026, 4, 2)), actor=PEDAGOGA)
    kwargs.update(overrides)
    return ledger.record_attendance(**kwargs)


def _close(ledger, unit, month="2026-03", **overrides):
    kwargs = dict(unit_id=unit, month=month, occurred_at=at(date(2026, 4, 10)), actor=GERENTE)
    kwargs.update(overrides)
    return ledger.close_attendance_month(**kwargs)


def _version_of(ledger, name: str) -> int:
    return events_named(ledger, name)[-1].originator_version


# --- enrolment ------------------------------------------------------------------------------------


def test_pedagogue_enrols_the_youth_in_school_at_a_named_institution_D31(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    recorded = events_named(ledger, "EnrollmentRecorded")[-1]
    assert (recorded.activity_id, recorded.kind, recorded.institution) == (
        activity, ActivityKind.ESCOLA, "Escola Estadual Fictícia")


def test_enrolment_without_an_institution_is_refused_D31(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-31"):
        _enrol(ledger, case_id, institution="  ")


def test_enrolment_starting_after_it_is_recorded_is_refused_D31(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-31"):
        _enrol(ledger, case_id, started_on=date(2026, 3, 20))


def test_second_enrolment_in_the_same_school_while_the_first_is_open_is_refused_D31(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    _enrol(ledger, case_id)
    with refused("D-31"):
        _enrol(ledger, case_id, occurred_at=at(date(2026, 3, 12)))


def test_educador_fisico_enrols_the_youth_in_sport(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _enrol(ledger, case_id, kind=ActivityKind.ESPORTE, institution="Clube Fictício", actor=EDUCADOR_FISICO)
    assert events_named(ledger, "EnrollmentRecorded")[-1].kind is ActivityKind.ESPORTE


def test_enrolment_recorded_by_an_agente_is_refused_D05(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-05"):
        _enrol(ledger, case_id, actor=AGENTE)


def test_enrolment_ends_once_within_its_dates_D31(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    ledger.end_enrolment(case_id=case_id, activity_id=activity, ended_on=date(2026, 4, 30),
                         reason=EnrolmentEndReason.CONCLUSAO, occurred_at=at(date(2026, 5, 2)), actor=PEDAGOGA)
    assert events_named(ledger, "EnrollmentEnded")[-1].ended_on == date(2026, 4, 30)
    with refused("D-31"):
        ledger.end_enrolment(case_id=case_id, activity_id=activity, ended_on=date(2026, 5, 1),
                             reason=EnrolmentEndReason.OUTRO, occurred_at=at(date(2026, 5, 3)), actor=PEDAGOGA)


def test_enrolment_ending_before_it_started_is_refused_D31(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    with refused("D-31"):
        ledger.end_enrolment(case_id=case_id, activity_id=activity, ended_on=date(2026, 3, 9),
                             reason=EnrolmentEndReason.ABANDONO, occurred_at=at(date(2026, 3, 20)), actor=PEDAGOGA)


# --- monthly attendance ---------------------------------------------------------------------------


def test_monthly_attendance_of_an_enrolled_activity_is_recorded_D30(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    _attendance(ledger, case_id, activity)
    recorded = events_named(ledger, "AttendanceRecorded")[-1]
    assert (recorded.month, recorded.days_expected, recorded.days_present, recorded.justified_absences) == (
        "2026-03", 16, 14, 1)


def test_present_plus_justified_beyond_the_days_expected_is_refused_D30(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    with refused("D-30"):
        _attendance(ledger, case_id, activity, days_expected=16, days_present=15, justified_absences=2)


def test_more_days_expected_than_the_month_has_is_refused_D30(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    with refused("D-30"):
        _attendance(ledger, case_id, activity, days_expected=32, days_present=20, justified_absences=0)


def test_attendance_of_a_month_not_begun_is_refused_D30(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    with refused("D-30"):
        _attendance(ledger, case_id, activity, month="2026-05")


def test_attendance_month_not_written_yyyy_mm_is_refused_D30(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    with refused("D-30"):
        _attendance(ledger, case_id, activity, month="03/2026")


def test_attendance_of_a_month_before_the_enrolment_is_refused_D30(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    with refused("D-30"):
        _attendance(ledger, case_id, activity, month="2026-02")


def test_attendance_of_an_activity_the_youth_is_not_enrolled_in_is_refused_D04(ledger, unit, refused):
    from uuid import uuid4

    case_id = an_admitted_youth(ledger, unit)
    with refused("D-04"):
        _attendance(ledger, case_id, uuid4())


def test_the_same_month_recorded_twice_is_refused_D30(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    _attendance(ledger, case_id, activity)
    with refused("D-30"):
        _attendance(ledger, case_id, activity, days_present=10)


def test_attendance_recorded_by_an_agente_is_refused_D05(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    with refused("D-05"):
        _attendance(ledger, case_id, activity, actor=AGENTE)


# --- closed months (R-66) -------------------------------------------------------------------------


def test_gerente_closes_an_ended_month_for_the_unit_D30(ledger, unit, refused):
    _close(ledger, unit)
    assert events_named(ledger, "AttendanceMonthClosed")[-1].month == "2026-03"
    with refused("D-02"):
        _close(ledger, unit, occurred_at=at(date(2026, 4, 11)))


def test_closing_a_month_that_has_not_ended_is_refused_D30(ledger, unit, refused):
    with refused("D-30"):
        _close(ledger, unit, month="2026-04", occurred_at=at(date(2026, 4, 30)))


def test_closing_a_month_by_the_lider_is_refused_D05(ledger, unit, refused):
    with refused("D-05"):
        _close(ledger, unit, actor=LIDER)


def test_new_attendance_for_a_closed_month_is_refused_R66(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    _close(ledger, unit)
    with refused("R-66"):
        _attendance(ledger, case_id, activity, occurred_at=at(date(2026, 4, 12)))


def test_correction_of_a_closed_month_is_accepted_as_a_new_event_R66(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    _attendance(ledger, case_id, activity)
    version = _version_of(ledger, "AttendanceRecorded")
    _close(ledger, unit)
    ledger.correct_case_entry(case_id=case_id, target_version=version,
                              corrections=(FieldCorrection("days_present", "15"),), reason="Diário da escola",
                              authorised_by=GERENTE, occurred_at=at(date(2026, 4, 20)), actor=PEDAGOGA)
    assert events_named(ledger, "EntryCorrected")[-1].target_version == version
    assert events_named(ledger, "AttendanceRecorded")[-1].days_present == 14  # the original stays as recorded


def test_correction_that_breaks_the_month_figures_is_refused_D30(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    activity = _enrol(ledger, case_id)
    _attendance(ledger, case_id, activity)
    version = _version_of(ledger, "AttendanceRecorded")
    with refused("D-30"):
        ledger.correct_case_entry(case_id=case_id, target_version=version,
                                  corrections=(FieldCorrection("days_present", "16"),), reason="Erro",
                                  authorised_by=GERENTE, occurred_at=at(date(2026, 4, 20)), actor=PEDAGOGA)
