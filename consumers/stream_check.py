"""A check any subscriber can run on the headers of the case-event stream.

Within one stream (a case or a unit), `stream_seq` counts 1, 2, 3… with no gaps,
and `event_id` is derived from (stream, sequence), so a record seen twice has
the same id. Given the headers of each record in the order received, this tells
a gap (a sequence skipped), a duplicate (a sequence seen before, same event id
and, where the relay sent it, the same `value_sha256`), a conflict (a sequence
seen before with a different event: another id, or the same id with other bytes —
what a version reused after a deleted event looks like, docs/TAMPER-EVIDENCE.md)
and a reordering (a skipped sequence arriving late).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    OK = "ok"
    DUPLICATE = "duplicate"
    GAP = "gap"
    REORDERED = "reordered"
    CONFLICT = "conflict"  # same stream and sequence, different event id: not the same event


@dataclass
class _Stream:
    last: int = 0
    missing: set[int] = field(default_factory=set)
    ids: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    stream_id: str
    seq: int
    detail: str


class StreamChecker:
    """Feed it each record's headers; it returns what the record means for its stream."""

    def __init__(self, remember_ids: bool = True) -> None:
        self._streams: dict[str, _Stream] = {}
        self._remember_ids = remember_ids
        self.findings: list[Finding] = []

    def observe(self, headers: list[tuple[str, bytes]] | dict[str, bytes]) -> Verdict:
        h = dict(headers)
        stream_id = h["stream_id"].decode()
        seq = int(h["stream_seq"])
        event_id = h["event_id"].decode()
        if "value_sha256" in h:  # the identity of what was stored, not only of its coordinates
            event_id += "#" + h["value_sha256"].decode()[:16]
        s = self._streams.setdefault(stream_id, _Stream())
        seen_id = s.ids.get(seq)
        if seq in s.missing:
            s.missing.discard(seq)
            verdict, detail = Verdict.REORDERED, f"sequence {seq} arrived after {s.last}"
        elif seq <= s.last:
            if seen_id is not None and seen_id != event_id:
                verdict, detail = Verdict.CONFLICT, (
                    f"sequence {seq} seen as event {seen_id}, now {event_id}: a second, different event")
            else:
                verdict, detail = Verdict.DUPLICATE, f"sequence {seq} already seen"
        elif seq > s.last + 1:
            s.missing.update(range(s.last + 1, seq))
            verdict, detail = Verdict.GAP, f"expected {s.last + 1}, got {seq}"
            s.last = seq
        else:
            verdict, detail = Verdict.OK, ""
            s.last = seq
        if self._remember_ids and seen_id is None:
            s.ids[seq] = event_id
        if verdict is not Verdict.OK:
            self.findings.append(Finding(verdict, stream_id, seq, detail))
        return verdict

    def open_gaps(self) -> dict[str, list[int]]:
        """Sequences still missing per stream (a gap that was never filled)."""
        return {k: sorted(v.missing) for k, v in self._streams.items() if v.missing}
