"""Replays without downtime: read models refilled from offset 0 in one pass, compared, switched.

`replay([(projection, topics), ...], decode, ...)` creates the next generation
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
unfinished replay, which is dropped anyway, and the switch itself is an
ordinary durable commit that flushes everything before it). With `workers` > 1
the partitions are shared among forked processes, each with its own consumer
and connection writing into the same new tables — safe because every row of
our read models is keyed within one stream, and a stream lives in one partition.

Poison events: an event a read model cannot decode, project or write is
dead-lettered and skipped, exactly as the live runner does — so a replay
finishes, the rebuilt tables equal the live ones, and one bad event cannot hold
back a correction to every other. (An earlier design stopped the replay, as
Marten does; but then the one way to repair a read model was blocked by the
very event the live runner had already set aside.) Events that fail during
folding (decode, project) are left out of the batch's net changes; when a bulk
write is refused, the batch is rolled back and redone event by event
(`write_batch`) to find the events at fault. Their dead letters carry the new
generation and are acknowledged by the broker before the batch commits; the
report lists them (`ReplayReport.dead_lettered`), and `caseledger dlq redrive`
re-applies them to that generation once it is live. A dry run publishes no
dead letters: it only reports them.

Real failures — the database or the broker away, the dead-letter topic unable
to take a letter, a worker process dead — stop the replay: the new generations
are dropped (or kept, state `failed`, with keep=True); the live ones are
untouched. `dry_run=True` only compares: the new tables are dropped, or kept
with state `dry_run`. Replaying twice from the same events gives identical
tables.

Over 400 lines on purpose: it is one algorithm (load, fold, write, dead-letter,
compare, switch, abandon), and its helpers share the private `_Target` state and
serve nothing else; split, they would be modules no one else may import.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable, Sequence

import structlog
from kafka import KafkaConsumer, TopicPartition
from psycopg2 import sql

from consumers.batch import Decode, failure_of, in_order, is_poison, write_batch
from consumers.dead_letter import Failure, send_dead_letters
from projections import tablesets
from projections.bulk_write import BulkWriter
from projections.engine import ChangeRejected, Projection, project, table_map
from projections.netting import NotNettable, net_changes
from projections.tablesets import TableDiff, versioned

# Events per PostgreSQL transaction while replaying (memory: one net change per touched row).
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
    dead_lettered: list[Failure] = field(default_factory=list)  # in origin order

    @property
    def identical(self) -> bool:
        return all(d.identical for d in self.diffs)


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


def replay(targets: Sequence[tuple[Projection, Sequence[str]]], decode: Decode, *, schema: str,
           connect_pg: Callable[[], Any], make_consumer: Callable[..., KafkaConsumer],
           make_producer: Callable[[], Any] | None = None, dead_letter_topic: str | None = None,
           dry_run: bool = False, keep: bool = False, batch_size: int = BATCH_SIZE, workers: int = 1,
           progress: Callable[[Progress], None] | None = None, sample: int = 10,
           stop: threading.Event | None = None, log=None) -> list[ReplayReport]:
    """Replay each (projection, topics) into a new generation in one pass, compare, switch all together.

    `workers` > 1 splits the partitions among that many processes (this one and forked ones).
    Poison events go to `dead_letter_topic` through a producer from `make_producer`
    (made when the first one is met; without them, a poison event stops the replay).
    """
    log = log or _logger("projection-replay", projections=[p.name for p, _ in targets])
    work = [_Target(p, t) for p, t in targets]
    letters = _DeadLetters(make_producer, dead_letter_topic, publish=not dry_run, log=log)
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
        log.info("projection_replay_started", generations={t.projection.name: t.generation for t in work},
                 dry_run=dry_run)
        consumer = make_consumer(group_id=None)
        parts = all_partitions(consumer, sorted(set().union(*(t.topics for t in work))))
        begin, end = consumer.beginning_offsets(parts), consumer.end_offsets(parts)
        loading = _Loading(sum(end[tp] - begin[tp] for tp in parts), progress, shared=workers > 1)
        shares = [share for share in (parts[i::workers] for i in range(max(1, workers))) if share]
        # Other workers are forked processes, each with its own consumer and connection, loading
        # its share of the partitions into the same new tables (a row's events share a partition).
        helpers = [_Worker(share, connect_pg, make_consumer, schema, work, decode, batch_size, loading, letters)
                   for share in shares[1:]]
        try:
            _load(consumer, shares[0], conn, schema, work, decode, batch_size, stop, loading, letters, log)
            for helper in helpers:
                counts, failures = helper.result()
                for t, n in zip(work, counts):
                    t.events += n
                letters.merge(failures)
        finally:
            for helper in helpers:
                helper.stop()
            letters.close()
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
            r.dead_lettered = letters.of(r.projection)
            log.info("projection_replay_finished", projection=r.projection, generation=r.generation,
                     previous=r.previous, events=r.events, elapsed_s=round(elapsed, 2), switched=r.switched,
                     identical=r.identical, dead_lettered=len(r.dead_lettered),
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


def replay_one(projection: Projection, decode: Decode, topics: Sequence[str], **options) -> ReplayReport:
    """Replay one read model into a new generation, compare, switch (the options of `replay`)."""
    return replay([(projection, topics)], decode, **options)[0]


def all_partitions(consumer: KafkaConsumer, topics: Sequence[str], timeout: float = 30.0) -> list[TopicPartition]:
    """Every partition of the topics, waiting for the metadata (it arrives after the first request)."""
    deadline = time.monotonic() + timeout
    out = []
    for topic in topics:
        partitions = consumer.partitions_for_topic(topic)
        while not partitions:
            if time.monotonic() > deadline:
                raise LookupError(f"topic {topic} not found")
            time.sleep(0.2)
            partitions = consumer.partitions_for_topic(topic)
        out += [TopicPartition(topic, p) for p in sorted(partitions)]
    return out


def _logger(component: str, **context):
    return structlog.get_logger(component).bind(component=component, **context)


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


class _DeadLetters:
    """Where a replay sets the events it cannot project aside: the dead-letter topic, and its report.

    The producer is made when the first poison event is met (most replays meet
    none). In a dry run nothing is published; the events are only reported.
    """

    def __init__(self, make_producer, topic: str | None, publish: bool, log) -> None:
        self.make_producer = make_producer
        self.topic = topic
        self.publish = publish
        self.log = log
        self._producer = None
        self._sent: dict[str, list[Failure]] = {}

    def send(self, target: "_Target", failures: list[Failure]) -> None:
        """Publish and wait for the broker (before the batch commits); raise if it cannot take them."""
        if not failures:
            return
        name = target.projection.name
        if self.publish:
            if self.make_producer is None or self.topic is None:
                raise RuntimeError(f"rebuild of {name} met an event it cannot project and has no dead-letter "
                                   "topic to set it aside on")
            if self._producer is None:
                self._producer = self.make_producer()
            send_dead_letters(self._producer, self.topic, failures, name, target.generation)
        for f in failures:
            topic, partition, offset = f.origin
            self.log.warning("projection_replay_event_dead_lettered", projection=name, generation=target.generation,
                             origin_topic=topic, origin_partition=partition, origin_offset=offset, reason=f.reason,
                             error_class=f.error_class, published=self.publish)
        # Only where and why: the report crosses from worker processes, and needs no event data.
        self._sent.setdefault(name, []).extend(_bare(f) for f in failures)

    def merge(self, failures: dict[str, list[Failure]]) -> None:
        for name, fs in failures.items():
            self._sent.setdefault(name, []).extend(fs)

    def of(self, projection: str) -> list[Failure]:
        return sorted(self._sent.get(projection, []), key=lambda f: f.origin)

    def sent(self) -> dict[str, list[Failure]]:
        return self._sent

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None


def _bare(f: Failure) -> Failure:
    topic, partition, offset = f.origin
    origin = SimpleNamespace(topic=topic, partition=partition, offset=offset, key=None, value=None, headers=[])
    return Failure(origin, f.reason, f.error_class, f.message)


def _load(consumer, parts, conn, schema, work, decode, batch_size, stop, loading: _Loading,
          letters: _DeadLetters, log) -> None:
    """Read `parts` from the beginning to the end and write every batch into the new generations."""
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    while True:
        records, end = _next_batch(consumer, parts, end, batch_size, stop)
        if not records:
            return
        _write(conn, schema, work, records, decode, letters)
        loading.add(len(records))
        loading.report()
        log.info("projection_replay_batch_applied", events=len(records), done=loading.done,
                 estimated_total=loading.total)


class _Worker:
    """A forked process loading a share of the partitions; `result()` gives its events per read model
    and the events it dead-lettered."""

    def __init__(self, parts, connect_pg, make_consumer, schema, work, decode, batch_size, loading,
                 letters: _DeadLetters) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_worker_main, name="caseledger-replay-worker", daemon=True,
            args=(send, parts, connect_pg, make_consumer, schema, work, decode, batch_size, loading, letters))
        self._process.start()
        send.close()

    def result(self) -> tuple[list[int], dict[str, list[Failure]]]:
        try:
            outcome = self._receive.recv()
        except EOFError:
            raise RuntimeError(f"rebuild worker {self._process.pid} died "
                               f"(exit code {self._process.exitcode})") from None
        if outcome[0] == "ok":
            return outcome[1], outcome[2]
        raise RuntimeError(f"rebuild worker {self._process.pid} failed: {outcome[1]}")

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(10)


def _worker_main(send, parts, connect_pg, make_consumer, schema, work, decode, batch_size, loading,
                 letters: _DeadLetters) -> None:
    # The parent's connections were inherited, not opened here: leave with os._exit so that no
    # finaliser of theirs runs in this process (a psycopg2 close would end the parent's session).
    code = 0
    loading.progress = None  # the parent draws the progress line, from the shared count
    log = _logger("projection-replay-worker")
    letters = _DeadLetters(letters.make_producer, letters.topic, letters.publish, log)  # its own producer
    try:
        for t in work:
            t.events = 0
        conn, consumer = connect_pg(), make_consumer(group_id=None)
        _load(consumer, parts, conn, schema, work, decode, batch_size, None, loading, letters, log)
        consumer.close(autocommit=False)
        conn.close()
        letters.close()
        send.send(("ok", [t.events for t in work], letters.sent()))
    except BaseException as exc:
        send.send(("error", f"{type(exc).__name__}: {exc}"))
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
        records += in_order(polled)
    # Several polls may interleave partitions; each partition's records stay in offset order.
    records.sort(key=lambda r: (r.topic, r.partition, r.offset))
    return records, end


def _write(conn, schema: str, work: list[_Target], records: list, decode: Decode, letters: _DeadLetters) -> None:
    """One transaction: every read model's net changes of the batch, its offsets and its dead letters."""
    try:
        nets, positions, failures = _fold(work, records, decode)
        with conn:
            with conn.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit = off")
                for t in work:
                    name = t.projection.name
                    t.writer.write(cur, nets[name])
                    tablesets.lock_offsets(cur, schema, name, t.generation, positions[name])
                    tablesets.store_offsets(cur, schema, name, t.generation, positions[name])
                # Before the commit, as the live runner does: a crash in between repeats a letter, never loses one.
                for t in work:
                    letters.send(t, failures[t.projection.name])
    except (NotNettable, ChangeRejected):
        _write_event_by_event(conn, schema, work, records, decode, letters)
    except Exception as exc:
        if not is_poison(exc):
            raise
        # Which events? The event-by-event path finds them, one savepoint each.
        _write_event_by_event(conn, schema, work, records, decode, letters)
    for t in work:
        t.events += sum(1 for r in records if t.reads(r))


