"""Case view and legal clocks, from hand-built LedgerEvents (no infrastructure)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings, strategies as st

from projections.case_view import CaseView, CaseViewProjection, views_from_rows
from projections.engine import MemoryTables
from projections.legal_clocks import clocks_for
from tests.unit.projections.read_models_builders import OTHER_UNIT_ID, UNIT_ID, a_case, at

D = dt.date


def view_of(case) -> CaseView:
    tables = MemoryTables(CaseViewProjection()).apply_events(case.events)
    views = views_from_rows(tables.table("case_facts").values(), tables.table("case_voids").values())
    return views[case.id]


def clock(view: CaseView, name: str, as_of: dt.date):
    found = [c for c in clocks_for(view, as_of) if c.clock == name]
    assert len(found) <= 1
    return found[0] if found else None


def an_active_case(modality="semiliberdade", intake_on="2026-03-02", **kw):
    case = a_case()
    case.registered(**kw)
    case.intake(modality=modality, on=intake_on)
    return case


# -- case view ---------------------------------------------------------------------------------


def test_intake_makes_the_case_active_in_the_unit_with_its_measure():
    view = view_of(an_active_case())
    assert (view.status, view.unit_id, view.modality) == ("ativo", UNIT_ID, "semiliberdade")
    assert view.measure_started_on == D(2026, 3, 2) and view.definitive_since == D(2026, 3, 2)
    assert view.days_in_measure(D(2026, 3, 2)) == 1  # Decision 11: intake day is day 1
    assert view.days_in_measure(D(2026, 4, 15)) == 45


def test_a_correction_changes_the_case_view_and_marks_the_fact():
    case = an_active_case()
    room = case.room("B2")
    assert view_of(case).room == "B2"
    case.corrected(room, room="B3")
    view = view_of(case)
    assert view.room == "B3" and "room" in view.corrected


def test_correcting_an_older_entry_does_not_override_a_later_one():
    case = an_active_case()
    first = case.room("B2", on="2026-03-03")
    case.room("C1", on="2026-03-10")
    case.corrected(first, room="B3")
    assert view_of(case).room == "C1"


def test_a_voided_entry_drops_out_of_the_view():
    case = an_active_case()
    case.room("B2", on="2026-03-03")
    wrong = case.room("C9", on="2026-03-04")
    case.voided(wrong)
    assert view_of(case).room == "B2"


def test_a_transfer_moves_the_case_and_clears_the_room_but_not_the_measure_start():
    case = an_active_case()
    case.room("B2")
    case.transfer(on="2026-04-01")
    view = view_of(case)
    assert (view.unit_id, view.room, view.stay_started_on) == (OTHER_UNIT_ID, None, D(2026, 4, 1))
    assert view.measure_started_on == D(2026, 3, 2)  # SINASE 45 §1: clocks continue


def test_open_procedures_petitions_and_exceptions_are_listed_until_closed():
    case = an_active_case()
    case.add("DisciplinaryProcedureOpened", on="2026-03-10", procedure_id="p-1", incident_id="i-1",
             offence_code="M-03", severity="media", commission=[], defender_notified=True, parents_notified=True)
    case.add("PetitionFiled", on="2026-03-11", petition_id="pet-1", addressee="juiz", subject="visitas", sealed=False)
    case.add("RoomAssigned", on="2026-03-12", room="X", reason="emergencia", exceptions=[
        {"rule_code": "R-18", "justification": "(text)", "alert": True}])
    view = view_of(case)
    assert len(view.open_procedures) == 1 and view.open_petitions == (("pet-1", D(2026, 3, 11)),)
    assert view.pending_exceptions == ("R-18",)
    case.add("DisciplinaryDecisionIssued", on="2026-03-20", procedure_id="p-1", outcome="sancao",
             sanction="advertencia", starts_on=D(2026, 3, 20), ends_on=D(2026, 3, 27))
    case.add("PetitionAnswered", on="2026-03-21", petition_id="pet-1", exceptions=[])
    view = view_of(case)
    assert view.open_procedures == () and view.open_petitions == ()
    assert view.sanctions == (("p-1", "advertencia", D(2026, 3, 20), D(2026, 3, 27)),)


def test_release_closes_the_case():
    case = an_active_case()
    case.room("B2")
    case.released(on="2026-09-01")
    view = view_of(case)
    assert (view.status, view.room, view.release_basis) == ("desligado", None, "extincao_por_cumprimento")
    assert view.days_in_measure(D(2027, 1, 1)) == view.days_in_measure(D(2026, 9, 1))


def test_leave_entitlements_follow_days_45_and_75_in_this_unit():
    view = view_of(an_active_case(intake_on="2026-03-02"))
    assert view.leave_entitlements(D(2026, 4, 14))["same_day"] is False  # day 44
    assert view.leave_entitlements(D(2026, 4, 15))["same_day"] is True  # day 45 (Reg. 55 III, 63)
    assert view.leave_entitlements(D(2026, 5, 15))["overnight"] is True  # day 75
    assert view.leave_entitlements(D(2026, 5, 14))["overnight"] is False


# -- legal clocks ------------------------------------------------------------------------------


def test_pia_is_due_45_days_after_the_definitive_measure_began_and_breached_the_day_after():
    view = view_of(an_active_case(intake_on="2026-03-02"))
    assert clock(view, "K-PIA45", D(2026, 4, 16)).due_on == D(2026, 4, 16)  # start excluded: 2 Mar + 45
    assert clock(view, "K-PIA45", D(2026, 4, 16)).state == "due_soon"
    assert clock(view, "K-PIA45", D(2026, 4, 17)).state == "breached"
    assert clock(view, "K-PIA45", D(2026, 3, 10)).state == "running"


def test_a_pia_submitted_in_time_meets_the_clock():
    case = an_active_case(intake_on="2026-03-02")
    case.add("PIASubmitted", on="2026-04-10", version=1, sections=[], youth_participated=True,
             family_participated=True, protocol_number="P-1", exceptions=[])
    view = view_of(case)
    assert clock(view, "K-PIA45", D(2026, 5, 1)).state == "met"
    assert clock(view, "K-PIA45", D(2026, 4, 1)).state == "running"  # as of before the submission


def test_pia_clock_starts_at_conversion_to_a_definitive_measure():
    case = an_active_case(modality="internacao_provisoria", intake_on="2026-03-02")
    case.decision("conversao_provisoria_em_definitiva", effective_on=D(2026, 3, 20), new_modality="internacao")
    c = clock(view_of(case), "K-PIA45", D(2026, 4, 1))
    assert (c.started_on, c.due_on) == (D(2026, 3, 20), D(2026, 5, 4))


def test_reassessment_is_due_six_months_after_the_start_or_the_last_decision():
    case = an_active_case(intake_on="2026-03-02")
    assert clock(view_of(case), "K-REAV6M", D(2026, 9, 2)).due_on == D(2026, 9, 2)
    assert clock(view_of(case), "K-REAV6M", D(2026, 9, 3)).state == "breached"
    case.decision("manutencao", effective_on=D(2026, 8, 1))
    assert clock(view_of(case), "K-REAV6M", D(2026, 9, 3)).due_on == D(2027, 2, 1)


def test_acolhimento_is_due_in_three_business_days():
    # Friday 6 March 2026 -> Mon 9, Tue 10, Wed 11 (Reg. arts. 32, 39)
    view = view_of(an_active_case(intake_on="2026-03-06"))
    c = clock(view, "K-ACOLH3", D(2026, 3, 12))
    assert (c.due_on, c.state) == (D(2026, 3, 11), "breached")


def test_provisional_detention_is_breached_after_45_days_from_apprehension():
    case = a_case()
    case.registered()
    case.intake(modality="internacao_provisoria", on="2026-03-02", apprehended_on=D(2026, 3, 1))
    view = view_of(case)
    assert clock(view, "K-PROV45", D(2026, 4, 15)).state == "due_soon"
    assert clock(view, "K-PROV45", D(2026, 4, 16)).state == "breached"  # ECA 108, 183


def test_k_age21_is_due_on_the_birthday_and_breached_the_day_after():
    # ECA 121 §5: release is compulsory at 21; R-56 allows the release ex lege from the
    # birthday itself (not the day before), so the birthday is the due day, not a breach.
    view = view_of(an_active_case(birth_date=D(2005, 6, 10), intake_on="2026-03-02"))
    assert clock(view, "K-AGE21", D(2026, 6, 9)).state == "due_soon"
    assert (clock(view, "K-AGE21", D(2026, 6, 10)).state, clock(view, "K-AGE21", D(2026, 6, 10)).due_on) == (
        "due_soon", D(2026, 6, 10))
    assert clock(view, "K-AGE21", D(2026, 6, 11)).state == "breached"


def test_k_age21_release_ex_lege_on_the_21st_birthday_is_not_a_breach():
    # Issue scenario: the lawful path (R-56 refuses the day before, accepts the birthday).
    case = an_active_case(birth_date=D(2005, 6, 10), intake_on="2026-03-02")
    case.released(on="2026-06-10", basis="ex_lege_21_anos")
    view = view_of(case)
    assert clock(view, "K-AGE21", D(2026, 6, 10)).state == "closed"
    assert clock(view, "K-AGE21", D(2026, 7, 1)).state == "closed"


def test_k_age21_release_the_day_after_the_birthday_is_a_breach():
    case = an_active_case(birth_date=D(2005, 6, 10), intake_on="2026-03-02")
    case.released(on="2026-06-11", basis="ex_lege_21_anos")
    assert clock(view_of(case), "K-AGE21", D(2026, 7, 1)).state == "breached"


def test_petition_unanswered_for_more_than_15_days_is_breached():
    case = an_active_case()
    case.add("PetitionFiled", on="2026-03-10", petition_id="pet-1", addressee="juiz", subject="visitas", sealed=True)
    view = view_of(case)
    assert clock(view, "K-PETIT15", D(2026, 3, 25)).state == "due_soon"
    assert clock(view, "K-PETIT15", D(2026, 3, 26)).state == "breached"


def test_isolation_notices_later_than_24_hours_are_met_late():
    case = an_active_case()
    case.add("IsolationApplied", on="2026-03-10", hour=9, isolation_id="iso-1", ground="seguranca_de_terceiros",
             justification="(text)", place="sala 1")
    assert clock(view_of(case), "K-ISOL24H", D(2026, 3, 12)).state == "breached"
    case.add("IsolationNoticesSent", on="2026-03-11", hour=15, isolation_id="iso-1",
             defender_notified_at=at("2026-03-11", 15), prosecutor_notified_at=at("2026-03-11", 15),
             judge_notified_at=at("2026-03-11", 15), exceptions=[])
    assert clock(view_of(case), "K-ISOL24H", D(2026, 3, 12)).state == "met_late"


def test_fifteen_days_without_visits_gives_a_phone_call():
    case = an_active_case(intake_on="2026-03-02")
    case.add("VisitHeld", on="2026-03-08", visitor_ids=["v1"], modality="comum", search_done=True)
    view = view_of(case)
    assert clock(view, "K-VISITGAP15", D(2026, 3, 22)).state == "running"
    assert clock(view, "K-VISITGAP15", D(2026, 3, 23)).state == "phone_call_due"  # Reg. 51 §1


def test_release_order_not_executed_the_same_day_is_breached():
    case = an_active_case()
    case.add("ReleaseOrderReceived", on="2026-09-01", hour=16, protocol_number="R-1")
    assert clock(view_of(case), "K-RELEASE", D(2026, 9, 2)).state == "breached"
    case.released(on="2026-09-01", hour=18)
    c = clock(view_of(case), "K-RELEASE", D(2026, 9, 2))
    assert c.state == "met" and "2.0 h" in c.detail


def test_a_released_case_keeps_a_breach_that_happened_before_release_and_closes_the_rest():
    case = an_active_case(intake_on="2026-03-02")
    case.released(on="2026-05-01")
    view = view_of(case)
    assert clock(view, "K-PIA45", D(2026, 6, 1)).state == "breached"  # due 16 Apr, never submitted
    assert clock(view, "K-REAV6M", D(2026, 6, 1)).state == "closed"


@settings(max_examples=30, deadline=None)
@given(offset=st.integers(min_value=0, max_value=120))
def test_a_clock_is_breached_exactly_when_as_of_is_after_its_due_day(offset):
    view = view_of(an_active_case(intake_on="2026-03-02"))
    as_of = D(2026, 3, 2) + dt.timedelta(days=offset)
    for c in clocks_for(view, as_of):
        if c.due_on is not None and c.state in ("running", "due_soon", "breached"):
            assert (c.state == "breached") == (as_of > c.due_on), c


def test_a_phone_call_after_fifteen_days_without_visits_meets_the_right():
    case = an_active_case(intake_on="2026-03-02")
    case.add("PhoneCallHeld", on="2026-03-18", reason="sem_visita_15_dias", duration_minutes=10, days_without_visit=16)
    view = view_of(case)
    assert clock(view, "K-VISITGAP15", D(2026, 3, 20)).state == "met"
    assert view.visit_entitlements(D(2026, 3, 20))["phone_call_due"] is False


def test_a_sanction_suspended_by_the_court_is_no_longer_listed():
    case = an_active_case()
    case.add("DisciplinaryDecisionIssued", on="2026-03-20", procedure_id="p-1", outcome="sancao",
             sanction="advertencia", starts_on=D(2026, 3, 20), ends_on=D(2026, 3, 27))
    assert len(view_of(case).sanctions) == 1
    case.add("SanctionSuspendedByCourt", on="2026-03-21", procedure_id="p-1")
    assert view_of(case).sanctions == ()


def test_triage_lasts_the_first_eight_days_in_the_unit():
    view = view_of(an_active_case(intake_on="2026-03-02"))
    assert clock(view, "K-TRIAG8", D(2026, 3, 9)).state == "running"  # day 8
    c = clock(view, "K-TRIAG8", D(2026, 3, 10))  # day 9 (Reg. 32 par. único, 76)
    assert c.state == "met" and c.eligible_on == D(2026, 3, 10)


def test_a_youth_not_back_from_overnight_leave_by_the_next_day_is_breached():
    case = an_active_case(intake_on="2026-01-02")
    case.add("FamilyLeaveAuthorized", on="2026-03-20", leave_id="l-1", kind="retorno_em_dia_posterior",
             leave_date=D(2026, 3, 21), day_of_measure=79, technical_assessment_done=True, travels_alone=False,
             guardian_term_signed=True, exceptions=[])
    case.add("FamilyLeaveStarted", on="2026-03-21", hour=7, leave_id="l-1", search_done=True)
    view = view_of(case)
    assert view.away == "family_leave"
    assert clock(view, "K-LEAVE-RET", D(2026, 3, 22)).state == "due_soon"
    assert clock(view, "K-LEAVE-RET", D(2026, 3, 23)).state == "breached"
    case.add("FamilyLeaveReturned", on="2026-03-22", hour=19, leave_id="l-1", search_done=True, late=False,
             exceptions=[])
    assert clock(view_of(case), "K-LEAVE-RET", D(2026, 3, 23)) is None and view_of(case).away is None


def test_a_sanction_runs_until_its_fixed_end_date():
    case = an_active_case()
    case.add("DisciplinaryDecisionIssued", on="2026-03-20", procedure_id="p-1", outcome="sancao",
             sanction="advertencia", starts_on=D(2026, 3, 20), ends_on=D(2026, 3, 27))
    view = view_of(case)
    assert clock(view, "K-SANCTION", D(2026, 3, 27)).state == "running"
    assert clock(view, "K-SANCTION", D(2026, 3, 28)).state == "ended"
