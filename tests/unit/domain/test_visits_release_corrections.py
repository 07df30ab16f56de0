"""Visitor register, visits, suspensions, petitions, release and corrections."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

from domain.calendar import nth_day
from domain.case import CaseStatus
from domain.values import (
    Actor,
    DocumentKind,
    FieldCorrection,
    JudicialOrderKind,
    Modality,
    PetitionAddressee,
    PetitionSubject,
    ReleaseBasis,
    Role,
    UnitType,
    VisitModality,
    VisitRefusalReason,
)
from tests.unit.domain.builders import (
    ADMIN,
    AGENTE,
    GERENTE,
    INTAKE_DAY,
    LIDER,
    a_court_order,
    a_sunday_after,
    a_unit,
    a_visitor,
    an_admitted_youth,
    at,
    events_named,
    last_event,
    on_day,
)


def _common_visit(ledger, case_id, visitors, sunday=None, **overrides):
    sunday = sunday or a_sunday_after(10)
    kwargs = dict(
        case_id=case_id, visitor_ids=tuple(visitors), modality=VisitModality.COMUM, started_at=at(sunday, 8, 30),
        ended_at=at(sunday, 10, 30), search_done=True, occurred_at=at(sunday, 10, 30), actor=AGENTE,
    )
    kwargs.update(overrides)
    ledger.hold_visit(**kwargs)


def test_visit_of_two_registered_visitors_on_sunday_morning_is_recorded_R36(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _common_visit(ledger, case_id, [a_visitor(ledger, case_id), a_visitor(ledger, case_id, name="Avó Fictícia")])
    assert len(last_event(ledger, "VisitHeld").visitor_ids) == 2


def test_visit_of_three_visitors_is_refused_R36(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    visitors = [a_visitor(ledger, case_id) for _ in range(3)]
    with refused("R-36"):
        _common_visit(ledger, case_id, visitors)


def test_minor_visitor_with_parental_authorisation_is_registered_R36(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id, is_minor=True, parental_authorisation="Autorização assinada pela mãe")
    registered = last_event(ledger, "VisitorRegistered")
    assert (registered.visitor_id, registered.is_minor) == (visitor, True)
    assert registered.parental_authorisation == "Autorização assinada pela mãe"


def test_minor_visitor_without_parental_authorisation_is_refused_R36(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-36"):
        a_visitor(ledger, case_id, is_minor=True)


def test_visitor_without_photo_id_is_refused_R36(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-36"):
        a_visitor(ledger, case_id, photo_id_kind=None)


def test_visit_by_someone_not_on_the_list_is_refused_R35(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-35"):
        _common_visit(ledger, case_id, [uuid4()])


def test_deactivated_visitor_stays_in_history_and_cannot_visit_R35(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    ledger.deactivate_visitor(case_id=case_id, visitor_id=visitor, reason="pedido da família", occurred_at=on_day(5), actor=ADMIN)
    assert visitor in ledger.case(case_id).visitors
    with refused("R-35"):
        _common_visit(ledger, case_id, [visitor])


def test_common_visit_on_a_weekday_is_refused_R38(ledger, unit, refused):
    # Reg. art. 55 I: common visits on Sundays 08–11 h — rule R-38 of the rule book (was refused as R-35,
    # which is about the art. 62 reasons for turning a visitor away).
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    monday = a_sunday_after(10) + timedelta(days=1)
    with refused("R-38"):
        _common_visit(ledger, case_id, [visitor], started_at=at(monday, 9), ended_at=at(monday, 10))


def test_common_visit_past_11_on_a_sunday_is_refused_R38(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    sunday = a_sunday_after(10)
    with refused("R-38"):
        _common_visit(ledger, case_id, [visitor], started_at=at(sunday, 10), ended_at=at(sunday, 12))


def test_visit_refused_for_a_listed_reason_is_recorded_R35(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    ledger.refuse_visit(
        case_id=case_id, reason=VisitRefusalReason.GESSO_OU_CURATIVO, family_guidance_signed=True, noted_in_agenda=True,
        occurred_at=at(a_sunday_after(10), 8), actor=AGENTE,
    )
    assert last_event(ledger, "VisitRefused").reason is VisitRefusalReason.GESSO_OU_CURATIVO


def test_visit_refused_for_a_reason_outside_the_list_is_refused_R35(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-35"):
        ledger.case(case_id).refuse_visit(
            reason="cabelo comprido", family_guidance_signed=True, noted_in_agenda=True,
            occurred_at=at(a_sunday_after(10), 8), actor=AGENTE,
        )


def test_visit_refusal_without_signed_guidance_is_refused_R35(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-35"):
        ledger.refuse_visit(
            case_id=case_id, reason=VisitRefusalReason.SEM_DOCUMENTO, family_guidance_signed=False, noted_in_agenda=True,
            occurred_at=at(a_sunday_after(10), 8), actor=AGENTE,
        )


def _exceptional(ledger, case_id, visitor, day):
    ledger.hold_visit(
        case_id=case_id, visitor_ids=(visitor,), modality=VisitModality.EXCEPCIONAL, started_at=at(day, 14),
        ended_at=at(day, 15), search_done=True, occurred_at=at(day, 15), actor=AGENTE,
    )


def test_exceptional_visits_a_fortnight_apart_are_recorded_R37(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    _exceptional(ledger, case_id, visitor, nth_day(INTAKE_DAY, 10))
    _exceptional(ledger, case_id, visitor, nth_day(INTAKE_DAY, 24))
    held = events_named(ledger, "VisitHeld")
    assert [(e.modality, e.started_at.date()) for e in held] == [
        (VisitModality.EXCEPCIONAL, nth_day(INTAKE_DAY, 10)), (VisitModality.EXCEPCIONAL, nth_day(INTAKE_DAY, 24))]


def test_second_exceptional_visit_in_a_fortnight_is_refused_R37(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    _exceptional(ledger, case_id, visitor, nth_day(INTAKE_DAY, 10))
    with refused("R-37"):
        _exceptional(ledger, case_id, visitor, nth_day(INTAKE_DAY, 17))


def test_exceptional_visitor_needs_technical_qualification_R37(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-37"):
        a_visitor(ledger, case_id, qualified_by_team=False, modalities=(VisitModality.EXCEPCIONAL,))


def test_court_suspension_stops_that_visitor_and_lifting_restores_R33(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    suspension = ledger.suspend_visits_by_court(
        case_id=case_id, visitor_ids=(visitor,), starts_on=nth_day(INTAKE_DAY, 5), occurred_at=on_day(5), actor=ADMIN,
        court_order=a_court_order(),
    )
    with refused("R-33"):
        _common_visit(ledger, case_id, [visitor])
    ledger.lift_court_visit_suspension(
        case_id=case_id, suspension_id=suspension, occurred_at=on_day(6), actor=ADMIN, court_order=a_court_order()
    )
    _common_visit(ledger, case_id, [visitor])


def test_visit_suspension_without_a_court_order_is_refused_R33(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-33"):
        ledger.suspend_visits_by_court(
            case_id=case_id, starts_on=INTAKE_DAY, occurred_at=on_day(5), actor=GERENTE,
            court_order=None,
        )


def test_unit_suspends_one_visitor_not_the_youths_other_visits_R34(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    caught, other = a_visitor(ledger, case_id), a_visitor(ledger, case_id, name="Tia Fictícia")
    ledger.suspend_visitor(
        unit_id=unit, visitor_id=caught, until=nth_day(INTAKE_DAY, 60), items_found="celular", police_called=True,
        occurred_at=on_day(5), actor=LIDER,
    )
    with refused("R-34"):
        _common_visit(ledger, case_id, [caught])
    _common_visit(ledger, case_id, [other])


def test_visitor_suspension_by_an_agent_is_refused_R34(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    with refused("R-34"):
        ledger.suspend_visitor(
            unit_id=unit, visitor_id=visitor, until=nth_day(INTAKE_DAY, 60), items_found="celular", police_called=False,
            occurred_at=on_day(5), actor=AGENTE,
        )


def test_petition_answered_within_15_days_has_no_exception_R41(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    petition = ledger.file_petition(
        case_id=case_id, addressee=PetitionAddressee.DEFENSORIA, subject=PetitionSubject.PROCESSO, occurred_at=on_day(10), actor=AGENTE
    )
    assert last_event(ledger, "PetitionFiled").sealed
    ledger.answer_petition(case_id=case_id, petition_id=petition, occurred_at=on_day(25), actor=ADMIN)
    assert last_event(ledger, "PetitionAnswered").exceptions == ()


def test_petition_answered_after_15_days_is_flagged_R41(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    petition = ledger.file_petition(
        case_id=case_id, addressee=PetitionAddressee.DIRECAO_DA_UNIDADE, subject=PetitionSubject.SAUDE, occurred_at=on_day(10), actor=AGENTE
    )
    ledger.answer_petition(case_id=case_id, petition_id=petition, occurred_at=on_day(26), actor=GERENTE)
    assert [e.rule_code for e in last_event(ledger, "PetitionAnswered").exceptions] == ["R-41"]


def _release(ledger, case_id, **overrides):
    kwargs = dict(
        case_id=case_id, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True, belongings_returned=True,
        termo_de_desligamento_signed=True, family_present=True, occurred_at=on_day(200, 10), actor=GERENTE,
    )
    kwargs.update(overrides)
    ledger.release(**kwargs)


def _order(ledger, case_id, day=199):
    ledger.receive_release_order(
        case_id=case_id, protocol_number="ML-1", occurred_at=on_day(day), actor=GERENTE,
        court_order=a_court_order(DocumentKind.MANDADO_LIBERACAO, "ML-1"),
    )


def test_release_on_court_order_closes_the_case_R56(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _order(ledger, case_id)
    _release(ledger, case_id)
    assert ledger.case(case_id).status is CaseStatus.DESLIGADO and ledger.unit(unit).occupancy == 0


def test_release_without_order_or_legal_basis_is_refused_R56(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-56"):
        _release(ledger, case_id)


def test_release_at_21_by_law_is_never_blocked_even_with_checklist_pending_R56(ledger, unit):
    case_id = an_admitted_youth(ledger, unit, registration=dict(birth_date=date(2005, 9, 1)))
    birthday = date(2026, 9, 1)
    _release(
        ledger, case_id, basis=ReleaseBasis.EX_LEGE_21_ANOS, documents_delivered=False,
        occurred_at=at(birthday + timedelta(days=5), 23),  # a Sunday night, outside the window too
    )
    released = last_event(ledger, "Released")
    assert ledger.case(case_id).status is CaseStatus.DESLIGADO
    assert {e.rule_code for e in released.exceptions} == {"R-58", "R-57"}


def test_release_by_law_at_21_before_the_birthday_is_refused_R56(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit, registration=dict(birth_date=date(2005, 9, 1)))
    with refused("R-56"):
        _release(ledger, case_id, basis=ReleaseBasis.EX_LEGE_21_ANOS, occurred_at=at(date(2026, 8, 31), 10))


def test_provisoria_released_by_law_after_45_days_R56(ledger):
    unit = a_unit(ledger, unit_type=UnitType.INTERNACAO_PROVISORIA, capacity=40)
    case_id = an_admitted_youth(ledger, unit, modality=Modality.PROVISORIA, apprehended_on=INTAKE_DAY)
    _release(ledger, case_id, basis=ReleaseBasis.EX_LEGE_45_DIAS, occurred_at=on_day(46))
    assert ledger.case(case_id).release_basis is ReleaseBasis.EX_LEGE_45_DIAS


def test_release_inside_the_window_has_no_R57_exception_R57(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _order(ledger, case_id)
    _release(ledger, case_id, occurred_at=at(date(2026, 9, 16), 14))  # a Wednesday
    assert last_event(ledger, "Released").exceptions == ()


def test_release_outside_the_window_is_recorded_with_alert_R57(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _order(ledger, case_id)
    _release(ledger, case_id, occurred_at=at(date(2026, 9, 16), 18))
    assert [e.rule_code for e in last_event(ledger, "Released").exceptions] == ["R-57"]


def test_release_on_order_with_documents_not_delivered_is_refused_R58(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    _order(ledger, case_id)
    with refused("R-58"):
        _release(ledger, case_id, documents_delivered=False)


def test_released_case_accepts_no_movement_D02(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    _order(ledger, case_id)
    _release(ledger, case_id)
    destination = a_unit(ledger)
    with refused("D-02"):
        ledger.transfer(
            case_id=case_id, destination_unit_id=destination, pia_and_history_sent=True, vehicle="van",
            occurred_at=on_day(201), actor=GERENTE, court_order=a_court_order(),
        )


def test_correction_by_supervisor_names_the_entry_and_reason_R66(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    version = ledger.case(case_id).version
    ledger.correct_case_entry(
        case_id=case_id, target_version=version, corrections=(FieldCorrection("relationship", "avo"),),
        reason="Parentesco anotado errado", authorised_by=LIDER, occurred_at=on_day(3), actor=ADMIN,
    )
    corrected = last_event(ledger, "EntryCorrected")
    assert corrected.target_version == version and corrected.authorised_by == LIDER
    assert visitor in ledger.case(case_id).visitors


def test_correction_authorised_by_an_agent_is_refused_R66(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-66"):
        ledger.correct_case_entry(
            case_id=case_id, target_version=3, corrections=(FieldCorrection("document_version", "v2"),),
            reason="erro", authorised_by=AGENTE, occurred_at=on_day(3), actor=ADMIN,
        )


def test_voiding_a_court_transcription_needs_a_court_document_R66(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    ledger.receive_judicial_order(
        case_id=case_id, kind=JudicialOrderKind.OUTRA,
        protocol_number="P-9", occurred_at=on_day(4), actor=ADMIN, court_document=a_court_order(),
    )
    version = ledger.case(case_id).version
    with refused("R-66"):
        ledger.void_case_entry(
            case_id=case_id, target_version=version, reason="lançado no caso errado", authorised_by=GERENTE,
            occurred_at=on_day(5), actor=ADMIN,
        )
    ledger.void_case_entry(
        case_id=case_id, target_version=version, reason="lançado no caso errado", authorised_by=GERENTE,
        occurred_at=on_day(5), actor=ADMIN, source_document=a_court_order(number="CERT-ERRO"),
    )
    assert version in ledger.case(case_id).voided


def test_voiding_a_movement_is_refused_R66(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    with refused("R-66"):
        ledger.void_case_entry(
            case_id=case_id, target_version=2, reason="erro", authorised_by=GERENTE, occurred_at=on_day(5), actor=ADMIN,
            source_document=a_court_order(),
        )


def test_unit_entry_is_voided_by_the_gerente_R66(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    visitor = a_visitor(ledger, case_id)
    ledger.suspend_visitor(
        unit_id=unit, visitor_id=visitor, until=nth_day(INTAKE_DAY, 30), items_found="celular", police_called=False,
        occurred_at=on_day(5), actor=LIDER,
    )
    version = ledger.unit(unit).version
    ledger.void_unit_entry(
        unit_id=unit, target_version=version, reason="visitante errado", authorised_by=GERENTE, occurred_at=on_day(6),
        actor=Actor("staff-ger-01", Role.GERENTE),
    )
    assert version in ledger.unit(unit).voided


def test_release_on_order_with_the_full_checklist_is_recorded_R58(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _order(ledger, case_id)
    _release(ledger, case_id)
    released = last_event(ledger, "Released")
    assert released.documents_delivered and released.belongings_returned and released.termo_de_desligamento_signed


def test_phone_call_after_15_days_without_visit_is_recorded_R39(ledger, unit):
    from domain.values import PhoneCallReason

    case_id = an_admitted_youth(ledger, unit)
    ledger.hold_phone_call(case_id=case_id, reason=PhoneCallReason.SEM_VISITA_15_DIAS, duration_minutes=10, occurred_at=on_day(16), actor=AGENTE)
    assert last_event(ledger, "PhoneCallHeld").days_without_visit == 15


def test_phone_call_for_no_visit_before_15_days_is_refused_R39(ledger, unit, refused):
    from domain.values import PhoneCallReason

    case_id = an_admitted_youth(ledger, unit)
    with refused("R-39"):
        ledger.hold_phone_call(case_id=case_id, reason=PhoneCallReason.SEM_VISITA_15_DIAS, duration_minutes=10, occurred_at=on_day(15), actor=AGENTE)


def test_gerente_reports_reintegration_after_release_R58(ledger, unit):
    case_id = an_admitted_youth(ledger, unit)
    _order(ledger, case_id)
    _release(ledger, case_id)
    ledger.report_reintegration(case_id=case_id, protocol_number="OF-REINT-1", occurred_at=on_day(201), actor=GERENTE)
    assert last_event(ledger, "ReintegrationReportedToCourt").unit_id == str(unit)


def test_reintegration_reported_by_an_agent_is_refused_R58(ledger, unit, refused):
    case_id = an_admitted_youth(ledger, unit)
    _order(ledger, case_id)
    _release(ledger, case_id)
    with refused("R-58"):
        ledger.report_reintegration(case_id=case_id, protocol_number="OF-REINT-1", occurred_at=on_day(201), actor=AGENTE)
