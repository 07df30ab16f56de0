"""Recording, publishing and watching the ledger from the command line, as staff and operators do."""

from __future__ import annotations

import dataclasses
import json

import pytest

from infra.simulation import generate
from tests.e2e.cli import run


@pytest.fixture
def ledger_env(stack_settings, pg_schema, unique_topic):
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"))
    return settings, {"POSTGRES_SCHEMA": pg_schema}


def first_commands(until_refusal: bool = True) -> list[dict]:
    """The simulated year's first commands, up to and including the first intake refused by R-02."""
    out = []
    for planned in generate(seed=2025):
        out.append(planned.command)
        if planned.expect_refusal == "R-02":
            break
    return out


def test_record_applies_commands_in_order_and_names_the_rule_of_a_refusal(ledger_env):
    settings, env = ledger_env
    commands = first_commands()
    text = "\n".join(json.dumps(c, ensure_ascii=False) for c in commands)
    result = run(settings, "record", "-", input=text, **env)
    assert result.returncode == 1, result.stderr  # one command was refused
    lines = result.stdout.splitlines()
    assert len(lines) == len(commands)
    assert all(line.startswith("✓") for line in lines[:-1])
    assert lines[-1].startswith(f"✗ line {len(commands)} record_intake refused R-02")
    assert "Reg. art. 24" in lines[-1]
    assert f"{len(commands) - 1} recorded, 1 refused" in result.stderr


def test_record_json_output_gives_event_ids_and_refusals_for_machines(ledger_env):
    settings, env = ledger_env
    commands = first_commands()
    result = run(settings, "record", "-", "--json", input="\n".join(json.dumps(c) for c in commands), **env)
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert outcomes[0]["accepted"] and outcomes[0]["events"][0]["event"] == "Unit.UnitCapacityDefined"
    assert outcomes[-1] == {**outcomes[-1], "accepted": False, "code": "R-02"}
    assert outcomes[-1]["source"].startswith("Reg. art.")


def test_invalid_json_is_reported_with_line_and_column_and_nothing_is_recorded(ledger_env):
    settings, env = ledger_env
    good = json.dumps(first_commands()[0])
    result = run(settings, "record", "-", input=good + '\n{"command": "define_unit", oops}\n', **env)
    assert result.returncode == 2
    assert "line 2, column" in result.stderr and "Nothing was recorded" in result.stderr
    status = run(settings, "status", "--json", **env)
    assert json.loads(status.stdout)[0]["position"] == 0  # the good first line was not recorded either


def test_a_wrong_argument_type_names_the_field_path(ledger_env):
    settings, env = ledger_env
    command = first_commands()[0]
    command["portaria"]["number"] = 56
    result = run(settings, "record", "-", input=json.dumps(command), **env)
    assert result.returncode == 1
    assert "refused INPUT [portaria.number]: expected text, got 56" in result.stdout


def test_record_example_prints_a_command_that_record_understands(stack_settings):
    result = run(stack_settings, "record", "--example", "record_intake")
    assert result.returncode == 0
    example = json.loads(result.stdout)
    assert example["command"] == "record_intake" and "documents_presented" in example
    assert "record_intake" in run(stack_settings, "record", "--list").stdout


def test_relay_once_publishes_everything_and_status_shows_no_lag(ledger_env):
    settings, env = ledger_env
    commands = first_commands()[:-1]
    assert run(settings, "record", "-", input="\n".join(json.dumps(c) for c in commands), **env).returncode == 0
    before = json.loads(run(settings, "status", "--json", **env).stdout)
    assert before[1]["lag"] == before[0]["position"] > 0
    relay = run(settings, "relay", "--once", **env)
    assert relay.returncode == 0, relay.stderr
    assert f"published {before[0]['position']:,} events" in relay.stdout
    after = json.loads(run(settings, "status", "--json", **env).stdout)
    assert after[1]["lag"] == 0 and after[1]["position"] == before[0]["position"]


def test_status_with_kafka_unreachable_says_how_to_start_it(ledger_env):
    settings, env = ledger_env
    away = dataclasses.replace(settings, kafka_bootstrap_servers="127.0.0.1:39099")
    result = run(away, "status", **env)
    assert result.returncode == 2
    assert "Kafka at 127.0.0.1:39099 is unreachable" in result.stderr
    assert "caseledger stack up" in result.stderr


def test_record_with_postgres_unreachable_says_how_to_start_it(ledger_env):
    settings, env = ledger_env
    away = dataclasses.replace(settings, pg_port=35499)
    result = run(away, "record", "-", input=json.dumps(first_commands()[0]), **env)
    assert result.returncode == 2
    assert "PostgreSQL at 127.0.0.1:35499 is unreachable" in result.stderr
    assert "caseledger stack up" in result.stderr and "Traceback" not in result.stderr
