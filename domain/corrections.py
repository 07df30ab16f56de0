"""Corrections and voids (*retificação / anulação*, E67–E68): one mechanism for both aggregates.

History is append-only (R-66): a mistake is fixed by a new event that names the entry it
amends by stream version, with a reason and the supervisor who authorised it. `Correctable`
is the base of the Case and the Unit: the envelope every event carries, the memory of each
entry that corrections check, and the two commands that correct and void.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.calendar import CUIABA, require_aware
from domain.rules import refuse
from domain.values import SUPERVISOR_ROLES, Actor, FieldCorrection, PersonalText, SourceDocument


@dataclass(frozen=True)
class EntryRef:
    """What an aggregate remembers of each of its own entries, to check corrections."""

    event_type: str
    judicial: bool


# Entries that move a youth in or out of a unit. Voiding them would silently rewrite
# where the youth was; the correct fix is a compensating movement backed by a court
# document (Recidiviz's ADMITTED_IN_ERROR is a new period, not a deletion).
MOVEMENT_EVENTS = frozenset(
    {
        "AdolescentRegistered",
        "IntakeRecorded",
        "TransferCompleted",
        "EvasionRecorded",
        "ReturnedFromEvasion",
        "Released",
        "UnitCapacityDefined",
        "ResidentAdmitted",
        "ResidentDeparted",
    }
)


# Fields no correction touches: the stream's bookkeeping, and who recorded the entry on what
# document (R-66: the record of who wrote what stays; a new document is the correction's own).
FIXED_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic", "actor",
                          "source_document"})


class NotCorrectable(ValueError):
    """A corrected value that does not fit the field it corrects (the command is refused, D-04)."""


def parse_corrected_value(field: str, text: str, kind: Any) -> Any:
    """The value of ``field`` that the correction's ``text`` stands for, as a value of type ``kind``.

    ``kind`` is the field's annotation (the aggregate knows it) or the type of the value first
    recorded (a read model knows only that); ``None`` keeps the text. A time without its offset is
    Cuiabá time, as everywhere in the ledger. Raises NotCorrectable when the text does not fit.
    """
    if text is None:
        return None
    text = str(text)
    origin = typing.get_origin(kind)
    if origin is typing.Annotated:
        return parse_corrected_value(field, text, typing.get_args(kind)[0])
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        if not text.strip() and len(options) < len(typing.get_args(kind)):
            return None
        return parse_corrected_value(field, text, options[0] if len(options) == 1 else None)
    try:
        if kind is None or kind is str or kind is Any:
            return text
        if kind is datetime:
            moment = datetime.fromisoformat(text.strip())
            return moment if moment.tzinfo else moment.replace(tzinfo=CUIABA)
        if kind is date:
            return date.fromisoformat(text.strip()[:10] if "T" in text else text.strip())
        if kind is bool:
            if text.strip().lower() in ("true", "yes", "sim", "1"):
                return True
            if text.strip().lower() in ("false", "no", "não", "nao", "0"):
                return False
            raise ValueError(text)
        if kind is int:
            return int(text.strip())
        if kind is UUID:
            return UUID(text.strip())
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            return kind(text.strip())
    except ValueError:
        raise NotCorrectable(f"{text!r} is not a valid {getattr(kind, '__name__', kind)} for {field}") from None
    raise NotCorrectable(f"{field} holds a list or a record; it cannot be corrected by a text value")


def corrected_values(values: Mapping[str, Any], corrections: Iterable[tuple[str, Any]],
                     kind_of: Callable[[str], Any]) -> dict[str, Any]:
    """The one corrected view of an entry: ``values`` with each ``(field, text)`` correction applied,
    later corrections over earlier ones (E67: the entry as if recorded right the first time).

    Shared by the aggregates (which rebuild their state from corrected entries, so later rules see
    the corrected dates) and by the read models (case view, clocks, occupancy, history), so a
    correction means the same everywhere. Texts that do not fit are skipped here: the aggregate
    refuses them when the correction is recorded.
    """
    out = dict(values)
    for field, text in corrections:
        if field in FIXED_FIELDS:
            continue
        try:
            out[field] = parse_corrected_value(field, text, kind_of(field))
        except NotCorrectable:
            continue
    return out


@lru_cache(maxsize=None)
def field_types(event_class: type) -> dict[str, Any]:
    """The annotated fields of an event class (those a correction may name)."""
    hints = typing.get_type_hints(event_class, include_extras=True)
    return {f.name: hints.get(f.name) for f in dataclasses.fields(event_class) if f.name not in FIXED_FIELDS}


def corrected_event(event: Any, corrections: Iterable[Any]) -> Any:
    """A copy of a domain event with ``FieldCorrection``s applied (the original stays in the store)."""
    corrections = [(c.field, c.value) for c in corrections]
    if not corrections:
        return event
    types_ = field_types(type(event))
    names = set(types_)
    changed = corrected_values({n: getattr(event, n) for n in names}, corrections, types_.get)
    return dataclasses.replace(event, **{n: v for n, v in changed.items() if n in names})


def check_corrected_fields(event: Any, corrections: Iterable[Any]) -> None:
    """Refuse (D-04) a correction naming a field the entry does not have, or a value that does not fit."""
    types_ = field_types(type(event))
    for c in corrections:
        if c.field in FIXED_FIELDS:
            refuse("R-66", f"{c.field} records who made the entry and on what document; it is not corrected.")
        if c.field not in types_:
            refuse("D-04", f"A {type(event).__name__} entry has no field {c.field!r}; correctable fields: "
                           + ", ".join(sorted(types_)) + ".")
        try:
            parse_corrected_value(c.field, c.value, types_[c.field])
        except NotCorrectable as exc:
            refuse("D-04", f"{exc}; write the field's new value as the entry records it (dates as YYYY-MM-DD, "
                           "times with their offset).")


def check_correction(
    entries: dict[int, EntryRef],
    voided: set[int],
    *,
    target_version: int,
    authorised_by: Actor,
    reason: str,
    source_document: SourceDocument | None,
    voiding: bool,
) -> EntryRef:
    """Check a correction or void of entry ``target_version``; return the target's reference."""
    target = entries.get(target_version)
    if target is None:
        refuse("D-04", f"There is no entry with version {target_version} in this stream; name an existing entry.")
    if target.event_type in ("EntryCorrected", "EntryVoided"):
        refuse("R-66", "Corrections are not themselves corrected; record a new correction of the original entry.")
    if target_version in voided:
        refuse("R-66", f"Entry {target_version} is already voided; nothing further can amend it.")
    if authorised_by.role not in SUPERVISOR_ROLES:
        refuse("R-66", "A correction must be authorised by the author's supervisor (líder de equipe or gerente).")
    if not reason.strip():
        refuse("R-66", "State the reason for the correction.")
    # docs/DOMAIN-DECISIONS.md E67: facts taken from court documents change only with a new court document.
    if target.judicial and (source_document is None or not source_document.is_judicial):
        refuse("R-66", "This entry transcribes a court document; attach the new court document that amends it.")
    if voiding and target.event_type in MOVEMENT_EVENTS:
        refuse(
            "R-66",
            "Movements (intake, transfer, evasion, return, release) are not voided; "
            "record the compensating movement with its court document.",
        )
    return target


