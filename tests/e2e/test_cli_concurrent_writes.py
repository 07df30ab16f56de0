"""Two `caseledger record` processes writing to one case at the same moment, as two staff members
at two desks do: every command is recorded or refused with a reason, nothing is lost, nothing dies."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
from psycopg2 import sql

from infra.simulation import generate
from tests.e2e.cli import env_for, run


@pytest.fixture
def ledger_env(stack_settings, pg_schema, unique_topic):
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"))
    return settings, {"POSTGRES_SCHEMA": pg_schema}


def a_youth_registered(intake: bool = True) -> tuple[list[dict], dict]:
    """The commands that define a unit and register a youth (and admit them), and the intake command."""
    plan = [p.command for p in generate(seed=2025)]
    intake_command = next(c for c in plan if c["command"] == "record_intake")
    unit = next(c for c in plan if c["command"] == "define_unit"
                and c["unit_code"] == "MT-CGB-PROV")
    registration = next(c for c in plan if c["command"] == "register_adolescent"
                        and c["unit_id"] == intake_command["unit_id"])
    return [unit, registration] + ([intake_command] if intake else []), intake_command


def petitions(case_id: str, n: int, desk: str) -> list[dict]:
    return [{"command": "file_petition", "case_id": case_id, "addressee": "direcao_da_unidade", "subject": "saude",
             "occurred_at": f"2025-01-02T{9 + i // 60:02d}:{i % 60:02d}:00-04:00",
             "actor": {"id": f"{desk}-gerente", "role": "gerente"}} for i in range(n)]


def start_record(settings, commands: list[dict], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "infra.cli", "record", "-"], env=env_for(settings, **env),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def both_started(settings, env, first: list[dict], second: list[dict]) -> list[subprocess.Popen]:
    """Two `record` processes, their commands given to both before either is waited for."""
    procs = [start_record(settings, first, env), start_record(settings, second, env)]
    for proc, commands in zip(procs, (first, second)):
        proc.stdin.write("\n".join(json.dumps(c, ensure_ascii=False) for c in commands))
        proc.stdin.close()
        proc.stdin = None  # given whole: communicate() only collects the output
    return procs


def both_finished(procs: list[subprocess.Popen]):
    with ThreadPoolExecutor(len(procs)) as pool:
        outputs = list(pool.map(lambda proc: proc.communicate(timeout=300), procs))
    return outputs[0], outputs[1], tuple(proc.returncode for proc in procs)


def both_at_once(settings, env, first: list[dict], second: list[dict]):
    return both_finished(both_started(settings, env, first, second))


@contextlib.contextmanager
def holding_the_event_table(settings, schema: str, until_waiting: int, timeout: float = 60):
    """Hold the event table's write lock until `until_waiting` other sessions wait for it."""
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("LOCK TABLE {}.caseledger_events IN EXCLUSIVE MODE").format(sql.Identifier(schema)))
            yield
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                cur.execute("SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted",
                            (f'"{schema}".caseledger_events',))
                if cur.fetchone()[0] >= until_waiting:
                    break
                time.sleep(0.05)
            else:
                pytest.fail(f"{until_waiting} writers never waited for the event table")
        conn.rollback()
    finally:
        conn.close()


def drop_schema(settings, schema: str) -> None:
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    conn.close()


def stored_events(settings, schema: str, case_id: str) -> int:
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT count(*) FROM {}.caseledger_events WHERE originator_id = %s")
                        .format(sql.Identifier(schema)), (case_id,))
            return cur.fetchone()[0]
    finally:
        conn.close()


SUMMARY = re.compile(r"^(\d+) recorded, (\d+) refused", re.M)


