"""Starting the ledger on the real PostgreSQL: many processes at once, and every start after the first."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import psycopg2
from psycopg2 import sql

from infra.settings import REPO_ROOT
from infra.stack.postgres import PostgresServer

# Each process waits for the same instant, then builds the ledger (creating its tables).
START_AT_ONCE = """
import json, sys, time
from application.ledger import CaseLedger
from infra import bootstrap
from infra.settings import Settings
env = json.loads(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
settings = Settings.from_env(env)
bootstrap.ledger(settings).close()
"""


def drop_schema(settings, schema: str) -> None:
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    conn.close()


def _env(settings, schema: str) -> dict[str, str]:
    return {"CASELEDGER_PG_PORT": str(settings.pg_port), "POSTGRES_SCHEMA": schema,
            "CASELEDGER_PG_PASSWORD": settings.pg_password_for(settings.pg_user),
            "CASELEDGER_STATE_DIR": str(settings.state_dir), "CASELEDGER_KEY_FILE": str(settings.data_key_path)}


def test_processes_starting_at_once_create_the_tables_without_error(stack_settings):
    for attempt in range(3):
        schema = f"t_{uuid.uuid4().hex[:12]}"  # not created yet: the processes create it too
        start = time.time() + 6  # past every import, on a busy machine too
        procs = [subprocess.Popen([sys.executable, "-c", START_AT_ONCE, json.dumps(_env(stack_settings, schema)),
                                   str(start)], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(6)]
        try:
            results = [(proc.wait(timeout=120), proc.stderr.read()) for proc in procs]
            assert [code for code, _ in results] == [0] * 6, "\n".join(err for _, err in results)
        finally:
            drop_schema(stack_settings, schema)


def test_start_up_does_not_log_type_already_exists(stack_settings, es_env):
    from application.ledger import CaseLedger

    log = PostgresServer(stack_settings).log_file
    CaseLedger(env=es_env).close()  # the first start creates the tables and the type
    logged_before = log.stat().st_size
    for _ in range(2):
        CaseLedger(env=es_env).close()
    with open(log, "rb") as f:
        f.seek(logged_before)
        logged = f.read().decode(errors="replace")
    assert "already exists" not in logged, logged


LARGE_WRITE = """
import json, sys
from application.ledger import CaseLedger
from tests.unit.domain.builders import a_registration, a_unit
ledger = CaseLedger(env=json.loads(sys.argv[1]))
unit = a_unit(ledger)
a_registration(ledger, unit, name="A" * (8 * 1024 * 1024))
ledger.close()
"""


def test_an_event_of_several_megabytes_is_stored_without_freezing_the_event_table(es_env):
    from application.ledger import CaseLedger

    # A subprocess: the write hung for good before, and took the event table's lock with it.
    proc = subprocess.run([sys.executable, "-c", LARGE_WRITE, json.dumps(es_env)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ledger = CaseLedger(env=es_env)
    try:
        assert ledger.recorder.max_notification_id() == 2  # the unit, then the registration
    finally:
        ledger.close()
