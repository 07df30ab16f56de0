"""PIA, reports, reassessment, decisions, transfers, exits and family leave."""

from __future__ import annotations


from domain.calendar import nth_day
from domain.case import CaseStatus
from domain.values import (
    DocumentKind,
    ExitPurpose,
    JudicialOrderKind,
    LeaveKind,
    MeasureDecision,
    Modality,
    PIASection,
    ReassessmentGround,
    ReassessmentRequester,
    ReportConclusion,
    ReportKind,
    Role,
    StaffMember,
    UnitType,
)
from tests.unit.domain.builders import (
    ADMIN,
    AGENTE,
    ASSISTENTE_SOCIAL,
    GERENTE,
    INTAKE_DAY,
    a_court_order,
    a_pia,
    a_unit,
    an_admitted_youth,
    last_event,
    on_day,
)

AUTHORS = (StaffMember("staff-as-01", Role.ASSISTENTE_SOCIAL), StaffMember("staff-psi-01", Role.PSICOLOGO))


def test_pia_with_eight_sections_and_participation_is_submitted_R23(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    a_pia(ledger, case_id)
    assert ledger.case(case_id).pia_versions == 1


def test_pia_missing_a_section_is_refused_R23(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-23"):
        a_pia(ledger, case_id, sections=tuple(s for s in PIASection if s is not PIASection.SAUDE))


def test_pia_without_the_youth_is_refused_R23(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-23"):
        a_pia(ledger, case_id, youth_participated=False)


def test_pia_for_definitive_measure_is_accepted_R24(ledger, unit):
    case_id = an_admitted_youth(ledger, unit, modality=Modality.SEMILIBERDADE)
    a_pia(ledger, case_id)
    submitted = last_event(ledger, "PIASubmitted")
    assert submitted.originator_id == case_id and submitted.exceptions == ()


def test_pia_for_internacao_provisoria_is_refused_R24(ledger, refused):
    unit = a_unit(ledger, unit_type=UnitType.INTERNACAO_PROVISORIA, capacity=40)
    case_id = an_admitted_youth(ledger, unit, modality=Modality.PROVISORIA)
    with refused("R-24"):
        a_pia(ledger, case_id)


def test_pia_within_45_days_has_no_exception_R22(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    a_pia(ledger, case_id, occurred_at=on_day(46))  # intake + 45 days is the last day
    assert last_event(ledger, "PIASubmitted").exceptions == ()


def test_pia_after_45_days_is_flagged_R22(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    a_pia(ledger, case_id, occurred_at=on_day(47))
    assert [e.rule_code for e in last_event(ledger, "PIASubmitted").exceptions] == ["R-22"]


def _report(ledger, case_id, **overrides):
    kwargs = dict(
        case_id=case_id, kind=ReportKind.REAVALIACAO, conclusion=ReportConclusion.PROGRESSAO, authors=AUTHORS,
        written_for_this_youth=True, protocol_number="REL-1", occurred_at=on_day(100), actor=ASSISTENTE_SOCIAL,
    )
    kwargs.update(overrides)
    ledger.submit_progress_report(**kwargs)


def test_interdisciplinary_report_with_conclusion_is_submitted_R26(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _report(ledger, case_id)
    assert last_event(ledger, "ProgressReportSubmitted").conclusion is ReportConclusion.PROGRESSAO


def test_report_without_conclusion_is_refused_R26(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-26"):
        _report(ledger, case_id, conclusion=None)


def test_report_by_a_single_profession_is_refused_R26(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-26"):
        _report(ledger, case_id, authors=(AUTHORS[0], StaffMember("staff-as-02", Role.ASSISTENTE_SOCIAL)))


def test_report_before_six_months_has_no_exception_R25(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _report(ledger, case_id, occurred_at=on_day(150))
    assert last_event(ledger, "ProgressReportSubmitted").exceptions == ()


def test_report_after_six_months_without_decision_is_flagged_R25(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _report(ledger, case_id, occurred_at=on_day(200))
    assert [e.rule_code for e in last_event(ledger, "ProgressReportSubmitted").exceptions] == ["R-25"]


def test_reassessment_requested_by_the_defender_is_recorded_R27(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.request_reassessment(
        case_id=case_id, requester=ReassessmentRequester.DEFENSOR, ground=ReassessmentGround.BOM_DESEMPENHO,
        occurred_at=on_day(30), actor=ADMIN,
    )
    requested = last_event(ledger, "ReassessmentRequested")
    assert (requested.requester, requested.ground) == (ReassessmentRequester.DEFENSOR, ReassessmentGround.BOM_DESEMPENHO)


def test_reassessment_requested_by_someone_not_entitled_is_refused_R27(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-27"):
        ledger.case(case_id).request_reassessment(
            requester="vizinho", ground=ReassessmentGround.BOM_DESEMPENHO, occurred_at=on_day(30), actor=ADMIN
        )


def _hearing(ledger, case_id, day=90):
    ledger.record_reassessment_hearing(
        case_id=case_id, hearing_on=nth_day(INTAKE_DAY, day), technical_team_present=True, defender_present=True,
        youth_present=True, family_notified=True, occurred_at=on_day(day), actor=ADMIN, court_document=a_court_order(),
    )


def _regression(ledger, case_id, day=95):
    ledger.record_measure_decision(
        case_id=case_id, decision=MeasureDecision.SUBSTITUICAO, new_modality=Modality.INTERNACAO,
        effective_on=nth_day(INTAKE_DAY, day), raw_text="Regride para internação", occurred_at=on_day(day),
        actor=ADMIN, court_document=a_court_order(),
    )


def test_regression_after_hearing_and_report_is_recorded_R28(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _report(ledger, case_id, occurred_at=on_day(80), conclusion=ReportConclusion.REGRESSAO)
    _hearing(ledger, case_id)
    _regression(ledger, case_id)
    assert ledger.case(case_id).modality is Modality.INTERNACAO


def test_regression_without_hearing_is_refused_R28(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    _report(ledger, case_id, occurred_at=on_day(80), conclusion=ReportConclusion.REGRESSAO)
    with refused("R-28"):
        _regression(ledger, case_id)


def test_unification_keeps_the_measure_start_R29(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.record_measure_decision(
        case_id=case_id, decision=MeasureDecision.UNIFICACAO, effective_on=nth_day(INTAKE_DAY, 60),
        raw_text="Unifica medidas", occurred_at=on_day(60), actor=ADMIN, court_document=a_court_order(),
    )
    assert ledger.case(case_id).measure_started_on == INTAKE_DAY


def test_unification_that_restarts_the_measure_is_refused_R29(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-29"):
        ledger.record_measure_decision(
            case_id=case_id, decision=MeasureDecision.UNIFICACAO, effective_on=nth_day(INTAKE_DAY, 60),
            raw_text="Unifica", occurred_at=on_day(60), actor=ADMIN, court_document=a_court_order(),
            restarts_measure_on=nth_day(INTAKE_DAY, 60),
        )


def test_court_decision_without_court_document_is_refused_D06(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("D-06"):
        ledger.record_measure_decision(
            case_id=case_id, decision=MeasureDecision.MANUTENCAO, effective_on=INTAKE_DAY, raw_text="x",
            occurred_at=on_day(60), actor=ADMIN, court_document=None,
        )


def _transfer(ledger, case_id, destination, **overrides):
    kwargs = dict(
        case_id=case_id, destination_unit_id=destination, pia_and_history_sent=True, vehicle="van",
        occurred_at=on_day(20), actor=GERENTE, court_order=a_court_order(number="TRANSF-1"),
    )
    kwargs.update(overrides)
    ledger.transfer(**kwargs)


def test_transfer_with_court_order_closes_and_opens_abutting_stays_R01(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    destination = a_unit(ledger)
    _transfer(ledger, case_id, destination)
    case = ledger.case(case_id)
    assert [s.unit_id for s in case.stays] == [str(unit), str(destination)]
    assert case.stays[0].ended_at == case.stays[1].started_at
    assert ledger.unit(unit).occupancy == 0 and ledger.unit(destination).occupancy == 1


def test_transfer_without_court_order_is_refused_R01(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    destination = a_unit(ledger)
    with refused("R-01"):
        _transfer(ledger, case_id, destination, court_order=None)


def test_transfer_to_a_full_unit_is_refused_R04(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    destination = a_unit(ledger, capacity=1)
    an_admitted_youth(ledger, destination)
    with refused("R-04"):
        _transfer(ledger, case_id, destination)


def test_transfer_without_pia_and_history_is_refused_R54(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    destination = a_unit(ledger)
    with refused("R-54"):
        _transfer(ledger, case_id, destination, pia_and_history_sent=False)


def test_transfer_with_pia_and_history_is_recorded_R54(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    destination = a_unit(ledger)
    _transfer(ledger, case_id, destination)
    assert last_event(ledger, "TransferCompleted").pia_and_history_sent


def _exit(ledger, case_id, day, **overrides):
    kwargs = dict(
        case_id=case_id, purpose=ExitPurpose.ESCOLA_CURSO_TRABALHO, authorised_by=GERENTE, team_assessed=True,
        search_done=True, expected_return_at=on_day(day, 17), occurred_at=on_day(day, 7), actor=AGENTE,
    )
    kwargs.update(overrides)
    return ledger.start_external_exit(**kwargs)


def test_school_exit_in_triage_with_assessment_and_authorisation_is_recorded_R13(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _exit(ledger, case_id, day=3)
    assert ledger.case(case_id).away == "saida_externa"


def test_leisure_exit_in_triage_is_refused_R13(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-13"):
        _exit(ledger, case_id, day=8, purpose=ExitPurpose.ATIVIDADE_ESPORTIVA_CULTURAL)


def test_exit_in_triage_without_gerente_authorisation_is_refused_R13(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-13"):
        _exit(ledger, case_id, day=3, authorised_by=AGENTE)


def test_exit_without_search_is_refused_R14(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-14"):
        _exit(ledger, case_id, day=20, search_done=False)


def test_exit_and_return_with_search_are_recorded_R14(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    exit_id = _exit(ledger, case_id, day=20)
    ledger.end_external_exit(case_id=case_id, exit_id=exit_id, search_done=True, occurred_at=on_day(20, 16), actor=AGENTE)
    assert ledger.case(case_id).away is None


def test_exit_forbidden_by_court_is_refused_D07(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    ledger.receive_judicial_order(
        case_id=case_id, kind=JudicialOrderKind.PROIBICAO_ATIVIDADES_EXTERNAS, protocol_number="P-1",
        occurred_at=on_day(10), actor=ADMIN, court_document=a_court_order(),
    )
    with refused("D-07"):
        _exit(ledger, case_id, day=20)


def _leave(ledger, case_id, leave_day, kind=LeaveKind.MESMO_DIA, **overrides):
    kwargs = dict(
        case_id=case_id, kind=kind, leave_date=nth_day(INTAKE_DAY, leave_day), technical_assessment_done=True,
        travels_alone=False, guardian_term_signed=False, occurred_at=on_day(leave_day - 3), actor=GERENTE,
    )
    kwargs.update(overrides)
    return ledger.authorise_family_leave(**kwargs)


def test_family_leave_on_day_45_is_authorised_R31(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _leave(ledger, case_id, 45)
    assert last_event(ledger, "FamilyLeaveAuthorized").day_of_measure == 45


def test_family_leave_before_day_45_is_refused_R31(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-31") as info:
        _leave(ledger, case_id, 44)
    assert "day 45" in info.value.message


def test_same_day_leave_refusal_R31_does_not_cite_art_77s_drafting_slip(ledger, unit, refused):
    # Decision 1: Reg. art. 77's "70" concerns the overnight leave only; the same-day rule is Reg. art. 63 I.
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-31") as info:
        _leave(ledger, case_id, 44)
    assert "drafting slip" not in info.value.message and "art. 63 I" in info.value.message


def test_overnight_leave_refusal_R31_notes_art_77s_drafting_slip(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-31") as info:
        _leave(ledger, case_id, 74, kind=LeaveKind.PERNOITE)
    assert "drafting slip" in info.value.message and "art. 63 II" in info.value.message


def test_overnight_leave_before_day_75_is_refused_R31(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-31"):
        _leave(ledger, case_id, 74, kind=LeaveKind.PERNOITE)


def test_overnight_leave_on_day_75_is_authorised_R31(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _leave(ledger, case_id, 75, kind=LeaveKind.PERNOITE)
    leave = last_event(ledger, "FamilyLeaveAuthorized")
    assert (leave.kind, leave.day_of_measure, leave.exceptions) == (LeaveKind.PERNOITE, 75, ())


def test_family_leave_from_day_30_for_quarterly_reassessment_from_provisional_unit_R31(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.receive_judicial_order(
        case_id=case_id, kind=JudicialOrderKind.REAVALIACAO_TRIMESTRAL, protocol_number="P-2",
        occurred_at=on_day(2), actor=ADMIN, court_document=a_court_order(),
    )
    _leave(ledger, case_id, 30)
    leave = last_event(ledger, "FamilyLeaveAuthorized")
    assert (leave.day_of_measure, leave.exceptions) == (30, ())


def test_early_leave_with_individual_revision_is_recorded_with_exception_R31(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _leave(ledger, case_id, 40, revision_reason="Única forma de convivência familiar (Reg. art. 81)")
    assert [e.rule_code for e in last_event(ledger, "FamilyLeaveAuthorized").exceptions] == ["R-31"]


def test_family_leave_days_count_from_the_transfer_into_this_unit_R31(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    destination = a_unit(ledger)
    _transfer(ledger, case_id, destination, occurred_at=on_day(20))
    with refused("R-31"):
        _leave(ledger, case_id, 50)  # day 31 in the new unit (Reg. art. 75)


def test_family_leave_in_triage_even_with_revision_is_refused_R13(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-13"):
        _leave(ledger, case_id, 8, revision_reason="família viaja")


def test_family_leave_without_technical_assessment_is_refused_R32(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-32"):
        _leave(ledger, case_id, 50, technical_assessment_done=False)


def test_youth_travelling_alone_needs_the_guardian_term_R32(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-32"):
        _leave(ledger, case_id, 50, travels_alone=True, guardian_term_signed=False)
    _leave(ledger, case_id, 50, travels_alone=True, guardian_term_signed=True)


def test_return_by_19_30_is_on_time_and_later_is_flagged_R32(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    on_time = _leave(ledger, case_id, 50)
    ledger.start_family_leave(case_id=case_id, leave_id=on_time, search_done=True, occurred_at=on_day(50, 7), actor=AGENTE)
    ledger.return_from_family_leave(case_id=case_id, leave_id=on_time, search_done=True, occurred_at=on_day(50, 19, 30), actor=AGENTE)
    assert last_event(ledger, "FamilyLeaveReturned").late is False
    late = _leave(ledger, case_id, 57)
    ledger.start_family_leave(case_id=case_id, leave_id=late, search_done=True, occurred_at=on_day(57, 7), actor=AGENTE)
    ledger.return_from_family_leave(case_id=case_id, leave_id=late, search_done=True, occurred_at=on_day(57, 21), actor=AGENTE)
    returned = last_event(ledger, "FamilyLeaveReturned")
    assert returned.late and [e.rule_code for e in returned.exceptions] == ["R-32"]


def test_leave_started_on_another_day_is_refused_no_make_up_R32(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    leave = _leave(ledger, case_id, 50)
    with refused("R-32"):
        ledger.start_family_leave(case_id=case_id, leave_id=leave, search_done=True, occurred_at=on_day(51, 7), actor=AGENTE)


def test_evasion_ends_the_stay_and_return_needs_a_court_order_R01(ledger, unit, refused):
    from domain.values import EvasionKind
    from tests.unit.domain.builders import LIDER

    case_id = an_admitted_youth(ledger, unit)
    ledger.record_evasion(
        case_id=case_id, kind=EvasionKind.DE_DENTRO_DA_UNIDADE, court_notified=True, superintendencia_notified=True,
        occurred_at=on_day(30, 3), actor=LIDER,
    )
    assert ledger.case(case_id).status is CaseStatus.EVADIDO and ledger.unit(unit).occupancy == 0
    with refused("R-01"):
        ledger.return_from_evasion(case_id=case_id, unit_id=unit, occurred_at=on_day(40), actor=AGENTE, court_order=None)
    ledger.return_from_evasion(
        case_id=case_id, unit_id=unit, occurred_at=on_day(40), actor=AGENTE,
        court_order=a_court_order(DocumentKind.MANDADO, "BUSCA-1"),
    )
    assert ledger.case(case_id).status is CaseStatus.ATIVO and ledger.unit(unit).occupancy == 1


def test_evasion_recorded_by_an_agent_is_refused_R53(ledger, unit, refused):
    from domain.values import EvasionKind

    case_id = an_admitted_youth(ledger, unit)
    with refused("R-53"):
        ledger.record_evasion(
            case_id=case_id, kind=EvasionKind.DE_DENTRO_DA_UNIDADE, court_notified=True,
            superintendencia_notified=True, occurred_at=on_day(30, 3), actor=AGENTE,
        )




def test_return_from_exit_on_time_has_no_exception_D08(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    exit_id = _exit(ledger, case_id, day=20)
    ledger.end_external_exit(case_id=case_id, exit_id=exit_id, search_done=True, occurred_at=on_day(20, 17), actor=AGENTE)
    assert last_event(ledger, "ExternalExitEnded").exceptions == ()


def test_late_return_from_exit_is_recorded_with_alert_D08(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    exit_id = _exit(ledger, case_id, day=20)
    ledger.end_external_exit(case_id=case_id, exit_id=exit_id, search_done=True, occurred_at=on_day(20, 20), actor=AGENTE)
    assert [e.rule_code for e in last_event(ledger, "ExternalExitEnded").exceptions] == ["D-08"]


def test_transfer_without_handcuffs_has_no_exception_R55(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _transfer(ledger, case_id, a_unit(ledger))
    assert last_event(ledger, "TransferCompleted").exceptions == ()


def test_transfer_with_handcuffs_is_recorded_with_alert_R55(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _transfer(ledger, case_id, a_unit(ledger), handcuffs_used=True, exception_justification="escolta policial")
    assert [e.rule_code for e in last_event(ledger, "TransferCompleted").exceptions] == ["R-55"]


def test_evasion_reported_by_the_leader_with_notices_has_no_exception_R53(ledger, unit):
    from domain.values import EvasionKind
    from tests.unit.domain.builders import LIDER

    case_id = an_admitted_youth(ledger, unit)
    ledger.record_evasion(
        case_id=case_id, kind=EvasionKind.NAO_RETORNO_DE_SAIDA, court_notified=True, superintendencia_notified=True,
        occurred_at=on_day(30, 20), actor=LIDER,
    )
    assert last_event(ledger, "EvasionRecorded").exceptions == ()


def test_evasion_without_notices_is_recorded_with_alert_R53(ledger, unit):
    from domain.values import EvasionKind
    from tests.unit.domain.builders import LIDER

    case_id = an_admitted_youth(ledger, unit)
    ledger.record_evasion(
        case_id=case_id, kind=EvasionKind.NAO_RETORNO_DE_SAIDA, court_notified=False, superintendencia_notified=False,
        occurred_at=on_day(30, 20), actor=LIDER,
    )
    assert [e.rule_code for e in last_event(ledger, "EvasionRecorded").exceptions] == ["R-53"]


def test_family_leave_authorised_by_the_gerente_is_recorded_R32(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _leave(ledger, case_id, 50, actor=GERENTE)
    assert last_event(ledger, "FamilyLeaveAuthorized").actor == GERENTE


def test_family_leave_authorised_by_an_agent_is_refused_R32(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-32"):
        _leave(ledger, case_id, 50, actor=AGENTE)


def test_routine_room_change_by_an_agent_is_refused_D05(ledger, unit, refused):
    from domain.values import RoomChangeReason

    case_id = an_admitted_youth(ledger, unit)
    with refused("D-05"):
        ledger.assign_room(case_id=case_id, room="C3", reason=RoomChangeReason.ROTINA, occurred_at=on_day(4), actor=AGENTE)


def test_routine_room_change_by_the_gerente_is_recorded_D05(ledger, unit):
    from domain.values import RoomChangeReason

    case_id = an_admitted_youth(ledger, unit)
    ledger.assign_room(case_id=case_id, room="C3", reason=RoomChangeReason.ROTINA, occurred_at=on_day(4), actor=GERENTE)
    assert ledger.case(case_id).room == "C3"


def test_court_decision_with_court_document_is_recorded_D06(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.record_measure_decision(
        case_id=case_id, decision=MeasureDecision.MANUTENCAO, effective_on=INTAKE_DAY, raw_text="Mantida",
        occurred_at=on_day(60), actor=ADMIN, court_document=a_court_order(),
    )
    assert ledger.case(case_id).last_decision_on == INTAKE_DAY


def test_exit_allowed_again_after_the_court_lifts_its_ban_D07(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    for kind in (JudicialOrderKind.PROIBICAO_ATIVIDADES_EXTERNAS, JudicialOrderKind.LIBERACAO_ATIVIDADES_EXTERNAS):
        ledger.receive_judicial_order(
            case_id=case_id, kind=kind, protocol_number="P", occurred_at=on_day(10), actor=ADMIN, court_document=a_court_order()
        )
    exit_id = _exit(ledger, case_id, day=20)
    started = last_event(ledger, "ExternalExitStarted")
    assert (started.originator_id, started.exit_id) == (case_id, exit_id)


def test_returning_from_an_exit_that_does_not_exist_is_refused_D04(ledger, unit, refused):
    from uuid import uuid4

    case_id = an_admitted_youth(ledger, unit)
    with refused("D-04"):
        ledger.end_external_exit(case_id=case_id, exit_id=uuid4(), search_done=True, occurred_at=on_day(20), actor=AGENTE)


def test_returning_from_an_open_exit_is_recorded_D04(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    exit_id = _exit(ledger, case_id, day=20)
    ledger.end_external_exit(case_id=case_id, exit_id=exit_id, search_done=True, occurred_at=on_day(20, 12), actor=AGENTE)
    assert ledger.case(case_id).open_exit is None
