"""Registration, intake, acolhimento and rooms: one test where each rule holds, one where it is broken."""

from __future__ import annotations

from datetime import date

import pytest

from domain.rules import RuleViolation
from domain.unit import Resident

from domain.case import CaseStatus
from domain.values import (
    AcolhimentoStep,
    BuildClass,
    DocumentKind,
    IntakeDocument,
    IntakeOrigin,
    IntakeRefusalDestination,
    IntakeRefusalReason,
    Modality,
    RoomChangeReason,
    Sex,
    SourceDocument,
    UnitType,
)
from tests.unit.domain.builders import (
    ADMIN,
    AGENTE,
    GERENTE,
    INTAKE_DAY,
    LIDER,
    a_registration,
    a_unit,
    all_acolhimento_steps,
    an_admitted_youth,
    an_intake,
    an_internacao_unit,
    at,
    event_count,
    last_event,
    on_day,
)


def test_intake_with_court_order_is_recorded_R01(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    assert ledger.case(case_id).status is CaseStatus.ATIVO


def test_intake_without_court_order_is_refused_R01(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    with refused("R-01"):
        an_intake(ledger, case_id, unit, court_order=None)
    with refused("R-01"):
        an_intake(ledger, case_id, unit, court_order=SourceDocument(DocumentKind.OFICIO_VAGA, "OF-1"))


def test_intake_with_every_document_is_recorded_R02(ledger, unit):
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit, documents_presented=tuple(IntakeDocument))
    assert ledger.unit(unit).occupancy == 1


def test_intake_with_a_missing_document_is_refused_and_names_it_R02(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    partial = tuple(d for d in IntakeDocument if d is not IntakeDocument.EXAME_CORPO_DE_DELITO)
    with refused("R-02") as info:
        an_intake(ledger, case_id, unit, documents_presented=partial)
    assert "exame_de_corpo_de_delito" in info.value.message
    assert ledger.unit(unit).occupancy == 0


def test_unit_portaria_can_change_the_document_checklist_R02(ledger):
    unit = a_unit(ledger, required_intake_documents=(IntakeDocument.CARTA_OU_GUIA_DE_EXECUCAO,))
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit, documents_presented=(IntakeDocument.CARTA_OU_GUIA_DE_EXECUCAO,))
    assert ledger.case(case_id).status is CaseStatus.ATIVO


def test_refused_intake_is_recorded_with_missing_items_and_destination_R03(ledger, unit):
    case_id = a_registration(ledger, unit)
    before = event_count(ledger)
    ledger.refuse_intake(
        case_id=case_id,
        unit_id=unit,
        reasons=(IntakeRefusalReason.DOCUMENTO_FALTANTE,),
        missing_documents=(IntakeDocument.EXAME_CORPO_DE_DELITO,),
        destination=IntakeRefusalDestination.RETORNOU_COM_ESCOLTA,
        presenting_officer="Policial Fictício",
        court_notified=True,
        occurred_at=at(INTAKE_DAY, 10),
        actor=ADMIN,
    )
    assert event_count(ledger) == before + 1
    assert ledger.case(case_id).status is CaseStatus.REGISTRADO


def test_refused_intake_without_the_missing_items_is_refused_R03(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    with refused("R-03"):
        ledger.refuse_intake(
            case_id=case_id,
            unit_id=unit,
            reasons=(IntakeRefusalReason.DOCUMENTO_FALTANTE,),
            destination=IntakeRefusalDestination.RETORNOU_COM_ESCOLTA,
            presenting_officer="Policial Fictício",
            court_notified=True,
            occurred_at=at(INTAKE_DAY, 10),
            actor=ADMIN,
        )


def test_semiliberdade_intake_within_capacity_is_recorded_R04(ledger):
    unit = a_unit(ledger, capacity=1)
    an_admitted_youth(ledger, unit)
    assert ledger.unit(unit).occupancy == 1


def test_semiliberdade_intake_over_capacity_without_court_order_is_refused_R04(ledger, refused):
    unit = a_unit(ledger, capacity=1)
    an_admitted_youth(ledger, unit)
    second = a_registration(ledger, unit)
    with refused("R-04"):
        an_intake(ledger, second, unit)


def test_semiliberdade_over_capacity_by_court_order_is_recorded_with_exception_R04(ledger):
    unit = a_unit(ledger, capacity=1)
    an_admitted_youth(ledger, unit)
    second = a_registration(ledger, unit)
    an_intake(ledger, second, unit, court_ordered_over_capacity=True, exception_justification="Decisão 12/2026 determina")
    assert ledger.unit(unit).occupancy == 2
    intake = last_event(ledger, "IntakeRecorded")
    assert [e.rule_code for e in intake.exceptions] == ["R-04"] and intake.exceptions[0].alert


def test_semiliberdade_unit_over_20_places_is_refused_R04(ledger, refused):
    with refused("R-04"):
        a_unit(ledger, capacity=21)


def test_internacao_over_capacity_is_recorded_with_alert_never_refused_R05(ledger):
    unit = an_internacao_unit(ledger, capacity=1)
    an_admitted_youth(ledger, unit, modality=Modality.INTERNACAO)
    second = a_registration(ledger, unit)
    an_intake(ledger, second, unit, modality=Modality.INTERNACAO)
    assert ledger.unit(unit).occupancy == 2
    assert [e.rule_code for e in last_event(ledger, "IntakeRecorded").exceptions] == ["R-05"]


def test_internacao_within_capacity_has_no_exception_R05(ledger):
    unit = an_internacao_unit(ledger, capacity=2)
    an_admitted_youth(ledger, unit, modality=Modality.INTERNACAO)
    assert last_event(ledger, "ResidentAdmitted").exceptions == ()


def test_intake_in_office_hours_has_no_exception_R06(ledger, unit):
    an_admitted_youth(ledger, unit)
    assert last_event(ledger, "IntakeRecorded").exceptions == ()


def test_intake_at_night_is_recorded_with_exception_and_alert_R06(ledger, unit):
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit, occurred_at=at(INTAKE_DAY, 22))
    (exception,) = last_event(ledger, "IntakeRecorded").exceptions
    assert exception.rule_code == "R-06" and exception.alert


def test_intake_on_good_friday_is_recorded_with_exception_R06(ledger, unit):
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit, occurred_at=at(date(2026, 4, 3), 10))
    assert [e.rule_code for e in last_event(ledger, "IntakeRecorded").exceptions] == ["R-06"]


