"""The occurrence book (E55; R-59, R-51, R-53) and death (E53; R-68), from the text of the law:

- CONANDA Res. 252 art. 58–59: daily occurrence records, each with its minimum content (I–IX);
- Reg. art. 21 XII: the líder "verificar e zelar pelo registro fidedigno das ocorrências diárias …,
  dando fé do mesmo ao final do plantão"; XXI: tells the next team what happened;
- Reg. art. 14 XII, 21 XVIII: damage or a violation of rights goes to the police station;
- Reg. art. 21 XX, 14 XI: the líder's detailed report of a rebellion; court and Superintendência informed;
- Reg. art. 14 XXII: the gerente informs the family of a youth's accident or death; SINASE art. 46 I:
  the death extinguishes the measure; Reg. art. 51 XXIV: the youth is told immediately of a relative's death.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.case import CaseStatus
from domain.case.death import DeathCause
from domain.unit.occurrences import PoliceReportReason, RebellionMotive
from tests.unit.domain.builders import (
    AGENTE,
    ASSISTENTE_SOCIAL,
    GERENTE,
    INTAKE_DAY,
    LIDER,
    an_admitted_youth,
    at,
    events_named,
    last_event,
    on_day,
)

SHIFT = at(INTAKE_DAY, 7)


def _log(ledger, unit, **overrides):
    kwargs = dict(
        unit_id=unit, shift_started_at=SHIFT, team_on_duty="Líder staff-lid-01; agentes staff-age-01 (portaria), "
        "staff-age-02 (alojamentos)", youths_received_and_handed_over="12 recebidos, 12 entregues",
        occurrences_and_measures="nada a registrar", movements="saída para a escola às 07h, retorno às 12h",
        administrative_occurrences="nada a registrar", structural_problems="chuveiro do alojamento 2 quebrado",
        unusual_facts="nada a registrar", monitoring_or_police_calls="nenhum acionamento",
        occurred_at=at(INTAKE_DAY, 18), actor=AGENTE)
    kwargs.update(overrides)
    return ledger.log_occurrence(**kwargs)


def _handover(ledger, unit, **overrides):
    kwargs = dict(unit_id=unit, shift_started_at=SHIFT, incoming_leader="staff-lid-02",
                  pending_matters="conserto do chuveiro solicitado", occurred_at=at(INTAKE_DAY, 19), actor=LIDER)
    kwargs.update(overrides)
    return ledger.hand_over_shift(**kwargs)


def _police_report(ledger, unit, **overrides):
    kwargs = dict(unit_id=unit, police_station="Delegacia Especializada do Adolescente de Cuiabá",
                  report_number="BO 2026.000123", reason=PoliceReportReason.DANO_PELO_ADOLESCENTE,
                  summary="Dano a uma porta do alojamento", occurred_at=on_day(5, 15), actor=LIDER)
    kwargs.update(overrides)
    return ledger.file_police_report(**kwargs)


def _rebellion(ledger, unit, **overrides):
    kwargs = dict(unit_id=unit, started_at=on_day(10, 20), ended_at=on_day(10, 23), youths_involved=6,
                  bodily_injuries=True, deaths=0, harm_by_staff_or_police=False,
                  motives=(RebellionMotive.SUPERLOTACAO,), detailed_report="Relatório pormenorizado do líder",
                  court_informed=True, superintendencia_informed=True, occurred_at=on_day(11, 2), actor=LIDER)
    kwargs.update(overrides)
    return ledger.record_rebellion(**kwargs)


def _death(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, died_at=on_day(20, 4), place="Pronto-Socorro Municipal de Cuiabá",
                  cause=DeathCause.DOENCA, circumstances="Mal súbito durante a noite", court_notified=True,
                  prosecutor_notified=True, superintendencia_notified=True, family_informed_at=on_day(20, 6),
                  occurred_at=on_day(20, 9), actor=GERENTE)
    kwargs.update(overrides)
    ledger.record_death(**kwargs)


def _family_informed(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, informed_at=on_day(20, 11), family_member="mãe", means="pessoalmente, na unidade",
                  occurred_at=on_day(20, 12), actor=GERENTE)
    kwargs.update(overrides)
    ledger.inform_family_of_death(**kwargs)


@pytest.fixture
def case_id(ledger, unit):
    return an_admitted_youth(ledger, unit)


# --- the occurrence book ------------------------------------------------------------------


def test_an_occurrence_record_with_every_item_of_art_59_is_written_in_the_book_R59(ledger, unit):
    occurrence_id = _log(ledger, unit)
    event = last_event(ledger, "OccurrenceLogged")
    assert (event.occurrence_id, event.shift_started_at, event.actor) == (occurrence_id, SHIFT, AGENTE)
    assert ledger.unit(unit).unvalidated_occurrences() == (occurrence_id,)


def test_an_occurrence_record_missing_art_59_items_is_refused_naming_them_R59(ledger, unit, refused):
    with refused("R-59") as info:
        _log(ledger, unit, movements=" ", monitoring_or_police_calls="")
    assert "IV (movements" in info.value.message and "VIII (calls" in info.value.message
    assert "art. 59" in info.value.message and "I (team" not in info.value.message


def test_the_location_map_replaces_the_list_of_youths_received_and_handed_over_R59(ledger, unit, refused):
    with refused("R-59") as info:
        _log(ledger, unit, youths_received_and_handed_over=None)
    assert "II (youths received" in info.value.message
    _log(ledger, unit, youths_received_and_handed_over=None, location_map_attached=True)
    assert last_event(ledger, "OccurrenceLogged").location_map_attached is True


def test_the_gerente_does_not_write_the_shift_book_D05(ledger, unit, refused):
    with refused("D-05"):
        _log(ledger, unit, actor=GERENTE)


def test_the_lider_gives_faith_to_the_shift_records_at_the_handover_R59(ledger, unit):
    first = _log(ledger, unit)
    second = _log(ledger, unit, actor=LIDER, unusual_facts="visita do Conselho Tutelar às 15h")
    validated = _handover(ledger, unit)
    assert set(validated) == {first, second}
    event = last_event(ledger, "ShiftHandedOver")
    assert (event.incoming_leader, event.actor, set(event.validated_occurrence_ids)) == ("staff-lid-02", LIDER, {first, second})
    assert ledger.unit(unit).unvalidated_occurrences() == ()


def test_an_agent_cannot_validate_the_shift_records_R59(ledger, unit, refused):
    _log(ledger, unit)
    with refused("R-59"):
        _handover(ledger, unit, actor=AGENTE)


def test_a_shift_without_an_occurrence_record_cannot_be_handed_over_R59(ledger, unit, refused):
    _log(ledger, unit, shift_started_at=SHIFT - timedelta(days=1), occurred_at=SHIFT - timedelta(hours=2))
    with refused("R-59") as info:
        _handover(ledger, unit)
    assert "art. 59" in info.value.message


def test_a_handover_tells_the_incoming_team_what_is_pending_R59(ledger, unit, refused):
    _log(ledger, unit)
    with refused("R-59"):
        _handover(ledger, unit, pending_matters="  ")


def test_a_closed_shift_book_accepts_no_new_record_and_no_second_handover_D02(ledger, unit, refused):
    _log(ledger, unit)
    _handover(ledger, unit)
    with refused("D-02"):
        _log(ledger, unit, occurred_at=at(INTAKE_DAY, 20))
    with refused("D-02"):
        _handover(ledger, unit, occurred_at=at(INTAKE_DAY, 21))


# --- police reports ------------------------------------------------------------------------


def test_a_police_report_is_recorded_with_its_station_and_number_R51(ledger, unit, case_id):
    report_id = _police_report(ledger, unit, involved_case_ids=(case_id,))
    event = last_event(ledger, "PoliceReportFiled")
    assert (event.report_id, event.reason, event.involved_case_ids) == (
        report_id, PoliceReportReason.DANO_PELO_ADOLESCENTE, (case_id,))


def test_a_police_report_without_the_boletim_number_is_refused_R51(ledger, unit, refused):
    with refused("R-51"):
        _police_report(ledger, unit, report_number=" ")


# --- rebellions ----------------------------------------------------------------------------


def test_a_rebellion_is_recorded_by_the_lider_with_the_cnmp_items_R53(ledger, unit):
    _rebellion(ledger, unit)
    event = last_event(ledger, "RebellionRecorded")
    assert (event.youths_involved, event.bodily_injuries, event.deaths, event.exceptions) == (6, True, 0, ())
    assert ledger.unit(unit).rebellions_between(INTAKE_DAY, INTAKE_DAY + timedelta(days=30)) == 1


def test_a_rebellion_before_the_court_is_informed_is_recorded_with_an_alert_R53(ledger, unit):
    _rebellion(ledger, unit, court_informed=False)
    (exception,) = last_event(ledger, "RebellionRecorded").exceptions
    assert (exception.rule_code, exception.alert) == ("R-53", True) and "court" in exception.justification


def test_a_rebellion_without_the_lider_s_detailed_report_is_refused_R53(ledger, unit, refused):
    with refused("R-53"):
        _rebellion(ledger, unit, detailed_report="")
    with refused("R-53"):
        _rebellion(ledger, unit, actor=AGENTE)
    with refused("R-53"):
        _rebellion(ledger, unit, motives=(RebellionMotive.OUTRO,))


# --- R-68 and SINASE art. 46 I: death ---------------------------------------------------------------


def test_a_death_recorded_by_the_gerente_ends_the_stay_and_the_occupancy_drops_R68(ledger, unit, case_id):
    assert ledger.unit(unit).occupancy == 1
    _death(ledger, case_id)
    case = ledger.case(case_id)
    assert case.status is CaseStatus.FALECIDO and case.unit_id is None
    assert case.stays[-1].ended_at is not None
    assert ledger.unit(unit).occupancy == 0
    assert last_event(ledger, "ResidentDeparted").case_id == case_id
    assert last_event(ledger, "DeathRecorded").exceptions == ()


def test_only_the_gerente_records_a_death_R68(ledger, case_id, refused):
    with refused("R-68"):
        _death(ledger, case_id, actor=LIDER)


def test_a_death_before_the_family_is_informed_carries_an_alert_until_the_gerente_informs_it_R68(ledger, case_id):
    _death(ledger, case_id, family_informed_at=None)
    (exception,) = last_event(ledger, "DeathRecorded").exceptions
    assert (exception.rule_code, exception.alert) == ("R-68", True)
    death_version = ledger.case(case_id).death_version
    assert f"R-68@{death_version}" not in getattr(ledger.case(case_id), "acknowledged_alerts", ())
    _family_informed(ledger, case_id)
    assert last_event(ledger, "FamilyInformedOfDeath").death_version == death_version
    assert f"R-68@{death_version}" in ledger.case(case_id).acknowledged_alerts


def test_the_family_is_informed_by_the_gerente_once_R68(ledger, case_id, refused):
    _death(ledger, case_id, family_informed_at=None)
    with refused("R-68"):
        _family_informed(ledger, case_id, actor=ASSISTENTE_SOCIAL)
    _family_informed(ledger, case_id)
    with refused("D-02"):
        _family_informed(ledger, case_id)


def test_after_a_death_no_further_custody_event_is_accepted_D02(ledger, unit, case_id, refused):
    _death(ledger, case_id)
    with refused("D-02") as info:
        ledger.hold_phone_call(case_id=case_id, reason="rotina", duration_minutes=10, occurred_at=on_day(21),
                               actor=AGENTE)
    assert "SINASE art. 46 I" in info.value.message
    with refused("D-02"):
        _death(ledger, case_id, occurred_at=on_day(21))
    with refused("D-02"):
        ledger.record_evasion(case_id=case_id, kind="de_dentro_da_unidade", court_notified=True,
                              superintendencia_notified=True, occurred_at=on_day(21), actor=LIDER)


def test_a_death_of_an_evaded_youth_extinguishes_the_measure_without_a_unit_R68(ledger, unit, case_id):
    ledger.record_evasion(case_id=case_id, kind="de_dentro_da_unidade", court_notified=True,
                          superintendencia_notified=True, occurred_at=on_day(15, 3), actor=LIDER)
    _death(ledger, case_id)
    assert ledger.case(case_id).status is CaseStatus.FALECIDO
    assert ledger.unit(unit).occupancy == 0


def test_a_death_time_after_the_recording_is_refused_D15(ledger, case_id, refused):
    with refused("D-15"):
        _death(ledger, case_id, died_at=on_day(20, 10), family_informed_at=None)


def test_the_youth_told_of_a_relative_s_death_the_same_day_is_recorded_without_alert_R68(ledger, case_id):
    ledger.inform_of_relative_death(case_id=case_id, relative="avó materna", learned_at=on_day(12, 9),
                                    informed_at=on_day(12, 10), occurred_at=on_day(12, 11), actor=ASSISTENTE_SOCIAL)
    assert last_event(ledger, "YouthInformedOfRelativeDeath").exceptions == ()


def test_the_youth_told_days_after_the_unit_learned_is_recorded_with_an_alert_R68(ledger, case_id):
    ledger.inform_of_relative_death(case_id=case_id, relative="pai", learned_at=on_day(12, 9),
                                    informed_at=on_day(14, 10), occurred_at=on_day(14, 11), actor=ASSISTENTE_SOCIAL)
    (exception,) = last_event(ledger, "YouthInformedOfRelativeDeath").exceptions
    assert (exception.rule_code, exception.alert) == ("R-68", True)
    assert len(events_named(ledger, "YouthInformedOfRelativeDeath")) == 1
