"""One life story of the ledger, told through every kind of command, and what a fresh ledger must read back.

A semiliberdade case (refused intake, intake, PIA stages, visits, discipline,
transfer, release, follow-up), the unit's oversight (MP access and inspection,
reports, SIPIA export) and an internação case (provisória → definitive, police
apprehension, evasion, return, release by law). The same story runs on SQLite
(`tests/unit/domain/test_lifecycle.py`) and on PostgreSQL
(`tests/integration/test_ledger_postgres.py`): both stores must give it back whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar import nth_day
from domain.case import CaseStatus
from domain.values import (
    AccessCategory,
    AcolhimentoStep,
    AdmissionReason,
    DepartureReason,
    DisciplinaryOutcome,
    DocumentKind,
    EgressContactKind,
    EvasionKind,
    ExitPurpose,
    IncentiveKind,
    InspectionKind,
    IntakeDocument,
    IntakeOrigin,
    IntakeRefusalDestination,
    IntakeRefusalReason,
    InterviewAuthority,
    LeaveKind,
    MeasureDecision,
    Modality,
    PetitionAddressee,
    PetitionSubject,
    PIASection,
    PlanGoal,
    ReassessmentGround,
    ReassessmentRequester,
    ReleaseBasis,
    ReportConclusion,
    ReportKind,
    Role,
    RoomChangeReason,
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
    a_registration,
    a_sunday_after,
    a_unit,
    a_visitor,
    an_intake,
    at,
    events_named,
    on_day,
)

TEAM = (StaffMember("staff-as-01", Role.ASSISTENTE_SOCIAL), StaffMember("staff-psi-01", Role.PSICOLOGO))
TWO_AGENTS = (StaffMember("staff-age-01", Role.AGENTE), StaffMember("staff-age-02", Role.AGENTE))


def _state(case):
    """What a reader of the case sees, for comparing two ledgers."""
    return (
        case.version, case.status, case.modality, case.unit_id, case.stays, case.room, case.pia_versions,
        case.pia_updates, case.case_study_held, case.contract_agreed, case.exceptional_visits, case.scheduled_visits,
        case.searches, case.private_interviews, case.egress_follow_ups, case.release_basis, case.voided,
        {k: (p.outcome, p.sanction) for k, p in case.procedures.items()},
    )


def _unit_state(unit):
    return (unit.version, unit.occupancy, unit.residents, unit.roster, unit.inspections, unit.reports,
            unit.accesses, unit.sipia_exports, unit.incidents)


@dataclass(frozen=True)
class LifeStory:
    """The ids of what the story recorded, and what a reader saw before the ledger was closed."""

    unit: object
    other_unit: object
    provisional: object
    internacao: object
    semi: object
    intern: object
    access: object
    tuesday: date
    cases: dict
    units: dict
    stored: int


def record_life_story(ledger) -> LifeStory:
    """Tell the whole story to `ledger`; the state a reader sees at the end comes back with the ids."""
    # --- semiliberdade: refused intake, intake, PIA stages, visits, discipline, transfer, release
    unit = a_unit(ledger)
    other_unit = a_unit(ledger, name="Unidade de Semiliberdade de Várzea Grande", comarca="Várzea Grande")
    ledger.change_staff_roster(
        unit_id=unit, staff_id="staff-psi-01", name="Psicóloga Fictícia", category=StaffCategory.PSICOLOGO,
        status=StaffStatus.ATIVO, weekly_hours=30, occurred_at=at(date(2026, 2, 2)), actor=GERENTE,
    )
    semi = a_registration(ledger, unit)
    ledger.refuse_intake(
        case_id=semi, unit_id=unit, reasons=(IntakeRefusalReason.DOCUMENTO_FALTANTE,),
        missing_documents=(IntakeDocument.EXAME_CORPO_DE_DELITO,), destination=IntakeRefusalDestination.RETORNOU_COM_ESCOLTA,
        presenting_officer="Oficial Fictício", court_notified=True, occurred_at=at(INTAKE_DAY, 9), actor=ADMIN,
    )
    an_intake(ledger, semi, unit, occurred_at=at(INTAKE_DAY, 11))
    ledger.acknowledge_orientation(case_id=semi, document_version="v1", family_acknowledged=True, occurred_at=on_day(1, 12), actor=AGENTE)
    for step in AcolhimentoStep:
        ledger.complete_acolhimento_step(case_id=semi, step=step, occurred_at=on_day(2), actor=ASSISTENTE_SOCIAL)
    ledger.complete_acolhimento(case_id=semi, occurred_at=on_day(3), actor=GERENTE)
    ledger.hold_family_acolhimento(case_id=semi, members_present=2, rights_and_visits_explained=True, occurred_at=on_day(3), actor=PSICOLOGA)
    ledger.assign_room(case_id=semi, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(3, 14), actor=GERENTE)
    ledger.record_search(
        case_id=semi, kind=SearchKind.ALOJAMENTO, reason=SearchReason.ROTINA_DE_SEGURANCA,
        staff=(TWO_AGENTS[0], StaffMember("staff-lid-01", Role.LIDER)), invasive=False, occurred_at=on_day(4), actor=LIDER,
    )
    exit_id = ledger.start_external_exit(
        case_id=semi, purpose=ExitPurpose.ESCOLA_CURSO_TRABALHO, authorised_by=GERENTE, team_assessed=True,
        search_done=True, expected_return_at=on_day(5, 12), occurred_at=on_day(5, 7), actor=AGENTE,
    )
    ledger.end_external_exit(case_id=semi, exit_id=exit_id, search_done=True, occurred_at=on_day(5, 11, 45), actor=AGENTE)

    mother = a_visitor(ledger, semi)
    sunday = a_sunday_after(7)
    ledger.hold_visit(
        case_id=semi, visitor_ids=(mother,), modality=VisitModality.COMUM, started_at=at(sunday, 8), ended_at=at(sunday, 10),
        search_done=True, occurred_at=at(sunday, 10), actor=AGENTE,
    )
    tuesday = sunday + timedelta(days=9)
    ledger.schedule_visit(
        case_id=semi, visitor_ids=(mother,), starts_at=at(tuesday, 14), ends_at=at(tuesday, 15),
        occurred_at=at(sunday + timedelta(days=1), 9), actor=ADMIN,
    )
    ledger.hold_visit(
        case_id=semi, visitor_ids=(mother,), modality=VisitModality.EXCEPCIONAL, started_at=at(tuesday, 14),
        ended_at=at(tuesday, 15), search_done=True, occurred_at=at(tuesday, 15), actor=AGENTE,
    )
    ledger.hold_private_interview(
        case_id=semi, authority=InterviewAuthority.DEFENSORIA_PUBLICA, duration_minutes=40, occurred_at=on_day(18), actor=AGENTE
    )
    ledger.hold_case_study(
        case_id=semi, participants=TEAM, youth_participated=True, family_participated=True, needs=("Escola",),
        occurred_at=on_day(20), actor=ASSISTENTE_SOCIAL,
    )
    ledger.agree_contract(
        case_id=semi, goals=(PlanGoal("Matrícula escolar", nth_day(INTAKE_DAY, 60)),), youth_agreed=True,
        family_agreed=True, sent_to_external_network=True, occurred_at=on_day(30), actor=PSICOLOGA,
    )
    ledger.submit_pia(
        case_id=semi, sections=tuple(PIASection), youth_participated=True, family_participated=True,
        protocol_number="PIA-1", occurred_at=on_day(40), actor=ASSISTENTE_SOCIAL,
    )
    ledger.record_pia_homologation(case_id=semi, tacit=True, occurred_at=on_day(50), actor=ADMIN, court_document=a_court_order())
    leave = ledger.authorise_family_leave(
        case_id=semi, kind=LeaveKind.MESMO_DIA, leave_date=nth_day(INTAKE_DAY, 55), technical_assessment_done=True,
        travels_alone=False, guardian_term_signed=False, occurred_at=on_day(50), actor=GERENTE,
    )
    ledger.start_family_leave(case_id=semi, leave_id=leave, search_done=True, occurred_at=on_day(55, 7), actor=AGENTE)
    ledger.return_from_family_leave(case_id=semi, leave_id=leave, search_done=True, occurred_at=on_day(55, 19), actor=AGENTE)

    incident = ledger.report_disciplinary_incident(
        unit_id=unit, involved_case_ids=(semi,), location="pátio", description="Dano ao patrimônio",
        occurred_at=on_day(60), actor=AGENTE,
    )
    procedure = ledger.open_disciplinary_procedure(
        case_id=semi, incident_id=incident, offence_code="M-01", commission=COMMISSION, defender_notified=True,
        parents_notified=True, occurred_at=on_day(61), actor=GERENTE,
    )
    ledger.hold_disciplinary_hearing(
        case_id=semi, procedure_id=procedure, youth_heard=True, defender_present=True, parents_present=False,
        defence_presented=True, occurred_at=on_day(63), actor=GERENTE,
    )
    ledger.decide_disciplinary_procedure(
        case_id=semi, procedure_id=procedure, outcome=DisciplinaryOutcome.SANCAO, decided_by=COMMISSION,
        exclusion_grounds_examined=True, appeal_information_given=True, occurred_at=on_day(64), actor=GERENTE,
        sanction=SanctionType.TAREFA_REPARADORA, duration_days=3,
    )
    ledger.assess_damage_repair(
        case_id=semi, procedure_id=procedure, damage="Banco do pátio", value_cents=12_000, family_liable=True,
        occurred_at=on_day(65), actor=GERENTE,
    )
    ledger.update_pia(
        case_id=semi, changed_sections=(PIASection.ATIVIDADES_PERMITIDAS,), changes="Curso noturno", reason="Vaga",
        increases_restriction=False, occurred_at=on_day(80), actor=ASSISTENTE_SOCIAL,
    )
    ledger.grant_incentive(case_id=semi, kind=IncentiveKind.ELOGIO_ESCRITO, team_heard=True, occurred_at=on_day(90), actor=GERENTE)
    petition = ledger.file_petition(
        case_id=semi, addressee=PetitionAddressee.JUIZ, subject=PetitionSubject.PROCESSO, occurred_at=on_day(95), actor=AGENTE
    )
    ledger.answer_petition(case_id=semi, petition_id=petition, occurred_at=on_day(100), actor=ADMIN)
    ledger.transfer(
        case_id=semi, destination_unit_id=other_unit, pia_and_history_sent=True, vehicle="van",
        occurred_at=on_day(120), actor=GERENTE, court_order=a_court_order(number="TR-9"),
    )
    ledger.submit_progress_report(
        case_id=semi, kind=ReportKind.CONCLUSIVO, conclusion=ReportConclusion.EXTINCAO, authors=TEAM,
        written_for_this_youth=True, protocol_number="REL-9", occurred_at=on_day(170), actor=ASSISTENTE_SOCIAL,
    )
    ledger.request_reassessment(
        case_id=semi, requester=ReassessmentRequester.DIRECAO_DA_UNIDADE, ground=ReassessmentGround.BOM_DESEMPENHO,
        occurred_at=on_day(170), actor=GERENTE,
    )
    ledger.record_measure_decision(
        case_id=semi, decision=MeasureDecision.EXTINCAO, effective_on=nth_day(INTAKE_DAY, 178), raw_text="Extinta",
        occurred_at=on_day(178), actor=ADMIN, court_document=a_court_order(),
    )
    ledger.receive_release_order(
        case_id=semi, protocol_number="ML-9", occurred_at=on_day(178), actor=GERENTE,
        court_order=a_court_order(DocumentKind.MANDADO_LIBERACAO, "ML-9"),
    )
    ledger.release(
        case_id=semi, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True, belongings_returned=True,
        termo_de_desligamento_signed=True, family_present=True, occurred_at=on_day(178, 14), actor=GERENTE,
    )
    ledger.report_reintegration(case_id=semi, protocol_number="OF-REI-1", occurred_at=on_day(180), actor=GERENTE)
    ledger.record_egress_follow_up(
        case_id=semi, contact=EgressContactKind.VISITA_DOMICILIAR, referred_to_network=True, in_school=True,
        occurred_at=on_day(210), actor=ASSISTENTE_SOCIAL,
    )

    # --- the unit's oversight: MP access and inspection, reports, SIPIA export
    access = ledger.log_access(
        unit_id=unit, category=AccessCategory.MINISTERIO_PUBLICO, name="Promotora Fictícia", document="MP 0042",
        institution="MPMT", entered_at=at(date(2026, 3, 10), 9), left_at=at(date(2026, 3, 10), 12),
        occurred_at=at(date(2026, 3, 10), 12), actor=AGENTE,
    )
    ledger.record_inspection(
        unit_id=unit, kind=InspectionKind.SEMESTRAL, inspected_at=at(date(2026, 3, 10), 9), promotor_id="mp-0042",
        occurred_at=at(date(2026, 3, 10), 13), actor=ADMIN, access_id=access,
    )
    ledger.submit_monthly_report(unit_id=unit, year=2026, month=3, protocol_number="REL-03", occurred_at=at(date(2026, 4, 6)), actor=GERENTE)
    ledger.submit_sipia_export(
        unit_id=unit, period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), active_count=1, entries_count=1,
        exits_count=0, receipt_number="SIPIA-1", occurred_at=at(date(2026, 4, 2)), actor=ADMIN,
    )

    # --- internação: provisória → definitive, police apprehension, evasion, return, release by law
    provisional = a_unit(ledger, unit_type=UnitType.INTERNACAO_PROVISORIA, capacity=40, name="Provisória")
    internacao = a_unit(ledger, unit_type=UnitType.INTERNACAO, capacity=40, name="Internação")
    intern = a_registration(ledger, provisional, birth_date=date(2005, 12, 1))
    an_intake(ledger, intern, provisional, modality=Modality.PROVISORIA, origin=IntakeOrigin.DELEGACIA,
              apprehended_on=nth_day(INTAKE_DAY, 0), days_in_police_custody=1)
    ledger.record_measure_decision(
        case_id=intern, decision=MeasureDecision.CONVERSAO_PROVISORIA_EM_DEFINITIVA, new_modality=Modality.INTERNACAO,
        effective_on=nth_day(INTAKE_DAY, 40), raw_text="Sentença: internação", occurred_at=on_day(40), actor=ADMIN,
        court_document=a_court_order(DocumentKind.SENTENCA, "SENT-1"),
    )
    ledger.transfer(
        case_id=intern, destination_unit_id=internacao, pia_and_history_sent=True, vehicle="viatura",
        occurred_at=on_day(42), actor=GERENTE, court_order=a_court_order(number="TR-1"),
    )
    ledger.record_police_apprehension(
        case_id=intern, officer_name="Policial Fictício", officer_document="PM 777", reason="Ato novo",
        form_reference="FORM-AP-1", occurred_at=on_day(60), actor=LIDER,
    )
    ledger.record_evasion(
        case_id=intern, kind=EvasionKind.DE_DENTRO_DA_UNIDADE, court_notified=True, superintendencia_notified=False,
        occurred_at=on_day(100, 2), actor=LIDER,
    )
    ledger.return_from_evasion(
        case_id=intern, unit_id=internacao, occurred_at=on_day(130), actor=AGENTE,
        court_order=a_court_order(DocumentKind.MANDADO, "BA-1"),
    )
    ledger.release(
        case_id=intern, basis=ReleaseBasis.EX_LEGE_21_ANOS, documents_delivered=True, belongings_returned=True,
        termo_de_desligamento_signed=True, family_present=False, occurred_at=at(date(2026, 12, 1), 0, 5), actor=LIDER,
    )

    cases = {c: _state(ledger.case(c)) for c in (semi, intern)}
    units = {u: _unit_state(ledger.unit(u)) for u in (unit, other_unit, provisional, internacao)}
    return LifeStory(unit, other_unit, provisional, internacao, semi, intern, access, tuesday, cases, units,
                     ledger.recorder.max_notification_id())


def assert_read_back(reread, story: LifeStory) -> None:
    """A fresh ledger on the same store sees every case and unit as the writer left them."""
    assert {c: _state(reread.case(c)) for c in story.cases} == story.cases
    assert {u: _unit_state(reread.unit(u)) for u in story.units} == story.units
    assert reread.recorder.max_notification_id() == story.stored
    assert sum(s[0] for s in story.cases.values()) + sum(s[0] for s in story.units.values()) == story.stored

    semi_case, intern_case = reread.case(story.semi), reread.case(story.intern)
    assert semi_case.status is CaseStatus.DESLIGADO and semi_case.release_basis is ReleaseBasis.CUMPRIMENTO
    assert semi_case.egress_follow_ups == 1
    assert [(s.unit_id, s.admission_reason, s.departure_reason) for s in semi_case.stays] == [
        (str(story.unit), AdmissionReason.NOVA_ADMISSAO, DepartureReason.TRANSFERENCIA),
        (str(story.other_unit), AdmissionReason.TRANSFERENCIA, DepartureReason.DESLIGAMENTO),
    ]
    assert semi_case.stays[0].ended_at == semi_case.stays[1].started_at
    assert semi_case.exceptional_visits == [story.tuesday] and semi_case.scheduled_visits == {}
    intake = events_named(reread, "IntakeRecorded")[0]
    assert intake.documents_presented == tuple(IntakeDocument) and intake.occurred_at == at(INTAKE_DAY, 11)
    assert intake.actor == AGENTE and intake.source_document.kind is DocumentKind.GUIA_EXECUCAO
    assert intake.timestamp.tzinfo is not None  # recorded-at, set by the library

    assert intern_case.status is CaseStatus.DESLIGADO
    assert [s.departure_reason for s in intern_case.stays] == [
        DepartureReason.TRANSFERENCIA, DepartureReason.EVASAO, DepartureReason.DESLIGAMENTO
    ]
    assert intern_case.modality is Modality.INTERNACAO and intern_case.measure_started_on == INTAKE_DAY
    assert intern_case.definitive_since == nth_day(INTAKE_DAY, 40)  # Decision 8
    assert [e.rule_code for e in events_named(reread, "EvasionRecorded")[0].exceptions] == ["R-53"]
    # Turned 21 on 1 December 2026: released by law at 00:05, never blocked (ECA 121 §5), flagged.
    assert [e.rule_code for e in events_named(reread, "Released")[-1].exceptions] == ["R-57"]

    inspection = events_named(reread, "InspectionRecorded")[0]
    assert inspection.report_due_on == date(2026, 4, 15) and inspection.access_id == story.access
    assert events_named(reread, "ContractAgreed")[0].goals == (PlanGoal("Matrícula escolar", nth_day(INTAKE_DAY, 60)),)
    assert events_named(reread, "VisitScheduled")[0].starts_at == at(story.tuesday, 14)
    assert all(reread.unit(u).occupancy == 0 for u in story.units)
