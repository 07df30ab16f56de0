"""Writing net changes in bulk: COPY into a staging table, then one statement per shape.

For rebuilds (`consumers/replay.py`): a batch of tens of thousands of events
becomes, per table, a handful of statements instead of one per change.

- deletes:    COPY the keys into staging, `DELETE … USING staging`;
- inserts:    COPY straight into the table (a duplicate key fails the batch);
- upserts:    per set of columns, COPY into staging, then
              `INSERT … SELECT … ON CONFLICT (key) DO UPDATE SET <those columns>`;
- increments: the same with `c = COALESCE(t.c, 0) + EXCLUDED.c`.

The staging table is a temporary copy of the table's columns without its
constraints (`CREATE TEMP TABLE … AS SELECT … WITH NO DATA`), so a partial
upsert of a row that exists passes through it as it passes through the plain
statement. Values are sent in COPY's text format; `copy_text` covers the
Python types read models produce (text, numbers, booleans, dates, times).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, Mapping

from psycopg2 import sql

from projections.engine import Projection, Table, table_map
from projections.netting import NetChange
from projections.tablesets import versioned

CREATE_STAGING = "CREATE TEMP TABLE IF NOT EXISTS {staging} AS SELECT * FROM {table} WITH NO DATA"
TRUNCATE_STAGING = "TRUNCATE {staging}"
COPY_IN = "COPY {table} ({columns}) FROM STDIN"
DELETE_STAGED = "DELETE FROM {table} t USING {staging} s WHERE {match}"
UPSERT_STAGED = "INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} ON CONFLICT ({key}) DO {action}"

def _text(value: str) -> str:
    # Most values hold none of the four characters COPY escapes: four scans beat a translate.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


_BY_TYPE = {
    str: _text,
    int: repr,
    float: repr,
    bool: lambda v: "t" if v else "f",
    type(None): lambda v: "\\N",
    dt.datetime: dt.datetime.isoformat,
    dt.date: dt.date.isoformat,
}


def copy_text(value: Any) -> str:
    """One value in COPY's text format (NULL is \\N)."""
    render = _BY_TYPE.get(type(value))
    if render is not None:
        return render(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return _text(str(value))


def _copy(cur, target: sql.Composable, columns: tuple[str, ...], rows: list[tuple]) -> None:
    buffer = io.StringIO("".join("\t".join(map(copy_text, row)) + "\n" for row in rows))
    statement = sql.SQL(COPY_IN).format(table=target, columns=sql.SQL(", ").join(map(sql.Identifier, columns)))
    cur.copy_expert(statement.as_string(cur), buffer)


class BulkWriter:
    """Writes `{table: {key: NetChange}}` of one projection generation, inside the caller's transaction."""

    def __init__(self, schema: str, projection: Projection, generation: int) -> None:
        self.schema = schema
        self.generation = generation
        self.tables = table_map(projection)

    def write(self, cur, nets: Mapping[str, Mapping[tuple, NetChange]]) -> None:
        for name, rows in nets.items():
            if rows:
                self._write_table(cur, self.tables[name], rows)

    def _write_table(self, cur, table: Table, rows: Mapping[tuple, NetChange]) -> None:
        target = sql.Identifier(self.schema, versioned(table.name, self.generation))
        staging = sql.Identifier(f"staging_{versioned(table.name, self.generation)}")
        # Every time: a rolled-back transaction takes a staging table created in it along.
        cur.execute(sql.SQL(CREATE_STAGING).format(staging=staging, table=target))
        key = table.key
        deletes = [k for k, n in rows.items() if n.deleted]
        if deletes:
            self._staged_statement(cur, staging, key, deletes, sql.SQL(DELETE_STAGED).format(
                table=target, staging=staging,
                match=sql.SQL(" AND ").join(sql.SQL("t.{c} = s.{c}").format(c=sql.Identifier(c)) for c in key)))
        inserts = _by_shape((((), n.insert) for n in rows.values() if n.insert is not None), ())
        for columns, values in inserts.items():
            _copy(cur, target, columns, values)
        upserts = _by_shape(((k, n.upsert) for k, n in rows.items() if n.upsert is not None), key)
        for columns, values in upserts.items():
            cols = columns[len(key):]
            action = (sql.SQL("NOTHING") if not cols else sql.SQL("UPDATE SET ") + sql.SQL(", ").join(
                sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in cols))
            self._merge(cur, staging, target, key, columns, values, action)
        increments = _by_shape(((k, n.increment) for k, n in rows.items() if n.increment), key)
        for columns, values in increments.items():
            alias = sql.Identifier(versioned(table.name, self.generation))
            action = sql.SQL("UPDATE SET ") + sql.SQL(", ").join(
                sql.SQL("{c} = COALESCE({t}.{c}, 0) + EXCLUDED.{c}").format(c=sql.Identifier(c), t=alias)
                for c in columns[len(key):])
            self._merge(cur, staging, target, key, columns, values, action)

    def _merge(self, cur, staging, target, key, columns, values, action) -> None:
        ids = sql.SQL(", ").join(map(sql.Identifier, columns))
        self._staged_statement(cur, staging, columns, values, sql.SQL(UPSERT_STAGED).format(
            table=target, columns=ids, staging=staging, key=sql.SQL(", ").join(map(sql.Identifier, key)),
            action=action))

    @staticmethod
    def _staged_statement(cur, staging, columns, values, statement) -> None:
        _copy(cur, staging, tuple(columns), values)
        cur.execute(statement)
        cur.execute(sql.SQL(TRUNCATE_STAGING).format(staging=staging))


def _by_shape(items, key: tuple[str, ...]) -> dict[tuple[str, ...], list[tuple]]:
    """Group (key values, other values) pairs by their column set: `{(key…, columns…): [row tuples]}`."""
    out: dict[tuple[str, ...], list[tuple]] = {}
    for k, values in items:
        columns = key + tuple(sorted(values))
        out.setdefault(columns, []).append(k + tuple(values[c] for c in columns[len(key):]))
    return out