def test_more_than_five_days_in_a_police_station_is_recorded_with_an_alert_R11(ledger, unit):
    # ECA 185 §2: the wait in a police station for a vacancy lasts at most five days.
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit, origin=IntakeOrigin.DELEGACIA, days_in_police_custody=6)
    (exception,) = last_event(ledger, "IntakeRecorded").exceptions
    assert exception.rule_code == "R-11" and exception.alert
    assert "6 days" in exception.justification


def test_five_days_in_a_police_station_are_within_the_limit_R11(ledger, unit):
    case_id = a_registration(ledger, unit)
    an_intake(ledger, case_id, unit, origin=IntakeOrigin.DELEGACIA, days_in_police_custody=5)
    assert last_event(ledger, "IntakeRecorded").exceptions == ()


def test_second_registration_of_the_same_process_is_refused_R07(ledger, unit, refused):
    a_registration(ledger, unit, process_number="EXEC-42")
    with refused("R-07"):
        a_registration(ledger, unit, process_number="EXEC-42")


def test_second_intake_while_a_stay_is_active_is_refused_R07(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    other = a_unit(ledger)
    with refused("R-07"):
        an_intake(ledger, case_id, other)


def test_youth_under_21_is_admitted_R08(ledger, unit):
    case_id = an_admitted_youth(ledger, unit, registration=dict(birth_date=date(2005, 3, 3)))
    assert ledger.case(case_id).age_on(INTAKE_DAY) == 20


def test_youth_aged_21_is_refused_at_registration_R08(ledger, unit, refused):
    with refused("R-08"):
        a_registration(ledger, unit, birth_date=date(2005, 3, 2))


def test_act_at_age_12_is_accepted_R09(ledger, unit):
    case_id = a_registration(ledger, unit, birth_date=date(2010, 1, 1), offence_date=date(2022, 1, 1))
    registered = last_event(ledger, "AdolescentRegistered")
    assert (registered.originator_id, registered.birth_date) == (case_id, date(2010, 1, 1))


def test_act_before_age_12_is_refused_R09(ledger, unit, refused):
    with refused("R-09"):
        a_registration(ledger, unit, birth_date=date(2010, 1, 1), offence_date=date(2021, 12, 31))


def test_intake_search_witnessed_by_escort_is_recorded_R14(ledger, unit):
    an_admitted_youth(ledger, unit, search_witnessed_by_escort=True)
    assert last_event(ledger, "IntakeRecorded").search_witnessed_by_escort


def test_intake_search_not_witnessed_by_escort_is_refused_R14(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    with refused("R-14"):
        an_intake(ledger, case_id, unit, search_witnessed_by_escort=False)


def test_intake_with_belongings_receipt_is_recorded_R16(ledger, unit):
    an_admitted_youth(ledger, unit, belongings_receipt_id="REC-99")
    assert last_event(ledger, "IntakeRecorded").belongings_receipt_id == "REC-99"


def test_intake_without_belongings_receipt_is_refused_R16(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    with refused("R-16"):
        an_intake(ledger, case_id, unit, belongings_receipt_id=" ")


def test_unit_that_does_not_serve_the_modality_refuses_intake_D03(ledger, unit, refused):
    case_id = a_registration(ledger, unit)
    with refused("D-03"):
        an_intake(ledger, case_id, unit, modality=Modality.INTERNACAO)


def test_unit_for_boys_refuses_a_girl_D03(ledger, unit, refused):
    case_id = a_registration(ledger, unit, sex=Sex.FEMININO)
    with refused("D-03"):
        an_intake(ledger, case_id, unit)


def test_naive_occurred_at_is_refused_D01(ledger, unit, refused):
    from datetime import datetime

    case_id = a_registration(ledger, unit)
    with refused("D-01"):
        an_intake(ledger, case_id, unit, occurred_at=datetime(2026, 3, 2, 10))


def test_acolhimento_within_3_business_days_has_no_exception_R12(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    all_acolhimento_steps(ledger, case_id, day=2)
    ledger.complete_acolhimento(case_id=case_id, occurred_at=on_day(4), actor=GERENTE)
    assert last_event(ledger, "AcolhimentoCompleted").exceptions == ()


def test_acolhimento_after_3_business_days_is_flagged_R12(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    all_acolhimento_steps(ledger, case_id, day=2)
    ledger.complete_acolhimento(case_id=case_id, occurred_at=on_day(6), actor=GERENTE)
    assert [e.rule_code for e in last_event(ledger, "AcolhimentoCompleted").exceptions] == ["R-12"]


def test_acolhimento_cannot_close_with_steps_missing_R12(ledger, unit, refused):
    # Was D-02; issue 18: the refusal carries the acolhimento rule (Reg. art. 31), R-12.
    case_id = an_admitted_youth(ledger, unit)
    ledger.complete_acolhimento_step(case_id=case_id, step=AcolhimentoStep.PRPIF, occurred_at=on_day(1, 12), actor=AGENTE)
    with refused("R-12"):
        ledger.complete_acolhimento(case_id=case_id, occurred_at=on_day(2), actor=GERENTE)


def _two_youths(ledger, unit, **second):
    first = an_admitted_youth(ledger, unit)
    ledger.assign_room(case_id=first, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 12), actor=GERENTE)
    other = an_admitted_youth(ledger, unit, **second)
    return first, other


def test_room_with_youths_of_the_same_profile_has_no_exception_R18(ledger, unit):
    _, other = _two_youths(ledger, unit)
    ledger.assign_room(case_id=other, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 13), actor=GERENTE)
    assert last_event(ledger, "RoomAssigned").exceptions == ()
    assert set(ledger.unit(unit).roommates("A1")) == {_, other}


def test_room_mixing_age_bands_is_recorded_with_alert_R18(ledger, unit):
    _, other = _two_youths(ledger, unit, registration=dict(birth_date=date(2006, 1, 1)))
    ledger.assign_room(case_id=other, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 13), actor=GERENTE)
    assert [e.rule_code for e in last_event(ledger, "RoomAssigned").exceptions] == ["R-18"]


def test_room_mixing_builds_is_recorded_with_alert_R18(ledger, unit):
    first = an_admitted_youth(ledger, unit, build=BuildClass.PEQUENA)
    ledger.assign_room(case_id=first, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 12), actor=GERENTE)
    other = an_admitted_youth(ledger, unit, build=BuildClass.GRANDE)
    ledger.assign_room(case_id=other, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 13), actor=GERENTE)
    assert [e.rule_code for e in last_event(ledger, "RoomAssigned").exceptions] == ["R-18"]


