"""PIA stages and revision, police apprehension, damage repair, searches, exceptional-visit bookings,
private interviews, access log, egress follow-up, staff roster, MP inspections and unit reports."""

from __future__ import annotations

import typing
from datetime import date, timedelta
from uuid import uuid4

from domain.calendar import nth_day
from domain.case import Case
from domain.values import (
    AccessCategory,
    Actor,
    DisciplinaryOutcome,
    DocumentKind,
    EgressContactKind,
    InspectionKind,
    InterviewAuthority,
    Modality,
    PIASection,
    PlanGoal,
    ReleaseBasis,
    Role,
    SanctionType,
    SearchKind,
    SearchReason,
    StaffCategory,
    StaffMember,
    StaffStatus,
    UnitType,
    VisitModality,
)
from tests.unit.domain.builders import (
    ADMIN,
    AGENTE,
    ASSISTENTE_SOCIAL,
    COMMISSION,
    GERENTE,
    INTAKE_DAY,
    LIDER,
    PSICOLOGA,
    a_court_order,
    a_pia,
    a_unit,
    a_visitor,
    an_admitted_youth,
    at,
    last_event,
    on_day,
)

TEAM = (StaffMember("staff-as-01", Role.ASSISTENTE_SOCIAL), StaffMember("staff-psi-01", Role.PSICOLOGO))
TWO_AGENTS = (StaffMember("staff-age-01", Role.AGENTE), StaffMember("staff-age-02", Role.AGENTE))
PROMOTOR = Actor("mp-0042", Role.MINISTERIO_PUBLICO)


def _case_study(ledger, case_id, **overrides):
    kwargs = dict(
        case_id=case_id, participants=TEAM, youth_participated=True, family_participated=True,
        needs=("Retomar a escola",), occurred_at=on_day(20), actor=ASSISTENTE_SOCIAL,
    )
    kwargs.update(overrides)
    ledger.hold_case_study(**kwargs)


def _contract(ledger, case_id, **overrides):
    kwargs = dict(
        case_id=case_id, goals=(PlanGoal("Matrícula escolar", nth_day(INTAKE_DAY, 60)),), youth_agreed=True,
        family_agreed=True, sent_to_external_network=False, occurred_at=on_day(30), actor=PSICOLOGA,
    )
    kwargs.update(overrides)
    ledger.agree_contract(**kwargs)


def _update_pia(ledger, case_id, **overrides):
    kwargs = dict(
        case_id=case_id, changed_sections=(PIASection.ATIVIDADES_PERMITIDAS,), changes="Curso noturno",
        reason="Nova vaga no curso", increases_restriction=False, occurred_at=on_day(80), actor=ASSISTENTE_SOCIAL,
    )
    kwargs.update(overrides)
    ledger.update_pia(**kwargs)


def _weekday_after(day: int, weekday: int = 1) -> date:
    d = nth_day(INTAKE_DAY, day)
    return d + timedelta(days=(weekday - d.weekday()) % 7)


def _schedule(ledger, case_id, visitor, day: date, **overrides):
    kwargs = dict(
        case_id=case_id, visitor_ids=(visitor,), starts_at=at(day, 14), ends_at=at(day, 15),
        occurred_at=at(day - timedelta(days=3), 9), actor=ADMIN,
    )
    kwargs.update(overrides)
    return ledger.schedule_visit(**kwargs)


def _exceptional_visit(ledger, case_id, visitor, day: date):
    ledger.hold_visit(
        case_id=case_id, visitor_ids=(visitor,), modality=VisitModality.EXCEPCIONAL, started_at=at(day, 14),
        ended_at=at(day, 15), search_done=True, occurred_at=at(day, 15), actor=AGENTE,
    )


def _search(ledger, case_id, **overrides):
    kwargs = dict(
        case_id=case_id, kind=SearchKind.PESSOAL, reason=SearchReason.SUSPEITA_OU_DENUNCIA, staff=TWO_AGENTS,
        invasive=False, occurred_at=on_day(12), actor=AGENTE,
    )
    kwargs.update(overrides)
    ledger.record_search(**kwargs)


def _access(ledger, unit, **overrides):
    kwargs = dict(
        unit_id=unit, category=AccessCategory.MINISTERIO_PUBLICO, name="Promotora Fictícia", document="MP 0042",
        institution="MPMT", entered_at=at(date(2026, 3, 10), 9), left_at=at(date(2026, 3, 10), 12),
        occurred_at=at(date(2026, 3, 10), 12), actor=AGENTE,
    )
    kwargs.update(overrides)
    return ledger.log_access(**kwargs)


