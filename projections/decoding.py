"""From a Kafka record to a `LedgerEvent`: what every read model works on.

Projections never see domain classes. They read what any subscriber reads: the
Avro datum of the event contract (docs/EVENT-CONTRACT.md), decoded with
`schemas.codec` into a small immutable `LedgerEvent` — the envelope as Python
values (aware datetimes, ids as text) and the payload as a plain dict.

The decoder also remembers which payload fields the contract marks
`"personal": true` (names, civil documents, free text). Read models keep those
out of their tables: `LedgerEvent.public_data()` is the payload with every
personal value withheld, and that is what the audit trail stores.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from collections.abc import Mapping
from typing import Any, Callable

from schemas.sealing import SealedValue, is_sealed

# The placeholder stored instead of a personal value (ECA art. 143: no identification).
WITHHELD = "(withheld: personal data)"


@dataclass(frozen=True)
class SourceDoc:
    """The document behind an entry (court order, ofício, form); numbers are not personal data."""

    kind: str
    number: str
    process_number: str | None = None
    issuer: str | None = None
    issued_on: dt.date | None = None


@dataclass(frozen=True)
class LedgerEvent:
    """One event of the ledger as read from Kafka: envelope fields and payload.

    `personal` holds the paths of payload values the contract marks personal:
    `"name"` for a top-level field, `"corrections[].value"` for a field of the
    records in an array, `"x.y"` for a field of a nested record.
    """

    event_type: str  # "Case.IntakeRecorded", "Unit.ResidentAdmitted"
    stream_id: str
    sequence: int
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    actor_id: str
    actor_role: str
    unit_id: str
    data: Mapping[str, Any]
    source_document: SourceDoc | None = None
    event_id: str = ""
    personal: frozenset[str] = field(default=frozenset())

    @property
    def aggregate(self) -> str:
        """"Case" or "Unit": the stream kind."""
        return self.event_type.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The event class name without the aggregate: "IntakeRecorded"."""
        return self.event_type.split(".", 1)[-1]

    def public_data(self) -> dict[str, Any]:
        """The payload with personal values replaced by WITHHELD (for tables and exports).

        Computed once per event and shared: treat it as read-only.
        """
        return self._public_data

    @cached_property
    def _public_data(self) -> dict[str, Any]:
        return _withhold(self.data, self.personal, _prefixes(self.personal), "")


@lru_cache(maxsize=None)
def _prefixes(personal: frozenset[str]) -> frozenset[str]:
    """Every path on the way to a personal field ("a", "a[]", "a[].b" for "a[].b"): only those are walked."""
    out = set(personal)
    for path in personal:
        for step in re.finditer(r"\.|\[\]", path):
            out.add(path[:step.start()])
            if step.group() == "[]":
                out.add(path[:step.end()])
    return frozenset(out)


def _withhold(value: Any, personal: frozenset[str], on_the_way: frozenset[str], path: str) -> Any:
    # Subtrees with no personal field below them are shared, not copied (payloads are read-only).
    if isinstance(value, dict) or isinstance(value, Mapping):
        out = {}
        for key, inner in value.items():
            here = f"{path}.{key}" if path else key
            if here in personal and inner is not None:
                out[key] = WITHHELD if not isinstance(inner, (list, tuple)) else [WITHHELD for _ in inner]
            elif here in on_the_way:
                out[key] = _withhold(inner, personal, on_the_way, here)
            else:
                out[key] = inner
        return out
    if isinstance(value, (list, tuple)) and f"{path}[]" in on_the_way:
        return [_withhold(v, personal, on_the_way, f"{path}[]") for v in value]
    return value


# -- the contract's personal flags --------------------------------------------------------


def personal_paths(schema: Any) -> frozenset[str]:
    """Paths of the fields a record schema (fastavro-parsed or JSON) marks `"personal": true`.

    The envelope is skipped: its fields are never personal (ids, times, roles).
    """
    named: dict[str, Any] = {}
    out: set[str] = set()

    def walk(s: Any, path: str, seen: frozenset[str]) -> None:
        if isinstance(s, str):
            s = named.get(s, s)
        if isinstance(s, list):
            for branch in s:
                walk(branch, path, seen)
            return
        if not isinstance(s, dict):
            return
        kind = s.get("type")
        if isinstance(kind, (dict, list)):
            walk(kind, path, seen)
            return
        if kind == "record":
            full = s.get("name", "")
            if "namespace" in s and "." not in full:
                full = f"{s['namespace']}.{full}"
            named[full] = s
            named[s.get("name", "")] = s
            if full in seen:
                return
            for f in s.get("fields", []):
                if not path and f["name"] == "envelope":
                    continue
                here = f"{path}.{f['name']}" if path else f["name"]
                if f.get("personal"):
                    out.add(here)
                walk(f["type"], here, seen | {full})
        elif kind == "array":
            walk(s.get("items"), f"{path}[]", seen)

    walk(schema, "", frozenset())
    return frozenset(out)


# -- datum -> LedgerEvent -------------------------------------------------------------------


