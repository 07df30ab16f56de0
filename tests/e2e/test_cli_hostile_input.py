"""Crafted input to `caseledger record`: refused with where and what to do, never a traceback, nothing stored."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import uuid

import pytest

from infra.simulation import generate
from tests.e2e.cli import env_for, run


@pytest.fixture
def ledger_env(stack_settings, pg_schema, unique_topic):
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"))
    return settings, {"POSTGRES_SCHEMA": pg_schema}


def simulated(name: str) -> dict:
    """The simulated year's first command called ``name`` (valid as the simulation records it)."""
    return next(p.command for p in generate(seed=2025) if p.command["command"] == name)


def run_bytes(settings, data: bytes, *args: str, **extra_env: str):
    """`record -` fed raw bytes (the text-mode helper cannot send invalid UTF-8)."""
    return subprocess.run([sys.executable, "-m", "infra.cli", "record", "-", *args], input=data,
                          env=env_for(settings, **extra_env), capture_output=True, timeout=300)


def store_head(settings, env) -> int:
    status = run(settings, "status", "--json", **env)
    return json.loads(status.stdout)[0]["position"]


def hostile_commands() -> list[dict]:
    """Commands each refused on its own: types, fields, sizes, characters, dates, rules, names."""
    unit, registration, visit = simulated("define_unit"), simulated("register_adolescent"), simulated("hold_visit")
    deep: list = []
    for _ in range(40):
        deep = [deep]
    return [
        {**unit, "capacity": "twenty"},                                          # wrong type
        {**unit, "actor": "gerente"},                                            # object expected
        {k: v for k, v in unit.items() if k != "portaria"},                     # missing field
        {**unit, "colour": "red"},                                               # extra field
        {**unit, "portaria": {**unit["portaria"], "pages": 3}},                  # extra nested field
        {**registration, "name": "A" * 1_000_000},                                # 1 MB name
        {**registration, "name": "B" * 8_000_000},                                # 8 MB name
        {**unit, "actor": {"id": "staff\x00-01", "role": "gerente"}},           # NUL in an actor id
        {**unit, "actor": {"id": "\x1b[2J\x1b[H\nforged row", "role": "gerente"}},  # terminal escapes
        {**unit, "name": "Unidade \ud800"},                                      # lone surrogate
        {**unit, "name": "\u202eadinU \u0301\U0001F600", "min_age": 11},       # odd Unicode, then D-16
        {**unit, "occurred_at": "0001-01-01T00:00:00+01:00"},                    # overflow at the start
        {**unit, "occurred_at": "9999-12-31T23:00:00-04:00"},                    # overflow at the end
        {**registration, "birth_date": "9999-12-31"},
        {**unit, "occurred_at": "2024-12-02T09:00:00"},                          # naive datetime
        {**unit, "occurred_at": "2030-01-01T09:00:00-04:00"},                    # after its recording (D-15)
        {**visit, "started_at": "2031-01-05T08:00:00-04:00"},                     # visit in 2031
        {**visit, "started_at": "9999-01-05T08:00:00-04:00"},                     # visit in 9999
        {**unit, "min_age": -1},
        {**unit, "max_age": 999},
        {**unit, "min_age": 18, "max_age": 14},
        {**unit, "capacity": 2**40},                                             # beyond 32 bits
        {**unit, "name": "   "},                                                 # blank name
        {**unit, "portaria": {**unit["portaria"], "number": deep}},             # deep nesting in a command
        {**registration, "birth_date": "2030-01-01"},                            # born in the future
        {**registration, "unit_id": str(uuid.uuid4())},                          # a unit that does not exist
        {**visit, "case_id": str(uuid.uuid4())},                                 # an unknown case
        {"command": "drop_table", "case_id": "x"},                               # unknown command
        {"command": "\x1b[31mred\x1b[0m\nforged"},                              # unknown, with escapes
        {"command": "x" * 100_000},                                              # unknown, huge
    ]


