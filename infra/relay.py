"""The relay: every event of the event store's notification log, in order, on Kafka.

Guarantee: **exactly-once publication**. Each batch of notifications is sent in
one Kafka transaction together with a position record (the last notification
id of the batch) on a single-partition position topic. Either the events and
the new position become visible together, or neither does. On start — and
after any error — the relay:

1. calls `init_transactions()` with its fixed `transactional.id`, which aborts
   whatever transaction a crashed predecessor left open and fences it off;
2. reads the last committed position back from the position topic
   (read_committed), and continues with notification ids greater than it
   (ids can have gaps after failed inserts, never reorder, because the library
   locks the table on insert — POSTGRES_ENABLE_DB_FUNCTIONS stays off).

A transaction is committed only when every one of its sends was acknowledged: the
client's own `commit_transaction()` commits whatever reached the broker, even when some
records expired in the producer while the broker was away (seen: 16 events lost in three
broker kills). Any failed or unacknowledged send, and any wait past its bound, aborts the
transaction and discards the producer; a new one is initialised (fencing the old) and the
position is read back, so the relay resumes from what Kafka really holds.

An event that Kafka refuses for what it is (too large for the topic, an invalid record) can
never be published by retrying. It is **parked** with every later event of its stream, so the
stream's order is kept and no other stream waits: the parked notification ids travel in the
position record (committed with each batch), the relay logs `relay_event_unpublishable` at
error level, `caseledger status` counts them, and the relay retries them periodically and at
each start. The operator removes the cause (e.g. raises the topic's `max.message.bytes`); the
next retry publishes the stream's parked events in their order.

Subscribers reading with `isolation_level="read_committed"` therefore see
every event exactly once, in notification order within each stream (key =
stream id, so one stream stays in one partition). A subscriber reading
uncommitted data can still meet aborted records; the headers (event id,
stream sequence) let it detect them: see `consumers/stream_check.py`.

Why one module of this size: the guarantee above is one protocol (transaction, position
record, parking, fencing, retries), and its parts are only correct together; read it whole.
"""

from __future__ import annotations

import hashlib
import json
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Protocol, Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import (
    CorruptRecordError, InvalidRecordError, KafkaError, KafkaTimeoutError, MessageSizeTooLargeError,
    RecordListTooLargeError,
)
from kafka.partitioner import DefaultPartitioner, Partitioner
from kafka.partitioner.default import murmur2

from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError

from infra.settings import Settings
from infra.topics import relay_position_topic

POSITION_KEY = b"relay-position"

# The event store could not be reached (the library wraps the driver's errors in these).
STORE_UNAVAILABLE = (StoreOperationalError, StoreInterfaceError)

# Refusals of a record for what it is: sending it again can never succeed.
UNPUBLISHABLE = (MessageSizeTooLargeError, RecordListTooLargeError, InvalidRecordError, CorruptRecordError)