def _aware(moment: Any) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    if isinstance(moment, (int, float)):  # timestamp-micros read without logical types
        return dt.datetime.fromtimestamp(moment / 1_000_000, tz=dt.timezone.utc)
    raise ValueError(f"expected a timestamp, got {type(moment).__name__}")


_SCALARS = frozenset({str, int, float, bool, type(None), dt.datetime, dt.date})


def _plain(value: Any) -> Any:
    """Datum values as JSON-friendly Python: uuids as text; dates and datetimes kept."""
    if type(value) in _SCALARS:  # most values: no isinstance walk
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, SealedValue) or is_sealed(value):
        return WITHHELD  # a personal value the read models are not allowed: never stored, even sealed
    if isinstance(value, dict) or isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def from_datum(event_type: str, datum: Mapping[str, Any], personal: frozenset[str] = frozenset()) -> LedgerEvent:
    """Build the LedgerEvent of a decoded datum (nested `envelope` record, then the payload)."""
    envelope = datum["envelope"]
    actor = envelope.get("actor") or {}
    doc = envelope.get("source_document")
    source = None
    if doc:
        source = SourceDoc(kind=str(doc.get("kind")), number=str(doc.get("number")),
                           process_number=_plain(doc.get("process_number")), issuer=_plain(doc.get("issuer")),
                           issued_on=doc.get("issued_on"))
    payload = {k: _plain(v) for k, v in datum.items() if k != "envelope"}
    return LedgerEvent(
        event_type=envelope.get("event_type") or event_type,
        stream_id=str(envelope["stream_id"]),
        sequence=int(envelope["sequence"]),
        occurred_at=_aware(envelope["occurred_at"]),
        recorded_at=_aware(envelope["recorded_at"]),
        actor_id=str(actor.get("id", "")),
        actor_role=str(actor.get("role", "")),
        unit_id=str(envelope.get("unit_id") or ""),
        source_document=source,
        event_id=str(envelope.get("event_id") or ""),
        data=payload,
        personal=personal,
    )


# The room code too: the case view and the CNMP inspection show where a youth sleeps (Reg. art. 40).
OPENED_FOR_READ_MODELS = frozenset({"birth_date", "sex", "room"})
SHOWN_BY_READ_MODELS = frozenset({"sex", "room"})
_CORRECTION_VALUE = re.compile(r"^corrections\[(\d+)\]\.value$")


@functools.lru_cache(maxsize=1)
def personal_names() -> frozenset[str]:
    """Every top-level field name some event schema marks personal (schemas/avsc): a correction of
    any other field (a date, a unit, a status) carries no personal value and is opened for the
    read models, which must follow it (E67)."""
    import json
    from pathlib import Path

    names: set[str] = set()
    for path in (Path(__file__).resolve().parents[1] / "schemas" / "avsc").glob("*/v*.avsc"):
        names |= {p.split(".")[0].split("[")[0] for p in personal_paths(json.loads(path.read_text()))}
    return frozenset(names)


def _kept_sealed_in(datum: Mapping[str, Any]) -> Callable[[str], bool]:
    def kept(path: str) -> bool:
        if path in OPENED_FOR_READ_MODELS:
            return False
        found = _CORRECTION_VALUE.match(path)  # a correction is opened as the fact it corrects is
        if found:
            corrections = datum.get("corrections") or []
            i = int(found.group(1))
            field = corrections[i].get("field") if i < len(corrections) else None
            return not (field in OPENED_FOR_READ_MODELS or (field is not None and field not in personal_names()))
        return True
    return kept


def _erased(path: str, plain: Any) -> Any:
    return None  # the subject was erased: the fact is unknown


class Decoder:
    """`decoder(record) -> LedgerEvent` for the projection runners.

    Uses `schemas.codec` (the default codec unless one is given) and caches the
    personal paths of each reader schema. Raises what the codec raises for bytes
    it cannot decode; the runner dead-letters them.
    """

    def __init__(self, codec: Any = None) -> None:
        self._codec = codec
        self._personal: dict[str, frozenset[str]] = {}

    def decode_value(self, value: bytes) -> LedgerEvent:
        if self._codec is None:
            from schemas.codec import default_codec

            self._codec = default_codec()
        decoded = self._codec.decode(value)
        if self._codec.sealer is not None:
            # Read models are allowed two personal facts, for the CNMP age bands, room separation and
            # the age-21 clock (CNMP67 Annex I 1.5; ECA 121 §5); every other personal value stays sealed.
            self._codec.opened(decoded, keep_sealed=_kept_sealed_in(decoded.datum), erased=_erased)
        label = decoded.reader.label
        personal = self._personal.get(label)
        if personal is None:
            # Sex and room are sealed on the wire but, opened, shown by the read models as before (the
            # trail withholds the birth date and every other personal value).
            personal = self._personal[label] = personal_paths(decoded.reader.schema) - SHOWN_BY_READ_MODELS
        return from_datum(decoded.event_type, decoded.datum, personal)

    def __call__(self, record: Any) -> LedgerEvent:
        return self.decode_value(record.value)


def make_decoder(codec: Any = None) -> Callable[[Any], LedgerEvent]:
    """The decoder the registry hands to runners (the default codec over schemas/avsc)."""
    return Decoder(codec)
