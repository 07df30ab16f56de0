"""Row-level security of the read models (issue 15 item 5; projections/row_security.py): a reader
scoped to one unit sees no row of another, through the versioned tables and the read views, both
ways; the reader is not the tables' owner, and the projector that owns them still sees everything."""

from __future__ import annotations

import uuid

import psycopg2
import pytest

from infra.bootstrap import reader_connector
from projections.engine import Table
from projections.tablesets import ensure_live_generation, versioned

pytestmark = pytest.mark.integration


class Placements:
    name = "placements"
    version = 1
    tables = (
        Table("placements", key=("unit_id", "case_id"),
              ddl=("CREATE TABLE {table} (unit_id text NOT NULL, case_id text NOT NULL, PRIMARY KEY (unit_id, case_id))",)),
        Table("case_notes", key=("case_id",), ddl=("CREATE TABLE {table} (case_id text PRIMARY KEY, note text)",)),
    )

    def apply(self, event):
        return []


ROWS = {"unit-a": ["case-a1", "case-a2"], "unit-b": ["case-b1"]}


@pytest.fixture
def read_model(stack_settings):
    """The read model made by the projector role (as the runners' role), with rows of two units."""
    schema = f"t_rls_{uuid.uuid4().hex[:10]}"
    projector = psycopg2.connect(stack_settings.pg_dsn_for(stack_settings.pg_role("projector")))
    try:
        generation = ensure_live_generation(projector, schema, Placements())
        with projector, projector.cursor() as cur:
            for unit, cases in ROWS.items():
                for case in cases:
                    cur.execute(f'INSERT INTO "{schema}"."{versioned("placements", generation)}" VALUES (%s, %s)',
                                (unit, case))
                    cur.execute(f'INSERT INTO "{schema}"."{versioned("case_notes", generation)}" VALUES (%s, %s)',
                                (case, "note"))
        yield schema, generation, projector
    finally:
        projector.close()
        owner = psycopg2.connect(stack_settings.pg_dsn)
        owner.autocommit = True
        with owner.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        owner.close()


def _seen(connect, relation: str) -> set[tuple]:
    conn = connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f"SELECT * FROM {relation}")
            return set(cur.fetchall())
    finally:
        conn.close()


@pytest.mark.parametrize("through", ["table", "view"])
def test_a_reader_scoped_to_one_unit_sees_no_row_of_another(stack_settings, read_model, through):
    schema, generation, _ = read_model
    name = versioned("placements", generation) if through == "table" else "placements"
    relation = f'"{schema}"."{name}"'
    for unit, other in (("unit-a", "unit-b"), ("unit-b", "unit-a")):
        seen = _seen(reader_connector(stack_settings, [unit]), relation)
        assert seen == {(unit, case) for case in ROWS[unit]}
        assert not any(row[0] == other for row in seen)
    assert _seen(reader_connector(stack_settings, []), relation) == set()
    assert len(_seen(reader_connector(stack_settings, "*"), relation)) == 3
    assert len(_seen(reader_connector(stack_settings, ["unit-a", "unit-b"]), relation)) == 3


@pytest.mark.parametrize("through", ["table", "view"])
def test_a_case_keyed_table_is_seen_only_by_a_state_wide_reader(stack_settings, read_model, through):
    schema, generation, _ = read_model
    name = versioned("case_notes", generation) if through == "table" else "case_notes"
    relation = f'"{schema}"."{name}"'
    assert _seen(reader_connector(stack_settings, ["unit-a"]), relation) == set()
    assert len(_seen(reader_connector(stack_settings, "*"), relation)) == 3


def test_the_reader_is_not_the_owner_and_cannot_write_or_lift_row_security(stack_settings, read_model):
    schema, generation, projector = read_model
    table = f'"{schema}"."{versioned("placements", generation)}"'
    with projector, projector.cursor() as cur:
        cur.execute("SELECT relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) FROM pg_class "
                    "WHERE oid = %s::regclass", (table,))
        assert cur.fetchone() == (True, True, stack_settings.pg_role("projector"))
        cur.execute("SELECT count(*) FROM " + table)
        assert cur.fetchone()[0] == 3  # FORCE binds the owner too; its maintainer policy lets it see all
    conn = reader_connector(stack_settings, ["unit-a"])()
    try:
        for statement in (f"INSERT INTO {table} VALUES ('unit-a', 'forged')", f"DELETE FROM {table}",
                          f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"):
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                with conn, conn.cursor() as cur:
                    cur.execute(statement)
    finally:
        conn.close()
