"""The event store on PostgreSQL: the library's recorder, with bounded writes and a safe start.

The library locks the event table in EXCLUSIVE mode for each insert, so that notification
ids are issued in commit order (the relay relies on it). A write that never ends would then
stop every other writer. So here:

- every write transaction sets ``lock_timeout`` (waiting for the table lock) and
  ``statement_timeout`` (each statement of the insert), in milliseconds; the session has
  an ``idle_in_transaction_session_timeout``, so a client that stops talking mid-transaction
  loses its lock;
- an insert whose events are large is sent without pipelining: psycopg's pipeline can
  deadlock with the server while sending a large parameter (psycopg issue #685), with the
  table lock held and no server timeout able to end it (the server is waiting for the
  client, not running a statement);
- a write that fails is not retried here (the library retries ten times): the caller decides,
  after reloading the aggregates and checking the rules again (``infra.recording``);
- tables, type, index and function are created under an advisory lock, each only when it is
  missing, so processes starting at once do not collide (``tuple concurrently updated``) and
  a start on an existing store neither logs ``type … already exists`` nor waits for the table
  lock held by a writer.

Selected by ``PERSISTENCE_MODULE=infra.persistence.event_store:PostgresStore`` (``Settings.eventsourcing_env``).
"""

from __future__ import annotations

from typing import Any, Sequence

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from psycopg.sql import SQL, Identifier, Literal
from psycopg.types.json import Jsonb

# Above this many bytes of event state, an insert is sent statement by statement (see above).
PIPELINE_LIMIT = 64 * 1024

# SQLSTATEs of a write the server ended because it waited too long: nothing was written.
TIMED_OUT = {
    "55P03": "waited too long for the event table's write lock",  # lock_not_available
    "57014": "a statement ran past the statement timeout",  # query_canceled
    "25P03": "a transaction sat idle past the idle timeout",  # idle_in_transaction_session_timeout
}


def timed_out(exc: BaseException) -> str | None:
    """Why the server ended a write for taking too long, or None if it failed otherwise."""
    while exc is not None:
        reason = TIMED_OUT.get(getattr(exc, "sqlstate", None) or "")
        if reason:
            return reason
        exc = exc.__cause__
    return None


