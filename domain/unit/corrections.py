"""Corrections and voids of the unit's own entries (*retificação / anulação*, E67–E68)."""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import event

from domain.calendar import require_aware
from domain.corrections import check_correction
from domain.rules import refuse
from domain.unit.core import UnitCore
from domain.values import Actor, FieldCorrection, PersonalText, SourceDocument


class CorrectionsStage(UnitCore):
    """Corrections: the events of this stage beside the commands that trigger them."""

    class EntryCorrected(UnitCore.Event):
        """*Retificação* of an earlier unit entry (E67)."""

        target_version: int
        corrections: tuple[FieldCorrection, ...]
        reason: PersonalText
        authorised_by: Actor

    class EntryVoided(UnitCore.Event):
        """*Anulação* of an entry recorded by mistake (E68)."""

        target_version: int
        reason: PersonalText
        authorised_by: Actor

    def correct_entry(
        self,
        *,
        target_version: int,
        corrections: tuple[FieldCorrection, ...],
        reason: str,
        authorised_by: Actor,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Correct fields of an earlier unit entry (*retificação*, E67)."""
        require_aware(occurred_at)
        check_correction(
            self._entries,
            self.voided,
            target_version=target_version,
            authorised_by=authorised_by,
            reason=reason,
            source_document=source_document,
            voiding=False,
        )
        if not corrections:
            refuse("R-66", "Name at least one corrected field and its new value.")
        self._correct_entry(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            target_version=target_version,
            corrections=tuple(corrections),
            reason=reason,
            authorised_by=authorised_by,
        )

    @event(EntryCorrected)
    def _correct_entry(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        target_version: int,
        corrections: tuple[FieldCorrection, ...],
        reason: str,
        authorised_by: Actor,
    ) -> None:
        pass

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
        """Void an entry recorded by mistake (*anulação*, E68); the entry stays in history."""
        require_aware(occurred_at)
        check_correction(
            self._entries,
            self.voided,
            target_version=target_version,
            authorised_by=authorised_by,
            reason=reason,
            source_document=source_document,
            voiding=True,
        )
        self._void_entry(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            target_version=target_version,
            reason=reason,
            authorised_by=authorised_by,
        )

    @event(EntryVoided)
    def _void_entry(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        target_version: int,
        reason: str,
        authorised_by: Actor,
    ) -> None:
        self.voided.add(target_version)
