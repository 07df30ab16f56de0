"""Dead letters: events a projection runner or a rebuild could not decode, apply or write.

A dead letter is the original record — same key, same value bytes, same
headers — published on the dead-letter topic with `dlq_*` headers added that
say what failed and where the record came from:

| header | meaning |
| --- | --- |
| `dlq_reason` | `decode_failed`, `apply_failed` (the projection raised) or `write_failed` (PostgreSQL refused a value of the event: a constraint, a type, a NUL character); or a chain conflict (`consumers/chain.py`, error class `ChainConflict`): `value_hash_mismatch`, `sequence_conflict`, `previous_leaf_mismatch`, `sequence_gap` — evidence, never re-driven |
| `dlq_error_class`, `dlq_error_message` | the exception (the message may quote event data: the DLQ is as confidential as the event topic, and the runner never logs it) |
| `dlq_origin_topic`, `dlq_origin_partition`, `dlq_origin_offset` | where the event is on its topic |
| `dlq_projection`, `dlq_generation` | which read model (and table set) failed on it |
| `dlq_failed_at` | when (ISO 8601, UTC) |

Ordering that never loses a message: the runner produces the dead letters of a
batch and waits for the broker's acknowledgement (acks=all) *before* it commits
the batch's rows and offsets in PostgreSQL. A crash in between redelivers the
batch, so a dead letter can appear twice (same origin) but never zero times;
listing and re-driving treat the origin (topic, partition, offset) as identity.

Re-drive = re-apply directly, not re-publish. Publishing the event again on its
origin topic would give every *other* projection a second copy (they deduplicate
by offset, and the copy has a new one) and would put the event after later
events of its stream. So `redrive` decodes the dead letter's original record
and applies it to the projection's live table set, once: each re-drive is
recorded in `projection_redriven` in the same transaction as the rows. Only
letters of the live generation are re-driven: a rebuild reads every event
again and dead-letters, for its own generation, those it still cannot project,
so a letter of an older generation is *superseded* — its event is either in the
live tables already (the rebuild applied it) or has a letter of the live
generation. An event re-applied late lands after later events of its stream; for a view where order
matters (most upserts do), the sound fix is a rebuild (`consumers.replay.replay`),
which reads every event in order — re-drive suits additive views (counters,
appended audit rows) and events that touch a row nothing later touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

import psycopg2
import psycopg2.errors
from kafka import TopicPartition

from projections import tablesets
from projections.engine import Projection, project

PREFIX = "dlq_"
CHAIN_CONFLICT = "ChainConflict"  # the error class of chain conflicts (consumers/chain.py)
MAX_MESSAGE = 2000  # bytes of the error message kept in a header


@dataclass(frozen=True)
class Failure:
    """One record a batch could not project, and why (kept for the DLQ or a rebuild's report)."""

    record: Any  # a kafka ConsumerRecord (or anything with topic, partition, offset, key, value, headers)
    reason: str  # decode_failed | apply_failed | write_failed
    error_class: str
    message: str

    @property
    def origin(self) -> tuple[str, int, int]:
        return self.record.topic, self.record.partition, self.record.offset


def dead_letter_headers(failure: Failure, projection: str, generation: int) -> list[tuple[str, bytes]]:
    """The original headers plus the `dlq_*` ones (older `dlq_*` headers replaced, not stacked)."""
    r = failure.record
    original = [(k, v) for k, v in (r.headers or []) if not k.startswith(PREFIX)]
    ours = {
        "reason": failure.reason,
        "error_class": failure.error_class,
        "error_message": failure.message.encode()[:MAX_MESSAGE].decode(errors="ignore"),
        "origin_topic": r.topic,
        "origin_partition": str(r.partition),
        "origin_offset": str(r.offset),
        "projection": projection,
        "generation": str(generation),
        "failed_at": datetime.now(timezone.utc).isoformat(),
    }
    return original + [(PREFIX + k, v.encode()) for k, v in ours.items()]


def send_dead_letters(producer, topic: str, failures: Sequence[Failure], projection: str, generation: int,
                      timeout: float = 30.0) -> None:
    """Publish the dead letters and wait until the broker has them all; raise if any failed.

    Called before the offsets move past them in PostgreSQL — see the module docstring.
    """
    futures = [producer.send(topic, key=f.record.key, value=f.record.value,
                             headers=dead_letter_headers(f, projection, generation)) for f in failures]
    producer.flush(timeout=timeout)
    for future in futures:
        future.get(timeout=timeout)  # raises the KafkaError that kept it from being written


# -- reading them back ---------------------------------------------------------------------


@dataclass(frozen=True)
class OriginalRecord:
    """The record as it was on its origin topic (what `decode` receives on a re-drive)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    timestamp: int | None = None


@dataclass(frozen=True)
class DeadLetter:
    dlq_partition: int
    dlq_offset: int
    projection: str
    generation: int
    reason: str
    error_class: str
    error_message: str
    failed_at: str
    original: OriginalRecord
    event_type: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def origin(self) -> tuple[str, int, int]:
        return self.original.topic, self.original.partition, self.original.offset

    def as_row(self, redriven: bool = False, superseded: bool = False) -> dict:
        """A flat, printable row (no key or value: they may carry personal data)."""
        return {
            "dlq_offset": self.dlq_offset,
            "projection": self.projection,
            "generation": self.generation,
            "origin": f"{self.original.topic}[{self.original.partition}]@{self.original.offset}",
            "event_type": self.event_type,
            "reason": self.reason,
            "error_class": self.error_class,
            "failed_at": self.failed_at,
            "redriven": redriven,
            "superseded": superseded,
        }


def parse_dead_letter(record) -> DeadLetter:
    h = {k: v.decode(errors="replace") for k, v in (record.headers or [])}
    original = OriginalRecord(
        topic=h.get("dlq_origin_topic", ""),
        partition=int(h.get("dlq_origin_partition", -1)),
        offset=int(h.get("dlq_origin_offset", -1)),
        key=record.key,
        value=record.value,
        headers=[(k, v) for k, v in (record.headers or []) if not k.startswith(PREFIX)],
        timestamp=getattr(record, "timestamp", None),
    )
    return DeadLetter(
        dlq_partition=record.partition,
        dlq_offset=record.offset,
        projection=h.get("dlq_projection", ""),
        generation=int(h.get("dlq_generation", 0)),
        reason=h.get("dlq_reason", ""),
        error_class=h.get("dlq_error_class", ""),
        error_message=h.get("dlq_error_message", ""),
        failed_at=h.get("dlq_failed_at", ""),
        original=original,
        event_type=h.get("event_type", ""),
    )


def read_dead_letters(consumer, topic: str, projection: str | None = None, timeout: float = 30.0) -> list[DeadLetter]:
    """Every dead letter on the topic (read_committed, from the beginning to the current end).

    `consumer` is a KafkaConsumer without a group; it is left open for the caller to close.
    """
    deadline = time.monotonic() + timeout
    partitions = None
    while partitions is None and time.monotonic() < deadline:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            time.sleep(0.2)
    if not partitions:
        return []
    parts = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    out = []
    while any(consumer.position(tp) < end[tp] for tp in parts):
        if time.monotonic() > deadline:
            raise TimeoutError(f"could not read {topic} to its end within {timeout} s")
        for batch in consumer.poll(timeout_ms=500).values():
            for record in batch:
                if record.offset < end[TopicPartition(record.topic, record.partition)]:
                    letter = parse_dead_letter(record)
                    if projection is None or letter.projection == projection:
                        out.append(letter)
    out.sort(key=lambda d: (d.dlq_partition, d.dlq_offset))
    return out


def unique_by_origin(letters: Sequence[DeadLetter]) -> list[DeadLetter]:
    """One dead letter per (projection, generation, origin): a crash between DLQ write and commit can repeat one."""
    seen, out = set(), []
    for letter in letters:
        ident = (letter.projection, letter.generation, *letter.origin)
        if ident not in seen:
            seen.add(ident)
            out.append(letter)
    return out


def redriven_origins(conn, schema: str, projection: str) -> tuple[int | None, set[tuple[str, int, int]]]:
    """The projection's live generation and the origins already re-driven into it."""
    try:
        with conn:
            with conn.cursor() as cur:
                generation = tablesets.current_generation(cur, schema, projection)
                return generation, (set() if generation is None
                                    else tablesets.redriven(cur, schema, projection, generation))
    except (psycopg2.errors.UndefinedTable, psycopg2.errors.InvalidSchemaName):
        return None, set()  # no runner has created the catalogue here yet: nothing was re-driven


# -- re-driving ----------------------------------------------------------------------------


@dataclass
class RedriveReport:
    applied: list[tuple[str, int, int]] = field(default_factory=list)
    already: list[tuple[str, int, int]] = field(default_factory=list)
    superseded: list[tuple[str, int, int]] = field(default_factory=list)  # letters of an older generation
    refused: list[tuple[str, int, int]] = field(default_factory=list)  # chain conflicts: evidence, not events
    failed: list[tuple[tuple[str, int, int], str]] = field(default_factory=list)  # (origin, error class)

    def as_dict(self) -> dict:
        return {"applied": len(self.applied), "already_redriven": len(self.already),
                "superseded": len(self.superseded), "chain_conflicts_not_redriven": len(self.refused),
                "still_failing": [{"origin": list(o), "error_class": e} for o, e in self.failed]}


def redrive(conn, schema: str, projection: Projection, decode: Callable[[Any], Any],
            letters: Sequence[DeadLetter], log, dry_run: bool = False) -> RedriveReport:
    """Re-apply dead letters of `projection` to its live generation, each once, each in its own transaction.

    A letter that fails again stays on the DLQ (and is reported); the others are
    recorded in `projection_redriven` with their rows, so running this twice
    applies nothing twice. Letters of another generation than the live one are
    superseded (see the module docstring) and left alone. `dry_run` decodes and
    projects without writing.
    """
    report = RedriveReport()
    for letter in unique_by_origin([d for d in letters if d.projection == projection.name]):
        origin = letter.origin
        if letter.error_class == CHAIN_CONFLICT:
            # Not the stream's next event (a forgery, a version reused after a deletion): applying it
            # would put into the read model what the chain check kept out. It stays as evidence.
            report.refused.append(origin)
            log.warning("dead_letter_chain_conflict_not_redriven", origin_topic=origin[0],
                        origin_partition=origin[1], origin_offset=origin[2], reason=letter.reason)
            continue
        try:
            with conn:
                with conn.cursor() as cur:
                    # FOR SHARE: a rebuild switching generations waits for this, or this sees the new one.
                    generation = tablesets.current_generation(cur, schema, projection.name, lock="share")
                    if generation is None:
                        raise LookupError(f"projection {projection.name} has no live generation in {schema}")
                    if letter.generation != generation:
                        report.superseded.append(origin)
                        continue
                    if not tablesets.mark_redriven(cur, schema, projection.name, generation, *origin):
                        report.already.append(origin)
                        continue
                    changes = project(projection, decode(letter.original))
                    tablesets.execute_changes(cur, schema, projection, generation, changes)
                    if dry_run:
                        conn.rollback()
            report.applied.append(origin)
            log.info("dead_letter_redriven", origin_topic=origin[0], origin_partition=origin[1],
                     origin_offset=origin[2], generation=generation, dry_run=dry_run)
        except (LookupError, psycopg2.OperationalError, psycopg2.InterfaceError):
            raise  # nothing to re-drive into, or the database is away: not the letter's fault
        except Exception as exc:  # still poison: report it and go on with the others
            report.failed.append((origin, type(exc).__name__))
            log.warning("dead_letter_still_failing", origin_topic=origin[0], origin_partition=origin[1],
                        origin_offset=origin[2], error_class=type(exc).__name__)
    return report