def test_hostile_commands_are_each_refused_without_a_traceback_and_nothing_is_stored(ledger_env):
    settings, env = ledger_env
    commands = hostile_commands()
    text = "\n".join(json.dumps(c) for c in commands)  # ASCII JSON: escapes travel, lone surrogates too
    result = run(settings, "record", "-", input=text, **env)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(commands), "an outcome line per command, none forged by a newline"
    assert all(line.startswith("✗") for line in lines), [line[:200] for line in lines if not line.startswith("✗")]
    assert "\x1b" not in result.stdout and "\\x1b[31mred\\x1b[0m\\nforged" in result.stdout
    assert max(len(line) for line in lines) < 2000, "huge values are not echoed back"
    by_line = {int(line.split()[2]): line for line in lines}
    assert "[name]" in by_line[6] and "CASELEDGER_MAX_TEXT_BYTES" in by_line[6]
    assert "[actor.id]" in by_line[8] and "U+0000 (NUL)" in by_line[8]
    assert "[occurred_at]" in by_line[12] and "1900-01-01" in by_line[12]
    assert "refused D-15" in by_line[16]
    assert "refused D-16" in by_line[19] and "refused D-16" in by_line[21]
    assert "refused D-04" in by_line[26]
    assert f"0 recorded, {len(commands)} refused" in result.stderr
    assert store_head(settings, env) == 0


def test_unreadable_inputs_exit_2_with_a_message_and_nothing_is_stored(ledger_env, tmp_path):
    settings, env = ledger_env
    unit = simulated("define_unit")
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(json.dumps(unit, ensure_ascii=False).encode("latin-1"))
    huge = tmp_path / "huge.json"
    with huge.open("wb") as f:  # tens of MB: refused at once, not read whole, no hang
        f.write(b'{"command": "define_unit", "name": "')
        f.write(b"x" * (70 * 1024 * 1024))
        f.write(b'"}')
    cases = {
        "latin1": (run(settings, "record", str(latin1), **env), "must be UTF-8"),
        "huge": (run(settings, "record", str(huge), **env), "larger than 64 MiB"),
    }
    stdin_cases = {
        "invalid utf-8": (json.dumps(unit).encode()[:-2] + b'\xff\xfe"}', "line 1, byte"),
        "deep nesting": (b'{"command": "define_unit", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                         "nested too deeply"),
        "5000 digits": (b'{"command": "define_unit", "capacity": ' + b"9" * 5000 + b"}", "invalid JSON"),
        "NaN": (b'{"command": "define_unit", "capacity": NaN}', "NaN"),
        "command not text": (b'{"command": 5}', 'missing "command"'),
        "empty": (b"  \n", "no command given"),
        "array element": (b'[{"command": "define_unit"},\n  "oops"]', "element 2 (line 2)"),
    }
    for name, (data, expected) in stdin_cases.items():
        cases[name] = (run_bytes(settings, data, **env), expected)
    for name, (result, expected) in cases.items():
        stderr = result.stderr if isinstance(result.stderr, str) else result.stderr.decode("utf-8", "replace")
        assert "Traceback" not in stderr, (name, stderr[-3000:])
        assert result.returncode == 2, (name, stderr)
        assert expected in stderr and "Nothing was recorded" in stderr, (name, stderr)
    assert store_head(settings, env) == 0


def test_each_outcome_of_a_json_array_names_its_element_and_line(ledger_env):
    settings, env = ledger_env
    unit = simulated("define_unit")
    text = "[\n" + ",\n".join([json.dumps(unit), json.dumps({**unit, "colour": "red"}),
                              json.dumps({**unit, "unit_code": "OTHER", "capacity": "x"})]) + "\n]\n"
    result = run(settings, "record", "-", "--json", input=text, **env)
    outcomes = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["element"], o["line"], o["accepted"]) for o in outcomes] == [(1, 2, True), (2, 3, False), (3, 4, False)]
    human = run(settings, "record", "-", input=text, **env)
    assert human.stdout.splitlines()[2].startswith("✗ element 3 (line 4) define_unit refused INPUT [capacity]")


def test_record_help_documents_the_exit_codes(stack_settings):
    result = run(stack_settings, "record", "--help")
    assert "exit codes:" in result.stdout
    assert "0  every command was recorded" in result.stdout and "2  the input could not be read" in result.stdout
