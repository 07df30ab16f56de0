"""The principal store against the real PostgreSQL: tokens shown once, stored hashed, revocable."""

import hashlib
import secrets
from datetime import timedelta

import psycopg2

from infra.bootstrap import pg_connector
from infra.persistence.principals import PrincipalStore


def test_a_token_finds_its_principal_and_is_stored_only_as_its_sha256(stack_settings):
    store = PrincipalStore(pg_connector(stack_settings))
    pid, token = store.add("Ana", "gerente", units=("MT-CGB-SL",))
    row = store.by_token(token)
    assert row["id"] == pid and row["role"] == "gerente" and row["units"] == ("MT-CGB-SL",) and row["active"]
    with psycopg2.connect(stack_settings.pg_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT token_sha256 FROM identity.principals WHERE id = %s", (pid,))
        assert bytes(cur.fetchone()[0]) == hashlib.sha256(token.encode()).digest()
        cur.execute("SELECT count(*) FROM identity.principals WHERE position(%s in row(identity.principals.*)::text) > 0",
                    (token,))
        assert cur.fetchone()[0] == 0


def test_a_revoked_token_still_names_its_principal_but_inactive(stack_settings):
    store = PrincipalStore(pg_connector(stack_settings))
    pid, token = store.add("Bruno", "agente_socioeducativo", units=("MT-CGB-SL",), valid_for=timedelta(days=1))
    assert store.revoke(pid)
    assert store.by_token(token)["active"] is False
    assert pid in {r["id"] for r in store.list()}


def test_an_unknown_token_or_id_finds_nothing(stack_settings):
    store = PrincipalStore(pg_connector(stack_settings))
    assert store.by_token("not-a-token") is None
    assert store.revoke("p-missing") is False


def test_a_reissued_token_replaces_the_old_one_and_reactivates_the_principal(stack_settings):
    store = PrincipalStore(pg_connector(stack_settings))
    staff_id = "mt-cgb-sl-ped-" + secrets.token_hex(3)  # a staff id the unit already uses
    pid, old = store.add("Carla", "pedagogo", units=("MT-CGB-SL",), principal_id=staff_id)
    assert pid == staff_id
    store.revoke(pid)
    new = store.reissue(pid)
    assert new and new != old
    assert store.by_token(old) is None
    row = store.by_token(new)
    assert row["id"] == pid and row["active"] is True and row["units"] == ("MT-CGB-SL",)
    assert store.reissue("p-missing") is None
