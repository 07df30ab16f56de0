"""Rebuilds without downtime: read models refilled from offset 0 in one pass, compared, switched.

`rebuild([(projection, topics), ...], decode, ...)` creates the next generation
of each read model's tables (`<table>_v<N+1>`) and reads the topics from the
beginning once — each record decoded once and given to every read model that
reads its topic — while the live generations keep serving and their runners
keep writing. When caught up it builds the deferred indexes, compares each new
generation with the live one (`TableDiff`), and switches all of them in one
transaction (pointer rows and read views). Live runners lock the pointer row
FOR SHARE in every batch, so each of their batches lands wholly before the
switch or is redone against the new generation from *its* stored offsets.

Why it is fast: nothing reads a generation while it is being built, so a batch
of thousands of events is folded into one net change per row
(`projections/netting.py`) and written with COPY (`projections/bulk_write.py`);
secondary indexes are built once at the end; and the batch commits need not
wait for the disk (`synchronous_commit = off`: a crash loses at most the
unfinished rebuild, which is dropped anyway, and the switch itself is an
ordinary durable commit that flushes everything before it). With `workers` > 1
the partitions are shared among forked processes, each with its own consumer
and connection writing into the same new tables — safe because every row of
our read models is keyed within one stream, and a stream lives in one partition.

Errors: a rebuild stops on the first event it cannot project and reports it
(`ReplayStopped`; continuous runners dead-letter, rebuilds stop). When a bulk
write is refused, the batch is rolled back and redone event by event
(`write_batch`, strict) to name the event at fault. The new generations are
dropped (or kept, state `failed`, with keep=True); the live ones are untouched.
`dry_run=True` only compares: the new tables are dropped, or kept with state
`dry_run`. Rebuilding twice from the same events gives identical tables.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable, Sequence

import psycopg2
from kafka import KafkaConsumer
from psycopg2 import sql

from consumers.dead_letter import Failure
from consumers.runner import Decode, ReplayStopped, _in_order, all_partitions, is_data_error, write_batch
from infra.logs import get_logger
from projections import tablesets
from projections.bulk_write import BulkWriter
from projections.engine import Projection, project, table_map
from projections.netting import NotNettable, net_changes
from projections.tablesets import TableDiff, versioned

# Events per PostgreSQL transaction while rebuilding (memory: one net change per touched row).
BATCH_SIZE = 20000


@dataclass(frozen=True)
class Progress:
    events: int
    total: int  # from the partitions' offsets: an estimate (transaction markers take offsets too)
    elapsed_s: float
    rate_per_s: float
    eta_s: float | None


@dataclass
class ReplayReport:
    projection: str
    generation: int
    previous: int | None
    events: int
    elapsed_s: float
    diffs: list[TableDiff]
    switched: bool
    kept: bool
    positions: dict[tuple[str, int], int]

    @property
    def identical(self) -> bool:
        return all(d.identical for d in self.diffs)

    def render(self) -> str:
        """The differences, as a table for people."""
        from infra.tables import render_table

        what = ("switched to" if self.switched else "kept (dry run)" if self.kept else "dropped (dry run)")
        head = (f"{self.projection}: rebuilt generation {self.generation} from {self.events:,} events in "
                f"{self.elapsed_s:.1f} s; {what} generation {self.generation}"
                f"{'' if self.previous is None else f' (live was {self.previous})'}")
        rows = [{"table": d.table, "live rows": d.live_rows, "rebuilt rows": d.rebuilt_rows,
                 "only live": d.only_live, "only rebuilt": d.only_rebuilt, "changed": d.changed,
                 "sample keys": ", ".join("/".join(map(str, k)) for k in d.sample_keys)} for d in self.diffs]
        cols = ["table", "live rows", "rebuilt rows", "only live", "only rebuilt", "changed", "sample keys"]
        return head + "\n" + render_table(rows, cols)


class _Target:
    """One read model being rebuilt: its projection, topics, new generation and bulk writer."""

    def __init__(self, projection: Projection, topics: Sequence[str]) -> None:
        self.projection = projection
        self.topics = frozenset(topics)
        self.tables = table_map(projection)
        self.generation: int | None = None
        self.writer: BulkWriter | None = None
        self.events = 0

    def reads(self, record) -> bool:
        return record.topic in self.topics


def rebuild(targets: Sequence[tuple[Projection, Sequence[str]]], decode: Decode, *, schema: str,
            connect_pg: Callable[[], Any], make_consumer: Callable[..., KafkaConsumer],
            dry_run: bool = False, keep: bool = False, batch_size: int = BATCH_SIZE, workers: int = 1,
            progress: Callable[[Progress], None] | None = None, sample: int = 10,
            stop: threading.Event | None = None, log=None) -> list[ReplayReport]:
    """Rebuild each (projection, topics) into a new generation in one pass, compare, switch all together.

    `workers` > 1 splits the partitions among that many processes (this one and forked ones).
    """
    log = log or get_logger("projection-replay", projections=[p.name for p, _ in targets])
    work = [_Target(p, t) for p, t in targets]
    conn = connect_pg()
    consumer = None
    try:
        with conn:
            with conn.cursor() as cur:
                tablesets.ensure_catalogue(cur, schema)
                for t in work:
                    t.generation = tablesets.create_generation(cur, schema, t.projection, state="building",
                                                               defer_indexes=True)
                    t.writer = BulkWriter(schema, t.projection, t.generation)
        log.info("projection_rebuild_started", generations={t.projection.name: t.generation for t in work},
                 dry_run=dry_run)
        consumer = make_consumer(group_id=None)
        parts = all_partitions(consumer, sorted(set().union(*(t.topics for t in work))))
        begin, end = consumer.beginning_offsets(parts), consumer.end_offsets(parts)
        loading = _Loading(sum(end[tp] - begin[tp] for tp in parts), progress, shared=workers > 1)
        shares = [share for share in (parts[i::workers] for i in range(max(1, workers))) if share]
        # Other workers are forked processes, each with its own consumer and connection, loading
        # its share of the partitions into the same new tables (a row's events share a partition).
        helpers = [_Worker(share, connect_pg, make_consumer, schema, work, decode, batch_size, loading)
                   for share in shares[1:]]
        try:
            _load(consumer, shares[0], conn, schema, work, decode, batch_size, stop, loading, log)
            for helper in helpers:
                for t, n in zip(work, helper.result()):
                    t.events += n
        finally:
            for helper in helpers:
                helper.stop()
        events = loading.done
        with conn:
            with conn.cursor() as cur:
                for t in work:
                    tablesets.create_deferred_indexes(cur, schema, t.projection, t.generation)
                    # Fresh tables have no statistics yet; the first queries after the switch need them.
                    for table in t.projection.tables:
                        cur.execute(sql.SQL("ANALYZE {t}").format(
                            t=sql.Identifier(schema, versioned(table.name, t.generation))))
        elapsed = time.monotonic() - loading.started
        if progress:
            progress(Progress(events, events, elapsed, events / elapsed if elapsed > 0 else 0.0, 0.0))
        reports = _compare_and_switch(conn, schema, work, dry_run, keep, sample, elapsed)
        for r in reports:
            log.info("projection_rebuild_finished", projection=r.projection, generation=r.generation,
                     previous=r.previous, events=r.events, elapsed_s=round(elapsed, 2), switched=r.switched,
                     identical=r.identical,
                     differences={d.table: d.only_live + d.only_rebuilt + d.changed for d in r.diffs})
        return reports
    except BaseException as exc:
        for t in work:
            if t.generation is not None:
                _abandon(conn, schema, t.projection, t.generation, keep, log, exc)
        raise
    finally:
        if consumer is not None:
            consumer.close(autocommit=False)
        conn.close()


class _Loading:
    """Events loaded so far (across worker processes) and the progress line."""

    def __init__(self, total: int, progress, shared: bool) -> None:
        self.total = total
        self.progress = progress
        self.started = time.monotonic()
        self._count = multiprocessing.get_context("fork").Value("q", 0) if shared else None
        self._local = 0

    @property
    def done(self) -> int:
        return self._count.value if self._count is not None else self._local

    def add(self, n: int) -> None:
        if self._count is not None:
            with self._count.get_lock():
                self._count.value += n
        else:
            self._local += n

    def report(self) -> None:
        if self.progress:
            done, elapsed = self.done, time.monotonic() - self.started
            rate = done / elapsed if elapsed > 0 else 0.0
            eta = (max(0, self.total - done) / rate) if rate > 0 else None
            self.progress(Progress(done, max(self.total, done), elapsed, rate, eta))


def _load(consumer, parts, conn, schema, work, decode, batch_size, stop, loading: _Loading, log) -> None:
    """Read `parts` from the beginning to the end and write every batch into the new generations."""
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    while True:
        records, end = _next_batch(consumer, parts, end, batch_size, stop)
        if not records:
            return
        _write(conn, schema, work, records, decode)
        loading.add(len(records))
        loading.report()
        log.info("projection_rebuild_batch_applied", events=len(records), done=loading.done,
                 estimated_total=loading.total)


class _Worker:
    """A forked process loading a share of the partitions; `result()` gives its events per read model."""

    def __init__(self, parts, connect_pg, make_consumer, schema, work, decode, batch_size, loading) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_worker_main, name="caseledger-rebuild-worker", daemon=True,
            args=(send, parts, connect_pg, make_consumer, schema, work, decode, batch_size, loading))
        self._process.start()
        send.close()

    def result(self) -> list[int]:
        try:
            outcome = self._receive.recv()
        except EOFError:
            raise RuntimeError(f"rebuild worker {self._process.pid} died "
                               f"(exit code {self._process.exitcode})") from None
        if outcome[0] == "ok":
            return outcome[1]
        if outcome[0] == "stopped":
            _, projection, (topic, partition, offset), reason, error_class, message = outcome
            origin = SimpleNamespace(topic=topic, partition=partition, offset=offset, key=None, value=None,
                                     headers=[])
            raise ReplayStopped(projection, Failure(origin, reason, error_class, message))
        raise RuntimeError(f"rebuild worker {self._process.pid} failed: {outcome[1]}: {outcome[2]}")

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(10)


def _worker_main(send, parts, connect_pg, make_consumer, schema, work, decode, batch_size, loading) -> None:
    # The parent's connections were inherited, not opened here: leave with os._exit so that no
    # finaliser of theirs runs in this process (a psycopg2 close would end the parent's session).
    code = 0
    loading.progress = None  # the parent draws the progress line, from the shared count
    try:
        for t in work:
            t.events = 0
        conn, consumer = connect_pg(), make_consumer(group_id=None)
        _load(consumer, parts, conn, schema, work, decode, batch_size, None, loading,
              get_logger("projection-replay-worker"))
        consumer.close(autocommit=False)
        conn.close()
        send.send(("ok", [t.events for t in work]))
    except ReplayStopped as exc:
        f = exc.failure
        send.send(("stopped", exc.projection, f.origin, f.reason, f.error_class, f.message))
    except BaseException as exc:
        send.send(("error", type(exc).__name__, str(exc)))
        code = 1
    finally:
        send.close()
        os._exit(code)


def _next_batch(consumer, parts, end, batch_size, stop):
    """Up to `batch_size` records in offset order per partition; none once caught up."""
    records: list = []
    while len(records) < batch_size:
        if stop is not None and stop.is_set():
            raise KeyboardInterrupt("rebuild interrupted")
        if all(consumer.position(tp) >= end[tp] for tp in parts):
            # Caught up with what existed when we looked; events written since are chased too.
            # Right after a commit the last stable offset trails the high watermark until the
            # transaction markers land: that is not the end yet (see ProjectionRunner._caught_up).
            latest = consumer.end_offsets(parts)
            if all(consumer.position(tp) >= latest[tp] and (consumer.highwater(tp) or 0) <= latest[tp]
                   for tp in parts):
                break
            end = latest
        polled = consumer.poll(timeout_ms=500, max_records=batch_size - len(records))
        records += _in_order(polled)
    # Several polls may interleave partitions; each partition's records stay in offset order.
    records.sort(key=lambda r: (r.topic, r.partition, r.offset))
    return records, end


def _write(conn, schema: str, work: list[_Target], records: list, decode: Decode) -> None:
    """One transaction: every read model's net changes of the batch and its offsets."""
    try:
        nets, positions = _fold(work, records, decode)
        with conn:
            with conn.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
                for t in work:
                    name = t.projection.name
                    t.writer.write(cur, nets[name])
                    tablesets.lock_offsets(cur, schema, name, t.generation, positions[name])
                    tablesets.store_offsets(cur, schema, name, t.generation, positions[name])
    except NotNettable:
        _write_event_by_event(conn, schema, work, records, decode)
    except psycopg2.Error as exc:
        if not is_data_error(exc):
            raise
        # Which event? The event-by-event path raises ReplayStopped naming it.
        _write_event_by_event(conn, schema, work, records, decode)
    for t in work:
        t.events += sum(1 for r in records if t.reads(r))