class LedgerRecorder(PostgresApplicationRecorder):
    """The library's application recorder with timeouts on every write and a concurrent-safe start."""

    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events",
                 lock_timeout_ms: int = 5000, statement_timeout_ms: int = 30000, writer_role: str = "") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.lock_timeout_ms = lock_timeout_ms
        self.statement_timeout_ms = statement_timeout_ms
        self.writer_role = writer_role
        self.lock_function = f"{self.events_table_name}_write_lock"
        # In the same transaction as the insert: bound the wait for the lock and every statement after it.
        # The lock is taken by a function that runs as the table's owner: LOCK … IN EXCLUSIVE MODE needs
        # UPDATE, DELETE or TRUNCATE privilege, which the writer role must not have (infra/stack/roles.py).
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = {0}").format(Literal(f"{lock_timeout_ms}ms")),
            SQL("SET LOCAL statement_timeout = {0}").format(Literal(f"{statement_timeout_ms}ms")),
            SQL("SELECT {0}()").format(Identifier(self.datastore.schema, self.lock_function)),
        ]
        # Commands recorded under a client's command id (application.idempotency): one row per id,
        # inserted in the transaction of the command's events, so neither exists without the other.
        self.commands_table_name = self.events_table_name.removesuffix("_events") + "_commands"
        commands = Identifier(self.datastore.schema, self.commands_table_name)
        self.create_commands_statement = SQL(
            "CREATE TABLE {0} (command_id text PRIMARY KEY, command text NOT NULL, digest text NOT NULL, "
            "result jsonb, events jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())").format(commands)
        self.insert_command_statement = SQL(
            "INSERT INTO {0} (command_id, command, digest, result, events) VALUES (%s, %s, %s, %s, %s)").format(commands)
        self.select_command_statement = SQL(
            "SELECT command_id, command, digest, result, events FROM {0} WHERE command_id = %s").format(commands)

    def _insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        record = kwargs.get("command")
        if record is not None:
            # Before the events: a concurrent writer of the same id waits on the key, then fails
            # (IntegrityError); the caller's retry then finds the id recorded and answers with it.
            curs.execute(self.insert_command_statement, (
                record.command_id, record.command, record.digest, Jsonb(record.result),
                Jsonb([list(e) for e in record.events])), prepare=True)
        super()._insert_events(curs, stored_events, **kwargs)

    def select_command(self, command_id: str) -> dict[str, Any] | None:
        """The command recorded under ``command_id`` (id, command, digest, result, events), or None."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_command_statement, (command_id,), prepare=True)
            row = curs.fetchone()
        return None if row is None else dict(row)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if sum(len(e.state) for e in stored_events) <= PIPELINE_LIMIT:
            # The library's pipelined insert, without its ten retries.
            return PostgresApplicationRecorder.insert_events.__wrapped__(self, stored_events, **kwargs)
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def create_table(self) -> None:
        schema = self.datastore.schema
        with self.datastore.transaction(commit=True) as curs:
            # Bounded like a write; one creator at a time, the others then find everything made.
            curs.execute(SQL("SET LOCAL lock_timeout = {0}").format(Literal(f"{self.statement_timeout_ms}ms")))
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"caseledger.create_table.{schema}",))
            for statement in self._missing_statements(curs):
                curs.execute(statement, prepare=False)
            curs.execute("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE n.nspname = %s AND c.relname = %s", (schema, self.commands_table_name))
            if curs.fetchone() is None:
                curs.execute(self.create_commands_statement, prepare=False)
            self._guard_append_only(curs)
            self._lock_function_and_writer(curs)
        self.datastore.register_type_adapters()

    def _lock_function_and_writer(self, curs: Any) -> None:
        """The write-lock function (SECURITY DEFINER, owner's rights, executable by no one else
        unless granted) and the writer role's privileges: SELECT, INSERT, the id sequence and the
        lock — never UPDATE, DELETE or TRUNCATE (R-66)."""
        schema = self.datastore.schema
        function = Identifier(schema, self.lock_function)
        curs.execute(SQL(
            "CREATE OR REPLACE FUNCTION {0}() RETURNS void LANGUAGE plpgsql SECURITY DEFINER "
            "SET search_path = pg_catalog, pg_temp AS $$ BEGIN LOCK TABLE {1} IN EXCLUSIVE MODE; END $$").format(
                function, Identifier(schema, self.events_table_name)), prepare=False)
        curs.execute(SQL("REVOKE ALL ON FUNCTION {0}() FROM PUBLIC").format(function), prepare=False)
        if not self.writer_role:
            return
        curs.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (self.writer_role,))
        if curs.fetchone() is None:
            return  # a server without the stack's roles: the owner writes
        writer = Identifier(self.writer_role)
        for statement in ("GRANT USAGE ON SCHEMA {s} TO {w}", "GRANT SELECT, INSERT ON {t} TO {w}",
                          "GRANT SELECT, INSERT ON {c} TO {w}",  # the recorded command ids (idempotency)
                          "GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {w}", "GRANT EXECUTE ON FUNCTION {f}() TO {w}"):
            curs.execute(SQL(statement).format(s=Identifier(schema), t=Identifier(schema, self.events_table_name),
                                               c=Identifier(schema, self.commands_table_name),
                                               w=writer, f=function), prepare=False)

    def _guard_append_only(self, curs: Any) -> None:
        """R-66: the ledger is append-only — a trigger refuses UPDATE, DELETE and TRUNCATE of stored
        events for every role, the application's included (a correction is a new event). An owner
        who disables the trigger is what the hash-chained log (`caseledger verify`) detects."""
        schema, table = self.datastore.schema, self.events_table_name
        function = Identifier(schema, "caseledger_append_only")
        curs.execute(SQL(
            "CREATE OR REPLACE FUNCTION {0}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'R-66: stored events are append-only; % refused on %. Record a correction "
            "(correct_case_entry / correct_unit_entry) or a void instead', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$").format(function), prepare=False)
        for guarded in (table, self.commands_table_name):  # a recorded command id is as final as its events
            curs.execute("SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n "
                         "ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s AND t.tgname = %s",
                         (schema, guarded, "caseledger_append_only"))
            if curs.fetchone() is None:
                curs.execute(SQL("CREATE TRIGGER caseledger_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {0} "
                                 "FOR EACH STATEMENT EXECUTE FUNCTION {1}()").format(
                                     Identifier(schema, guarded), function), prepare=False)

    def _missing_statements(self, curs: Any) -> list[Any]:
        """The creation statements of what is not there yet.

        Asked of the catalogue tables with plain queries, which see what another creator has just
        committed (a fresh snapshot per statement). `to_regtype`/`to_regclass` answer from this
        connection's catalogue cache instead: a connection that had looked the type up before
        another process created it still said "missing" after the advisory lock (seen: 1 start in
        6 failed with `type "stored_event_uuid" already exists`).
        """
        schema = self.datastore.schema

        def exists(query: str, *params: str) -> bool:
            curs.execute(query, params)
            return curs.fetchone() is not None

        in_schema = "JOIN pg_namespace n ON n.oid = {0}.{1} WHERE n.nspname = %s AND {0}.{2} = %s"
        type_present = exists("SELECT 1 FROM pg_type t " + in_schema.format("t", "typnamespace", "typname"),
                              schema, self.stored_event_type_name)
        present = {
            "CREATE TYPE": type_present,
            "CREATE TABLE": exists("SELECT 1 FROM pg_class c " + in_schema.format("c", "relnamespace", "relname"),
                                   schema, self.events_table_name),
            "CREATE UNIQUE INDEX": exists("SELECT 1 FROM pg_class c " + in_schema.format("c", "relnamespace", "relname"),
                                          schema, self.notification_id_index_name),
            "CREATE OR REPLACE FUNCTION": type_present and exists(
                "SELECT 1 FROM pg_proc p " + in_schema.format("p", "pronamespace", "proname"),
                schema, self.pg_function_name_insert_events),
        }
        statements = []
        for statement in self.sql_create_statements:
            text = statement.as_string()
            kind = next((k for k in present if text.lstrip().startswith(k)), None)
            if kind is None or not present[kind]:
                statements.append(statement)
        # The type first: the table's insert function is declared on it.
        statements.sort(key=lambda s: not s.as_string().lstrip().startswith("CREATE TYPE"))
        return statements


class PostgresStore(PostgresFactory):
    """The library's PostgreSQL persistence with ``LedgerRecorder`` as the application recorder.

    Reads ``POSTGRES_LOCK_TIMEOUT_MS`` and ``POSTGRES_STATEMENT_TIMEOUT_MS`` (ours; the library's
    ``POSTGRES_LOCK_TIMEOUT`` counts whole seconds and it has no statement timeout).
    """

    POSTGRES_LOCK_TIMEOUT_MS = "POSTGRES_LOCK_TIMEOUT_MS"
    POSTGRES_STATEMENT_TIMEOUT_MS = "POSTGRES_STATEMENT_TIMEOUT_MS"
    # The role the ledger writes as (granted SELECT/INSERT by the owner that creates the tables).
    POSTGRES_WRITER_ROLE = "POSTGRES_WRITER_ROLE"

    def _ms(self, key: str, default_s: int) -> int:
        raw = self.env.get(key) or ""
        try:
            return int(raw) if raw else default_s * 1000
        except ValueError:
            raise OSError(f"{key}={raw!r} is not a whole number of milliseconds") from None

    def application_recorder(self) -> ApplicationRecorder:
        recorder = LedgerRecorder(
            self.datastore,
            events_table_name=(self.env.name.lower() or "stored") + "_events",
            lock_timeout_ms=self._ms(self.POSTGRES_LOCK_TIMEOUT_MS, self.datastore.lock_timeout or 5),
            statement_timeout_ms=self._ms(self.POSTGRES_STATEMENT_TIMEOUT_MS, 30),
            writer_role=self.env.get(self.POSTGRES_WRITER_ROLE) or "",
        )
        if self.env_create_table():
            recorder.create_table()
        return recorder

