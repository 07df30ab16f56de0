"""Whole lifecycles through the public API, persisted in SQLite and read back by a fresh ledger."""

from __future__ import annotations

from datetime import date

import pytest

from domain.calendar import nth_day
from domain.case import CaseStatus
from domain.values import (
    AcolhimentoStep,
    AdmissionReason,
    DepartureReason,
    DisciplinaryOutcome,
    DocumentKind,
    EvasionKind,
    ExitPurpose,
    IncentiveKind,
    IntakeDocument,
    IntakeOrigin,
    IntakeRefusalDestination,
    IntakeRefusalReason,
    LeaveKind,
    MeasureDecision,
    Modality,
    PetitionAddressee,
    PetitionSubject,
    PIASection,
    ReassessmentGround,
    ReassessmentRequester,
    ReleaseBasis,
    ReportConclusion,
    ReportKind,
    Role,
    RoomChangeReason,
    SanctionType,
    StaffMember,
    UnitType,
    VisitModality,
)
from application.ledger import CaseLedger
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

AUTHORS = (StaffMember("staff-as-01", Role.ASSISTENTE_SOCIAL), StaffMember("staff-psi-01", Role.PSICOLOGO))


@pytest.fixture
def sqlite_env(tmp_path):
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "ledger.sqlite")}


