"""The reading half of the one policy, row by row of docs/ACCESS.md's Queries table, for every role.

Written from the law, not from the code: a youth's information is seen only by those who work on
the case (ECA arts. 143–144; SINASE art. 59) — the unit's staff for their unit, the MP, the
Defensoria and the court for their comarca; oversight (state and federal managers, councils) reads
aggregates only (SISPETI profiles, seed 002); the youth and family ask the unit.
"""

from __future__ import annotations

import pytest

from application.policy import UNIT_STAFF
from application.principals import ROLES, Principal
from application.read_policy import (ALL_RECORDS, AGGREGATES, QUERIES, READS_LOG, RECORD, authorise_access_log,
                                     authorise_aggregates, authorise_all_records, authorise_case_read)
from domain.rules import RuleViolation
from domain.unit import unit_id_for

HOME, AWAY = (str(unit_id_for("SL-HOME")), "Cuiabá"), (str(unit_id_for("SL-AWAY")), "Sinop")
BY_UNIT = {r for r in UNIT_STAFF} | {ROLES["servico_de_transcricao"]}
BY_COMARCA = {ROLES["ministerio_publico"], ROLES["defensor"], ROLES["juiz"]}
OVERSIGHT = {ROLES["gestor_estadual"], ROLES["gestor_federal"], ROLES["conselho_de_direitos"], ROLES["administrador"]}


def _principal(role, *, state: bool = False) -> Principal:
    scope = {"state": True} if state else ({"comarca": "Cuiabá"} if role in BY_COMARCA else {"units": ("SL-HOME",)})
    return Principal(f"p-{role.value}", role.value, role.value, **scope)


def _allowed(check, *args) -> bool:
    try:
        check(*args)
    except RuleViolation as exc:
        assert exc.code == "R-61" and "143" in exc.source
        return False
    return True


@pytest.mark.parametrize("role", sorted(ROLES.values(), key=lambda r: r.value), ids=lambda r: r.value)
def test_a_youths_record_is_read_in_scope_by_those_who_work_on_the_case_only(role):
    p = _principal(role)
    assert _allowed(authorise_case_read, p, "c", [HOME]) == (role in BY_UNIT | BY_COMARCA)
    assert not _allowed(authorise_case_read, p, "c", [AWAY])  # another unit, another comarca


@pytest.mark.parametrize("role", sorted(ROLES.values(), key=lambda r: r.value), ids=lambda r: r.value)
def test_every_youths_record_at_once_is_for_state_wide_readers_of_records(role):
    assert _allowed(authorise_all_records, _principal(role, state=True)) == (role in BY_UNIT | BY_COMARCA)
    assert not _allowed(authorise_all_records, _principal(role))


@pytest.mark.parametrize("role", sorted(ROLES.values(), key=lambda r: r.value), ids=lambda r: r.value)
def test_aggregates_are_read_by_everyone_but_the_youth_and_the_family(role):
    assert _allowed(authorise_aggregates, _principal(role)) == (role.value not in ("adolescente", "familia"))


@pytest.mark.parametrize("role", sorted(ROLES.values(), key=lambda r: r.value), ids=lambda r: r.value)
def test_the_access_log_is_listed_by_those_who_oversee_the_reads(role):
    overseers = {"ministerio_publico", "defensor", "juiz", "gerente", "administrador", "servico_de_transcricao"}
    assert _allowed(authorise_access_log, _principal(role)) == (role.value in overseers)


def test_a_state_manager_and_the_councils_read_no_record_even_state_wide():
    for role in OVERSIGHT:
        assert not _allowed(authorise_case_read, _principal(role, state=True), "c", [HOME])


def test_every_query_of_the_table_is_of_a_kind_the_policy_answers():
    assert {kind for kind, _ in QUERIES.values()} == {RECORD, ALL_RECORDS, AGGREGATES, READS_LOG}
    assert {"case view", "history", "audit export", "occupancy", "inspection report", "access log"} <= set(QUERIES)


# --- health entries (E48–E52): fields for health staff only (LGPD art. 11) ------------------------------------

def test_the_health_events_of_the_read_policy_are_the_domains_health_events():
    from domain.case.health import HealthStage
    from application.read_policy import HEALTH_EVENTS

    declared = {name for name, value in vars(HealthStage).items() if isinstance(value, type)
                and issubclass(value, HealthStage.Event) and name not in ("Event", "Created", "EntryCorrected",
                                                                          "EntryVoided")}
    assert HEALTH_EVENTS == declared


