"""History of a case as of a date, from the audit trail: the ledger is bitemporal.

Two questions, two axes (docs/DOMAIN-DECISIONS.md E67–E68, §8):

- `as_of=DATE` — *what was true on that date*, as we know it now: the entries
  that occurred on or before the date (Cuiabá time), with every correction the
  ledger holds applied (a corrected `occurred_at` moves the entry), voided
  entries marked (or hidden).
- `as_recorded_at=TIME` — *what the ledger said at that time*: only entries
  recorded at or before TIME, and only the corrections recorded by then; a
  correction recorded later is not applied.

Both mark every amended entry (`corrected`, `voided`) with the sequence numbers
of the entries that amend it. The input is the `audit_entries` rows of one
stream (from PostgreSQL or from `MemoryTables`); nothing here reads a clock.
The `state` of a history is the case view folded from the entries it shows
(`projections/case_view.py`), so "the room on 3 March" has one definition.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from domain.calendar import CUIABA
from domain.corrections import corrected_values
from projections.case_view import CORRECTED_FIELD_FACTS, CaseView, facts_of, view_from_rows


@dataclass(frozen=True)
class Amendment:
    """A correction or void of an entry, as the audit trail recorded it."""

    sequence: int
    kind: str  # corrected | voided
    recorded_at: dt.datetime
    fields: tuple[tuple[str, Any, bool], ...] = ()  # (field, new value or None, withheld)
    authorised_by_role: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of the case's history with what amends it applied."""

    sequence: int
    event_type: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    actor_id: str
    actor_role: str
    summary: str
    data: Mapping[str, Any]
    status: str  # as_recorded | corrected | voided
    amended_by: tuple[int, ...] = ()
    corrected_fields: tuple[str, ...] = ()
    source_document: str | None = None
    unit_id: str = ""

    def as_row(self) -> dict[str, Any]:
        return {
            "seq": self.sequence, "occurred_at": self.occurred_at, "recorded_at": self.recorded_at,
            "event": self.event_type.split(".", 1)[-1], "who": f"{self.actor_role}:{self.actor_id}",
            "summary": self.summary, "status": self.status,
            "amended_by": ", ".join(f"#{s}" for s in self.amended_by),
            "corrected_fields": ", ".join(self.corrected_fields), "source": self.source_document or "",
        }


@dataclass(frozen=True)
class History:
    stream_id: str
    axis: str  # as_of | as_recorded_at
    at: dt.date | dt.datetime
    entries: tuple[HistoryEntry, ...]
    state: CaseView | None = field(default=None)


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _amendments(rows: Iterable[Mapping[str, Any]]) -> dict[int, list[Amendment]]:
    out: dict[int, list[Amendment]] = {}
    for r in rows:
        if not r.get("amendment"):
            continue
        fields = tuple((f["field"], f.get("value"), bool(f.get("withheld")))
                       for f in json.loads(r.get("corrected_fields") or "[]"))
        out.setdefault(int(r["amends_sequence"]), []).append(
            Amendment(int(r["sequence"]), r["amendment"], _aware(r["recorded_at"]), fields, r.get("authorised_by_role")))
    for amendments in out.values():
        amendments.sort(key=lambda a: a.sequence)
    return out


def history(rows: Iterable[Mapping[str, Any]], *, as_of: dt.date | None = None,
            as_recorded_at: dt.datetime | None = None, show_voided: bool = True) -> History:
    """The history of one stream from its audit rows, on one axis or both (the bitemporal point:
    what the ledger said at ``as_recorded_at`` about what was true by the end of ``as_of``)."""
    if as_of is None and as_recorded_at is None:
        raise ValueError("give as_of (a date), as_recorded_at (a time), or both")
    rows = sorted(rows, key=lambda r: int(r["sequence"]))
    if not rows:
        raise LookupError("no entries for this stream")
    stream_id = rows[0]["stream_id"]
    if as_recorded_at is not None:
        as_recorded_at = _aware(as_recorded_at)
        rows = [r for r in rows if _aware(r["recorded_at"]) <= as_recorded_at]
    amendments = _amendments(rows)

    entries: list[HistoryEntry] = []
    for r in rows:
        if r.get("amendment"):
            continue  # shown through the entries they amend
        seq = int(r["sequence"])
        data = dict(json.loads(r.get("payload") or "{}"))
        occurred_at = _aware(r["occurred_at"])
        amended = amendments.get(seq, [])
        changed: list[str] = []
        voided = False
        for a in amended:
            if a.kind == "voided":
                voided = True
                continue
            changed.extend(name for name, _, _ in a.fields)
            # The shared corrected view of an entry (as the aggregate and the case view apply it);
            # a withheld value (personal data) is not applied, a time that does not parse is skipped.
            values = corrected_values({**data, "occurred_at": occurred_at},
                                      [(name, value) for name, value, withheld in a.fields if not withheld],
                                      lambda f: dt.datetime if f == "occurred_at" else None)
            occurred_at = values.pop("occurred_at")
            data = values
        if as_of is not None and occurred_at.astimezone(CUIABA).date() > as_of:
            continue
        if voided and not show_voided:
            continue
        doc = " ".join(str(x) for x in (r.get("source_kind"), r.get("source_number")) if x) or None
        entries.append(HistoryEntry(
            sequence=seq, event_type=r["event_type"], occurred_at=occurred_at,
            recorded_at=_aware(r["recorded_at"]), actor_id=r.get("actor_id") or "",
            actor_role=r.get("actor_role") or "", summary=r.get("summary") or "", data=data,
            status="voided" if voided else "corrected" if changed else "as_recorded",
            amended_by=tuple(a.sequence for a in amended), corrected_fields=tuple(dict.fromkeys(changed)),
            source_document=doc, unit_id=r.get("unit_id") or ""))
    entries.sort(key=lambda e: (e.occurred_at, e.sequence))
    axis = "+".join(name for name, given in (("as_of", as_of), ("as_recorded_at", as_recorded_at)) if given is not None)
    return History(stream_id, axis, as_of if as_of is not None else as_recorded_at, tuple(entries),
                   _state(stream_id, entries))


def _state(stream_id: str, entries: list[HistoryEntry]) -> CaseView | None:
    """The case view the shown entries add up to (None for a Unit stream)."""
    if not entries or not entries[0].event_type.startswith("Case."):
        return None
    facts = []
    for e in entries:
        if e.status == "voided":
            continue
        name = e.event_type.split(".", 1)[-1]
        corrected = {f for name_ in e.corrected_fields for f in CORRECTED_FIELD_FACTS.get(name_, ())}
        for fact, value in facts_of(name, e.data, e.occurred_at, e.unit_id, e.sequence).items():
            facts.append({"fact": fact, "version": e.sequence, "value": value, "corrected": fact in corrected})
    return view_from_rows(stream_id, facts)