def test_room_of_the_same_sex_is_assigned_R19(ledger):
    unit = a_unit(ledger, sex=Sex.FEMININO)
    girl = an_admitted_youth(ledger, unit, registration=dict(sex=Sex.FEMININO))
    ledger.assign_room(case_id=girl, room="F1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 12), actor=GERENTE)
    assert ledger.unit(unit).room_of(girl) == "F1"


def test_room_shared_by_sexes_is_refused_R19(ledger, refused):
    # A unit whose profile was recorded for boys holds a girl by mistake: the room rule still holds.
    unit = a_unit(ledger, sex=Sex.MASCULINO)
    boy = an_admitted_youth(ledger, unit)
    ledger.assign_room(case_id=boy, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 12), actor=GERENTE)
    girl_unit = a_unit(ledger, sex=Sex.FEMININO)
    girl = an_admitted_youth(ledger, girl_unit, registration=dict(sex=Sex.FEMININO))
    case, unit_state, boy_case = ledger.case(girl), ledger.unit(unit), ledger.case(boy)
    case.collect_events()
    case.unit_id = str(unit_state.id)  # the mistaken placement, in memory only
    unit_state.residents[case.id] = Resident(case.id, None)
    with pytest.raises(RuleViolation) as info:
        case.assign_room(
            unit=unit_state, room="A1", reason=RoomChangeReason.ROTINA, roommates=[boy_case], occurred_at=on_day(1, 13), actor=GERENTE
        )
    assert info.value.code == "R-19"
    assert case.collect_events() == [] and unit_state.collect_events() == []