def _write_event_by_event(conn, schema: str, work: list[_Target], records: list, decode: Decode,
                          letters: _DeadLetters) -> None:
    for t in work:
        with conn:
            with conn.cursor() as cur:
                result = write_batch(cur, schema, t.projection, t.generation, [r for r in records if t.reads(r)],
                                     decode)
                letters.send(t, result.failures)


def _fold(work: list[_Target], records: list, decode: Decode):
    """The batch's net change per row and read model, its positions, and the events that failed on the way.

    An event that cannot be decoded or projected is left out of the nets (its offset still counts).
    """
    nets = {t.projection.name: {} for t in work}
    positions: dict[str, dict[tuple[str, int], int]] = {t.projection.name: {} for t in work}
    failures: dict[str, list[Failure]] = {t.projection.name: [] for t in work}
    for record in records:
        readers = [t for t in work if t.reads(record)]
        if not readers:
            continue
        tp = (record.topic, record.partition)
        for t in readers:
            positions[t.projection.name][tp] = record.offset + 1
        try:
            event = decode(record)
        except Exception as exc:
            for t in readers:
                failures[t.projection.name].append(failure_of(record, "decode_failed", exc))
            continue
        for t in readers:
            try:
                changes = project(t.projection, event, t.tables)
            except Exception as exc:
                failures[t.projection.name].append(failure_of(record, "apply_failed", exc))
                continue
            net_changes(changes, t.tables, into=nets[t.projection.name])
    return nets, positions, failures


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
    """A replay that did not finish leaves the live generation as it was, and no half-built one."""
    log.error("projection_replay_stopped", projection=projection.name, generation=generation,
              error_class=type(exc).__name__, kept=keep)
    try:
        conn.rollback()
        with conn:
            with conn.cursor() as cur:
                if keep:
                    tablesets.set_state(cur, schema, projection.name, generation, "failed")
                else:
                    tablesets.drop_generation(cur, schema, projection, generation)
    except Exception:  # the database may be the reason we stopped; the tables stay, state `building`
        log.warning("projection_replay_cleanup_failed", projection=projection.name, generation=generation)