@dataclass(frozen=True)
class Outgoing:
    """One Kafka record made from one stored event."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    notification_id: int


def outgoing(
    topic: str,
    notification,
    *,
    value: bytes,
    event_id: str,
    event_type: str,
    fingerprint: str,
    occurred_at: str,
    recorded_at: str,
    previous_leaf: bytes | None = None,
) -> Outgoing:
    """The Kafka record for one notification: key = stream id, headers for subscribers.

    Headers let a subscriber route, deduplicate and check order without decoding
    the value: event id, type, schema fingerprint, global position (notification
    id), stream id and sequence, occurred-at and recorded-at (ISO 8601, UTC), and the
    SHA-256 of the value — the stored bytes the transparency log's leaf commits to — so a
    second, different event at a sequence already seen is a conflict, not a duplicate
    (event ids derive from stream and sequence: a version reused after a deletion keeps its id).
    With `previous_leaf`, the leaf hash of the stream's previous event (`infra/tamper/chain.py`):
    subscribers follow the per-case chain as they read (`consumers/chain.py`).
    """
    stream_id = str(notification.originator_id)
    chain = [("previous_leaf", previous_leaf.hex().encode())] if previous_leaf is not None else []
    return Outgoing(
        topic=topic,
        key=stream_id.encode(),
        value=value,
        headers=[
            ("event_id", event_id.encode()),
            ("event_type", event_type.encode()),
            ("schema_fingerprint", fingerprint.encode()),
            ("notification_id", str(notification.id).encode()),
            ("stream_id", stream_id.encode()),
            ("stream_seq", str(notification.originator_version).encode()),
            ("occurred_at", occurred_at.encode()),
            ("recorded_at", recorded_at.encode()),
            ("value_sha256", hashlib.sha256(value).hexdigest().encode()),
            *chain,
        ],
        notification_id=notification.id,
    )


class StreamPartitioner(Partitioner):
    """The default partitioner's choice (murmur2 of the key), remembering each stream's hash.

    A stream publishes many events, and kafka-python's murmur2 is pure Python: hashing each
    stream id once took a visible share of `send`. The partition is still the default one for
    the current partition count, so a stream stays in the partition every other producer uses.
    """

    def __init__(self, remember: int = 200_000) -> None:
        self._hashes: dict[bytes, int] = {}
        self._remember = remember
        self._default = DefaultPartitioner()

    def partition(self, topic, key, serialized_key, value, serialized_value, cluster):
        partitions = cluster.partitions_for_topic(topic)
        if serialized_key is None or not partitions:
            return self._default.partition(topic, key, serialized_key, value, serialized_value, cluster)
        h = self._hashes.get(serialized_key)
        if h is None:
            if len(self._hashes) >= self._remember:
                self._hashes.clear()  # bounded memory for a relay that runs for months
            h = self._hashes[serialized_key] = murmur2(serialized_key) & 0x7FFFFFFF
        return sorted(partitions)[h % len(partitions)]


class NotificationSource(Protocol):
    """What the relay needs of the event store (the library's ApplicationRecorder has it)."""

    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *, inclusive_of_start: bool = True) -> Sequence: ...

    def max_notification_id(self) -> int | None: ...


class Stopped(Exception):
    pass


class ReadAhead:
    """The next batch, read and built on its own thread while the current one commits.

    The relay otherwise stops at each batch boundary: commit, wait for the broker, then read
    PostgreSQL. A batch read ahead is used only if it starts at the position asked for (the
    position after the commit); after an error the relay re-reads its position and the read
    ahead no longer matches, so it is dropped. Reading is a pure query, so nothing else is at stake.
    """

    def __init__(self, read: Callable[[int], list[Outgoing]]) -> None:
        self._read = read
        self._pending: tuple[int, threading.Thread, list] | None = None

    def start(self, after: int) -> None:
        """Begin reading the batch after notification id `after`."""
        outcome: list = []  # this read's own: a discarded read finishing late cannot touch the next

        def read():
            try:
                outcome.append(self._read(after))
            except BaseException as exc:  # re-raised by take(), in the relay's own thread
                outcome.append(exc)

        # Daemon: a read still waiting on PostgreSQL must not keep a stopped relay alive.
        thread = threading.Thread(target=read, name="relay-read-ahead", daemon=True)
        thread.start()
        self._pending = (after, thread, outcome)

    def take(self, after: int) -> list[Outgoing]:
        """The batch after `after`: the one read ahead if it starts there, else read now."""
        pending, self._pending = self._pending, None
        if pending is None or pending[0] != after:
            return self._read(after)
        _, thread, outcome = pending
        thread.join()
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    def discard(self) -> None:
        """Forget the batch being read ahead (its thread finishes on its own)."""
        self._pending = None


class SendFailed(KafkaError):
    """A send of the transaction failed or was not acknowledged: the transaction is redone."""


class Unpublishable(KafkaError):
    """Kafka refused these records for what they are; retrying them as they are cannot succeed."""

    def __init__(self, reasons: dict[int, str]) -> None:
        super().__init__("; ".join(f"notification {n}: {why}" for n, why in sorted(reasons.items())))
        self.reasons = reasons