def _inspection(ledger, unit, **overrides):
    kwargs = dict(
        unit_id=unit, kind=InspectionKind.BIMESTRAL, inspected_at=at(date(2026, 3, 10), 9), promotor_id="mp-0042",
        accompanying=(StaffMember("mp-as-1", Role.ASSISTENTE_SOCIAL),), occurred_at=at(date(2026, 3, 10), 13),
        actor=PROMOTOR,
    )
    kwargs.update(overrides)
    return ledger.record_inspection(**kwargs)


# --- E11 / E12: case study and contrato social --------------------------------------------


def test_case_study_by_two_technical_areas_is_recorded_D10(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _case_study(ledger, case_id)
    assert {m.role for m in last_event(ledger, "CaseStudyHeld").participants} == {Role.ASSISTENTE_SOCIAL, Role.PSICOLOGO}


def test_case_study_by_one_technical_area_is_refused_D10(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-10"):
        _case_study(ledger, case_id, participants=(TEAM[0], StaffMember("staff-age-01", Role.AGENTE)))


def test_case_study_in_internacao_provisoria_is_refused_R24(ledger, refused):
    provisional = a_unit(ledger, unit_type=UnitType.INTERNACAO_PROVISORIA, capacity=40)
    case_id = an_admitted_youth(ledger, provisional, modality=Modality.PROVISORIA)
    with refused("R-24"):
        _case_study(ledger, case_id)


def test_case_study_recorded_by_an_agente_is_refused_D05(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-05"):
        _case_study(ledger, case_id, actor=AGENTE)


def test_contract_agreed_by_youth_and_family_after_the_case_study_is_recorded_R23(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _case_study(ledger, case_id)
    _contract(ledger, case_id)
    assert last_event(ledger, "ContractAgreed").goals[0].due_on == nth_day(INTAKE_DAY, 60)


def test_contract_without_the_family_is_refused_R23(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    _case_study(ledger, case_id)
    with refused("R-23"):
        _contract(ledger, case_id, family_agreed=False)


def test_contract_goal_without_a_future_deadline_is_refused_R23(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    _case_study(ledger, case_id)
    with refused("R-23"):
        _contract(ledger, case_id, goals=(PlanGoal("Matrícula", nth_day(INTAKE_DAY, 30)),))


def test_contract_before_the_case_study_is_refused_D04(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-04"):
        _contract(ledger, case_id)


# --- E15: PIA revision ----------------------------------------------------------------------


def test_pia_revision_without_more_restriction_needs_no_court_decision_D09(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    a_pia(ledger, case_id)
    _update_pia(ledger, case_id)
    assert last_event(ledger, "PIAUpdated").version == 1 and ledger.case(case_id).pia_updates == 1


def test_pia_revision_that_increases_restriction_without_court_decision_is_refused_D09(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    a_pia(ledger, case_id)
    with refused("D-09"):
        _update_pia(ledger, case_id, increases_restriction=True)


def test_pia_revision_that_increases_restriction_with_court_decision_is_recorded_D09(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    a_pia(ledger, case_id)
    _update_pia(ledger, case_id, increases_restriction=True, court_document=a_court_order(number="DEC-43"))
    assert last_event(ledger, "PIAUpdated").source_document.number == "DEC-43"


def test_pia_revision_before_any_pia_is_refused_D04(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-04"):
        _update_pia(ledger, case_id)


# --- E26: police apprehension in the unit -------------------------------------------------


def test_police_apprehension_with_officer_reason_and_form_is_recorded_D12(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.record_police_apprehension(
        case_id=case_id, officer_name="Policial Fictício", officer_document="PM 777", reason="Mandado por ato novo",
        form_reference="FORM-AP-1", occurred_at=on_day(30), actor=LIDER,
    )
    assert last_event(ledger, "ApprehendedByPoliceInUnit").form_reference == "FORM-AP-1"
    assert ledger.case(case_id).is_inside  # the stay ends only by a court order (Reg. art. 27)


def test_police_apprehension_without_the_officers_identification_is_refused_D12(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-12"):
        ledger.record_police_apprehension(
            case_id=case_id, officer_name="Policial Fictício", officer_document=" ", reason="Ato novo",
            form_reference="FORM-AP-1", occurred_at=on_day(30), actor=LIDER,
        )


# --- E35: damage repair ---------------------------------------------------------------------


def _decided_procedure(ledger, unit, case_id):
    incident = ledger.report_disciplinary_incident(
        unit_id=unit, involved_case_ids=(case_id,), location="refeitório", description="Mesa quebrada",
        occurred_at=on_day(20), actor=AGENTE,
    )
    procedure = ledger.open_disciplinary_procedure(
        case_id=case_id, incident_id=incident, offence_code="M-01", commission=COMMISSION, defender_notified=True,
        parents_notified=True, occurred_at=on_day(21), actor=GERENTE,
    )
    ledger.hold_disciplinary_hearing(
        case_id=case_id, procedure_id=procedure, youth_heard=True, defender_present=True, parents_present=True,
        defence_presented=True, occurred_at=on_day(22), actor=GERENTE,
    )
    ledger.decide_disciplinary_procedure(
        case_id=case_id, procedure_id=procedure, outcome=DisciplinaryOutcome.SANCAO, decided_by=COMMISSION,
        exclusion_grounds_examined=True, appeal_information_given=True, occurred_at=on_day(23), actor=GERENTE,
        sanction=SanctionType.TAREFA_REPARADORA, duration_days=2,
    )
    return procedure


def test_damage_repair_assessed_by_the_commission_in_the_procedure_is_recorded(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    procedure = _decided_procedure(ledger, unit, case_id)
    ledger.assess_damage_repair(
        case_id=case_id, procedure_id=procedure, damage="Mesa quebrada", value_cents=25_000, family_liable=True,
        occurred_at=on_day(24), actor=Actor("staff-com-01", Role.COMISSAO),
    )
    assert last_event(ledger, "DamageRepairAssessed").value_cents == 25_000


def test_damage_repair_without_a_disciplinary_procedure_is_refused_D04(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-04"):
        ledger.assess_damage_repair(
            case_id=case_id, procedure_id=uuid4(), damage="Mesa",
            value_cents=100, family_liable=True, occurred_at=on_day(24), actor=GERENTE,
        )


# --- E38: searches --------------------------------------------------------------------------


def test_search_by_two_professionals_is_recorded_D11(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _search(ledger, case_id, items_seized=("Celular",))
    assert last_event(ledger, "SearchPerformed").items_seized == ("Celular",)


def test_search_by_one_professional_is_refused_D11(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-11"):
        _search(ledger, case_id, staff=TWO_AGENTS[:1])


def test_invasive_search_is_refused_D11(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-11"):
        _search(ledger, case_id, invasive=True)


def test_room_search_without_the_lider_is_refused_D11(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-11"):
        _search(ledger, case_id, kind=SearchKind.ALOJAMENTO)


def test_room_search_supervised_by_the_lider_is_recorded_D11(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _search(ledger, case_id, kind=SearchKind.ALOJAMENTO, staff=(TWO_AGENTS[0], StaffMember("staff-lid-01", Role.LIDER)), actor=LIDER)
    assert last_event(ledger, "SearchPerformed").kind is SearchKind.ALOJAMENTO


def test_search_recorded_by_a_psychologist_is_refused_D05(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-05"):
        _search(ledger, case_id, actor=PSICOLOGA)


# --- E40: exceptional-visit bookings (same rules as hold_visit) ----------------------------


def test_exceptional_visit_booked_on_a_weekday_for_one_hour_is_recorded_R37(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    mother = a_visitor(ledger, case_id)
    tuesday = _weekday_after(20)
    _schedule(ledger, case_id, mother, tuesday)
    assert last_event(ledger, "VisitScheduled").starts_at == at(tuesday, 14)


def test_exceptional_visit_booked_on_a_saturday_is_refused_R37(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    mother = a_visitor(ledger, case_id)
    with refused("R-37"):
        _schedule(ledger, case_id, mother, _weekday_after(20, weekday=5))


def test_exceptional_visit_booked_for_more_than_one_hour_is_refused_R37(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    mother = a_visitor(ledger, case_id)
    tuesday = _weekday_after(20)
    with refused("R-37"):
        _schedule(ledger, case_id, mother, tuesday, ends_at=at(tuesday, 15, 30))


def test_booking_within_a_fortnight_of_a_held_exceptional_visit_is_refused_R37(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    mother = a_visitor(ledger, case_id)
    tuesday = _weekday_after(20)
    _exceptional_visit(ledger, case_id, mother, tuesday)
    with refused("R-37"):
        _schedule(ledger, case_id, mother, tuesday + timedelta(days=7))


def test_second_booking_in_the_same_fortnight_is_refused_R37(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    mother = a_visitor(ledger, case_id)
    tuesday = _weekday_after(20)
    _schedule(ledger, case_id, mother, tuesday)
    with refused("R-37"):
        _schedule(ledger, case_id, mother, tuesday + timedelta(days=2))


def test_booked_exceptional_visit_is_held_on_its_day_and_frees_the_booking_R37(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    mother = a_visitor(ledger, case_id)
    tuesday = _weekday_after(20)
    _schedule(ledger, case_id, mother, tuesday)
    _exceptional_visit(ledger, case_id, mother, tuesday)
    case = ledger.case(case_id)
    assert case.scheduled_visits == {} and case.exceptional_visits == [tuesday]


def test_unbooked_exceptional_visit_within_a_fortnight_of_a_booking_is_refused_R37(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    mother = a_visitor(ledger, case_id)
    tuesday = _weekday_after(20)
    _schedule(ledger, case_id, mother, tuesday)
    with refused("R-37"):
        _exceptional_visit(ledger, case_id, mother, tuesday - timedelta(days=7))


def test_booking_for_a_visitor_not_qualified_for_exceptional_visits_is_refused_R37(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    uncle = a_visitor(ledger, case_id, modalities=(VisitModality.COMUM,), qualified_by_team=False)
    with refused("R-37"):
        _schedule(ledger, case_id, uncle, _weekday_after(20))


def test_booking_made_by_an_agente_is_refused_D05(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    mother = a_visitor(ledger, case_id)
    with refused("D-05"):
        _schedule(ledger, case_id, mother, _weekday_after(20), actor=AGENTE)


# --- E46: private interview -----------------------------------------------------------------


def test_private_interview_with_the_defensoria_is_recorded_without_content(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.hold_private_interview(
        case_id=case_id, authority=InterviewAuthority.DEFENSORIA_PUBLICA, duration_minutes=30, occurred_at=on_day(15), actor=AGENTE
    )
    own = set(typing.get_type_hints(Case.PrivateInterviewHeld)) - set(typing.get_type_hints(Case.Event))
    assert own == {"authority", "duration_minutes"}  # ECA 124 III: no field could hold what was said
    assert last_event(ledger, "PrivateInterviewHeld").authority is InterviewAuthority.DEFENSORIA_PUBLICA


# --- E47: access log --------------------------------------------------------------------------


def test_access_with_name_and_document_is_logged_R60(ledger, unit):
    _access(ledger, unit)
    assert last_event(ledger, "AuthorityOrVisitorAccessLogged").category is AccessCategory.MINISTERIO_PUBLICO


def test_access_without_an_id_document_is_refused_R60(ledger, unit, refused):
    with refused("R-60"):
        _access(ledger, unit, document="")


def test_access_leaving_before_entering_is_refused_R60(ledger, unit, refused):
    with refused("R-60"):
        _access(ledger, unit, left_at=at(date(2026, 3, 10), 8))


# --- E61: egress follow-up ------------------------------------------------------------------


def test_egress_follow_up_after_release_is_recorded(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.receive_release_order(
        case_id=case_id, protocol_number="ML-1", occurred_at=on_day(30), actor=GERENTE,
        court_order=a_court_order(DocumentKind.MANDADO_LIBERACAO, "ML-1"),
    )
    ledger.release(
        case_id=case_id, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True, belongings_returned=True,
        termo_de_desligamento_signed=True, family_present=True, occurred_at=on_day(30, 11), actor=GERENTE,
    )
    ledger.record_egress_follow_up(
        case_id=case_id, contact=EgressContactKind.VISITA_DOMICILIAR, referred_to_network=True, in_school=True,
        occurred_at=on_day(60), actor=ASSISTENTE_SOCIAL,
    )
    assert last_event(ledger, "EgressFollowUpRecorded").unit_id == str(unit)


def test_egress_follow_up_before_release_is_refused_D02(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-02"):
        ledger.record_egress_follow_up(
            case_id=case_id, contact=EgressContactKind.CONTATO_TELEFONICO, referred_to_network=False,
            occurred_at=on_day(20), actor=ASSISTENTE_SOCIAL,
        )


# --- E63: staff roster ------------------------------------------------------------------------


def test_staff_member_joins_and_leaves_the_roster(ledger, unit):
    for status in (StaffStatus.ATIVO, StaffStatus.INATIVO):
        ledger.change_staff_roster(
            unit_id=unit, staff_id="staff-psi-01", name="Psicóloga Fictícia", category=StaffCategory.PSICOLOGO,
            status=status, weekly_hours=30, occurred_at=at(date(2026, 2, 2)), actor=GERENTE,
        )
    assert ledger.unit(unit).roster["staff-psi-01"][1] is StaffStatus.INATIVO


def test_staff_roster_changed_by_an_agente_is_refused_D05(ledger, unit, refused):
    with refused("D-05"):
        ledger.change_staff_roster(
            unit_id=unit, staff_id="staff-psi-01", name="Psicóloga Fictícia", category=StaffCategory.PSICOLOGO,
            status=StaffStatus.ATIVO, weekly_hours=30, occurred_at=at(date(2026, 2, 2)), actor=AGENTE,
        )


# --- E64: MP inspection -----------------------------------------------------------------------


def test_inspection_report_is_due_on_the_15th_of_the_following_month(ledger, unit):
    _inspection(ledger, unit)
    assert last_event(ledger, "InspectionRecorded").report_due_on == date(2026, 4, 15)


def test_inspection_report_due_on_a_sunday_holiday_rolls_to_the_next_business_day(ledger, unit):
    # 15 November 2026 is a Sunday and a national holiday (Proclamação da República).
    _inspection(ledger, unit, inspected_at=at(date(2026, 10, 20), 9), occurred_at=at(date(2026, 10, 20), 13))
    assert last_event(ledger, "InspectionRecorded").report_due_on == date(2026, 11, 16)


def test_inspection_names_the_mps_entry_in_the_access_log(ledger, unit):
    access = _access(ledger, unit)
    _inspection(ledger, unit, access_id=access)
    assert last_event(ledger, "InspectionRecorded").access_id == access


def test_inspection_naming_a_visitors_access_is_refused_D04(ledger, unit, refused):
    access = _access(ledger, unit, category=AccessCategory.VISITANTE)
    with refused("D-04"):
        _inspection(ledger, unit, access_id=access)


def test_semiannual_inspection_in_march_has_no_alert_R63(ledger, unit):
    _inspection(ledger, unit, kind=InspectionKind.SEMESTRAL)
    assert last_event(ledger, "InspectionRecorded").exceptions == ()


def test_semiannual_inspection_in_april_is_recorded_with_an_alert_R63(ledger, unit):
    _inspection(ledger, unit, kind=InspectionKind.SEMESTRAL, inspected_at=at(date(2026, 4, 7), 9), occurred_at=at(date(2026, 4, 7), 13))
    assert [e.rule_code for e in last_event(ledger, "InspectionRecorded").exceptions] == ["R-63"]


def test_inspection_recorded_by_an_agente_is_refused_D05(ledger, unit, refused):
    with refused("D-05"):
        _inspection(ledger, unit, actor=AGENTE)


# --- E65 / E66: reports -----------------------------------------------------------------------


def test_monthly_report_after_the_month_ends_is_recorded(ledger, unit):
    ledger.submit_monthly_report(unit_id=unit, year=2026, month=3, protocol_number="REL-03", occurred_at=at(date(2026, 4, 6)), actor=GERENTE)
    ledger.submit_monthly_report(unit_id=unit, year=2026, month=None, protocol_number="REL-ANO", occurred_at=at(date(2027, 1, 11)), actor=GERENTE)
    assert last_event(ledger, "MonthlyReportSubmitted").month is None


def test_monthly_report_before_the_month_ends_is_refused_D02(ledger, unit, refused):
    with refused("D-02"):
        ledger.submit_monthly_report(unit_id=unit, year=2026, month=3, protocol_number="REL-03", occurred_at=at(date(2026, 3, 20)), actor=GERENTE)


def test_monthly_report_sent_by_an_agente_is_refused_D05(ledger, unit, refused):
    with refused("D-05"):
        ledger.submit_monthly_report(unit_id=unit, year=2026, month=3, protocol_number="REL-03", occurred_at=at(date(2026, 4, 6)), actor=AGENTE)


def test_sipia_export_of_a_closed_period_is_recorded(ledger, unit):
    ledger.submit_sipia_export(
        unit_id=unit, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), active_count=12, entries_count=3,
        exits_count=1, receipt_number="SIPIA-77", occurred_at=at(date(2026, 4, 2)), actor=ADMIN,
    )
    assert last_event(ledger, "SIPIAExportSubmitted").active_count == 12


def test_sipia_export_of_a_period_not_yet_ended_is_refused_D04(ledger, unit, refused):
    with refused("D-04"):
        ledger.submit_sipia_export(
            unit_id=unit, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), active_count=12, entries_count=3,
            exits_count=1, receipt_number="SIPIA-77", occurred_at=at(date(2026, 3, 31)), actor=ADMIN,
        )
