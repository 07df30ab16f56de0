"""The projection interface: event in, row changes out.

A read model is a `Projection`: a name, a code version, the tables it owns and
a pure function `apply(event) -> list[Change]`. It knows nothing of Kafka,
transactions or offsets — the runner (`consumers/runner.py`) owns those — so a
projection can be tested with a list of events and `MemoryTables`, which
applies changes with exactly the semantics the runner gives them in SQL.

Why changes and not a per-key state fold (`apply(state, event)`): every view we
plan (case view, unit occupancy, legal clocks, audit trail) can say what to do
to its rows without reading them first — a partial upsert keeps the columns it
does not name, `Increment` adds in SQL (occupancy counts), `Insert` appends
(audit trail). Keeping reads out of projections keeps them pure, lets the
runner send a whole batch in a few round trips, and makes the result depend
only on the events and their order. A view that truly needs its previous row
should keep what it needs in that row and let SQL combine it.

The row operations (applied in the order returned, batch after batch):

| change | SQL | in words |
| --- | --- | --- |
| `Upsert(table, key, values)` | `INSERT … ON CONFLICT (key) DO UPDATE SET <values>` | create the row, or overwrite only the named columns |
| `Increment(table, key, deltas)` | `INSERT … ON CONFLICT (key) DO UPDATE SET c = c + EXCLUDED.c` | add to numeric columns, creating the row with the deltas |
| `Insert(table, row)` | `INSERT` | append; a duplicate key is an error (the event is dead-lettered) |
| `Delete(table, key)` | `DELETE … WHERE key` | remove the row if present |

Tables are declared with their DDL as named, readable SQL next to the
projection; `{table}` in the text stands for the table of one *table set*
(a generation: `<table>_v<N>`), filled in with a quoted identifier by
`projections/tablesets.py`. The stable read name (`<table>`) is a view on the
live generation, so a rebuild can fill a new generation while the live one
serves, then switch both in one transaction (`tablesets.switch_to`, called by
`consumers/replay.py`).

Example (the shape every read model follows)::

    CREATE_BALANCES = '''
        CREATE TABLE {table} (
            account  text   PRIMARY KEY,
            balance  bigint NOT NULL DEFAULT 0
        )'''

    class Balances:
        name = "balances"
        version = 1
        tables = (Table("balances", key=("account",), ddl=(CREATE_BALANCES,)),)

        def apply(self, event):
            if event["type"] == "Deposited":
                return [Increment("balances", {"account": event["account"]}, {"balance": event["amount"]})]
            return []
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Protocol, Sequence, Union, runtime_checkable

# Names of projections and tables become parts of SQL identifiers (quoted, but kept simple so
# the versioned names stay readable and within PostgreSQL's 63-byte identifier limit).
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Table:
    """One table of a read model.

    `name` is the stable read name (a view on the live generation); `key` the
    primary-key columns that `Upsert`, `Increment` and `Delete` address rows by;
    `ddl` the statements that create it, with `{table}` for the versioned table
    (indexes included: `CREATE INDEX ON {table} (unit_id)`).
    """

    name: str
    key: tuple[str, ...]
    ddl: tuple[str, ...]

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"table name {self.name!r}: use lower-case letters, digits and _ (max 40)")
        if not self.key:
            raise ValueError(f"table {self.name!r} needs key columns")
        if not self.ddl or any("{table}" not in s for s in self.ddl[:1]):
            raise ValueError(f"table {self.name!r}: the first DDL statement must create {{table}}")


@runtime_checkable
class Projection(Protocol):
    """A read model: pure, deterministic, and ignorant of where events come from.

    `apply` must depend only on the event (no clock, no settings, no I/O): a
    rebuild replays the same events and must produce the same rows. Raising
    means "this event cannot be projected": the continuous runner and a rebuild
    alike dead-letter it and go on (a rebuild also lists it in its report).
    Bump `version` when `apply` or the tables
    change; the runner refuses to write a generation built by another version.
    """

    name: str
    version: int
    tables: Sequence[Table]

    def apply(self, event: Any) -> Sequence["Change"]: ...


# -- row changes ----------------------------------------------------------------


@dataclass(frozen=True)
class Upsert:
    """Create the row with this key, or overwrite only the columns in `values`."""

    table: str
    key: Mapping[str, Any]
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Increment:
    """Add `deltas` to numeric columns of the row with this key (creating it with the deltas)."""

    table: str
    key: Mapping[str, Any]
    deltas: Mapping[str, int | float]


@dataclass(frozen=True)
class Insert:
    """Append a row; a row with the same key already there is an error."""

    table: str
    row: Mapping[str, Any]


@dataclass(frozen=True)
class Delete:
    """Remove the row with this key, if there is one."""

    table: str
    key: Mapping[str, Any]


Change = Union[Upsert, Increment, Insert, Delete]


class ChangeRejected(ValueError):
    """A change that does not fit its table (unknown table, wrong key columns)."""


def check_change(change: Change, tables: Mapping[str, Table]) -> None:
    """Raise ChangeRejected unless the change names a declared table by its exact key."""
    table = tables.get(change.table)
    if table is None:
        raise ChangeRejected(f"{type(change).__name__} names table {change.table!r}, "
                             f"not one of {sorted(tables)}")
    if isinstance(change, Insert):
        missing = [c for c in table.key if c not in change.row]
        if missing:
            raise ChangeRejected(f"Insert into {change.table!r} lacks key columns {missing}")
        return
    if tuple(sorted(change.key)) != tuple(sorted(table.key)):
        raise ChangeRejected(f"{type(change).__name__} on {change.table!r} is keyed by "
                             f"{sorted(change.key)}, the table by {list(table.key)}")
    overlap = set(change.key) & set(getattr(change, "values", None) or getattr(change, "deltas", None) or {})
    if overlap:
        raise ChangeRejected(f"{type(change).__name__} on {change.table!r} sets key columns {sorted(overlap)}")


def table_map(projection: Projection) -> dict[str, Table]:
    """The projection's tables by read name, after checking the names."""
    if not _NAME.match(projection.name):
        raise ValueError(f"projection name {projection.name!r}: use lower-case letters, digits and _")
    tables = {t.name: t for t in projection.tables}
    if len(tables) != len(projection.tables):
        raise ValueError(f"projection {projection.name!r} declares a table twice")
    return tables