@dataclass
class RelayState:
    """What the position topic holds: the last notification id published, and what is parked."""

    position: int = 0
    # stream id → the notification ids held back on that stream, in order (see the module doc).
    parked: dict[str, list[int]] = field(default_factory=dict)

    @property
    def parked_count(self) -> int:
        return sum(len(ids) for ids in self.parked.values())


class Relay:
    """Follows the notification log and publishes each event once, in order."""

    def __init__(
        self,
        settings: Settings,
        source: NotificationSource,
        to_record: Callable[[object], Outgoing],
        log,
        batch_size: int = 1000,
        idle_sleep: float = 0.05,
        transactional_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.to_record = to_record
        self.log = log
        self.batch_size = batch_size
        self.idle_sleep = idle_sleep
        self.position_topic = relay_position_topic(settings)
        # One relay per ledger (tenant): a second instance fences the first.
        self.transactional_id = transactional_id or f"caseledger-relay.{settings.case_events_topic}"
        self._stop = threading.Event()
        self._producer: KafkaProducer | None = None
        self.position: int = 0
        self.parked: dict[str, list[int]] = {}
        self.published_total = 0
        self._ahead = ReadAhead(self._read_batch)
        # Found unpublishable by Kafka, to be parked by the next batch that meets them.
        self._to_park: dict[int, str] = {}
        self._parked_retry_due = 0.0  # parked events are retried at start, then periodically
        self._hanging_since: float | None = None

    # -- lifecycle -----------------------------------------------------------
    def request_stop(self, *_args) -> None:
        """Finish the batch in flight, then stop (SIGTERM and SIGINT call this)."""
        if not self._stop.is_set():
            self.log.info("relay_stop_requested")
        self._stop.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def close(self, timeout: float = 10.0) -> None:
        """Close the producer, giving up after `timeout` seconds.

        Everything the relay reported as published is already committed, so nothing is lost by
        not waiting longer; seen here: after a broker restart the client's close can hang past its
        own timeout, which would keep a SIGTERMed relay from exiting.

        A producer that cannot flush is stopped without sending what it still holds. kafka-python's
        `close()` flushes first and, when the flush times out (the broker is away), raises before it
        stops its sender thread: that thread then kept retrying the old transaction after the next
        producer had started, and a record of it landing on the position topic after the abort left
        a transaction no producer could end (found by the suite: `test_relay_broker_kill.py`, "records
        expire while the broker is away"). Its records were never acknowledged, so never reported
        as published: dropping them loses nothing.
        """
        producer, self._producer = self._producer, None
        if producer is None:
            return

        def close_quietly():
            try:
                producer.close(timeout=5)
            except Exception:  # closing a producer whose broker is gone must not mask the real outcome
                sender = getattr(producer, "_sender", None)  # no public way to stop it without a flush
                if sender is not None and sender.is_alive():
                    sender.force_close()  # aborts the batches it holds; sends nothing more
                    sender.join(5)
                try:
                    producer.close(timeout=0)  # now nothing is pending: marks it closed (no flush at GC)
                except Exception:
                    pass

        closer = threading.Thread(target=close_quietly, name="relay-producer-close", daemon=True)
        closer.start()
        closer.join(timeout)
        if closer.is_alive():
            self.log.warning("relay_producer_close_timed_out", waited_s=timeout)

    # -- the loop ------------------------------------------------------------
    def run(self, once: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
        """Publish until stopped (or, with once=True, until caught up). Returns events published.

        Broker errors never end the loop: the relay discards its producer, backs off (0.5 s
        doubling to 5 s, so it is back within seconds of the broker), logs each attempt,
        reconnects and resumes from the committed position.
        """
        backoff = 0.5
        published_before = self.published_total
        while not self._stop.is_set():
            try:
                self._connect()
                if self.parked and time.monotonic() >= self._parked_retry_due:
                    self._retry_parked()
                caught_up = self._publish_available(progress)
                backoff = 0.5
                if caught_up:
                    if once:
                        break
                    self._stop.wait(self.idle_sleep)
            except Unpublishable as exc:
                # Not an outage: find the record(s) at fault, park them, go straight on with the rest.
                self.close()
                self._connect()
                self._to_park.update(self._culprits(exc.reasons))
            except (KafkaError, *STORE_UNAVAILABLE) as exc:
                if isinstance(exc, KafkaError):
                    self.log.warning("relay_kafka_unavailable", error=repr(exc), retry_in_s=backoff,
                                     position=self.position)
                    self._report_hanging(exc)
                else:
                    # The event store is away (restart, failover): nothing was sent for the batch it
                    # could not read, and the open transaction (if any) is dropped with the producer.
                    self.log.warning("relay_store_unavailable", error_class=type(exc).__name__,
                                     error=str(exc)[:200], retry_in_s=backoff, position=self.position)
                self._ahead.discard()
                self.close()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self.close()
        count = self.published_total - published_before
        if self.parked:
            self.log.error("relay_events_parked", parked=self._parked_summary())
        self.log.info("relay_stopped", position=self.position, published=count)
        return count

    def _report_hanging(self, exc: KafkaError) -> None:
        """Say loudly, with the way out, when the position topic's open transaction never ends.

        The broker aborts a transaction of ours after the transaction timeout; one that outlives it
        by far is *hanging* (a broker killed mid-commit can leave one, KIP-664): no producer can end
        it, and the relay must not guess where to resume. An operator aborts it with Kafka's tool.
        """
        if not isinstance(exc, TransactionCompleting):
            self._hanging_since = None
            return
        now = time.monotonic()
        self._hanging_since = self._hanging_since or now
        if now - self._hanging_since < 2 * self.settings.relay_transaction_timeout_ms / 1000:
            return
        self.log.error("relay_position_transaction_hanging", topic=exc.topic, stable_offset=exc.stable_offset,
                       waited_s=round(now - self._hanging_since),
                       to_do=f"abort it with Kafka's transactions tool: kafka-transactions.sh --bootstrap-server "
                             f"{self.settings.kafka_bootstrap_servers} abort --topic {exc.topic} --partition 0 "
                             f"--start-offset {exc.stable_offset}; the relay then resumes by itself")

    def _connect(self) -> None:
        if self._producer is not None:
            return
        s = self.settings
        producer = KafkaProducer(
            bootstrap_servers=s.kafka_bootstrap_servers,
            client_id="caseledger-relay",
            transactional_id=self.transactional_id,
            enable_idempotence=True,
            partitioner=StreamPartitioner(),
            acks="all",
            linger_ms=5,
            batch_size=256 * 1024,
            max_request_size=4 * 1024 * 1024,
            request_timeout_ms=s.relay_request_timeout_ms,
            delivery_timeout_ms=s.relay_delivery_timeout_ms,
            max_block_ms=15000,
            transaction_timeout_ms=s.relay_transaction_timeout_ms,
            # The client's defaults back off up to 30 s between connection attempts: the relay would
            # notice a restarted broker half a minute late.
            reconnect_backoff_max_ms=1000,
            bootstrap_timeout_ms=10_000,
        )
        try:
            # Aborts a predecessor's open transaction and fences it (or waits for the commit it
            # began): nothing half-published survives, and the position read next is the truth.
            producer.init_transactions()
            state = read_state(s, self.position_topic, stable=True)
        except BaseException:
            try:
                producer.close(timeout=2)
            except Exception:
                pass
            raise
        self._producer = producer
        self.position, self.parked = state.position, state.parked
        self._hanging_since = None
        self.log.info("relay_connected", position=self.position, parked=state.parked_count,
                      store_head=self.source.max_notification_id() or 0)

    @contextmanager
    def _waiting_logged(self, every: float = 3.0, **context):
        """Log `relay_waiting_for_kafka` every few seconds while the block runs."""
        done = threading.Event()
        started = time.monotonic()

        def watch():
            while not done.wait(every):
                self.log.warning("relay_waiting_for_kafka", waited_s=round(time.monotonic() - started, 1),
                                 **context)

        watcher = threading.Thread(target=watch, name="relay-watchdog", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()

    def _read_batch(self, after: int) -> list[Outgoing]:
        notifications = self.source.select_notifications(
            start=after, limit=self.batch_size, inclusive_of_start=False)
        return [self.to_record(n) for n in notifications]

    def _stored(self, notification_id: int) -> Outgoing | None:
        """The Kafka record of one stored notification, or None if the store does not hold it."""
        found = self.source.select_notifications(start=notification_id, limit=1)
        return self.to_record(found[0]) if found and found[0].id == notification_id else None

    def _is_parked(self, notification_id: int) -> bool:
        return any(notification_id in ids for ids in self.parked.values())

    def _parked_summary(self) -> dict[str, list[int]]:
        return {stream: ids[:10] for stream, ids in self.parked.items()}

    def _publish_available(self, progress) -> bool:
        """Publish one batch. True when there was nothing (left) to publish."""
        records = self._ahead.take(self.position)
        if not records:
            return True
        last_id = records[-1].notification_id
        more = len(records) >= self.batch_size
        parked = {stream: list(ids) for stream, ids in self.parked.items()}
        sending = []
        for r in records:
            stream = r.key.decode()
            reason = self._to_park.get(r.notification_id)
            if reason is not None:
                self.log.error("relay_event_unpublishable", notification_id=r.notification_id,
                               stream_id=stream, reason=reason,
                               to_do="remove the cause (e.g. raise the topic's max.message.bytes); the "
                                     "relay retries parked events periodically and at each start")
            if reason is not None or stream in parked:
                parked.setdefault(stream, []).append(r.notification_id)
            else:
                sending.append(r)
        self._transact(sending, last_id, parked, read_ahead=more)
        # Reported only after the commit: a batch is never half-reported as published.
        self.position, self.parked = last_id, parked
        for ids in parked.values():
            for notification_id in ids:
                self._to_park.pop(notification_id, None)
        self.published_total += len(sending)
        self.log.info("relay_batch_published", events=len(sending), position=last_id,
                      first=records[0].notification_id, parked=sum(len(ids) for ids in parked.values()))
        if progress:
            progress(len(records), last_id)
        return not more

    def _retry_parked(self) -> None:
        """Try each parked stream again, its events in their order, one transaction per stream."""
        self._parked_retry_due = time.monotonic() + self.settings.relay_parked_retry_s
        for stream, ids in list(self.parked.items()):
            records = []
            for notification_id in ids:
                record = self._stored(notification_id)
                if record is None:
                    raise LookupError(f"parked notification {notification_id} is not in the event store")
                records.append(record)
            parked = {s: list(i) for s, i in self.parked.items() if s != stream}
            try:
                self._transact(records, self.position, parked, read_ahead=False)
            except Unpublishable as exc:
                self.log.error("relay_parked_still_unpublishable", stream_id=stream, parked=len(ids),
                               reason=str(exc), retry_in_s=self.settings.relay_parked_retry_s)
                self.close()
                self._connect()
                continue
            self.parked = parked
            self.published_total += len(records)
            self.log.warning("relay_parked_published", stream_id=stream, events=len(records))

    def _culprits(self, suspects: dict[int, str]) -> dict[int, str]:
        """Which of the refused records Kafka refuses on their own.

        When one record of a partition is refused, the client fails its neighbours in flight with
        the same error (seen: four small events of other streams refused beside one 1.5 MB event),
        so each suspect is sent alone, in notification order, in a transaction that is then
        aborted (read_committed subscribers never see it), until one is refused. The others are
        sent again with the next batch; another culprit among them is found then.
        """
        if len(suspects) == 1:
            return dict(suspects)
        for notification_id in sorted(suspects):
            if self._is_parked(notification_id):
                continue
            record = self._stored(notification_id)
            if record is None:
                continue
            producer = self._producer
            assert producer is not None
            producer.begin_transaction()
            try:
                future = producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
                producer.flush(timeout=self.settings.relay_delivery_timeout_ms / 1000 + 5)
                refused = future.failed() and isinstance(future.exception, UNPUBLISHABLE)
                reason = f"{type(future.exception).__name__}: {future.exception}" if refused else ""
            except UNPUBLISHABLE as exc:
                refused, reason = True, f"{type(exc).__name__}: {exc}"
            finally:
                self.close()  # the probe's transaction is aborted by the next producer's init
                self._connect()
            if refused:
                return {notification_id: reason}
        return {}

    def _transact(self, records: list[Outgoing], position: int, parked: dict[str, list[int]],
                  read_ahead: bool) -> None:
        """Send the records and the new position in one transaction; commit only if all arrived."""
        producer = self._producer
        assert producer is not None
        producer.begin_transaction()
        try:
            with self._waiting_logged(position=self.position, batch=len(records)):
                sends = []
                for r in records:
                    try:
                        future = producer.send(r.topic, key=r.key, value=r.value, headers=r.headers)
                    except UNPUBLISHABLE as exc:  # refused by the client itself (over max_request_size)
                        raise Unpublishable({r.notification_id: f"{type(exc).__name__}: {exc}"}) from exc
                    sends.append((r, future))
                sends.append((None, producer.send(self.position_topic, key=POSITION_KEY,
                                                  value=encode_position(position, len(records), parked))))
                if read_ahead:
                    # The next batch is read while the commit waits for the broker (measured: better
                    # than reading during the sends, where a third busy thread slows them: one GIL).
                    self._ahead.start(after=position)
                self._await_sends(producer, sends)
                self._commit(producer)
        except BaseException:
            self._ahead.discard()
            # Never reuse a producer whose transaction failed (Jepsen, Bufstream 2024): the caller
            # discards it, and the next one's init_transactions() aborts what this one left open.
            raise

    def _await_sends(self, producer: KafkaProducer, sends: list) -> None:
        """Every send of the transaction acknowledged, or raise: never commit past a lost record."""
        bound_s = self.settings.relay_delivery_timeout_ms / 1000 + 5
        try:
            producer.flush(timeout=bound_s)
        except KafkaTimeoutError as exc:
            raise SendFailed(f"records not acknowledged within {bound_s:.0f} s") from exc
        unpublishable: dict[int, str] = {}
        failed = []
        for record, future in sends:
            if not future.is_done:
                failed.append((record, "not acknowledged"))
            elif future.failed():
                exc = future.exception
                if record is not None and isinstance(exc, UNPUBLISHABLE):
                    unpublishable[record.notification_id] = f"{type(exc).__name__}: {exc}"
                else:
                    failed.append((record, f"{type(exc).__name__}: {exc}"))
        if unpublishable:
            raise Unpublishable(unpublishable)
        if failed:
            record, why = failed[0]
            what = f"notification {record.notification_id}" if record else "the position record"
            raise SendFailed(f"{len(failed)} of {len(sends)} sends failed; first: {what}: {why}")

    def _commit(self, producer: KafkaProducer) -> None:
        """Commit with a bound on the wait (`commit_transaction()` itself waits without one)."""
        manager = getattr(producer, "_transaction_manager", None)
        if manager is None or not hasattr(manager, "begin_commit"):  # another client version
            producer.commit_transaction()
            return
        result = manager.begin_commit()
        producer._sender.wakeup()
        # Seen on a 3-node cluster: when the transaction coordinator dies mid-commit, the client drops
        # the EndTxn request and never retries it, so an unbounded wait hangs the relay for good.
        bound_ms = 2 * self.settings.relay_request_timeout_ms
        if not result.wait(timeout_ms=bound_ms):
            # Outcome unknown: the next producer's init_transactions() completes or aborts it,
            # and the position read back then says which.
            raise KafkaTimeoutError(f"the commit was not confirmed within {bound_ms / 1000:.0f} s")


class PositionUnreadable(KafkaError):
    """The position topic could not be read in time (handled like any broker error: retry)."""


class TransactionCompleting(PositionUnreadable):
    """A transaction is still open on the position topic: its outcome decides where to resume."""

    def __init__(self, message: str, topic: str, stable_offset: int) -> None:
        super().__init__(message)
        self.topic, self.stable_offset = topic, stable_offset


def encode_position(notification_id: int, events: int, parked: dict[str, list[int]] | None = None) -> bytes:
    return json.dumps({
        "notification_id": notification_id,
        "events_in_batch": events,
        "committed_at": datetime.now(timezone.utc).isoformat(),
        "parked": parked or {},
    }).encode()


def read_position(settings: Settings, topic: str, timeout: float = 15.0) -> int:
    """The last notification id committed by the relay (0 if it never published)."""
    return read_state(settings, topic, timeout).position


def read_state(settings: Settings, topic: str, timeout: float = 15.0, stable: bool = False) -> RelayState:
    """The relay's last committed position and parked events (nothing if it never published).

    Reads the tail of the single-partition position topic with read_committed, so
    an aborted batch's position is never seen.

    `stable=True` (the relay, before it resumes) also waits until no transaction is still
    completing on the topic: last stable offset = high watermark. Seen under load with the
    broker SIGKILLed right after a commit: the restarted broker finished writing that commit's
    markers only after the next producer had initialised, so the position read then was one
    batch old and the relay published that batch a second time. A position read while a
    transaction completes is not trusted: the relay retries (PositionUnreadable).
    """
    tp = TopicPartition(topic, 0)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                             client_id="caseledger-relay-position",
                             isolation_level="read_committed", enable_auto_commit=False,
                             request_timeout_ms=int(timeout * 1000), reconnect_backoff_max_ms=1000,
                             bootstrap_timeout_ms=int(min(timeout, 10) * 1000))
    try:
        if topic not in consumer.topics():
            return RelayState()  # the relay never ran against this cluster
        consumer.assign([tp])
        deadline = time.monotonic() + timeout
        end = consumer.end_offsets([tp], timeout_ms=int(timeout * 1000))[tp]
        if stable:
            end = _wait_stable(settings, consumer, tp, end, deadline)
        if end == 0:
            return RelayState()
        # Each batch writes one position record plus a commit marker; look back a little further.
        window = 16
        while True:
            start = max(0, end - window)
            consumer.seek(tp, start)
            last = None
            while consumer.position(tp) < end and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=500).values():
                    for rec in records:
                        if rec.key == POSITION_KEY and rec.offset < end:
                            last = json.loads(rec.value)
            if consumer.position(tp) < end:
                raise PositionUnreadable(f"could not read {topic} up to offset {end} within {timeout:.0f} s")
            if last is not None:
                parked = {stream: [int(i) for i in ids] for stream, ids in (last.get("parked") or {}).items()}
                return RelayState(int(last["notification_id"]), parked)
            if start == 0:
                return RelayState()
            window *= 8
    finally:
        consumer.close()


def _wait_stable(settings: Settings, consumer: KafkaConsumer, tp: TopicPartition, lso: int, deadline: float) -> int:
    """The partition's end once no transaction is completing on it (LSO = high watermark)."""
    watermark = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                              client_id="caseledger-relay-position-hw", isolation_level="read_uncommitted",
                              enable_auto_commit=False, reconnect_backoff_max_ms=1000)
    try:
        while True:
            high = watermark.end_offsets([tp])[tp]
            if lso >= high:
                return lso
            if time.monotonic() >= deadline:
                raise TransactionCompleting(f"a transaction is still completing on {tp.topic} (last stable offset "
                                            f"{lso}, high watermark {high}); the position is read again shortly",
                                            tp.topic, lso)
            time.sleep(0.2)
            lso = consumer.end_offsets([tp])[tp]
    finally:
        watermark.close()


def lag(settings: Settings, source: NotificationSource) -> dict:
    """The notification-log head, the last published position, the difference, and what is parked."""
    head = source.max_notification_id() or 0
    state = read_state(settings, relay_position_topic(settings))
    return {"store_head": head, "published": state.position, "lag": max(0, head - state.position),
            "parked": state.parked_count, "parked_streams": sorted(state.parked)}

