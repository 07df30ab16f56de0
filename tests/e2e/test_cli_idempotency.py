"""Recording is safe to retry (D-17): the same input recorded again — a file re-run, two processes
given the same file, a client retrying — leaves PostgreSQL's event store as it was."""

from __future__ import annotations

import dataclasses
import json
import time

import psycopg2
import pytest
from psycopg2 import sql

from tests.e2e.cli import run
from tests.e2e.test_cli_concurrent_writes import a_youth_registered, both_finished, petitions, start_record


@pytest.fixture
def ledger_env(stack_settings, pg_schema, unique_topic):
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"))
    return settings, {"POSTGRES_SCHEMA": pg_schema}


def store_counts(settings, schema: str) -> tuple[int, int, int]:
    """Events stored, the highest notification id, and command ids recorded: read in PostgreSQL."""
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT count(*), coalesce(max(notification_id), 0) FROM {}.caseledger_events")
                        .format(sql.Identifier(schema)))
            events, head = cur.fetchone()
            cur.execute(sql.SQL("SELECT count(*) FROM {}.caseledger_commands").format(sql.Identifier(schema)))
            return events, head, cur.fetchone()[0]
    finally:
        conn.close()


def a_story_file(tmp_path, refused: bool = True):
    setup, intake = a_youth_registered()
    commands = setup + petitions(intake["case_id"], 3, "desk-a")
    if refused:  # a command the law refuses stays refused, and records nothing either time
        commands.append({**petitions(intake["case_id"], 1, "desk-a")[0], "case_id": "00000000-0000-4000-8000-000000000000"})
    path = tmp_path / "day.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in commands), encoding="utf-8")
    return path, commands


def test_recording_the_same_file_twice_leaves_the_store_unchanged(ledger_env, tmp_path):
    settings, env = ledger_env
    path, commands = a_story_file(tmp_path)
    first = run(settings, "record", str(path), **env)
    assert first.returncode == 1, first.stderr  # the last command is refused
    after_first = store_counts(settings, env["POSTGRES_SCHEMA"])
    assert after_first[0] > len(commands) - 1 and after_first[2] == len(commands) - 1

    again = run(settings, "record", str(path), **env)
    assert "Traceback" not in again.stderr, again.stderr
    assert store_counts(settings, env["POSTGRES_SCHEMA"]) == after_first  # not one event, not one id more
    lines = again.stdout.splitlines()
    assert [line[0] for line in lines] == ["="] * (len(commands) - 1) + ["✗"], again.stdout
    assert "nothing recorded again" in lines[0] and "refused D-04" in lines[-1]
    # Each line shows its command id, the same both times, and what the command returned.
    ids = [line.rsplit("[command ", 1)[1] for line in first.stdout.splitlines()]
    assert ids == [line.rsplit("[command ", 1)[1] for line in lines] and len(set(ids)) == len(commands)
    register = next(i for i, c in enumerate(commands) if c["command"] == "register_adolescent")
    assert f"→ {commands[register + 1]['case_id']}" in lines[register]
    assert f"0 recorded, {len(commands) - 1} already recorded (nothing written for them), 1 refused" in again.stderr


def test_the_same_command_id_with_other_content_is_refused_D17_and_records_nothing(ledger_env):
    settings, env = ledger_env
    setup, intake = a_youth_registered()
    assert run(settings, "record", "-", input="\n".join(json.dumps(c) for c in setup), **env).returncode == 0
    petition = {**petitions(intake["case_id"], 1, "desk-a")[0], "command_id": "desk-a/petition-1"}
    assert run(settings, "record", "-", input=json.dumps(petition), **env).returncode == 0
    before = store_counts(settings, env["POSTGRES_SCHEMA"])
    other = run(settings, "record", "-", input=json.dumps({**petition, "subject": "visitas"}), **env)
    assert other.returncode == 1
    assert "refused D-17" in other.stdout and "already recorded for file_petition with other content" in other.stdout
    assert store_counts(settings, env["POSTGRES_SCHEMA"]) == before


def test_two_processes_recording_the_same_file_at_once_record_it_once(ledger_env, tmp_path):
    settings, env = ledger_env
    schema = env["POSTGRES_SCHEMA"]
    setup, intake = a_youth_registered()
    assert run(settings, "record", "-", input="\n".join(json.dumps(c) for c in setup), **env).returncode == 0
    before = store_counts(settings, schema)
    batch = petitions(intake["case_id"], 5, "desk-a")
    conn = psycopg2.connect(settings.pg_dsn)
    try:
        with conn.cursor() as cur:  # both writers reach the write before either commits
            cur.execute(sql.SQL("LOCK TABLE {}.caseledger_events IN EXCLUSIVE MODE").format(sql.Identifier(schema)))
            procs = [start_record(settings, [], env), start_record(settings, [], env)]
            for proc in procs:
                proc.stdin.write("\n".join(json.dumps(c) for c in batch))
                proc.stdin.close()
                proc.stdin = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # one waits for the table, the other for the first's command id
                cur.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cur.fetchone()[0] >= 2:
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the two writers never both waited")
        conn.rollback()
    finally:
        conn.close()
    (out_a, err_a), (out_b, err_b), codes = both_finished(procs)
    assert "Traceback" not in err_a + err_b, err_a + err_b
    assert codes == (0, 0), out_a + out_b
    events, _, ids = store_counts(settings, schema)
    assert (events - before[0], ids - before[2]) == (5, 5)  # each petition once
    marks = sorted(line[0] for line in (out_a + out_b).splitlines())
    assert marks == ["="] * 5 + ["✓"] * 5
