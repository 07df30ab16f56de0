"""The continuous projection runner: Kafka in, rows and offsets out, in one PostgreSQL transaction.

`ProjectionRunner.run()` keeps one read model's live generation up to date. One
consumer group per projection (`caseledger-projection.<name>`), so a projection
scales out over processes by partitions. Each batch (`consumers/batch.py`, the
code it shares with the replay) is one PostgreSQL transaction holding the rows
*and* the next offset of every partition in it (`projection_offsets`, keyed by
projection, generation, topic and partition). Offsets are never committed to
Kafka (`enable_auto_commit=False`): on assignment the runner seeks to the
offsets stored in PostgreSQL, and inside the batch it skips any record below
the stored offset — so a redelivered or replayed record is a no-op, and a crash
at any point neither loses nor double-applies an event. An event it cannot
decode, project or write (`is_poison`: the event's fault, such as a NUL
character PostgreSQL cannot store) goes to the dead-letter topic
(`consumers/dead_letter.py`), acknowledged by the broker *before* the batch —
the other events' rows and every offset, the poison's included — commits; the
partition keeps moving. Broker or database away (anything not the event's
fault): it backs off (0.5 s doubling to 30 s), logs each retry, reconnects, and
resumes from the stored offsets; nothing is dead-lettered for it. SIGTERM:
finish the batch, commit, exit 0. `supervise()` restarts a runner that crashed
on an error nobody foresaw.

Refilling a read model from offset 0 into a new generation, without downtime,
is the replay's work (`consumers/replay.py`); a runner follows the switch.

Versions: a projection's `version` is recorded with each generation. A runner
whose code is newer than the live generation waits (logging) for a rebuild to
switch; one whose code is older than the live generation exits with code 3, so
the deployment replaces it.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from typing import Any, Callable, Iterable, Sequence

import psycopg2
import structlog
from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from consumers.batch import Decode, in_order, write_batch
from consumers.chain import ChainCheck, ChainConflict
from consumers.dead_letter import send_dead_letters
from projections import tablesets
from projections.engine import Projection

# Errors of the surroundings, not of an event: back off and retry.
RETRYABLE = (KafkaError, psycopg2.OperationalError, psycopg2.InterfaceError)

EXIT_OUTDATED = 3


# -- the continuous runner ---------------------------------------------------------------------


class Outdated(Exception):
    """The live generation was built by a newer version of the projection than this process runs."""


class NotReady(Exception):
    """This process runs a newer projection version than the live generation: wait for its rebuild."""


class _SeekToStored(ConsumerRebalanceListener):
    """On assignment, position each partition at the offset stored in PostgreSQL."""

    def __init__(self, runner: "ProjectionRunner") -> None:
        self.runner = runner

    def on_partitions_revoked(self, revoked):
        self.runner._pending_seeks.difference_update(revoked)
        if revoked:
            self.runner.log.info("projection_partitions_revoked", partitions=_names(revoked))

    def on_partitions_assigned(self, assigned):
        self.runner._pending_seeks.update(assigned)
        try:
            self.runner._seek_pending()
        except Exception as exc:  # the database may be away: the main loop seeks before it applies anything
            self.runner.log.warning("projection_seek_deferred", error_class=type(exc).__name__)


def _names(tps: Iterable[TopicPartition]) -> list[str]:
    return sorted(f"{tp.topic}[{tp.partition}]" for tp in tps)


class ProjectionRunner:
    """Keeps one projection's live generation up to date with its topics."""

    def __init__(self, projection: Projection, decode: Decode, topics: Sequence[str], *, schema: str,
                 connect_pg: Callable[[], Any], make_consumer: Callable[..., KafkaConsumer],
                 make_producer: Callable[[], KafkaProducer], dead_letter_topic: str,
                 batch_size: int = 500, poll_timeout_ms: int = 500, group_id: str | None = None,
                 log=None, chain: ChainCheck | None = None) -> None:
        self.projection = projection
        self.decode = decode
        self.topics = list(topics)
        self.schema = schema
        self.connect_pg = connect_pg
        self.make_consumer = make_consumer
        self.make_producer = make_producer
        self.dead_letter_topic = dead_letter_topic
        self.chain = chain  # None: no chain check (consumers/chain.py)
        self.batch_size = batch_size
        self.poll_timeout_ms = poll_timeout_ms
        self.group_id = group_id or f"caseledger-projection.{projection.name}"
        self.log = log or structlog.get_logger("projection-runner").bind(component="projection-runner",
                                                                         projection=projection.name)
        self.generation: int | None = None
        self.applied_total = 0
        self.dead_lettered_total = 0
        self._stop = threading.Event()
        self._conn = None
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None
        self._pending_seeks: set[TopicPartition] = set()

    # -- lifecycle ---------------------------------------------------------------
    def request_stop(self, *_args) -> None:
        """Finish the batch in flight, commit it, then stop (SIGTERM and SIGINT call this)."""
        if not self._stop.is_set():
            self.log.info("projection_runner_stop_requested")
        self._stop.set()

    def wait_for_stop(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a stop request; True if one came."""
        return self._stop.wait(timeout)

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def run(self, until_caught_up: bool = False) -> int:
        """Project until stopped (or, with until_caught_up, until every assigned partition is at its end).

        Returns the process exit code: 0, or 3 if a newer version of the
        projection has taken over the live tables.
        """
        backoff = 0.5
        code = 0
        try:
            while not self._stop.is_set():
                try:
                    self._connect()
                    applied = self._step()
                    backoff = 0.5
                    if until_caught_up and applied == 0 and self._caught_up():
                        break
                except Outdated as exc:
                    self.log.error("projection_code_outdated", detail=str(exc))
                    code = EXIT_OUTDATED
                    break
                except (*RETRYABLE, NotReady, psycopg2.Error) as exc:
                    event = ("projection_waiting_for_rebuild" if isinstance(exc, NotReady)
                             else "projection_runner_unavailable" if isinstance(exc, RETRYABLE)
                             else "projection_batch_failed")
                    # Class and SQLSTATE only: messages of data errors can quote event data.
                    self.log.warning(event, error_class=type(exc).__name__,
                                     pgcode=getattr(exc, "pgcode", None), retry_in_s=backoff,
                                     generation=self.generation)
                    self._close()
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, 30.0)
        finally:
            self._close()
        self.log.info("projection_runner_stopped", applied=self.applied_total,
                      dead_lettered=self.dead_lettered_total, generation=self.generation)
        return code

    # -- connections ---------------------------------------------------------------
    def _connect(self) -> None:
        if self._conn is None:
            conn = self.connect_pg()
            try:
                generation = tablesets.ensure_live_generation(conn, self.schema, self.projection)
                self._check_version(conn, generation)
            except BaseException:
                conn.close()
                raise
            self._conn, self.generation = conn, generation
        if self._producer is None:
            self._producer = self.make_producer()
        if self._consumer is None:
            consumer = self.make_consumer(group_id=self.group_id)
            consumer.subscribe(self.topics, listener=_SeekToStored(self))
            self._consumer = consumer
            self.log.info("projection_runner_connected", generation=self.generation, group=self.group_id)

    def _check_version(self, conn, generation: int) -> None:
        with conn:
            with conn.cursor() as cur:
                live = tablesets.code_version(cur, self.schema, self.projection.name, generation)
        mine = self.projection.version
        if live is not None and live > mine:
            raise Outdated(f"generation {generation} was built by version {live}; this process runs {mine}")
        if live is not None and live < mine:
            raise NotReady(f"generation {generation} was built by version {live}; rebuild for {mine}")

    def _close(self) -> None:
        if self._consumer is not None:
            try:
                self._consumer.close(autocommit=False)
            except Exception:  # closing against a vanished broker must not mask the real outcome
                pass
            self._consumer = None
            self._pending_seeks.clear()
        if self._producer is not None:
            try:
                self._producer.close(timeout=5)
            except Exception:
                pass
            self._producer = None
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    # -- positions -------------------------------------------------------------------
    def _seek_pending(self) -> None:
        pending = sorted(self._pending_seeks, key=lambda t: (t.topic, t.partition))
        if not pending:
            return
        with self._conn:
            with self._conn.cursor() as cur:
                stored = tablesets.read_offsets(cur, self.schema, self.projection.name, self.generation)
        for tp in pending:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, offset)
        self._pending_seeks.difference_update(pending)
        self.log.info("projection_partitions_positioned", partitions=_names(pending), generation=self.generation,
                      offsets={f"{tp.topic}[{tp.partition}]": stored.get((tp.topic, tp.partition), 0)
                               for tp in pending})

    def _caught_up(self) -> bool:
        assignment = self._consumer.assignment()
        if not assignment or self._pending_seeks:
            return False
        end = self._consumer.end_offsets(list(assignment))
        # Right after a commit, its markers are still being written: the last stable offset (the
        # end read_committed sees) trails the high watermark until they land. Not the end yet.
        return all(self._consumer.position(tp) >= end[tp] and (self._consumer.highwater(tp) or 0) <= end[tp]
                   for tp in assignment)

    # -- one batch ---------------------------------------------------------------------
    def _step(self) -> int:
        if self._pending_seeks:
            self._seek_pending()
        polled = self._consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.batch_size)
        # A partition assigned during this poll whose seek failed may have been read from 0;
        # drop its records until it is positioned (applying them would be skipped anyway).
        records = in_order({tp: rs for tp, rs in polled.items() if tp not in self._pending_seeks})
        if not records:
            return 0
        return self._apply(records)

    def _apply(self, records: list) -> int:
        conn = self._conn
        try:
            with conn.cursor() as cur:
                live = tablesets.current_generation(cur, self.schema, self.projection.name, lock="share")
                if live != self.generation:
                    conn.rollback()
                    self._follow_switch(live)
                    return 0
                result = write_batch(cur, self.schema, self.projection, self.generation, records, self.decode,
                                     chain=self.chain)
                if result.failures:
                    # Before the commit: if the DLQ cannot take them, the batch is not committed either.
                    send_dead_letters(self._producer, self.dead_letter_topic, result.failures,
                                      self.projection.name, self.generation)
            conn.commit()
        except BaseException:
            try:
                conn.rollback()
            except Exception:
                pass
            raise
        self.applied_total += result.applied
        self.dead_lettered_total += len(result.failures)
        for f in result.failures:
            topic, partition, offset = f.origin
            if f.error_class == ChainConflict.__name__:
                # An alert: the topic holds an event that is not its stream's next one (tampering, or a
                # version reused after a deleted event). Stream ids are UUIDs: no personal data.
                h = dict(f.record.headers or [])
                self.log.error("projection_chain_conflict", alert=True, reason=f.reason,
                               stream_id=h.get("stream_id", b"").decode(), stream_seq=h.get("stream_seq", b"").decode(),
                               notification_id=h.get("notification_id", b"").decode(), origin_topic=topic,
                               origin_partition=partition, origin_offset=offset, generation=self.generation,
                               to_do="not applied; on the dead-letter topic. Run `caseledger verify` to find the altered event")
                continue
            self.log.warning("projection_event_dead_lettered", origin_topic=topic, origin_partition=partition,
                             origin_offset=offset, reason=f.reason, error_class=f.error_class,
                             generation=self.generation)
        self.log.info("projection_batch_applied", events=result.applied, skipped=result.skipped,
                      dead_lettered=len(result.failures), generation=self.generation,
                      positions={f"{t}[{p}]": o for (t, p), o in sorted(result.positions.items())})
        return len(records)

    def _follow_switch(self, generation: int | None) -> None:
        """A rebuild switched generations: continue in the new one from its own stored offsets."""
        self._check_version(self._conn, generation)
        self.log.info("projection_generation_switched", previous=self.generation, generation=generation)
        self.generation = generation
        self._pending_seeks.update(self._consumer.assignment())
        self._seek_pending()


# -- supervision ---------------------------------------------------------------------------------

EXIT_CRASHED = 1


def supervise(runner: ProjectionRunner, until_caught_up: bool = False, *, first_backoff: float = 1.0,
              max_backoff: float = 60.0, give_up_after: int = 5, healthy_after: float = 300.0, log=None) -> int:
    """Run `runner`; when it crashes on an error nobody foresaw, log it loudly and start it again.

    The runner handles what can be foreseen itself (servers away: retry; poison
    events: dead-letter). Anything else is a defect, and a thread that died of
    one used to leave the process running with one read model silently stuck.
    Now each crash is logged (`projection_runner_crashed`, with the error class
    and the traceback's frames — not the message, which may quote event data)
    and the runner restarts after a backoff (1 s doubling to 60 s). A run that
    lasted `healthy_after` seconds resets the count; after `give_up_after`
    crashes in a row it gives up (`projection_runner_gave_up`) and returns 1,
    so the process exits non-zero and its supervisor (systemd, Kubernetes) sees it.
    A stop request during the backoff ends it with 0.
    """
    log = log or runner.log
    crashes, backoff = 0, first_backoff
    while True:
        started = time.monotonic()
        try:
            return runner.run(until_caught_up=until_caught_up)
        except Exception as exc:
            if time.monotonic() - started >= healthy_after:
                crashes, backoff = 0, first_backoff
            crashes += 1
            frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(exc.__traceback__)]
            if crashes >= give_up_after:
                log.critical("projection_runner_gave_up", error_class=type(exc).__name__, crashes=crashes,
                             frames=frames)
                return EXIT_CRASHED
            log.error("projection_runner_crashed", error_class=type(exc).__name__, crashes=crashes,
                      restart_in_s=backoff, frames=frames)
        if runner.wait_for_stop(backoff):
            return 0
        backoff = min(backoff * 2, max_backoff)