def test_semiliberdade_case_runs_from_refused_intake_to_release_and_persists(sqlite_env):
    ledger = CaseLedger(env=sqlite_env)
    unit = a_unit(ledger)
    other_unit = a_unit(ledger, name="Unidade de Semiliberdade de Várzea Grande", comarca="Várzea Grande")
    case_id = a_registration(ledger, unit)

    # Presented without the body exam: refused, recorded as a fact; admitted the next day.
    ledger.refuse_intake(
        case_id=case_id, unit_id=unit, reasons=(IntakeRefusalReason.DOCUMENTO_FALTANTE,),
        missing_documents=(IntakeDocument.EXAME_CORPO_DE_DELITO,), destination=IntakeRefusalDestination.RETORNOU_COM_ESCOLTA,
        presenting_officer="Oficial Fictício", court_notified=True, occurred_at=at(INTAKE_DAY, 9), actor=ADMIN,
    )
    an_intake(ledger, case_id, unit, occurred_at=at(INTAKE_DAY, 11))
    ledger.acknowledge_orientation(case_id=case_id, document_version="v1", family_acknowledged=True, occurred_at=on_day(1, 12), actor=AGENTE)
    for step in AcolhimentoStep:
        ledger.complete_acolhimento_step(case_id=case_id, step=step, occurred_at=on_day(2), actor=ASSISTENTE_SOCIAL)
    ledger.complete_acolhimento(case_id=case_id, occurred_at=on_day(3), actor=GERENTE)
    ledger.hold_family_acolhimento(case_id=case_id, members_present=2, rights_and_visits_explained=True, occurred_at=on_day(3), actor=PSICOLOGA)
    ledger.assign_room(case_id=case_id, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(3, 14), actor=GERENTE)

    exit_id = ledger.start_external_exit(
        case_id=case_id, purpose=ExitPurpose.ESCOLA_CURSO_TRABALHO, authorised_by=GERENTE, team_assessed=True,
        search_done=True, expected_return_at=on_day(5, 12), occurred_at=on_day(5, 7), actor=AGENTE,
    )
    ledger.end_external_exit(case_id=case_id, exit_id=exit_id, search_done=True, occurred_at=on_day(5, 11, 45), actor=AGENTE)

    mother = a_visitor(ledger, case_id)
    sunday = a_sunday_after(7)
    ledger.hold_visit(
        case_id=case_id, visitor_ids=(mother,), modality=VisitModality.COMUM, started_at=at(sunday, 8), ended_at=at(sunday, 10),
        search_done=True, occurred_at=at(sunday, 10), actor=AGENTE,
    )
    ledger.submit_pia(
        case_id=case_id, sections=tuple(PIASection), youth_participated=True, family_participated=True,
        protocol_number="PIA-1", occurred_at=on_day(40), actor=ASSISTENTE_SOCIAL,
    )
    ledger.record_pia_homologation(case_id=case_id, tacit=True, occurred_at=on_day(50), actor=ADMIN, court_document=a_court_order())

    leave = ledger.authorise_family_leave(
        case_id=case_id, kind=LeaveKind.MESMO_DIA, leave_date=nth_day(INTAKE_DAY, 55), technical_assessment_done=True,
        travels_alone=False, guardian_term_signed=False, occurred_at=on_day(50), actor=GERENTE,
    )
    ledger.start_family_leave(case_id=case_id, leave_id=leave, search_done=True, occurred_at=on_day(55, 7), actor=AGENTE)
    ledger.return_from_family_leave(case_id=case_id, leave_id=leave, search_done=True, occurred_at=on_day(55, 19), actor=AGENTE)

    incident = ledger.report_disciplinary_incident(
        unit_id=unit, involved_case_ids=(case_id,), location="pátio", description="Dano ao patrimônio",
        occurred_at=on_day(60), actor=AGENTE,
    )
    procedure = ledger.open_disciplinary_procedure(
        case_id=case_id, incident_id=incident, offence_code="M-01", commission=COMMISSION, defender_notified=True,
        parents_notified=True, occurred_at=on_day(61), actor=GERENTE,
    )
    ledger.hold_disciplinary_hearing(
        case_id=case_id, procedure_id=procedure, youth_heard=True, defender_present=True, parents_present=False,
        defence_presented=True, occurred_at=on_day(63), actor=GERENTE,
    )
    ledger.decide_disciplinary_procedure(
        case_id=case_id, procedure_id=procedure, outcome=DisciplinaryOutcome.SANCAO, decided_by=COMMISSION,
        exclusion_grounds_examined=True, appeal_information_given=True, occurred_at=on_day(64), actor=GERENTE,
        sanction=SanctionType.TAREFA_REPARADORA, duration_days=3,
    )
    ledger.grant_incentive(case_id=case_id, kind=IncentiveKind.ELOGIO_ESCRITO, team_heard=True, occurred_at=on_day(90), actor=GERENTE)
    petition = ledger.file_petition(
        case_id=case_id, addressee=PetitionAddressee.JUIZ, subject=PetitionSubject.PROCESSO, occurred_at=on_day(95), actor=AGENTE
    )
    ledger.answer_petition(case_id=case_id, petition_id=petition, occurred_at=on_day(100), actor=ADMIN)

    ledger.transfer(
        case_id=case_id, destination_unit_id=other_unit, pia_and_history_sent=True, vehicle="van",
        occurred_at=on_day(120), actor=GERENTE, court_order=a_court_order(number="TR-9"),
    )
    ledger.submit_progress_report(
        case_id=case_id, kind=ReportKind.CONCLUSIVO, conclusion=ReportConclusion.EXTINCAO, authors=AUTHORS,
        written_for_this_youth=True, protocol_number="REL-9", occurred_at=on_day(170), actor=ASSISTENTE_SOCIAL,
    )
    ledger.request_reassessment(
        case_id=case_id, requester=ReassessmentRequester.DIRECAO_DA_UNIDADE, ground=ReassessmentGround.BOM_DESEMPENHO,
        occurred_at=on_day(170), actor=GERENTE,
    )
    ledger.record_measure_decision(
        case_id=case_id, decision=MeasureDecision.EXTINCAO, effective_on=nth_day(INTAKE_DAY, 178), raw_text="Extinta",
        occurred_at=on_day(178), actor=ADMIN, court_document=a_court_order(),
    )
    ledger.receive_release_order(
        case_id=case_id, protocol_number="ML-9", occurred_at=on_day(178), actor=GERENTE,
        court_order=a_court_order(DocumentKind.MANDADO_LIBERACAO, "ML-9"),
    )
    ledger.release(
        case_id=case_id, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True, belongings_returned=True,
        termo_de_desligamento_signed=True, family_present=True, occurred_at=on_day(178, 14), actor=GERENTE,
    )
    ledger.close()

    reread = CaseLedger(env=sqlite_env)
    case = reread.case(case_id)
    assert case.status is CaseStatus.DESLIGADO and case.release_basis is ReleaseBasis.CUMPRIMENTO
    assert [(s.unit_id, s.admission_reason, s.departure_reason) for s in case.stays] == [
        (str(unit), AdmissionReason.NOVA_ADMISSAO, DepartureReason.TRANSFERENCIA),
        (str(other_unit), AdmissionReason.TRANSFERENCIA, DepartureReason.DESLIGAMENTO),
    ]
    assert case.stays[0].ended_at == case.stays[1].started_at
    assert reread.unit(unit).occupancy == 0 and reread.unit(other_unit).occupancy == 0
    intake = events_named(reread, "IntakeRecorded")[0]
    assert intake.documents_presented == tuple(IntakeDocument) and intake.occurred_at == at(INTAKE_DAY, 11)
    assert intake.actor == AGENTE and intake.source_document.kind is DocumentKind.GUIA_EXECUCAO
    assert intake.timestamp.tzinfo is not None  # recorded-at, set by the library
    reread.close()