def test_room_mixing_provisoria_and_definitiva_is_recorded_with_alert_R20(ledger):
    unit = a_unit(ledger, unit_type=UnitType.INTERNACAO_PROVISORIA, capacity=40)
    first = an_admitted_youth(ledger, unit, modality=Modality.PROVISORIA)
    ledger.assign_room(case_id=first, room="P1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 12), actor=GERENTE)
    other = an_admitted_youth(ledger, unit, modality=Modality.INTERNACAO_SANCAO)
    ledger.assign_room(case_id=other, room="P1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 13), actor=GERENTE)
    assert [e.rule_code for e in last_event(ledger, "RoomAssigned").exceptions] == ["R-20"]


def test_room_of_provisoria_youths_only_has_no_R20_exception_R20(ledger):
    unit = a_unit(ledger, unit_type=UnitType.INTERNACAO_PROVISORIA, capacity=40)
    first = an_admitted_youth(ledger, unit, modality=Modality.PROVISORIA)
    ledger.assign_room(case_id=first, room="P1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 12), actor=GERENTE)
    other = an_admitted_youth(ledger, unit, modality=Modality.PROVISORIA)
    ledger.assign_room(case_id=other, room="P1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(1, 13), actor=GERENTE)
    assert last_event(ledger, "RoomAssigned").exceptions == ()


def test_emergency_room_change_by_leader_with_justification_is_recorded_R21(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.assign_room(
        case_id=case_id, room="B2", reason=RoomChangeReason.EMERGENCIA, justification="Ameaça no alojamento A1",
        occurred_at=on_day(3, 23), actor=LIDER,
    )
    assert ledger.case(case_id).room == "B2"


def test_emergency_room_change_without_justification_is_refused_R21(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-21"):
        ledger.assign_room(case_id=case_id, room="B2", reason=RoomChangeReason.EMERGENCIA, occurred_at=on_day(3, 23), actor=LIDER)


def _finding(ledger, case_id, unit, **overrides):
    from domain.values import IntakeFinding

    kwargs = dict(
        case_id=case_id, unit_id=unit, findings=(IntakeFinding.LESOES_NAO_DESCRITAS,), description="Hematoma no braço",
        referred_to_police_station=True, escort_present=True, occurred_at=at(INTAKE_DAY, 10, 30), actor=AGENTE,
    )
    kwargs.update(overrides)
    ledger.report_intake_finding(**kwargs)


def test_intake_finding_referred_in_the_officers_presence_has_no_exception_R15(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _finding(ledger, case_id, unit)
    assert last_event(ledger, "IntakeFindingReported").exceptions == ()


def test_intake_finding_not_referred_to_the_police_station_is_flagged_R15(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _finding(ledger, case_id, unit, referred_to_police_station=False)
    assert [e.rule_code for e in last_event(ledger, "IntakeFindingReported").exceptions] == ["R-15"]


def _vacancy(ledger, unit, **overrides):
    kwargs = dict(
        unit_id=unit, requesting_process="EXEC-REF-1", valid_until=date(2026, 3, 31), occurred_at=at(date(2026, 2, 20)),
        actor=GERENTE, oficio=SourceDocument(DocumentKind.OFICIO_VAGA, "OF-VAGA-1"),
    )
    kwargs.update(overrides)
    return ledger.release_vacancy(**kwargs)


def test_intake_on_a_released_vacancy_fills_it_R04(ledger):
    unit = a_unit(ledger, capacity=1)
    vacancy = _vacancy(ledger, unit)
    an_admitted_youth(ledger, unit, vacancy_id=vacancy)
    assert ledger.unit(unit).occupancy == 1 and ledger.unit(unit).vacancies == {}


def test_reserved_place_is_not_taken_by_another_intake_R04(ledger, refused):
    unit = a_unit(ledger, capacity=1)
    _vacancy(ledger, unit)
    case_id = a_registration(ledger, unit)
    with refused("R-04"):
        an_intake(ledger, case_id, unit)


def test_vacancy_beyond_capacity_is_refused_R04(ledger, refused):
    unit = a_unit(ledger, capacity=1)
    _vacancy(ledger, unit)
    with refused("R-04"):
        _vacancy(ledger, unit)


def test_intake_on_an_expired_vacancy_is_refused_R04(ledger, refused):
    unit = a_unit(ledger, capacity=2)
    vacancy = _vacancy(ledger, unit, valid_until=date(2026, 2, 28))
    case_id = a_registration(ledger, unit)
    with refused("R-04"):
        an_intake(ledger, case_id, unit, vacancy_id=vacancy)


def test_acolhimento_closed_with_steps_missing_is_refused_R12(ledger, unit, refused):
    # Issue 18: Reg. art. 31 lists the acolhimento steps; the refusal carries the acolhimento rule
    # and its article, not D-02 (whose source is data integrity).
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-12") as info:
        ledger.complete_acolhimento(case_id=case_id, occurred_at=on_day(4), actor=GERENTE)
    assert "Reg. art. 31" in info.value.message


def test_d02_cites_no_data_model_of_another_system_as_its_source():
    from domain.rules import RULES

    assert "Recidiviz" not in RULES["D-02"].source
