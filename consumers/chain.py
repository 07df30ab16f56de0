"""The chain check a projection runner makes as it reads: what is not the stream's next event is not applied.

The relay sends, with each event, the SHA-256 of its value (`value_sha256`) and the leaf hash of
the previous event of its stream (`previous_leaf`, the transparency log's per-case chain,
docs/TAMPER-EVIDENCE.md). For each stream the runner keeps, in PostgreSQL with its offsets
(`projection_streams`), the digest of every value it applied and the leaf hash of the last one.
A record is then one of:

* **the next event**: sequence = last + 1 and its `previous_leaf` names the last applied leaf —
  applied; its own leaf (computed from its headers by the log's own hashing, injected as
  `leaf_of`) becomes the head;
* **a duplicate**: a sequence already applied with the same bytes (a redelivery) — skipped, as
  an offset below the stored one is;
* **a conflict**, dead-lettered with the reason, never applied:
  `value_hash_mismatch` (the value is not the bytes `value_sha256` names: altered on the topic),
  `sequence_conflict` (a second, different event at a sequence already applied: a version
  reused after a deleted event, or a forgery), `previous_leaf_mismatch` (the record does not
  follow the event applied before it), `sequence_gap` (an event of the stream is missing: the
  chain cannot be followed past it).

A stream the generation has never seen starts its chain at whatever sequence comes first (a
generation rebuilt in bulk records no chain; its live runner picks the chain up from there).
Records without stream headers (other producers, the tests' toy events) are not checked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Sequence

from projections import tablesets

ZERO_LEAF = bytes(32)  # the previous leaf of a stream's first event

# The leaf hash of an event from its coordinates and its previous leaf (infra/tamper's leaf_data +
# leaf_hash, injected by the composition root: consumers import nothing of infra).
LeafOf = Callable[[dict], bytes]

REASONS = ("value_hash_mismatch", "sequence_conflict", "previous_leaf_mismatch", "sequence_gap")


class ChainConflict(Exception):
    """A record that is not its stream's next event (the dead letter's error class)."""

    def __init__(self, reason: str, detail: str, stream_id: str, seq: int) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail, self.stream_id, self.seq = reason, detail, stream_id, seq


@dataclass
class _Head:
    first: int
    last: int
    leaf: bytes | None
    new_first: int | None = None  # the first sequence appended by this batch
    new_digests: list[bytes] = field(default_factory=list)


@dataclass
class ChainVerdicts:
    accepted: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    conflicts: list[tuple[object, ChainConflict]] = field(default_factory=list)
    highest_notification: int | None = None  # among the accepted records


def _headers(record) -> dict[str, bytes]:
    return dict(record.headers or [])


def leaf_fields(h: dict[str, bytes], value_sha256: str, previous: bytes) -> dict:
    """The fields a leaf commits to, as the relay's headers carry them (infra/tamper/log.py's names)."""
    return {
        "notification_id": int(h["notification_id"]),
        "stream_id": h["stream_id"].decode(),
        "sequence": int(h["stream_seq"]),
        "event_type": h.get("event_type", b"").decode(),
        "recorded_at": h.get("recorded_at", b"").decode(),
        "stored_sha256": value_sha256,
        "previous_leaf": previous.hex(),
    }


class ChainCheck:
    """Checks one batch's records against the chain a generation applied; records what it accepts."""

    def __init__(self, leaf_of: LeafOf | None) -> None:
        self.leaf_of = leaf_of

    def check(self, cur, schema: str, projection: str, generation: int, records: Sequence) -> ChainVerdicts:
        """Sort the batch's records (in offset order per partition) into accepted, duplicates and conflicts."""
        verdicts = ChainVerdicts()
        streams = {_headers(r).get("stream_id") for r in records} - {None}
        stored = tablesets.stream_heads(cur, schema, projection, generation, (s.decode() for s in streams))
        heads = {s: _Head(f, l, leaf) for s, (f, l, leaf) in stored.items()}
        for record in records:
            h = _headers(record)
            if "stream_id" not in h or "stream_seq" not in h:
                verdicts.accepted.append(record)
                continue
            try:
                duplicate = self._one(cur, schema, projection, generation, heads, record, h)
            except ChainConflict as conflict:
                verdicts.conflicts.append((record, conflict))
                continue
            if duplicate:
                verdicts.duplicates.append(record)
                continue
            verdicts.accepted.append(record)
            if "notification_id" in h:
                n = int(h["notification_id"])
                verdicts.highest_notification = max(n, verdicts.highest_notification or n)
        appended = {s: (hd.new_first, hd.last, b"".join(hd.new_digests), hd.leaf)
                    for s, hd in heads.items() if hd.new_digests}
        if appended:
            tablesets.store_streams(cur, schema, projection, generation, appended)
        return verdicts

    def _one(self, cur, schema, projection, generation, heads: dict[str, _Head], record, h) -> bool:
        """True for a duplicate; raises ChainConflict; otherwise the record is accepted and recorded."""
        stream, seq = h["stream_id"].decode(), int(h["stream_seq"])
        value = record.value or b""
        digest = hashlib.sha256(value).digest()
        claimed = h.get("value_sha256")
        if claimed is not None and claimed.decode() != digest.hex():
            raise ChainConflict("value_hash_mismatch", f"the value of sequence {seq} is not the bytes its "
                                "value_sha256 header names (altered after publication)", stream, seq)
        previous = bytes.fromhex(h["previous_leaf"].decode()) if "previous_leaf" in h else None
        head = heads.get(stream)
        if head is not None and seq <= head.last:
            applied = self._digest(cur, schema, projection, generation, head, stream, seq)
            if applied is None or applied == digest:
                return True  # the same bytes again (or older than this generation's chain): nothing to apply
            raise ChainConflict("sequence_conflict", f"sequence {seq} was already applied with other bytes: "
                                "a second, different event at that sequence", stream, seq)
        if head is not None and seq > head.last + 1:
            raise ChainConflict("sequence_gap", f"sequence {seq} arrived after {head.last}: "
                                f"{seq - head.last - 1} event(s) of the stream missing", stream, seq)
        expected = head.leaf if head is not None else (ZERO_LEAF if seq == 1 else None)
        if previous is not None and expected is not None and previous != expected:
            raise ChainConflict("previous_leaf_mismatch", f"sequence {seq} names previous leaf {previous.hex()[:16]}…, "
                                f"the event applied before it has leaf {expected.hex()[:16]}…", stream, seq)
        leaf = None
        if previous is not None and self.leaf_of is not None and "notification_id" in h:
            leaf = self.leaf_of(leaf_fields(h, digest.hex(), previous))
        if head is None:
            head = heads[stream] = _Head(seq, seq - 1, None)
        if head.new_first is None:
            head.new_first = seq
        head.new_digests.append(digest)
        head.last, head.leaf = seq, leaf
        return False

    @staticmethod
    def _digest(cur, schema, projection, generation, head: _Head, stream: str, seq: int) -> bytes | None:
        if head.new_first is not None and seq >= head.new_first:  # applied earlier in this same batch
            return head.new_digests[seq - head.new_first]
        return tablesets.stream_digest(cur, schema, projection, generation, stream, seq)
