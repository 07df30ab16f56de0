"""Corrections and voids (*retificação / anulação*, E67–E68): rules shared by both aggregates.

History is append-only (R-66): a mistake is fixed by a new event that names the entry it
amends by stream version, with a reason and the supervisor who authorised it.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.rules import refuse
from domain.values import SUPERVISOR_ROLES, Actor, SourceDocument


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