def test_the_psychologist_reads_the_fields_of_a_health_entry():
    from application.read_policy import health_filtered

    data = {"referral_id": "r-1", "destination": "capsad", "reason": "(withheld: personal data)"}
    assert health_filtered(_principal(ROLES["psicologo"]), "Case.HealthReferralMade", data) == data


@pytest.mark.parametrize("role", ["agente_socioeducativo", "gerente", "ministerio_publico", "defensor", "juiz",
                                  "servico_de_transcricao"])
def test_others_who_read_the_record_see_a_health_entry_without_its_fields(role):
    from application.read_policy import HEALTH_RESTRICTED, health_filtered

    data = {"destination": "capsad", "in_health_facility": False,
            "exceptions": [{"rule_code": "R-72", "alert": True}]}
    shown = health_filtered(_principal(ROLES[role]), "Case.SevereMentalDisorderFlagged", data)
    assert shown["destination"] == shown["in_health_facility"] == HEALTH_RESTRICTED
    assert shown["exceptions"] == data["exceptions"]  # the alert still reaches the unit's direction
    assert health_filtered(_principal(ROLES[role]), "Case.SevereMentalDisorderFlagged", '{"x": 1}') == HEALTH_RESTRICTED


def test_entries_other_than_health_are_shown_unchanged_to_everyone_who_reads_the_record():
    from application.read_policy import health_filtered

    data = {"modality": "semiliberdade"}
    assert health_filtered(_principal(ROLES["agente_socioeducativo"]), "Case.IntakeRecorded", data) is data


# R-62, SINASE art. 59: "o acesso ao plano individual será restrito aos servidores do respectivo programa de
# atendimento, ao adolescente e a seus pais ou responsável, ao Ministério Público e ao defensor, exceto expressa
# autorização judicial" — and the court, which homologates the plan (SINASE art. 41).
PIA_DATA = {"version": 1, "sections": ["escolarizacao", "saude"], "youth_participated": True,
            "protocol_number": "P-1", "exceptions": [{"rule_code": "R-22", "alert": True}]}


@pytest.mark.parametrize("role", sorted(r.value for r in UNIT_STAFF) + ["ministerio_publico", "defensor", "juiz"])
def test_the_programme_staff_the_mp_the_defender_and_the_court_read_the_pia_R62(role):
    from application.read_policy import entry_filtered

    for event in ("Case.PIASubmitted", "Case.PIAUpdated", "Case.PIAHomologated", "Case.PIAImpugned"):
        assert entry_filtered(_principal(ROLES[role]), event, PIA_DATA) == PIA_DATA


def test_a_reader_outside_the_programme_sees_a_pia_entry_without_the_plan_R62():
    from application.read_policy import PIA_RESTRICTED, entry_filtered

    service = _principal(ROLES["servico_de_transcricao"], state=True)
    shown = entry_filtered(service, "Case.PIASubmitted", PIA_DATA)
    assert shown["sections"] == shown["protocol_number"] == shown["version"] == PIA_RESTRICTED
    assert shown["exceptions"] == PIA_DATA["exceptions"]  # the late-PIA alert is the unit's, not the plan
    assert "R-62" in PIA_RESTRICTED and "SINASE art. 59" in PIA_RESTRICTED
    updated = entry_filtered(service, "Case.PIAUpdated", {"changes": "(withheld: personal data)", "reason": "x"})
    assert set(updated.values()) == {PIA_RESTRICTED}
    assert entry_filtered(service, "Case.PIAImpugned", '{"challenged_by": "defensor"}') == PIA_RESTRICTED


def test_only_the_readers_sinase_art_59_names_read_the_pia_R62():
    from application.read_policy import CASE_READERS_BY_COMARCA, CASE_READERS_BY_UNIT, PIA_READERS

    # Of those who read a record at all, only the transcription service is outside the plan's readers.
    assert (CASE_READERS_BY_UNIT | CASE_READERS_BY_COMARCA) - PIA_READERS == {ROLES["servico_de_transcricao"]}
    assert not PIA_READERS & OVERSIGHT - {ROLES["juiz"]}


def test_the_pia_events_withheld_are_the_plan_events_the_domain_declares_R62():
    from application.read_policy import PIA_EVENTS
    from domain.case.plan import PlanStage

    declared = {name for name, value in vars(PlanStage).items() if name.startswith("PIA") and isinstance(value, type)}
    assert PIA_EVENTS == declared


def test_a_health_entry_stays_withheld_after_the_pia_filter():
    from application.read_policy import HEALTH_RESTRICTED, entry_filtered

    shown = entry_filtered(_principal(ROLES["juiz"]), "Case.HealthReferralMade", {"destination": "capsad"})
    assert shown == {"destination": HEALTH_RESTRICTED}
