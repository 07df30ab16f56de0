"""The access log: who read which youth's record, when, for what purpose — append-only, in ``identity``.

ECA arts. 143–144 and SINASE art. 59 (R-61) make a youth's record confidential; an auditor must be
able to list everyone who looked at it (`caseledger access-log CASE`). Like the ledger itself, the
log is never rewritten: a trigger refuses UPDATE and DELETE, so an application bug cannot erase a
read. The table is created idempotently under an advisory lock, like the principals'.
"""

from __future__ import annotations

from typing import Any, Callable

from infra.persistence.principals import SCHEMA

CREATE = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.access_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        principal_id text NOT NULL,
        role text NOT NULL,
        case_id text NOT NULL,
        what text NOT NULL,
        purpose text NOT NULL,
        channel text NOT NULL
    )""",
    f"CREATE INDEX IF NOT EXISTS access_log_case ON {SCHEMA}.access_log (case_id, at)",
    f"""CREATE OR REPLACE FUNCTION {SCHEMA}.access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'the access log is append-only (ECA arts. 143-144; SINASE art. 59): % refused', TG_OP;
        END $$""",
    f"""CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {SCHEMA}.access_log
        FOR EACH STATEMENT EXECUTE FUNCTION {SCHEMA}.access_log_append_only()""",
)
COLUMNS = ("at", "principal_id", "role", "case_id", "what", "purpose", "channel")


class AccessLog:
    """Reads of personal data, appended; ``connect`` returns a new psycopg2 connection."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self.connect = connect

    def _run(self, work: Callable[[Any], Any]) -> Any:
        conn = self.connect()
        try:
            with conn, conn.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '10s'")
                cur.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.access_log",))
                if cur.fetchone()[0] is None:
                    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"caseledger.create_table.{SCHEMA}.access_log",))
                    cur.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.access_log",))
                    if cur.fetchone()[0] is None:
                        for statement in CREATE:
                            cur.execute(statement)
                return work(cur)
        finally:
            conn.close()

    def record(self, principal_id: str, role: str, case_ids: list[str], what: str, purpose: str, channel: str) -> None:
        """Append one read per case (before the data is returned: a read that cannot be logged is not served)."""
        if not case_ids:
            return
        self._run(lambda cur: cur.executemany(
            f"INSERT INTO {SCHEMA}.access_log (principal_id, role, case_id, what, purpose, channel) "
            "VALUES (%s, %s, %s, %s, %s, %s)", [(principal_id, role, c, what, purpose, channel) for c in case_ids]))

    def of_case(self, case_id: str) -> list[dict[str, Any]]:
        """Every read of the case, oldest first."""
        def select(cur: Any) -> list[dict[str, Any]]:
            cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {SCHEMA}.access_log WHERE case_id = %s ORDER BY at, id",
                        (case_id,))
            return [dict(zip(COLUMNS, row)) for row in cur.fetchall()]

        return self._run(select)
