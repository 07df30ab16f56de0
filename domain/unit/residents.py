"""Who is inside and in which room: the unit's side of every movement of a youth (intake,
transfer, evasion, return, release, room change). The Case commands call these after
checking both aggregates (E03, E10, E21, E24, E25, E59)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID


from domain.calendar import local_date
from domain.corrections import check_correction
from domain.rules import refuse
from domain.unit.core import Resident, UnitCore
from domain.values import (Actor, AdmissionReason, DepartureReason, FieldCorrection, RecordedException,
                           SourceDocument, UnitType)


class ResidentsStage(UnitCore):
    """Residents: the events of this stage beside the commands that trigger them."""

    def admit_resident(
        self,
        *,
        case_id: UUID,
        reason: AdmissionReason,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        """Start a stay (called by the Case command that admits, in the same save)."""
        if case_id in self.residents:
            refuse("R-07", "This youth already has an active stay in this unit.")
        self._record(
            self.ResidentAdmitted,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            case_id=case_id,
            reason=reason,
            exceptions=exceptions,
        )

    class ResidentAdmitted(UnitCore.Event):
        """A youth starts a stay in this unit (intake, transfer in, return from evasion)."""

        case_id: UUID
        reason: AdmissionReason
        exceptions: tuple[RecordedException, ...]

        def apply(self, unit: UnitCore) -> None:
            current = unit.residents.get(self.case_id)
            # A stay moved here by a correction of its unit (E67) is recorded after later facts: it never
            # replaces a later stay; and an entry whose unit was corrected away is no stay here.
            if _here(self, unit) and (current is None or current.admitted_at is None
                                      or current.admitted_at <= self.occurred_at):
                unit.residents[self.case_id] = Resident(self.case_id, None, self.occurred_at)
            super().apply(unit)

    def discharge_resident(
        self,
        *,
        case_id: UUID,
        reason: DepartureReason,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None,
    ) -> None:
        """End a stay (called by the Case command that releases, transfers or records an evasion)."""
        if case_id not in self.residents:
            refuse("D-02", "This youth has no active stay in this unit.")
        self._record(
            self.ResidentDeparted,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            case_id=case_id,
            reason=reason,
        )

    class ResidentDeparted(UnitCore.Event):
        """A youth's stay in this unit ends (release, transfer out, evasion)."""

        case_id: UUID
        reason: DepartureReason

        def apply(self, unit: UnitCore) -> None:
            current = unit.residents.get(self.case_id)
            if _here(self, unit) and current is not None and (current.admitted_at is None
                                                              or current.admitted_at <= self.occurred_at):
                unit.residents.pop(self.case_id, None)
            super().apply(unit)

    def move_resident(
        self, *, case_id: UUID, room: str, occurred_at: datetime, actor: Actor, source_document: SourceDocument | None
    ) -> None:
        """Put a resident in ``room`` (called by ``Case.assign_room``)."""
        if case_id not in self.residents:
            refuse("D-02", "Only a youth with an active stay in this unit can be given a room here.")
        self._record(
            self.ResidentMoved,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            case_id=case_id,
            room=room,
        )

    class ResidentMoved(UnitCore.Event):
        """A youth is assigned to a room (*Quadro de Localização*, Reg. art. 21 XIX)."""

        case_id: UUID
        room: str

        def apply(self, unit: UnitCore) -> None:
            current = unit.residents.get(self.case_id)
            if _here(self, unit) and current is not None:
                unit.residents[self.case_id] = Resident(self.case_id, self.room, current.admitted_at)
            super().apply(unit)

    def _check_own_fields(self, entry: Any, corrections: tuple[FieldCorrection, ...]) -> None:
        """The unit of a movement is corrected on the case's entry that started the stay (E67; R-66)."""
        if type(entry).__name__ in STAY_ENTRIES and any(c.field == "unit_id" for c in corrections):
            refuse("R-66", "A youth's stay is moved to another unit by correcting the case's entry that started "
                           "it (intake, transfer or return, correct_case_entry with field unit_id); both units "
                           "follow that correction.")
        super()._check_own_fields(entry, corrections)

    def follow_stay_correction(self, *, target_version: int, to_unit_id: str, reason: str, authorised_by: Actor,
                               occurred_at: datetime, actor: Actor, source_document: SourceDocument | None) -> None:
        """Mark a movement entry of this unit as belonging to ``to_unit_id`` (called by the case's correction
        of the stay's unit, ``domain.case.stay_units``, in the same save): the entry stays, corrected (E67)."""
        check_correction(self._entries, self.voided, target_version=target_version, authorised_by=authorised_by,
                         reason=reason, source_document=source_document, voiding=False)
        self._record(self.EntryCorrected, occurred_at=occurred_at, actor=actor, source_document=source_document,
                     target_version=target_version, corrections=(FieldCorrection("unit_id", to_unit_id),),
                     reason=reason, authorised_by=authorised_by)

    def record_stay_by_correction(self, *, case_id: UUID, admitted_at: datetime, reason: AdmissionReason,
                                  departed_at: datetime | None, departure_reason: DepartureReason | None,
                                  actor: Actor, source_document: SourceDocument | None) -> None:
        """Record here the stay a correction moved from another unit, at its own times (E67): the admission,
        and its departure if it ended. A stay still open counts against the capacity as any admission
        (HC 143.988): over it, the fact is recorded with its exception and alert, never refused, for it
        already happened."""
        exceptions: tuple[RecordedException, ...] = ()
        if departed_at is None and self.occupancy + self.reserved_places(local_date(admitted_at)) >= self.capacity:
            code = "R-04" if self.unit_type is UnitType.SEMILIBERDADE else "R-05"
            exceptions = (RecordedException(code, "stay moved here by a correction of its unit; over capacity", True),)
        self._record(self.ResidentAdmitted, occurred_at=admitted_at, actor=actor, source_document=source_document,
                     case_id=case_id, reason=reason, exceptions=exceptions)
        if departed_at is not None:
            self._record(self.ResidentDeparted, occurred_at=departed_at, actor=actor, source_document=source_document,
                         case_id=case_id, reason=departure_reason or DepartureReason.TRANSFERENCIA)


# The unit's entries of a stay: they move with it when the case's entry that started it names another unit.
STAY_ENTRIES = frozenset({"ResidentAdmitted", "ResidentDeparted", "ResidentMoved"})


def _here(entry: UnitCore.Event, unit: UnitCore) -> bool:
    """Whether a movement entry is this unit's: not one whose unit a correction moved elsewhere (E67)."""
    return not entry.unit_id or entry.unit_id == str(unit.id)
