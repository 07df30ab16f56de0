"""The programs' own PostgreSQL roles: least privilege for a minor's record (ECA arts. 143–144).

`stack up` makes three login roles beside the cluster's owner (the bootstrap superuser, which
only `stack up`, the migrations that create tables, and the operators' tools use):

- ``<owner>_writer`` — the ledger (record, demo, relay, web commands): SELECT and INSERT on the
  event store's tables, and EXECUTE of the one function that takes the event table's write lock
  (``LOCK … IN EXCLUSIVE MODE`` needs UPDATE, DELETE or TRUNCATE privilege, which the writer must
  not have: the function runs as the owner, and the lock still ends with the writer's
  transaction). Never UPDATE, DELETE or TRUNCATE (R-66; the trigger refuses them as well).
- ``<owner>_projector`` — for the projection runners: CREATE on the database (its read models'
  schemas), nothing in the event store. (The runners still connect as the owner: moving them and
  the existing read models over to this role is the next step.)
- ``<owner>_reader`` — the queries: USAGE on the read models and SELECT on what the projector
  creates (default privileges), filtered by row-level security by unit
  (``projections.row_security``): the reader is not the tables' owner, has NOBYPASSRLS, and
  the tables FORCE ROW LEVEL SECURITY.

Unit scope is a session setting, ``caseledger.units`` (comma-separated unit ids, or ``*`` for a
state-wide reader), set by the application from the authenticated principal
(`infra.bootstrap.reader_connector`). One reader role rather than a role per principal: a
principal is a row in ``identity.principals`` made by `caseledger users add`, and mirroring each
into a database role would need CREATEROLE in the application. The setting guards against a
query that forgets its scope; it is not a boundary against someone holding the reader's password
(they could set it themselves), which the 0600 secrets file and SCRAM keep out.

Every role has NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOINHERIT, a generated SCRAM password in
``state_dir/secrets/postgres-<role>`` (re-applied at every start), and CONNECT on the ledger's
database only (PUBLIC's CONNECT is revoked).
"""

from __future__ import annotations

from typing import Any

from psycopg2 import sql

from infra.settings import Settings

KINDS = ("writer", "projector", "reader")
ROLE_OPTIONS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT NOREPLICATION"


def role_name(settings: Settings, kind: str) -> str:
    return f"{settings.pg_user}_{kind}"


def ensure_roles(conn: Any, settings: Settings, password_of) -> None:
    """Create (or update) the three roles and their grants; `conn` is the owner's, autocommit,
    on the ledger's database. `password_of(role)` returns the role's generated password."""
    ident = sql.Identifier
    database, owner = ident(settings.pg_database), ident(settings.pg_user)
    writer, projector, reader = (ident(role_name(settings, k)) for k in KINDS)
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(hashtext('caseledger.roles'))")
        try:
            for kind in KINDS:
                role = role_name(settings, kind)
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                verb = "ALTER" if cur.fetchone() else "CREATE"
                cur.execute(sql.SQL(verb + " ROLE {} " + ROLE_OPTIONS + " PASSWORD %s").format(ident(role)),
                            (password_of(role),))
            statements = [
                "REVOKE CONNECT, TEMPORARY ON DATABASE {db} FROM PUBLIC",
                "REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC",
                "GRANT CONNECT ON DATABASE {db} TO {writer}, {projector}, {reader}",
                # Temporary tables: the projector's bulk diffs use them (projections/tablesets.py).
                "GRANT TEMPORARY ON DATABASE {db} TO {projector}",
                # The read models' schemas are the projector's to create (each `--schema` its own).
                "GRANT CREATE ON DATABASE {db} TO {projector}",
                "REVOKE ALL ON SCHEMA public FROM PUBLIC",
                "GRANT USAGE ON SCHEMA public TO {writer}",
                # What the projector creates, the reader may SELECT (row-level security filters it).
                "ALTER DEFAULT PRIVILEGES FOR ROLE {projector} GRANT SELECT ON TABLES TO {reader}",
                "ALTER DEFAULT PRIVILEGES FOR ROLE {projector} GRANT USAGE ON SCHEMAS TO {reader}",
            ]
            for statement in statements:
                cur.execute(sql.SQL(statement).format(db=database, owner=owner, writer=writer,
                                                      projector=projector, reader=reader))
        finally:
            cur.execute("SELECT pg_advisory_unlock(hashtext('caseledger.roles'))")

