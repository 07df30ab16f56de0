"""The test stack's PostgreSQL authenticates every role with a SCRAM password (issue 15, point 5)."""

from __future__ import annotations

import stat

import psycopg2
import pytest

from infra.settings import SECRETS_DIR
from infra.stack.postgres import PostgresServer


def test_no_role_connects_without_a_password(stack_settings):
    s = stack_settings
    for role in (s.pg_user, "postgres"):
        with pytest.raises(psycopg2.OperationalError, match="password"):
            psycopg2.connect(host=s.pg_host, port=s.pg_port, user=role, dbname=s.pg_database,
                             connect_timeout=5)


def test_a_wrong_password_is_refused(stack_settings):
    s = stack_settings
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(host=s.pg_host, port=s.pg_port, user=s.pg_user, dbname=s.pg_database,
                         password="not-the-password", connect_timeout=5)


def test_the_local_socket_also_asks_for_a_password(stack_settings):
    s = stack_settings
    home = PostgresServer(s).home
    with pytest.raises(psycopg2.OperationalError, match="password"):
        psycopg2.connect(host=str(home), port=s.pg_port, user=s.pg_user, dbname=s.pg_database,
                         connect_timeout=5)
    conn = psycopg2.connect(host=str(home), port=s.pg_port, user=s.pg_user, dbname=s.pg_database,
                            password=s.pg_password_for(s.pg_user), connect_timeout=5)
    conn.close()


def test_pg_hba_has_no_trust_and_uses_scram_only(stack_settings):
    hba = (PostgresServer(stack_settings).data_dir / "pg_hba.conf").read_text()
    rules = [line.split() for line in hba.splitlines() if line.strip() and not line.startswith("#")]
    assert rules and all(rule[-1] == "scram-sha-256" for rule in rules)
    assert {rule[0] for rule in rules} == {"local", "host"}
    assert {rule[3] for rule in rules if rule[0] == "host"} == {"127.0.0.1/32", "::1/128"}


def test_passwords_are_stored_scram_hashed_in_the_server(stack_settings):
    conn = psycopg2.connect(stack_settings.pg_dsn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin")
            roles = cur.fetchall()
    finally:
        conn.close()
    assert roles and all(password and password.startswith("SCRAM-SHA-256$") for _, password in roles)


def test_the_socket_and_secrets_are_closed_to_other_os_users(stack_settings):
    server = PostgresServer(stack_settings)
    assert stat.S_IMODE(server.home.stat().st_mode) == 0o700
    sockets = list(server.home.glob(".s.PGSQL.*"))
    # No group or other permission (PostgreSQL leaves 0600 or 0700 depending on how it was restarted).
    assert sockets and all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in sockets)
    folder = stack_settings.state_dir / SECRETS_DIR
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert files and all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
