"""Principals (users and service accounts) and their tokens, in PostgreSQL schema ``identity``.

A token is ``secrets.token_urlsafe(32)`` (256 random bits), shown once when it is issued and
stored only as its SHA-256. A plain, unsalted hash is enough for a random token of that
entropy (nothing to guess, no dictionary to precompute); it would NOT be enough for a
password chosen by a person, which needs a slow salted hash (scrypt, argon2). Looking a
token up by its hash also avoids comparing secrets in Python.

One token per principal; it expires (``expires_at``) and can be revoked (``revoked_at``,
which also deactivates the principal). Rows are never deleted (deactivate, never delete:
the SISPETI pattern, DOMAIN.md §5.3), so an old event's actor id still names someone.

The table is created idempotently under an advisory lock, like the event store's
(``infra.persistence.event_store``), so processes starting at once do not collide.
This module returns plain rows (dicts); ``application.principals.Principal`` is built
from them above this layer.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

SCHEMA = "identity"
COLUMNS = ("id", "name", "role", "units", "comarca", "state", "active", "expires")

CREATE = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.principals (
        id text PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL,
        units text[] NOT NULL DEFAULT '{{}}',
        comarca text,
        state boolean NOT NULL DEFAULT false,
        token_sha256 bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
    )""",
)


def token_hash(token: str) -> bytes:
    """The stored form of a token: its SHA-256 (see the module's note on why that suffices)."""
    return hashlib.sha256(token.encode("utf-8")).digest()


class PrincipalStore:
    """Principals in ``identity.principals``; ``connect`` returns a new psycopg2 connection."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self.connect = connect

    def _run(self, work: Callable[[Any], Any]) -> Any:
        conn = self.connect()
        try:
            with conn, conn.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '10s'")
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"caseledger.create_table.{SCHEMA}",))
                cur.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.principals",))
                if cur.fetchone()[0] is None:
                    for statement in CREATE:
                        cur.execute(statement)
                return work(cur)
        finally:
            conn.close()

    def add(self, name: str, role: str, *, units: tuple[str, ...] = (), comarca: str | None = None,
            state: bool = False, valid_for: timedelta = timedelta(days=90),
            principal_id: str | None = None) -> tuple[str, str]:
        """A new principal; returns ``(id, token)``. The token is not stored and cannot be shown again.

        ``principal_id``: a staff id the unit already uses (the demo's staff), else a random one."""
        principal_id = principal_id or "p-" + secrets.token_hex(6)
        token = secrets.token_urlsafe(32)
        expires = datetime.now(timezone.utc) + valid_for

        def insert(cur: Any) -> None:
            cur.execute(f"INSERT INTO {SCHEMA}.principals (id, name, role, units, comarca, state, token_sha256, "
                        "expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        (principal_id, name, role, list(units), comarca, state, token_hash(token), expires))

        self._run(insert)
        return principal_id, token

    def reissue(self, principal_id: str, valid_for: timedelta = timedelta(days=90)) -> str | None:
        """A new token for an existing principal (the old one stops working; a revoked principal is
        active again); None if there is no such principal. Shown once, like ``add``'s."""
        token = secrets.token_urlsafe(32)
        expires = datetime.now(timezone.utc) + valid_for

        def update(cur: Any) -> bool:
            cur.execute(f"UPDATE {SCHEMA}.principals SET token_sha256 = %s, expires_at = %s, revoked_at = NULL "
                        "WHERE id = %s", (token_hash(token), expires, principal_id))
            return cur.rowcount == 1

        return token if self._run(update) else None

    def revoke(self, principal_id: str) -> bool:
        """Revoke the principal's token (and deactivate it); False if there is no such principal."""
        def update(cur: Any) -> bool:
            cur.execute(f"UPDATE {SCHEMA}.principals SET revoked_at = coalesce(revoked_at, now()) WHERE id = %s",
                        (principal_id,))
            return cur.rowcount == 1

        return self._run(update)

    def list(self) -> list[dict[str, Any]]:
        """Every principal (revoked ones too), oldest first, without any credential."""
        return self._run(lambda cur: self._rows(cur, "TRUE ORDER BY created_at, id", ()))

    def by_token(self, token: str) -> dict[str, Any] | None:
        """The principal a token belongs to (active or not: the caller says why it is refused), or None."""
        rows = self._run(lambda cur: self._rows(cur, "token_sha256 = %s", (token_hash(token),)))
        return rows[0] if rows else None

    @staticmethod
    def _rows(cur: Any, where: str, params: tuple) -> list[dict[str, Any]]:
        cur.execute("SELECT id, name, role, units, comarca, state, revoked_at IS NULL, expires_at "
                    f"FROM {SCHEMA}.principals WHERE {where}", params)
        return [dict(zip(COLUMNS, (*row[:3], tuple(row[3]), *row[4:]))) for row in cur.fetchall()]
