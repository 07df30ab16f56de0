"""Least privilege in PostgreSQL (issue 15 item 5; infra/stack/roles.py): the ledger writes as a role
that can add stored events but never change or remove one (R-66), and is no superuser."""

from __future__ import annotations

import psycopg2
import pytest

from infra.bootstrap import recording_ledger
from infra.command_input import RawCommand
from infra.recording import apply_command
from infra.simulation import generate

pytestmark = pytest.mark.integration


@pytest.fixture
def writer_store(stack_settings, es_env, pg_schema):
    """A store made by the owner in this test's schema, then written to by the writer role."""
    recording_ledger(stack_settings, env=es_env).close()  # the owner creates the tables and grants
    writer = stack_settings.pg_role("writer")
    assert writer == f"{stack_settings.pg_user}_writer"
    env = {**stack_settings.writer_env(), "POSTGRES_SCHEMA": pg_schema}
    ledger = recording_ledger(stack_settings, env=env)
    try:
        for planned in generate(seed=2025)[:5]:
            assert apply_command(ledger, RawCommand(1, planned.command)).accepted
    finally:
        ledger.close()
    conn = psycopg2.connect(stack_settings.pg_dsn_for(writer))
    yield conn, f'"{pg_schema}"."caseledger_events"'
    conn.close()


def test_the_writer_role_is_no_superuser_and_cannot_bypass_row_security(writer_store):
    conn, _ = writer_store
    with conn, conn.cursor() as cur:
        cur.execute("SELECT session_user, rolsuper, rolbypassrls, rolcreaterole FROM pg_roles "
                    "WHERE rolname = session_user")
        name, superuser, bypass, createrole = cur.fetchone()
    assert name.endswith("_writer") and (superuser, bypass, createrole) == (False, False, False)


def test_the_writer_role_appends_and_reads_stored_events(writer_store):
    conn, table = writer_store
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        assert cur.fetchone()[0] >= 5


@pytest.mark.parametrize("statement", [
    "UPDATE {table} SET state = state || '\\x00'::bytea",
    "DELETE FROM {table} WHERE notification_id = 1",
    "TRUNCATE {table}",
    "LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE",
])
def test_writer_role_cannot_update_or_delete_a_stored_event(writer_store, statement):
    conn, table = writer_store
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*), sha256(string_agg(state, '' ORDER BY notification_id)) FROM {table}")
        before = cur.fetchone()
    # Refused by privilege, before the R-66 trigger is even reached.
    with pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"):
        with conn, conn.cursor() as cur:
            cur.execute(statement.format(table=table))
    with conn, conn.cursor() as cur:
        cur.execute(f"SELECT count(*), sha256(string_agg(state, '' ORDER BY notification_id)) FROM {table}")
        assert cur.fetchone() == before


def test_no_program_role_may_connect_to_another_database_or_read_the_principals(stack_settings):
    reader = f"{stack_settings.pg_user}_reader"
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        psycopg2.connect(stack_settings.pg_dsn_for(reader).replace(f"dbname={stack_settings.pg_database}",
                                                                     "dbname=postgres")).close()
    from infra.persistence.principals import PrincipalStore

    PrincipalStore(lambda: psycopg2.connect(stack_settings.pg_dsn)).list()  # the owner's table exists
    conn = psycopg2.connect(stack_settings.pg_dsn_for(f"{stack_settings.pg_user}_writer"))
    try:
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            with conn, conn.cursor() as cur:
                cur.execute("SELECT * FROM identity.principals")
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["writer", "projector", "reader"])
def test_each_program_role_needs_its_scram_password(stack_settings, kind):
    role = stack_settings.pg_role(kind)
    assert role == f"{stack_settings.pg_user}_{kind}"
    dsn = stack_settings.pg_dsn_for(role)
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(dsn.replace(f"password={stack_settings.pg_password_for(role)}", "password=wrong")).close()
    conn = psycopg2.connect(stack_settings.pg_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,))
            assert cur.fetchone()[0].startswith("SCRAM-SHA-256$")
    finally:
        conn.close()
