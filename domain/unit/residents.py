"""Who is inside and in which room: the unit's side of every movement of a youth (intake,
transfer, evasion, return, release, room change). The Case commands call these after
checking both aggregates (E03, E10, E21, E24, E25, E59)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.rules import refuse
from domain.unit.core import Resident, UnitCore
from domain.values import Actor, AdmissionReason, DepartureReason, RecordedException, SourceDocument


class ResidentsStage(UnitCore):
    """Residents: the events of this stage beside the commands that trigger them."""

    class ResidentAdmitted(UnitCore.Event):
        """A youth starts a stay in this unit (intake, transfer in, return from evasion)."""

        case_id: UUID
        reason: AdmissionReason
        exceptions: tuple[RecordedException, ...]

    class ResidentDeparted(UnitCore.Event):
        """A youth's stay in this unit ends (release, transfer out, evasion)."""

        case_id: UUID
        reason: DepartureReason

    class ResidentMoved(UnitCore.Event):
        """A youth is assigned to a room (*Quadro de Localização*, Reg. art. 21 XIX)."""

        case_id: UUID
        room: str

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
        self._admit_resident(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            case_id=case_id,
            reason=reason,
            exceptions=exceptions,
        )

    @event(ResidentAdmitted)
    def _admit_resident(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        case_id: UUID,
        reason: AdmissionReason,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.residents[case_id] = Resident(case_id, None)

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
        self._discharge_resident(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            case_id=case_id,
            reason=reason,
        )

    @event(ResidentDeparted)
    def _discharge_resident(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        case_id: UUID,
        reason: DepartureReason,
    ) -> None:
        self.residents.pop(case_id, None)

    def move_resident(
        self, *, case_id: UUID, room: str, occurred_at: datetime, actor: Actor, source_document: SourceDocument | None
    ) -> None:
        """Put a resident in ``room`` (called by ``Case.assign_room``)."""
        if case_id not in self.residents:
            refuse("D-02", "Only a youth with an active stay in this unit can be given a room here.")
        self._move_resident(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            case_id=case_id,
            room=room,
        )

    @event(ResidentMoved)
    def _move_resident(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        case_id: UUID,
        room: str,
    ) -> None:
        self.residents[case_id] = Resident(case_id, room)
