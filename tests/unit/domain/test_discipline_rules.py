"""Disciplinary due process, isolation and incentives (SINASE 48-49, 71-75; Reg. art. 15 X, 34, 64)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from domain.values import (
    AppealOutcome,
    DisciplinaryOutcome,
    ExclusionGround,
    IncentiveKind,
    IsolationGround,
    ReassessmentRequester,
    Role,
    SanctionType,
    StaffMember,
    SuspensionMotive,
)
from tests.unit.domain.builders import (
    AGENTE,
    COMMISSION,
    GERENTE,
    LIDER,
    an_admitted_youth,
    events_named,
    last_event,
    on_day,
)


def _incident(ledger, unit, *case_ids):
    return ledger.report_disciplinary_incident(
        unit_id=unit, involved_case_ids=tuple(case_ids), location="refeitório", description="Briga no refeitório",
        occurred_at=on_day(20, 12), actor=AGENTE,
    )


def _procedure(ledger, case_id, incident, **overrides):
    kwargs = dict(
        case_id=case_id, incident_id=incident, offence_code="G-01", commission=COMMISSION, defender_notified=True,
        parents_notified=True, occurred_at=on_day(21), actor=GERENTE,
    )
    kwargs.update(overrides)
    return ledger.open_disciplinary_procedure(**kwargs)


def _hearing(ledger, case_id, procedure, **overrides):
    kwargs = dict(
        case_id=case_id, procedure_id=procedure, youth_heard=True, defender_present=True, parents_present=True,
        defence_presented=True, occurred_at=on_day(23), actor=GERENTE,
    )
    kwargs.update(overrides)
    ledger.hold_disciplinary_hearing(**kwargs)


def _decision(ledger, case_id, procedure, **overrides):
    kwargs = dict(
        case_id=case_id, procedure_id=procedure, outcome=DisciplinaryOutcome.SANCAO, decided_by=COMMISSION,
        exclusion_grounds_examined=True, appeal_information_given=True, occurred_at=on_day(25), actor=GERENTE,
        sanction=SanctionType.TAREFA_REPARADORA, duration_days=5, aggravating=("reincidência",),
    )
    kwargs.update(overrides)
    ledger.decide_disciplinary_procedure(**kwargs)


def _charged(ledger, unit, **youth):
    case_id = an_admitted_youth(ledger, unit, **youth)
    procedure = _procedure(ledger, case_id, _incident(ledger, unit, case_id))
    return case_id, procedure


def test_procedure_after_written_rules_acknowledged_is_opened_R17(ledger, unit):
    case_id, procedure = _charged(ledger, unit)
    assert procedure in ledger.case(case_id).procedures


def test_procedure_before_written_rules_acknowledged_is_refused_R17(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit, oriented=False)
    incident = _incident(ledger, unit, case_id)
    with refused("R-17"):
        _procedure(ledger, case_id, incident)


def test_full_due_process_ends_in_a_sanction_with_fixed_end_R45(ledger, unit):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    _decision(ledger, case_id, procedure)
    decision = last_event(ledger, "DisciplinaryDecisionIssued")
    assert decision.ends_on - decision.starts_on == timedelta(days=4)


def test_sanction_without_fixed_duration_is_refused_R45(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    with refused("R-45"):
        _decision(ledger, case_id, procedure, duration_days=None)


def test_offence_typed_in_the_catalogue_opens_a_procedure_R42(ledger, unit):
    case_id, procedure = _charged(ledger, unit)
    assert last_event(ledger, "DisciplinaryProcedureOpened").offence_code == "G-01"


def test_offence_not_typed_in_the_catalogue_is_refused_R42(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    incident = _incident(ledger, unit, case_id)
    with refused("R-42"):
        _procedure(ledger, case_id, incident, offence_code="X-99")


def test_sanction_without_procedure_is_refused_R42(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-42"):
        _decision(ledger, case_id, uuid4())


def test_decision_after_hearing_with_defender_is_recorded_R43(ledger, unit):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    _decision(ledger, case_id, procedure)
    assert ledger.case(case_id).procedures[procedure].outcome is DisciplinaryOutcome.SANCAO


def test_decision_without_hearing_is_refused_R43(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    with refused("R-43"):
        _decision(ledger, case_id, procedure)


def test_hearing_without_defender_is_refused_R43(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    with refused("R-43"):
        _hearing(ledger, case_id, procedure, defender_present=False)


def test_commission_of_three_with_a_technical_member_is_accepted_R44(ledger, unit):
    _charged(ledger, unit)
    assert len(last_event(ledger, "DisciplinaryProcedureOpened").commission) == 3


def test_commission_with_the_psychologist_is_refused_R44(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    incident = _incident(ledger, unit, case_id)
    with_psychologist = COMMISSION[:2] + (StaffMember("staff-psi-01", Role.PSICOLOGO),)
    with refused("R-44"):
        _procedure(ledger, case_id, incident, commission=with_psychologist)


def test_commission_of_two_is_refused_R44(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    incident = _incident(ledger, unit, case_id)
    with refused("R-44"):
        _procedure(ledger, case_id, incident, commission=COMMISSION[:2])


def test_commission_without_technical_member_is_refused_R44(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    incident = _incident(ledger, unit, case_id)
    no_technical = (COMMISSION[0], COMMISSION[2], StaffMember("staff-lid-01", Role.LIDER))
    with refused("R-44"):
        _procedure(ledger, case_id, incident, commission=no_technical)


def test_exclusion_ground_found_leads_to_no_sanction_R46(ledger, unit):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    _decision(
        ledger, case_id, procedure, outcome=DisciplinaryOutcome.SEM_SANCAO, sanction=None, duration_days=None,
        exclusion_ground_found=ExclusionGround.LEGITIMA_DEFESA,
    )
    assert last_event(ledger, "DisciplinaryDecisionIssued").sanction is None


def test_sanction_despite_self_defence_is_refused_R46(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    with refused("R-46"):
        _decision(ledger, case_id, procedure, exclusion_ground_found=ExclusionGround.LEGITIMA_DEFESA)


def test_decision_without_examining_exclusion_grounds_is_refused_R46(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    with refused("R-46"):
        _decision(ledger, case_id, procedure, exclusion_grounds_examined=False)


def test_each_youth_of_an_incident_gets_an_own_procedure_R47(ledger, unit):
    first, second = an_admitted_youth(ledger, unit), an_admitted_youth(ledger, unit)
    incident = _incident(ledger, unit, first, second)
    procedures = {_procedure(ledger, first, incident), _procedure(ledger, second, incident)}
    opened = events_named(ledger, "DisciplinaryProcedureOpened")
    assert {e.originator_id for e in opened} == {first, second}
    assert {e.procedure_id for e in opened} == procedures and len(procedures) == 2
    assert {e.incident_id for e in opened} == {incident}


def test_second_procedure_for_the_same_conduct_is_refused_R47(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    incident = _incident(ledger, unit, case_id)
    _procedure(ledger, case_id, incident)
    with refused("R-47"):
        _procedure(ledger, case_id, incident)


def test_procedure_for_a_youth_not_named_in_the_incident_is_refused_R47(ledger, unit, refused):
    named, other = an_admitted_youth(ledger, unit), an_admitted_youth(ledger, unit)
    incident = _incident(ledger, unit, named)
    with refused("R-47"):
        _procedure(ledger, other, incident)


def test_visit_suspension_as_a_sanction_is_refused_R33(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    with refused("R-33"):
        ledger.case(case_id).decide_disciplinary_procedure(
            procedure_id=procedure, outcome=DisciplinaryOutcome.SANCAO, decided_by=COMMISSION,
            exclusion_grounds_examined=True, appeal_information_given=True, occurred_at=on_day(25), actor=GERENTE,
            sanction="suspensao_de_visitas", duration_days=7,
        )


def test_incommunicado_as_a_sanction_is_refused_R40(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    with refused("R-40"):
        ledger.case(case_id).decide_disciplinary_procedure(
            procedure_id=procedure, outcome=DisciplinaryOutcome.SANCAO, decided_by=COMMISSION,
            exclusion_grounds_examined=True, appeal_information_given=True, occurred_at=on_day(25), actor=GERENTE,
            sanction="incomunicabilidade", duration_days=2,
        )


def test_catalogue_sanction_is_accepted_not_visits_R40(ledger, unit):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    _decision(ledger, case_id, procedure, sanction=SanctionType.ADVERTENCIA, duration_days=1)
    decision = last_event(ledger, "DisciplinaryDecisionIssued")
    assert (decision.procedure_id, decision.sanction) == (procedure, SanctionType.ADVERTENCIA)


def test_appeal_against_a_sanction_is_filed_and_decided_R49(ledger, unit):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    _decision(ledger, case_id, procedure)
    ledger.file_disciplinary_appeal(
        case_id=case_id, procedure_id=procedure, filed_by=ReassessmentRequester.DEFENSOR, occurred_at=on_day(26), actor=GERENTE
    )
    ledger.decide_disciplinary_appeal(
        case_id=case_id, procedure_id=procedure, outcome=AppealOutcome.ANULADA, occurred_at=on_day(28), actor=GERENTE
    )
    assert last_event(ledger, "AppealDecided").outcome is AppealOutcome.ANULADA


def test_decision_without_appeal_information_is_refused_R49(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    with refused("R-49"):
        _decision(ledger, case_id, procedure, appeal_information_given=False)


def _isolate(ledger, case_id, **overrides):
    kwargs = dict(
        case_id=case_id, ground=IsolationGround.SEGURANCA_DE_OUTROS, justification="Agressão em curso",
        place="sala de contenção", occurred_at=on_day(20, 13), actor=LIDER,
    )
    kwargs.update(overrides)
    return ledger.apply_isolation(**kwargs)


def test_isolation_with_notices_within_24h_has_no_exception_R48(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    isolation = _isolate(ledger, case_id)
    ledger.record_isolation_notices(
        case_id=case_id, isolation_id=isolation, defender_notified_at=on_day(20, 15), prosecutor_notified_at=on_day(20, 15),
        judge_notified_at=on_day(21, 9), occurred_at=on_day(21, 9), actor=GERENTE,
    )
    assert last_event(ledger, "IsolationNoticesSent").exceptions == ()


def test_isolation_notices_after_24h_are_flagged_R48(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    isolation = _isolate(ledger, case_id)
    ledger.record_isolation_notices(
        case_id=case_id, isolation_id=isolation, defender_notified_at=on_day(20, 15), prosecutor_notified_at=on_day(20, 15),
        judge_notified_at=on_day(21, 14), occurred_at=on_day(21, 14), actor=GERENTE,
    )
    assert [e.rule_code for e in last_event(ledger, "IsolationNoticesSent").exceptions] == ["R-48"]


def test_isolation_without_justification_is_refused_R48(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-48"):
        _isolate(ledger, case_id, justification="  ")


def test_isolation_on_a_disciplinary_ground_is_refused_R48(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-48"):
        ledger.case(case_id).apply_isolation(
            isolation_id=uuid4(), ground="castigo", justification="mau comportamento",
            place="quarto", occurred_at=on_day(20, 13), actor=LIDER,
        )


def _incentive(ledger, case_id):
    return ledger.grant_incentive(case_id=case_id, kind=IncentiveKind.PASSEIO, team_heard=True, occurred_at=on_day(15), actor=GERENTE)


def test_incentive_suspended_for_misconduct_with_a_decision_is_recorded_R50(ledger, unit):
    case_id, procedure = _charged(ledger, unit)
    incentive = _incentive(ledger, case_id)
    _hearing(ledger, case_id, procedure)
    _decision(ledger, case_id, procedure, sanction=SanctionType.SUSPENSAO_DE_ESTIMULO)
    ledger.suspend_incentive(
        case_id=case_id, incentive_id=incentive, motive=SuspensionMotive.MA_CONDUTA, procedure_id=procedure,
        occurred_at=on_day(26), actor=GERENTE,
    )
    assert ledger.case(case_id).incentives[incentive] is False


def test_incentive_suspended_for_misconduct_without_a_decision_is_refused_R50(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    incentive = _incentive(ledger, case_id)
    with refused("R-50"):
        ledger.suspend_incentive(
            case_id=case_id, incentive_id=incentive, motive=SuspensionMotive.MA_CONDUTA, occurred_at=on_day(26), actor=GERENTE
        )


def _force(ledger, case_id, **overrides):
    from domain.values import ForceTechnique

    kwargs = dict(
        case_id=case_id, technique=ForceTechnique.CONTENCAO_FISICA, staff=COMMISSION[2:], injuries=False,
        justification="Agressão a colega", occurred_at=on_day(20, 12), actor=LIDER,
    )
    kwargs.update(overrides)
    ledger.record_use_of_force(**kwargs)


def test_physical_containment_is_recorded_R52(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _force(ledger, case_id)
    assert last_event(ledger, "UseOfForceRecorded").exceptions == ()


def test_chemical_restraint_is_refused_R52(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-52"):
        ledger.case(case_id).record_use_of_force(
            technique="contencao_quimica_medicamentosa", staff=COMMISSION[2:], injuries=False,
            justification="agitação", occurred_at=on_day(20, 12), actor=LIDER,
        )


def test_injuries_without_medical_exam_are_flagged_R52(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _force(ledger, case_id, injuries=True)
    assert [e.rule_code for e in last_event(ledger, "UseOfForceRecorded").exceptions] == ["R-52"]


def test_court_suspends_a_decided_sanction_R49(ledger, unit):
    from tests.unit.domain.builders import ADMIN, a_court_order

    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    _decision(ledger, case_id, procedure)
    ledger.record_court_sanction_suspension(
        case_id=case_id, procedure_id=procedure, occurred_at=on_day(26), actor=ADMIN, court_order=a_court_order()
    )
    assert ledger.case(case_id).procedures[procedure].suspended_by_court


def test_court_suspension_of_an_undecided_procedure_is_refused_R49(ledger, unit, refused):
    from tests.unit.domain.builders import ADMIN, a_court_order

    case_id, procedure = _charged(ledger, unit)
    with refused("R-49"):
        ledger.record_court_sanction_suspension(
            case_id=case_id, procedure_id=procedure, occurred_at=on_day(26), actor=ADMIN, court_order=a_court_order()
        )


def test_decision_by_fewer_than_three_commission_members_is_refused_R44(ledger, unit, refused):
    # SINASE 71 VIII: the commission of at least three decides, not a part of it.
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    with refused("R-44") as info:
        _decision(ledger, case_id, procedure, decided_by=COMMISSION[:2])
    assert "SINASE 71 VIII" in info.value.message
    assert ledger.case(case_id).procedures[procedure].outcome is None


def test_decision_by_someone_not_on_the_commission_is_refused_R44(ledger, unit, refused):
    case_id, procedure = _charged(ledger, unit)
    _hearing(ledger, case_id, procedure)
    outsider = StaffMember("staff-as-99", Role.ASSISTENTE_SOCIAL)
    with refused("R-44") as info:
        _decision(ledger, case_id, procedure, decided_by=COMMISSION[:2] + (outsider,))
    assert "staff-as-99" in info.value.message and "SINASE 71 VIII" in info.value.message
