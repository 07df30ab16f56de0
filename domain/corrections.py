"""Corrections and voids (*retificação / anulação*, E67–E68): one mechanism for both aggregates.

History is append-only (R-66): a mistake is fixed by a new event that names the entry it
amends by stream version, with a reason and the supervisor who authorised it. `Correctable`
is the base of the Case and the Unit: the envelope every event carries, the memory of each
entry that corrections check, and the two commands that correct and void.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from eventsourcing.domain import Aggregate

from domain.calendar import require_aware
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

    class EntryCorrected(Event):
        """*Retificação* of an earlier entry (E67)."""

        target_version: int
        corrections: tuple[FieldCorrection, ...]
        reason: PersonalText
        authorised_by: Actor

    class EntryVoided(Event):
        """*Anulação* of an entry recorded by mistake (E68)."""

        target_version: int
        reason: PersonalText
        authorised_by: Actor

        def apply(self, aggregate: Any) -> None:
            """Flag the voided entry; it stays in history."""
            aggregate.voided.add(self.target_version)
            super().apply(aggregate)

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
