"""`caseledger record` acts as the principal of a token: none, a revoked one, a wrong role,
a wrong unit and another actor are refused; an allowed one records the principal as the actor."""

from __future__ import annotations

import dataclasses
import json
from uuid import UUID

import pytest

from domain.unit import unit_id_for
from infra.bootstrap import recording_ledger
from tests.e2e.cli import run
from tests.e2e.test_cli_ledger import first_commands


@pytest.fixture
def world(stack_settings, pg_schema, es_env, unique_topic):
    """The simulated year's first units and intakes, recorded by the harness; a case in one unit."""
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"))
    env = {"POSTGRES_SCHEMA": pg_schema}
    commands = first_commands()[:-1]
    recorded = run(settings, "record", "-", input="\n".join(json.dumps(c) for c in commands), **env)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    intake = next(c for c in commands if c["command"] == "record_intake")
    codes = {str(unit_id_for(c["unit_code"])): c["unit_code"] for c in commands if c["command"] == "define_unit"}
    home = codes[intake["unit_id"]]
    elsewhere = next(code for code in codes.values() if code != home)
    call = {"command": "hold_phone_call", "case_id": intake["case_id"], "reason": "sem_visita_ha_15_dias",
            "duration_minutes": 10, "occurred_at": "2025-01-21T10:00:00-04:00"}
    return settings, env, es_env, home, elsewhere, call


def token(settings, *args: str) -> tuple[str, str]:
    added = run(settings, "users", "add", "Pessoa de teste", *args)
    assert added.returncode == 0, added.stderr
    lines = dict(line.split(":", 1) for line in added.stdout.splitlines())
    return lines["id"].strip(), lines["token"].strip()


def record_as(settings, env, secret: str, command: dict):
    return run(settings, "record", "-", input=json.dumps(command), **env, CASELEDGER_TOKEN=secret)


def test_record_without_a_token_is_refused_saying_how_to_get_one(world):
    settings, env, _, _, _, call = world
    result = record_as(settings, env, "", call)
    assert result.returncode == 2
    assert "no credential" in result.stderr and "caseledger users add" in result.stderr
    assert "Nothing was recorded" in result.stderr and result.stdout == ""


def test_an_unknown_or_revoked_token_is_refused(world):
    settings, env, _, home, _, call = world
    assert "not known" in record_as(settings, env, "made-up-token", call).stderr
    pid, secret = token(settings, "--role", "agente_socioeducativo", "--unit", home)
    assert run(settings, "users", "revoke", pid).returncode == 0
    result = record_as(settings, env, secret, call)
    assert result.returncode == 2 and "revoked" in result.stderr
    assert pid in run(settings, "users", "list").stdout


def test_staff_of_another_unit_are_refused_a_03(world):
    settings, env, _, _, elsewhere, call = world
    _, secret = token(settings, "--role", "agente_socioeducativo", "--unit", elsewhere)
    result = record_as(settings, env, secret, call)
    assert result.returncode == 1
    assert "refused A-03" in result.stdout and elsewhere in result.stdout and "SISPETI" in result.stdout


def test_a_role_that_only_consults_is_refused_a_02(world):
    settings, env, _, _, _, call = world
    _, secret = token(settings, "--role", "gestor_estadual", "--state")
    result = record_as(settings, env, secret, call)
    assert result.returncode == 1 and "refused A-02" in result.stdout and "gestor_estadual" in result.stdout


def test_an_input_naming_another_actor_is_refused_a_01(world):
    settings, env, _, home, _, call = world
    _, secret = token(settings, "--role", "agente_socioeducativo", "--unit", home)
    forged = call | {"actor": {"id": "mt-cgb-gerente-01", "role": "gerente"}}
    result = record_as(settings, env, secret, forged)
    assert result.returncode == 1 and "refused A-01" in result.stdout and "mt-cgb-gerente-01" in result.stdout


def test_staff_of_the_case_unit_record_with_themselves_as_the_actor(world):
    settings, env, es_env, home, _, call = world
    pid, secret = token(settings, "--role", "agente_socioeducativo", "--unit", home)
    result = record_as(settings, env, secret, call)
    assert result.returncode == 0, result.stdout + result.stderr
    ledger = recording_ledger(settings, env=es_env)
    try:
        stored = ledger.recorder.select_events(UUID(call["case_id"]))
        last = ledger.mapper.to_domain_event(stored[-1])
    finally:
        ledger.close()
    assert type(last).__name__ == "PhoneCallHeld"
    assert (last.actor.id, last.actor.role.value) == (pid, "agente_socioeducativo")


def test_users_add_refuses_an_unknown_role_or_no_scope(stack_settings):
    unknown = run(stack_settings, "users", "add", "X", "--role", "chefe", "--unit", "MT-CGB-SL")
    assert unknown.returncode == 2 and "unknown role 'chefe'" in unknown.stderr and "gerente" in unknown.stderr
    unscoped = run(stack_settings, "users", "add", "X", "--role", "gerente")
    assert unscoped.returncode == 2 and "--unit CODE" in unscoped.stderr


def test_users_help_explains_with_examples(stack_settings):
    shown = run(stack_settings, "users", "--help")
    assert shown.returncode == 0 and "caseledger users add" in shown.stdout and "CASELEDGER_TOKEN" in shown.stdout


def test_an_expired_token_is_refused_with_its_date(world):
    from datetime import timedelta

    from infra.bootstrap import pg_connector
    from infra.persistence.principals import PrincipalStore

    settings, env, _, home, _, call = world
    pid, secret = PrincipalStore(pg_connector(settings)).add("Antiga", "agente_socioeducativo", units=(home,),
                                                             valid_for=timedelta(seconds=-1))
    result = record_as(settings, env, secret, call)
    assert result.returncode == 2 and f"the token of {pid} expired on" in result.stderr
