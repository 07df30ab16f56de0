"""A batch of row changes reduced to one net change per row, for bulk writing.

A rebuild writes hundreds of thousands of changes into tables nobody else
writes. Sending them one statement each costs a parse and a round trip per
change; instead, `net_changes` folds a batch into at most one *net change* per
row, which `projections/bulk_write.py` then writes with COPY, a few statements
per table and shape.

The fold keeps the semantics of applying the changes one by one (engine.py's
table; the unit tests check it against `MemoryTables` on random sequences).
Per row, in order:

- `deleted`   — the stored row (if any) goes first;
- `insert`    — then a whole row is inserted (a duplicate key stays an error);
- `upsert`    — or the row is created / the named columns overwritten;
- `increment` — then deltas are added to columns the upsert does not set.

Why the order holds: a later `Delete` discards everything before it; an
`Upsert` after an `Increment` of the same column overwrites it, so the delta is
dropped; an `Increment` after an `Upsert` of the same column is added to the
upserted value; an `Upsert` or `Increment` after an `Insert` amends the row
being inserted. Rows are independent, so rows need no order among themselves.
One sequence has no net form: a `Delete` after an `Insert` into a row not deleted
before it in the batch — the insert must still fail if the row was stored, so
`NotNettable` is raised and the caller writes that batch change by change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from projections.engine import Change, ChangeRejected, Delete, Increment, Insert, Table, Upsert


class NotNettable(Exception):
    """The batch holds a sequence that folding would change the outcome of; write it change by change."""


@dataclass
class NetChange:
    """What one batch does to one row (see the module docstring for the order)."""

    deleted: bool = False
    insert: dict[str, Any] | None = None
    upsert: dict[str, Any] | None = None  # {} = create the row if absent, change nothing
    increment: dict[str, Any] = field(default_factory=dict)


def net_changes(changes: Iterable[Change], tables: Mapping[str, Table],
                into: dict[str, dict[tuple, NetChange]] | None = None) -> dict[str, dict[tuple, NetChange]]:
    """Fold changes (in order) into `{table: {key: NetChange}}`; pass `into` to keep folding a batch."""
    out = into if into is not None else {}
    for change in changes:
        table = tables[change.table]
        rows = out.setdefault(change.table, {})
        source = change.row if isinstance(change, Insert) else change.key
        key = tuple(source[c] for c in table.key)
        net = rows.get(key)
        if net is None:
            net = rows[key] = NetChange()
        if isinstance(change, Delete):
            if net.insert is not None and not net.deleted:
                raise NotNettable(f"{change.table!r} {key}: delete after insert")
            rows[key] = NetChange(deleted=True)
        elif isinstance(change, Insert):
            if net.insert is not None or net.upsert is not None or net.increment:
                raise ChangeRejected(f"duplicate key {key} in {change.table!r}")
            net.insert = dict(change.row)
        elif isinstance(change, Upsert):
            if net.insert is not None:
                net.insert.update(change.values)
            else:
                net.upsert = {**(net.upsert or {}), **change.values}
                for column in change.values:
                    net.increment.pop(column, None)
        elif isinstance(change, Increment):
            # A NULL counts as zero, as in SQL's COALESCE(c, 0) + delta.
            if net.insert is not None:
                for column, delta in change.deltas.items():
                    net.insert[column] = (net.insert.get(column) or 0) + delta
            else:
                for column, delta in change.deltas.items():
                    if net.upsert is not None and column in net.upsert:
                        net.upsert[column] = (net.upsert[column] or 0) + delta
                    else:
                        net.increment[column] = net.increment.get(column, 0) + delta
        else:
            raise ChangeRejected(f"not a change: {change!r}")
    return out


def as_changes(table: str, key_columns: tuple[str, ...], key: tuple, net: NetChange) -> list[Change]:
    """The net change as plain changes, in the order they must run (for tests and the slow path)."""
    key_map = dict(zip(key_columns, key))
    out: list[Change] = []
    if net.deleted:
        out.append(Delete(table, key_map))
    if net.insert is not None:
        out.append(Insert(table, net.insert))
    if net.upsert is not None:
        out.append(Upsert(table, key_map, net.upsert))
    if net.increment:
        out.append(Increment(table, key_map, net.increment))
    return out