def _write_event_by_event(conn, schema: str, work: list[_Target], records: list, decode: Decode) -> None:
    for t in work:
        with conn:
            with conn.cursor() as cur:
                write_batch(cur, schema, t.projection, t.generation, [r for r in records if t.reads(r)], decode,
                            strict=True)


def _fold(work: list[_Target], records: list, decode: Decode):
    nets = {t.projection.name: {} for t in work}
    positions: dict[str, dict[tuple[str, int], int]] = {t.projection.name: {} for t in work}
    for record in records:
        readers = [t for t in work if t.reads(record)]
        if not readers:
            continue
        try:
            event = decode(record)
        except Exception as exc:
            raise ReplayStopped(readers[0].projection.name, _failure(record, "decode_failed", exc)) from None
        tp = (record.topic, record.partition)
        for t in readers:
            try:
                changes = project(t.projection, event, t.tables)
                net_changes(changes, t.tables, into=nets[t.projection.name])
            except Exception as exc:
                raise ReplayStopped(t.projection.name, _failure(record, "apply_failed", exc)) from None
            positions[t.projection.name][tp] = record.offset + 1
    return nets, positions


def _failure(record, reason: str, exc: BaseException) -> Failure:
    return Failure(record, reason, type(exc).__name__, str(exc))


def _compare_and_switch(conn, schema, work, dry_run, keep, sample, elapsed) -> list[ReplayReport]:
    reports = []
    with conn:
        with conn.cursor() as cur:
            for t in work:
                name, generation = t.projection.name, t.generation
                previous = tablesets.current_generation(cur, schema, name)
                diffs = tablesets.diff_generations(cur, schema, t.projection, previous, generation, sample)
                positions = tablesets.read_offsets(cur, schema, name, generation)
                if dry_run and keep:
                    tablesets.set_state(cur, schema, name, generation, "dry_run")
                elif dry_run:
                    tablesets.drop_generation(cur, schema, t.projection, generation)
                else:
                    previous = tablesets.switch_to(cur, schema, t.projection, generation)
                reports.append(ReplayReport(name, generation, previous, t.events, elapsed, diffs,
                                            switched=not dry_run, kept=dry_run and keep, positions=positions))
    return reports


def _abandon(conn, schema, projection, generation, keep, log, exc) -> None:
    """A rebuild that did not finish leaves the live generation as it was, and no half-built one."""
    origin = exc.failure.origin if isinstance(exc, ReplayStopped) else None
    log.error("projection_rebuild_stopped", projection=projection.name, generation=generation,
              error_class=type(exc).__name__,
              origin=None if origin is None else f"{origin[0]}[{origin[1]}]@{origin[2]}",
              reason=getattr(getattr(exc, "failure", None), "reason", None), kept=keep)
    try:
        conn.rollback()
        with conn:
            with conn.cursor() as cur:
                if keep:
                    tablesets.set_state(cur, schema, projection.name, generation, "failed")
                else:
                    tablesets.drop_generation(cur, schema, projection, generation)
    except Exception:  # the database may be the reason we stopped; the tables stay, state `building`
        log.warning("projection_rebuild_cleanup_failed", projection=projection.name, generation=generation)