def test_two_writers_on_one_case_both_finish_with_every_command_recorded_or_refused(ledger_env):
    settings, env = ledger_env
    setup, intake = a_youth_registered()
    assert run(settings, "record", "-", input="\n".join(json.dumps(c) for c in setup), **env).returncode == 0
    case_id = intake["case_id"]
    before = stored_events(settings, env["POSTGRES_SCHEMA"], case_id)
    first, second = petitions(case_id, 100, "desk-a"), petitions(case_id, 100, "desk-b")

    (out_a, err_a), (out_b, err_b), _ = both_at_once(settings, env, first, second)

    recorded = 0
    for out, err in ((out_a, err_a), (out_b, err_b)):
        assert "Traceback" not in err, err
        summary = SUMMARY.search(err)
        assert summary, err  # the summary is printed
        lines = out.splitlines()
        assert len(lines) == 100  # every command tried
        assert all(line.startswith(("✓", "✗")) for line in lines)
        assert int(summary.group(1)) == sum(line.startswith("✓") for line in lines)
        recorded += int(summary.group(1))
    # Petitions do not depend on each other: a conflict is retried and both desks record everything.
    assert recorded == 200
    assert stored_events(settings, env["POSTGRES_SCHEMA"], case_id) == before + recorded


def test_simultaneous_intakes_of_one_youth_record_one_and_refuse_the_other_with_R07(stack_settings, pg_schema,
                                                                                   unique_topic):
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"))
    setup, intake = a_youth_registered(intake=False)
    for attempt in range(4):
        schema = f"{pg_schema}_{attempt}"
        env = {"POSTGRES_SCHEMA": schema}
        assert run(settings, "record", "-", input="\n".join(json.dumps(c) for c in setup), **env).returncode == 0
        try:
            # Both desks read the youth as registered, then both wait to write: the same moment.
            with holding_the_event_table(settings, schema, until_waiting=2):
                # Two desks, two commands: the same input from one desk would be one command (D-17).
                procs = both_started(settings, env, [intake | {"command_id": "desk-a"}],
                                     [intake | {"command_id": "desk-b"}])
            (out_a, err_a), (out_b, err_b), codes = both_finished(procs)
            assert "Traceback" not in err_a + err_b, err_a + err_b
            outputs = sorted([out_a.strip(), out_b.strip()])
            assert outputs[0].startswith("✓ line 1 record_intake"), outputs
            assert outputs[1].startswith("✗ line 1 record_intake refused R-07"), outputs
            assert sorted(codes) == [0, 1]
            assert stored_events(settings, schema, intake["case_id"]) == 2  # registered, admitted once
        finally:
            drop_schema(settings, schema)


def test_a_write_blocked_by_a_held_table_lock_fails_after_the_lock_timeout_with_a_clear_message(ledger_env):
    settings, env = ledger_env
    setup, intake = a_youth_registered()
    assert run(settings, "record", "-", input="\n".join(json.dumps(c) for c in setup), **env).returncode == 0
    commands = petitions(intake["case_id"], 2, "desk-a")
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:  # a stuck writer: holds the event table's lock and never commits
            cur.execute(sql.SQL("LOCK TABLE {}.caseledger_events IN EXCLUSIVE MODE")
                        .format(sql.Identifier(env["POSTGRES_SCHEMA"])))
            started = time.monotonic()
            result = run(settings, "record", "-", input="\n".join(json.dumps(c) for c in commands), timeout=60,
                         CASELEDGER_PG_LOCK_TIMEOUT_MS="1000", **env)
            took = time.monotonic() - started
    finally:
        conn.rollback()
        conn.close()
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("✗ line") for line in lines), result.stdout
    assert "refused STORE: the event store was busy (waited too long for the event table's write lock)" in lines[0]
    assert "record it again" in lines[0]
    assert "0 recorded, 2 refused" in result.stderr
    assert result.returncode == 1 and took < 30
    # The lock released, the same commands go through.
    again = run(settings, "record", "-", input="\n".join(json.dumps(c) for c in commands), **env)
    assert again.returncode == 0 and "2 recorded, 0 refused" in again.stderr
