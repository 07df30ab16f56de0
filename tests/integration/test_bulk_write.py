"""Net changes written in bulk (COPY + one statement per shape) leave the rows the changes leave one by one."""

from __future__ import annotations

import datetime as dt

import psycopg2
from hypothesis import HealthCheck, given, settings, strategies as st

from projections import tablesets
from projections.bulk_write import BulkWriter
from projections.engine import ChangeRejected, Delete, Increment, Insert, MemoryTables, Table, Upsert, table_map
from projections.netting import NotNettable, net_changes

CREATE_ROWS = """
    CREATE TABLE {table} (
        k      integer     PRIMARY KEY,
        n      bigint,
        m      integer     NOT NULL DEFAULT 0,
        label  text,
        flag   boolean,
        day    date,
        at     timestamptz
    )"""
DEFAULTS = {"n": None, "m": 0, "label": None, "flag": None, "day": None, "at": None}


class Rows:
    name = "bulk_rows"
    version = 1
    tables = (Table("bulk_rows", key=("k",), ddl=(CREATE_ROWS,)),)

    def apply(self, event):
        return event


keys = st.integers(0, 4)
texts = st.one_of(st.none(), st.text(alphabet="ab\t\n\r\\ çã\"'", max_size=6))
values = st.fixed_dictionaries({}, optional={
    "n": st.one_of(st.none(), st.integers(-10**12, 10**12)), "label": texts, "flag": st.one_of(st.none(), st.booleans()),
    "day": st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1))),
    "at": st.one_of(st.none(), st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1),
                                            timezones=st.just(dt.timezone.utc)))})
change = st.one_of(
    st.builds(lambda k, v: Upsert("bulk_rows", {"k": k}, v), keys, values),
    st.builds(lambda k, d: Increment("bulk_rows", {"k": k}, {"m": d}), keys, st.integers(-3, 3)),
    st.builds(lambda k, v: Insert("bulk_rows", {"k": k, **v}), keys, values),
    st.builds(lambda k: Delete("bulk_rows", {"k": k}), keys),
)


def read_rows(conn, schema):
    with conn.cursor() as cur:
        cur.execute(f'SELECT k, n, m, label, flag, day, at FROM "{schema}".bulk_rows_v1 ORDER BY k')
        names = [c.name for c in cur.description]
        return {(r[0],): dict(zip(names, r)) for r in cur.fetchall()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(change, max_size=10), min_size=1, max_size=3))
def test_bulk_written_batches_leave_the_rows_of_their_changes_applied_one_by_one(stack_settings, pg_schema,
                                                                                 batches):
    expected = MemoryTables(Rows())
    conn = psycopg2.connect(stack_settings.pg_dsn)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(f'DROP TABLE IF EXISTS "{pg_schema}".bulk_rows_v1')
            tablesets.ensure_catalogue(cur, pg_schema)
            cur.execute(f"DELETE FROM \"{pg_schema}\".projection_tablesets WHERE projection = 'bulk_rows'")
            generation = tablesets.create_generation(cur, pg_schema, Rows(), state="building")
        writer = BulkWriter(pg_schema, Rows(), generation)
        for batch in batches:
            try:
                expected.apply_changes(batch)
                refused = False
            except ChangeRejected:
                refused = True
            try:
                nets = net_changes(batch, table_map(Rows()))
            except NotNettable:
                return  # such batches go event by event (tested with the runner's write_batch)
            except ChangeRejected:
                assert refused  # a duplicate insert within the batch: refused both ways
                return
            try:
                with conn, conn.cursor() as cur:
                    writer.write(cur, nets)
            except psycopg2.IntegrityError:
                assert refused  # a duplicate insert of a stored row: refused both ways
                return
            assert not refused
            stored = read_rows(conn, pg_schema)
            assert stored == {k: {**DEFAULTS, **row} for k, row in expected.table("bulk_rows").items()}
    finally:
        conn.close()