def test_internacao_case_from_provisoria_to_definitive_with_evasion_and_release_by_law(sqlite_env):
    ledger = CaseLedger(env=sqlite_env)
    provisional = a_unit(ledger, unit_type=UnitType.INTERNACAO_PROVISORIA, capacity=40, name="Provisória")
    internacao = a_unit(ledger, unit_type=UnitType.INTERNACAO, capacity=40, name="Internação")
    case_id = a_registration(ledger, provisional, birth_date=date(2005, 12, 1))
    an_intake(ledger, case_id, provisional, modality=Modality.PROVISORIA, origin=IntakeOrigin.DELEGACIA,
              apprehended_on=nth_day(INTAKE_DAY, 0), days_in_police_custody=1)
    ledger.record_measure_decision(
        case_id=case_id, decision=MeasureDecision.CONVERSAO_PROVISORIA_EM_DEFINITIVA, new_modality=Modality.INTERNACAO,
        effective_on=nth_day(INTAKE_DAY, 40), raw_text="Sentença: internação", occurred_at=on_day(40), actor=ADMIN,
        court_document=a_court_order(DocumentKind.SENTENCA, "SENT-1"),
    )
    assert ledger.case(case_id).definitive_since == nth_day(INTAKE_DAY, 40)  # Decision 8
    ledger.transfer(
        case_id=case_id, destination_unit_id=internacao, pia_and_history_sent=True, vehicle="viatura",
        occurred_at=on_day(42), actor=GERENTE, court_order=a_court_order(number="TR-1"),
    )
    ledger.record_evasion(
        case_id=case_id, kind=EvasionKind.DE_DENTRO_DA_UNIDADE, court_notified=True, superintendencia_notified=False,
        occurred_at=on_day(100, 2), actor=LIDER,
    )
    ledger.return_from_evasion(
        case_id=case_id, unit_id=internacao, occurred_at=on_day(130), actor=AGENTE,
        court_order=a_court_order(DocumentKind.MANDADO, "BA-1"),
    )
    # Turns 21 on 1 December 2026: released by law, never blocked (ECA 121 §5).
    ledger.release(
        case_id=case_id, basis=ReleaseBasis.EX_LEGE_21_ANOS, documents_delivered=True, belongings_returned=True,
        termo_de_desligamento_signed=True, family_present=False, occurred_at=at(date(2026, 12, 1), 0, 5), actor=LIDER,
    )
    ledger.close()

    reread = CaseLedger(env=sqlite_env)
    case = reread.case(case_id)
    assert case.status is CaseStatus.DESLIGADO
    assert [s.departure_reason for s in case.stays] == [
        DepartureReason.TRANSFERENCIA, DepartureReason.EVASAO, DepartureReason.DESLIGAMENTO
    ]
    assert case.modality is Modality.INTERNACAO and case.measure_started_on == INTAKE_DAY
    assert reread.unit(internacao).occupancy == 0
    assert [e.rule_code for e in events_named(reread, "EvasionRecorded")[0].exceptions] == ["R-53"]
    assert [e.rule_code for e in events_named(reread, "Released")[0].exceptions] == ["R-57"]
    reread.close()
