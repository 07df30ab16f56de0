"""One batch of records projected into one generation, offsets included: the code the runner and the replay share.

`write_batch` is the careful path, one event at a time when it has to be: the
live runner takes it for every batch, and a replay falls back on it when a
bulk write of its net changes is refused, to find the events at fault.
`is_poison` tells an event's own fault (dead-letter it, go on) from the
surroundings' (retry, never dead-letter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import psycopg2

from consumers.chain import ChainCheck
from consumers.dead_letter import Failure
from projections import tablesets
from projections.engine import Projection, project

Decode = Callable[[Any], Any]


def is_data_error(exc: psycopg2.Error) -> bool:
    """SQLSTATE class 22 (data exception) or 23 (integrity violation): this event's rows, not the set-up.

    Anything else (permission denied, a missing table) would fail for every
    event alike; dead-lettering them all would empty the view, so those stop
    the batch and are retried instead.
    """
    return (getattr(exc, "pgcode", None) or "")[:2] in ("22", "23")


def is_poison(exc: BaseException) -> bool:
    """Did writing an event's rows fail because of the event (dead-letter it) or of the surroundings (retry)?

    The event's: the server refused a value or broke a constraint with it
    (`is_data_error`), or the client could not put a value into a statement at
    all — psycopg2 raises ValueError for a string holding a NUL character (or a
    lone surrogate) and ProgrammingError without a SQLSTATE ("can't adapt type")
    for a value of a type it does not know. Everything else is the
    surroundings: a lost or refused connection, a statement timeout, a missing
    table or grant. Those would fail for every event alike, so they are
    retried with backoff and never dead-lettered.
    """
    if isinstance(exc, psycopg2.Error):
        return is_data_error(exc) or (isinstance(exc, psycopg2.ProgrammingError) and exc.pgcode is None)
    return isinstance(exc, ValueError)


@dataclass
class BatchResult:
    applied: int = 0
    skipped: int = 0  # already applied (offset below the stored one): redelivery, rebalance, replay
    failures: list[Failure] = field(default_factory=list)
    positions: dict[tuple[str, int], int] = field(default_factory=dict)


def failure_of(record, reason: str, exc: BaseException) -> Failure:
    """The dead letter of `record`: why it failed, and the error's class and message."""
    return Failure(record, reason, type(exc).__name__, str(exc))


def highest_notification(records) -> int | None:
    """The highest `notification_id` header among the records (None if none carries one)."""
    ids = [int(v) for r in records for k, v in (r.headers or []) if k == "notification_id"]
    return max(ids) if ids else None


def write_batch(cur, schema: str, projection: Projection, generation: int, records: Sequence,
                decode: Decode, chain: ChainCheck | None = None) -> BatchResult:
    """Project `records` into `generation` inside the caller's transaction, offsets included.

    Records must be in offset order within each partition. The stored offsets
    are locked first (FOR UPDATE), so two runners that both hold a partition
    for a moment during a rebalance take turns, and the second skips what the
    first applied. An event that cannot be decoded, projected or written
    (`is_poison`) leaves no row behind: it is returned among the failures, in
    offset order, for the caller to dead-letter before it commits, and its
    offset is passed like any other. Any other error propagates, with the
    transaction to be rolled back.

    With a `chain` (the live runner), a record that is not its stream's next event is a failure
    too (`consumers/chain.py`: reason = the conflict), and a redelivery of an applied sequence is
    skipped. The highest notification id applied is stored with the offsets (`built_from`).
    """
    result = BatchResult()
    stored = tablesets.lock_offsets(cur, schema, projection.name, generation,
                                    {(r.topic, r.partition) for r in records})
    fresh = [r for r in records if r.offset >= stored[(r.topic, r.partition)]]
    result.skipped = len(records) - len(fresh)
    checked = fresh
    if chain is not None:
        verdicts = chain.check(cur, schema, projection.name, generation, fresh)
        checked = verdicts.accepted
        result.skipped += len(verdicts.duplicates)
        result.failures.extend(Failure(r, c.reason, type(c).__name__, str(c)) for r, c in verdicts.conflicts)

    projected = []
    for record in checked:
        try:
            event = decode(record)
        except Exception as exc:
            result.failures.append(failure_of(record, "decode_failed", exc))
            continue
        try:
            changes = project(projection, event)
        except Exception as exc:
            result.failures.append(failure_of(record, "apply_failed", exc))
            continue
        projected.append((record, changes))

    # Optimistic: the whole batch in a few round trips. Only if a row change is refused do we
    # go back and find which events were at fault, one savepoint each.
    cur.execute("SAVEPOINT batch")
    try:
        tablesets.execute_changes(cur, schema, projection, generation, [c for _, cs in projected for c in cs])
        cur.execute("RELEASE SAVEPOINT batch")
    except Exception as exc:
        if not is_poison(exc):
            raise
        cur.execute("ROLLBACK TO SAVEPOINT batch")
        for record, changes in projected:
            cur.execute("SAVEPOINT event")
            try:
                tablesets.execute_changes(cur, schema, projection, generation, changes)
                cur.execute("RELEASE SAVEPOINT event")
            except Exception as exc2:
                if not is_poison(exc2):
                    raise
                cur.execute("ROLLBACK TO SAVEPOINT event")
                result.failures.append(failure_of(record, "write_failed", exc2))

    result.failures.sort(key=lambda f: f.origin)
    for record in fresh:
        tp = (record.topic, record.partition)
        result.positions[tp] = max(result.positions.get(tp, 0), record.offset + 1)
    tablesets.store_offsets(cur, schema, projection.name, generation, result.positions)
    failed = {id(f.record) for f in result.failures}
    highest = highest_notification(r for r in checked if id(r) not in failed)
    if highest is not None:
        tablesets.store_built_from(cur, schema, projection.name, generation, highest)
    result.applied = sum(1 for r in checked if id(r) not in failed)
    return result


def in_order(polled: dict) -> list:
    """A poll's records, partition after partition, each partition's in offset order."""
    return [r for tp in sorted(polled, key=lambda t: (t.topic, t.partition)) for r in polled[tp]]
