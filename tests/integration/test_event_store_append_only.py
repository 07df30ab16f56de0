"""The ledger is append-only in the database itself (R-66): no role's UPDATE, DELETE or TRUNCATE of a
stored event goes through — a correction is a new event."""

from __future__ import annotations

import psycopg2
import pytest

from application.ledger import CaseLedger
from infra.bootstrap import recording_ledger
from infra.command_input import RawCommand
from infra.recording import apply_command
from infra.simulation import generate

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(es_env, stack_settings, pg_schema):
    ledger = recording_ledger(stack_settings, env=es_env)
    try:
        for planned in generate(seed=2025)[:5]:
            assert apply_command(ledger, RawCommand(1, planned.command)).accepted
    finally:
        ledger.close()
    conn = psycopg2.connect(stack_settings.pg_dsn)
    yield conn, _table(conn, pg_schema)
    conn.close()


def _table(conn, schema: str) -> str:
    with conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_name LIKE '%%_events'", (schema,))
        return f'"{schema}"."{cur.fetchone()[0]}"'


def _count(conn, table: str) -> tuple[int, bytes]:
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*), sha256(string_agg(state, '' ORDER BY notification_id)) FROM {table}")
        n, digest = cur.fetchone()
        return n, bytes(digest)


@pytest.mark.parametrize("statement", [
    "UPDATE {table} SET state = state || '\\x00'::bytea",
    "DELETE FROM {table} WHERE notification_id = 1",
    "TRUNCATE {table}",
])
def test_a_stored_event_cannot_be_updated_deleted_or_truncated_R66(stored, statement):
    conn, table = stored
    before = _count(conn, table)
    assert before[0] >= 5
    with pytest.raises(psycopg2.Error, match="R-66: stored events are append-only"):
        with conn, conn.cursor() as cur:
            cur.execute(statement.format(table=table))
    assert _count(conn, table) == before


def test_the_append_only_guard_is_in_place_for_a_store_made_before_it(stored, es_env):
    conn, table = stored
    with conn, conn.cursor() as cur:
        cur.execute(f"DROP TRIGGER caseledger_append_only ON {table}")
    CaseLedger(env=es_env).close()  # a start of the application puts it back
    with pytest.raises(psycopg2.Error, match="R-66"):
        with conn, conn.cursor() as cur:
            cur.execute(f"DELETE FROM {table}")
