"""The one policy: every row allowed and refused, unit scope, the actor taken from the principal."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from application.access import render
from application.commands import COMMANDS, execute
from application.policy import ACCESS_RULES, GERENTE_ONLY, IN_PERSON, LIDER_ONLY, OWN_ACTS, UNIT_STAFF, authorise, row
from application.principals import ROLES, Principal
from domain.rules import RuleViolation
from domain.values import Actor, Role
from tests.unit.domain.builders import a_unit, an_admitted_youth, event_count, new_ledger, on_day

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def world():
    """A ledger with two units of different comarcas and a youth admitted in the first."""
    ledger = new_ledger()
    home = a_unit(ledger, unit_code="SL-HOME", comarca="Cuiabá")
    other = a_unit(ledger, unit_code="SL-AWAY", comarca="Sinop")
    return ledger, home, other, an_admitted_youth(ledger, home)


def _arguments(name: str, home: UUID, case_id: UUID) -> dict:
    ids = {"case_id": case_id, "unit_id": home, "destination_unit_id": home}
    arguments = {k: ids[k] for k in COMMANDS[name].ids}
    if name == "define_unit":
        arguments.update(unit_code="SL-HOME", comarca="Cuiabá")
    return arguments


def _principal(role: str, **scope) -> Principal:
    scope = scope or {"units": ("SL-HOME",)}
    return Principal(f"p-{role}", role, role, **scope)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_allowed_to_each_role_of_its_row_in_its_unit(world, name):
    ledger, home, _, case_id = world
    roles, why = row(name)
    assert why
    for role in roles:
        principal = _principal(role.value, **({"comarca": "Cuiabá"} if role not in UNIT_STAFF else {}))
        arguments = _arguments(name, home, case_id) | ({"actor": Actor("mt-staff-01", Role.GERENTE)}
                                                       if principal.actor is None else {})
        authorise(principal, COMMANDS[name], arguments, ledger)
        assert arguments["actor"] == (principal.actor or Actor("mt-staff-01", Role.GERENTE))


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_refused_a_02_to_each_role_outside_its_row(world, name):
    ledger, home, _, case_id = world
    roles, _ = row(name)
    outside = [r for r in ROLES.values() if r not in roles]
    assert outside  # at least the consulting roles
    for role in outside:
        with pytest.raises(RuleViolation) as info:
            authorise(_principal(role.value, state=True), COMMANDS[name], _arguments(name, home, case_id), ledger)
        assert info.value.code == "A-02" and name in info.value.message and "docs/ACCESS.md" in info.value.message


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_refused_a_03_to_staff_of_another_unit(world, name):
    ledger, home, _, case_id = world
    # Each command asked by a role its row lets through, so that only the unit scope can refuse it.
    role = (Role.GERENTE if name in GERENTE_ONLY or name in IN_PERSON else Role.LIDER if name in LIDER_ONLY
            else Role.AGENTE)
    with pytest.raises(RuleViolation) as info:
        authorise(_principal(role.value, units=("SL-AWAY",)), COMMANDS[name], _arguments(name, home, case_id), ledger)
    assert info.value.code == "A-03" and "SL-AWAY" in info.value.message


def test_the_own_acts_of_mp_and_defensoria_are_refused_outside_their_comarca(world):
    ledger, home, _, case_id = world
    for name, (roles, _) in OWN_ACTS.items():
        for role in roles:
            with pytest.raises(RuleViolation) as info:
                authorise(_principal(role.value, comarca="Sinop"), COMMANDS[name],
                          _arguments(name, home, case_id), ledger)
            assert info.value.code == "A-03"


def test_a_transfer_is_allowed_to_the_staff_of_the_destination_unit():
    ledger = new_ledger()
    origin, destination = a_unit(ledger, unit_code="SL-ORIG"), a_unit(ledger, unit_code="SL-DEST")
    case_id = an_admitted_youth(ledger, origin)
    arguments = {"case_id": case_id, "destination_unit_id": destination}
    authorise(_principal("gerente", units=("SL-DEST",)), COMMANDS["transfer"], arguments, ledger)
    assert arguments["actor"].id == "p-gerente"


def test_an_input_naming_another_actor_is_refused_a_01_and_nothing_is_written(world):
    ledger, home, _, case_id = world
    before = event_count(ledger)
    with pytest.raises(RuleViolation) as info:
        execute(ledger, "hold_phone_call", {"case_id": case_id, "occurred_at": on_day(3), "duration_minutes": 5,
                                            "actor": Actor("someone-else", Role.GERENTE)},
                principal=_principal("agente_socioeducativo"))
    assert info.value.code == "A-01" and "someone-else" in info.value.message
    assert info.value.source == ACCESS_RULES["A-01"][1]
    assert event_count(ledger) == before


def test_the_same_actor_id_with_another_role_is_refused_a_01(world):
    ledger, home, _, case_id = world
    principal = _principal("agente_socioeducativo")
    with pytest.raises(RuleViolation) as info:
        authorise(principal, COMMANDS["record_search"], {"case_id": case_id, "actor": Actor(principal.id, Role.GERENTE)},
                  ledger)
    assert info.value.code == "A-01"


def test_a_transcription_service_must_name_the_actor(world):
    ledger, home, _, case_id = world
    with pytest.raises(RuleViolation) as info:
        authorise(_principal("servico_de_transcricao", state=True), COMMANDS["record_search"], {"case_id": case_id},
                  ledger)
    assert info.value.code == "A-01"


def test_no_principal_is_a_trusted_in_process_caller_whose_actor_is_kept(world):
    ledger, home, _, case_id = world
    arguments = {"case_id": case_id, "actor": Actor("anyone", Role.AGENTE)}
    authorise(None, COMMANDS["record_search"], arguments, ledger)
    assert arguments["actor"] == Actor("anyone", Role.AGENTE)


def test_a_revoked_principal_is_refused(world):
    ledger, home, _, case_id = world
    principal = Principal("p-x", "X", "gerente", units=("SL-HOME",), active=False)
    with pytest.raises(RuleViolation) as info:
        authorise(principal, COMMANDS["record_search"], {"case_id": case_id}, ledger)
    assert info.value.code == "A-02" and "revoked" in info.value.message


def test_the_policy_names_only_commands_of_the_table():
    assert set(OWN_ACTS) | set(GERENTE_ONLY) | set(LIDER_ONLY) <= set(COMMANDS)


def test_docs_access_md_is_current():
    assert (ROOT / "docs" / "ACCESS.md").read_text(encoding="utf-8") == render(), \
        "docs/ACCESS.md is stale: run python -m application.access > docs/ACCESS.md"


def test_the_administrative_staff_and_the_commission_do_not_record_health_facts(world):
    # LGPD art. 11: health data is need-to-know; those who care for the youth record it (Reg. arts. 20, 53 VI, 93).
    ledger, home, _, case_id = world
    for role in (Role.ADMINISTRATIVO, Role.COMISSAO):
        with pytest.raises(RuleViolation) as info:
            authorise(_principal(role.value), COMMANDS["record_medication"], _arguments("record_medication", home,
                                                                                         case_id), ledger)
        assert info.value.code == "A-02"
    arguments = _arguments("record_medication", home, case_id)
    authorise(_principal(Role.AGENTE.value), COMMANDS["record_medication"], arguments, ledger)
    assert arguments["actor"].role is Role.AGENTE
