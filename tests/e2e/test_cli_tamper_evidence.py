"""`caseledger log`, `verify` and `audit bundle` as an operator and an auditor run them."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import psycopg2
import pytest

from infra.simulation import generate
from tests.e2e.cli import run


@pytest.fixture
def ledger_env(stack_settings, pg_schema, unique_topic, tmp_path):
    settings = dataclasses.replace(stack_settings, case_events_topic=unique_topic("case"),
                                   unit_events_topic=unique_topic("unit"))
    yield settings, {"POSTGRES_SCHEMA": pg_schema, "CASELEDGER_LOG_KEY_FILE": str(tmp_path / "key.pem")}
    with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{pg_schema}_tlog" CASCADE')


def test_verify_names_an_event_changed_by_sql_and_the_bundle_fails_offline(ledger_env, tmp_path):
    settings, env = ledger_env
    commands = [p.command for p, _ in zip(generate(seed=2025), range(40)) if not p.expect_refusal]
    assert run(settings, "record", "-", input="\n".join(json.dumps(c) for c in commands), **env).returncode == 0
    assert run(settings, "relay", "--once", **env).returncode == 0
    built = run(settings, "log", "--once", **env)
    assert built.returncode == 0 and "latest checkpoint" in built.stdout, built.stderr
    key = run(settings, "schemas", "publish", CASELEDGER_SCHEMA_TOPIC=settings.case_events_topic + ".schemas", **env)
    assert run(settings, "log", "key", **env).stdout.strip() in key.stdout  # the key beside the contract
    ok = run(settings, "verify", **env)  # the key record on the checkpoint topic is not a checkpoint
    assert ok.returncode == 0 and "store, log, checkpoints and Kafka agree" in ok.stdout, ok.stdout + ok.stderr
    assert not re.search(r"(?<!\d)0 Kafka records", ok.stdout)  # some were read ("40 Kafka records" is fine)
    status = run(settings, "status", "--json", **env)
    row = next(r for r in json.loads(status.stdout) if r["stage"].startswith("transparency log"))
    assert row["lag"] == 0 and "checkpoint" in row["stage"], row

    schema = env["POSTGRES_SCHEMA"]
    with psycopg2.connect(settings.pg_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_name LIKE '%%_events'", (schema,))
        table = cur.fetchone()[0]
        cur.execute(f'SELECT notification_id, originator_id, originator_version FROM "{schema}"."{table}" '
                    "ORDER BY notification_id DESC LIMIT 1")
        nid, stream, version = cur.fetchone()
        # An adversary with the owner's rights switches the append-only trigger off first.
        cur.execute("SET session_replication_role = replica")
        cur.execute(f'UPDATE "{schema}"."{table}" SET state = state || \'\\x00\'::bytea WHERE notification_id = %s',
                    (nid,))
    bad = run(settings, "verify", "--no-kafka", **env)
    assert bad.returncode == 1
    assert f"DIFFERS: event {version} of stream {stream} (notification {nid}): its stored bytes differ" in bad.stdout

    out = tmp_path / "case.json"
    exported = run(settings, "audit", "bundle", str(stream), "--out", str(out), **env)
    assert exported.returncode == 0, exported.stderr
    offline = subprocess.run([sys.executable, "infra/tamper/verifier.py", str(out)], capture_output=True, text=True)
    assert offline.returncode == 1
    assert f"event {version} of stream {stream} (notification {nid})" in offline.stdout


def test_audit_bundle_of_an_unknown_checkpoint_says_which_exist(ledger_env, tmp_path):
    settings, env = ledger_env
    commands = [p.command for p, _ in zip(generate(seed=2025), range(5)) if not p.expect_refusal]
    run(settings, "record", "-", input="\n".join(json.dumps(c) for c in commands), **env)
    run(settings, "log", "--once", **env)
    result = run(settings, "audit", "bundle", "x", "--checkpoint", "999999", "--out", str(tmp_path / "b"), **env)
    assert result.returncode == 2 and "no checkpoint of tree size 999999; there are:" in result.stderr
    assert "Traceback" not in result.stderr
