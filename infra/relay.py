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

Subscribers reading with `isolation_level="read_committed"` therefore see
every event exactly once, in notification order within each stream (key =
stream id, so one stream stays in one partition). A subscriber reading
uncommitted data can still meet aborted records; the headers (event id,
stream sequence) let it detect them: see `consumers/stream_check.py`.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Protocol, Sequence

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.partitioner import DefaultPartitioner, Partitioner
from kafka.partitioner.default import murmur2

from infra.settings import Settings
from infra.topics import relay_position_topic

POSITION_KEY = b"relay-position"


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
) -> Outgoing:
    """The Kafka record for one notification: key = stream id, headers for subscribers.

    Headers let a subscriber route, deduplicate and check order without decoding
    the value: event id, type, schema fingerprint, global position (notification
    id), stream id and sequence, occurred-at and recorded-at (ISO 8601, UTC).
    """
    stream_id = str(notification.originator_id)
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
        self.published_total = 0
        self._ahead = ReadAhead(self._read_batch)

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
        """
        producer, self._producer = self._producer, None
        if producer is None:
            return

        def close_quietly():
            try:
                producer.close(timeout=5)
            except Exception:  # closing a producer whose broker is gone must not mask the real outcome
                pass

        closer = threading.Thread(target=close_quietly, name="relay-producer-close", daemon=True)
        closer.start()
        closer.join(timeout)
        if closer.is_alive():
            self.log.warning("relay_producer_close_timed_out", waited_s=timeout)

    # -- the loop ------------------------------------------------------------
    def run(self, once: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
        """Publish until stopped (or, with once=True, until caught up). Returns events published.

        Broker errors never end the loop: the relay backs off (0.5 s doubling to
        30 s), logs each attempt, reconnects and resumes from the committed position.
        """
        backoff = 0.5
        published_before = self.published_total
        while not self._stop.is_set():
            try:
                self._connect()
                caught_up = self._publish_available(progress)
                backoff = 0.5
                if caught_up:
                    if once:
                        break
                    self._stop.wait(self.idle_sleep)
            except KafkaError as exc:
                self.log.warning("relay_kafka_unavailable", error=repr(exc), retry_in_s=backoff,
                                 position=self.position)
                self.close()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
        self.close()
        count = self.published_total - published_before
        self.log.info("relay_stopped", position=self.position, published=count)
        return count

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
            request_timeout_ms=15000,
            max_block_ms=15000,
            transaction_timeout_ms=60000,
        )
        try:
            # Aborts a predecessor's open transaction and fences it: nothing half-published survives.
            producer.init_transactions()
            self.position = read_position(s, self.position_topic)
        except BaseException:
            try:
                producer.close(timeout=2)
            except Exception:
                pass
            raise
        self._producer = producer
        self.log.info("relay_connected", position=self.position,
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

    def _publish_available(self, progress) -> bool:
        """Publish one batch. True when there was nothing (left) to publish."""
        records = self._ahead.take(self.position)
        if not records:
            return True
        last_id = records[-1].notification_id
        more = len(records) >= self.batch_size
        producer = self._producer
        assert producer is not None
        producer.begin_transaction()
        try:
            with self._waiting_logged(position=self.position, batch=len(records)):
                for r in records:
                    producer.send(r.topic, key=r.key, value=r.value, headers=r.headers)
                producer.send(self.position_topic, key=POSITION_KEY,
                              value=encode_position(last_id, len(records)))
                if more:
                    # The next batch is read while the commit waits for the broker (measured: better
                    # than reading during the sends, where a third busy thread slows them: one GIL).
                    self._ahead.start(after=last_id)
                # The client retries a lost broker by itself and blocks meanwhile; that keeps the
                # batch atomic. The watchdog makes the wait visible in the logs.
                producer.commit_transaction()
        except BaseException:
            self._ahead.discard()
            try:
                producer.abort_transaction()
            except Exception:  # the broker may be gone; the next init_transactions aborts it then
                pass
            raise
        # Reported only after the commit: a batch is never half-reported as published.
        self.position = last_id
        self.published_total += len(records)
        self.log.info("relay_batch_published", events=len(records), position=last_id,
                      first=records[0].notification_id)
        if progress:
            progress(len(records), last_id)
        return not more


class PositionUnreadable(KafkaError):
    """The position topic could not be read in time (handled like any broker error: retry)."""


def encode_position(notification_id: int, events: int) -> bytes:
    return json.dumps({
        "notification_id": notification_id,
        "events_in_batch": events,
        "committed_at": datetime.now(timezone.utc).isoformat(),
    }).encode()


def read_position(settings: Settings, topic: str, timeout: float = 15.0) -> int:
    """The last notification id committed by the relay (0 if it never published).

    Reads the tail of the single-partition position topic with read_committed, so
    an aborted batch's position is never seen.
    """
    tp = TopicPartition(topic, 0)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                             client_id="caseledger-relay-position",
                             isolation_level="read_committed", enable_auto_commit=False,
                             request_timeout_ms=int(timeout * 1000))
    try:
        if topic not in consumer.topics():
            return 0  # the relay never ran against this cluster
        consumer.assign([tp])
        end = consumer.end_offsets([tp], timeout_ms=int(timeout * 1000))[tp]
        if end == 0:
            return 0
        # Each batch writes one position record plus a commit marker; look back a little further.
        window = 16
        deadline = time.monotonic() + timeout
        while True:
            start = max(0, end - window)
            consumer.seek(tp, start)
            last = None
            while consumer.position(tp) < end and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=500).values():
                    for rec in records:
                        if rec.key == POSITION_KEY and rec.offset < end:
                            last = json.loads(rec.value)["notification_id"]
            if last is not None:
                return int(last)
            if start == 0 or time.monotonic() >= deadline:
                if start == 0:
                    return 0
                raise PositionUnreadable(f"could not read the relay position from {topic}")
            window *= 8
    finally:
        consumer.close()


def lag(settings: Settings, source: NotificationSource) -> dict:
    """The notification-log head, the last published position and the difference."""
    head = source.max_notification_id() or 0
    published = read_position(settings, relay_position_topic(settings))
    return {"store_head": head, "published": published, "lag": max(0, head - published)}