def project(projection: Projection, event: Any, tables: Mapping[str, Table] | None = None) -> list[Change]:
    """Apply one event and check every change against the declared tables (pass `table_map` once if hot)."""
    tables = tables if tables is not None else table_map(projection)
    changes = list(projection.apply(event) or ())
    for change in changes:
        check_change(change, tables)
    return changes


# -- the same semantics in memory -------------------------------------------------


class MemoryTables:
    """Applies changes to dictionaries with the semantics the runner gives them in SQL.

    For unit tests of read models (no database), and as the reference the
    integration tests compare the real tables with. Rows are dicts; a table
    is `{key tuple: row}`. Columns never written are absent (SQL would give
    them their DEFAULT).
    """

    def __init__(self, projection: Projection) -> None:
        self.projection = projection
        self._tables = table_map(projection)
        self.rows: dict[str, dict[tuple, dict[str, Any]]] = {name: {} for name in self._tables}

    def _key(self, table: str, key: Mapping[str, Any]) -> tuple:
        return tuple(key[c] for c in self._tables[table].key)

    def apply_event(self, event: Any) -> None:
        """Apply one event's changes all or nothing (the runner does one savepoint per event)."""
        changes = project(self.projection, event)
        touched = {c.table for c in changes}
        before = {t: {k: dict(r) for k, r in self.rows[t].items()} for t in touched}
        try:
            self.apply_changes(changes)
        except Exception:
            self.rows.update(before)
            raise

    def apply_events(self, events: Iterable[Any]) -> "MemoryTables":
        for event in events:
            self.apply_event(event)
        return self

    def apply_changes(self, changes: Iterable[Change]) -> None:
        for change in changes:
            rows = self.rows[change.table]
            if isinstance(change, Upsert):
                k = self._key(change.table, change.key)
                rows.setdefault(k, dict(change.key)).update(change.values)
            elif isinstance(change, Increment):
                k = self._key(change.table, change.key)
                row = rows.get(k)
                if row is None:
                    rows[k] = {**change.key, **change.deltas}
                else:
                    for col, delta in change.deltas.items():
                        # COALESCE(col, 0) + delta in SQL: a NULL counts as zero.
                        row[col] = (row.get(col) or 0) + delta
            elif isinstance(change, Insert):
                k = self._key(change.table, change.row)
                if k in rows:
                    raise ChangeRejected(f"duplicate key {k} in {change.table!r}")
                rows[k] = dict(change.row)
            elif isinstance(change, Delete):
                rows.pop(self._key(change.table, change.key), None)
            else:
                raise ChangeRejected(f"not a change: {change!r}")

    def table(self, name: str) -> dict[tuple, dict[str, Any]]:
        return self.rows[name]