class Correctable(Aggregate):
    """An aggregate whose entries carry the ledger's envelope and can be corrected or voided."""

    class Event(Aggregate.Event):
        """Envelope of every event: business time, who recorded it, the unit concerned, the source document."""

        occurred_at: datetime
        actor: Actor
        unit_id: str
        source_document: SourceDocument | None

        def apply(self, aggregate: Any) -> None:
            """Remember each entry's type and whether it transcribes a court document."""
            # Remembered so that corrections can check what they amend.
            aggregate._entries[self.originator_version] = EntryRef(
                type(self).__name__, bool(self.source_document and self.source_document.is_judicial)
            )
            # Kept so that a correction can rebuild the state from the corrected entries (E67).
            aggregate.__dict__.setdefault("_log", []).append(self)

    class EntryCorrected(Event):
        """*Retificação* of an earlier entry (E67)."""

        target_version: int
        corrections: tuple[FieldCorrection, ...]
        reason: PersonalText
        authorised_by: Actor

        def apply(self, aggregate: Any) -> None:
            """Rebuild the state as if the corrected entry had been recorded right the first time."""
            super().apply(aggregate)
            if not aggregate.__dict__.get("_replaying"):
                _rebuild_from_corrected_entries(aggregate)

    class EntryVoided(Event):
        """*Anulação* of an entry recorded by mistake (E68)."""

        target_version: int
        reason: PersonalText
        authorised_by: Actor

        def apply(self, aggregate: Any) -> None:
            """Flag the voided entry; it stays in history."""
            aggregate.voided.add(self.target_version)
            super().apply(aggregate)

    def _entry(self, version: int) -> Any:
        """The event recorded at ``version`` of this stream (as recorded, corrections not applied)."""
        log = self.__dict__.get("_log") or []
        if 0 < version <= len(log) and log[version - 1].originator_version == version:
            return log[version - 1]
        return next(e for e in log if e.originator_version == version)

    def _envelope_unit_id(self) -> str:
        """The unit named in the envelope of this aggregate's events when a command names none."""
        raise NotImplementedError

    def _record(
        self,
        event_class: type[Correctable.Event],
        *,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str | None = None,
        source_document: SourceDocument | None = None,
        **fields: Any,
    ) -> None:
        """Trigger ``event_class`` with the envelope filled in: the unit defaults to the aggregate's own."""
        self.trigger_event(
            event_class,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self._envelope_unit_id() if unit_id is None else unit_id,
            source_document=source_document,
            **fields,
        )

    def correct_entry(
        self,
        *,
        target_version: int,
        corrections: Iterable[FieldCorrection],
        reason: str,
        authorised_by: Actor,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Correct fields of an earlier entry (*retificação*, E67); the original stays in history."""
        require_aware(occurred_at)
        check_correction(self._entries, self.voided, target_version=target_version, authorised_by=authorised_by,
                         reason=reason, source_document=source_document, voiding=False)
        corrections = tuple(corrections)
        if not corrections:
            refuse("R-66", "Name at least one corrected field and its new value.")
        check_corrected_fields(self._entry(target_version), corrections)
        self._check_own_fields(self._entry(target_version), corrections)
        self._record(
            self.EntryCorrected,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            target_version=target_version,
            corrections=corrections,
            reason=reason,
            authorised_by=authorised_by,
        )

    def _check_own_fields(self, entry: Any, corrections: tuple[FieldCorrection, ...]) -> None:
        """Refuse a correction this aggregate cannot take on its own (a stage overrides it: the unit of a
        stay, whose units must follow, ``domain.case.stay_units``)."""

    def void_entry(
        self,
        *,
        target_version: int,
        reason: str,
        authorised_by: Actor,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Void an entry recorded by mistake (*anulação*, E68); the entry stays in history, flagged."""
        require_aware(occurred_at)
        check_correction(self._entries, self.voided, target_version=target_version, authorised_by=authorised_by,
                         reason=reason, source_document=source_document, voiding=True)
        self._record(
            self.EntryVoided,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            target_version=target_version,
            reason=reason,
            authorised_by=authorised_by,
        )


def _rebuild_from_corrected_entries(aggregate: Any) -> None:
    """Fold the aggregate again from its entries with every correction applied (E67).

    Every later rule (day counts of leave, R-31; the acolhimento's three business days, R-12;
    ages, R-08) reads the state, so the state must be the corrected history's: the same fold the
    read models make (``corrected_values``). The entries themselves stay as recorded (R-66); the
    events not yet saved are kept.
    """
    log = list(aggregate._log)
    corrections: dict[int, list[Any]] = {}
    for entry in log:
        if isinstance(entry, Correctable.EntryCorrected):
            corrections.setdefault(entry.target_version, []).extend(entry.corrections)
    fresh = None
    for entry in log:
        entry = corrected_event(entry, corrections.get(entry.originator_version, ()))
        if fresh is None:
            fresh = entry.mutate(None)
            fresh._replaying = True
        else:
            entry.mutate(fresh)
    pending = aggregate.__dict__.get("_pending_events", [])
    state = dict(fresh.__dict__)
    del state["_replaying"]
    state.update(_log=log, _pending_events=pending)
    aggregate.__dict__.clear()
    aggregate.__dict__.update(state)
