"""Who is inside and in which room: the unit's side of every movement of a youth (intake,
transfer, evasion, return, release, room change). The Case commands call these after
checking both aggregates (E03, E10, E21, E24, E25, E59)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID


from domain.rules import refuse
from domain.unit.core import Resident, UnitCore
from domain.values import Actor, AdmissionReason, DepartureReason, RecordedException, SourceDocument


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
            unit.residents[self.case_id] = Resident(self.case_id, None)
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
            unit.residents[self.case_id] = Resident(self.case_id, self.room)
            super().apply(unit)
