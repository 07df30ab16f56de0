"""Death (*óbito*, E53) and deaths in the youth's family (R-68).

The death of a youth extinguishes the measure (SINASE art. 46 I: "pela morte do adolescente") and
closes the stay: the unit's occupancy drops in the same save, and the case accepts no further
custody event (only corrections of its entries and the acknowledgement of its alerts). The gerente
records it and informs the family (Reg. art. 14 XXII: "Informar à família a ocorrência de situações
de acidentes ou falecimento do adolescente"); until the family is informed the death carries an
R-68 alert, closed by ``inform_family_of_death``.

The other side of R-68 is the youth's own right: "Ser informado imediatamente do falecimento de
familiares ou responsáveis" (Reg. art. 51 XXIV).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from domain.calendar import require_aware
from domain.case.core import CaseCore, CaseStatus, Stay
from domain.rules import coerce_choice, refuse
from domain.unit import Unit
from domain.values import Actor, DepartureReason, PersonalText, RecordedException, Role, SourceDocument

# Reg. art. 51 XXIV says "imediatamente". The ledger reads it as within a day of the unit learning
# of the death: a semiliberdade youth may be at school or at work when the news arrives. Later
# than that, the fact is recorded with an R-68 alert.
IMMEDIATELY = timedelta(hours=24)


class DeathCause(StrEnum):
    """The circumstance of a youth's death, as known when it is recorded."""

    DOENCA = "doenca"
    ACIDENTE = "acidente"
    VIOLENCIA = "violencia"
    AUTOLESAO = "autolesao"
    EM_APURACAO = "em_apuracao"


class DeathStage(CaseCore):
    """Death of the youth, the family informed, and the youth told of a relative's death."""

    def record_death(
        self,
        *,
        unit: Unit | None,
        died_at: datetime,
        place: str,
        cause: DeathCause,
        circumstances: str,
        court_notified: bool,
        prosecutor_notified: bool,
        superintendencia_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        family_informed_at: datetime | None = None,
        source_document: SourceDocument | None = None,
        exception_justification: str | None = None,
    ) -> None:
        """Record the death of the youth (*registro de óbito*, E53): the measure is extinguished (SINASE
        art. 46 I) and the stay ends. The gerente records it and informs the family (Reg. art. 14 XXII);
        a death recorded before the family is informed carries an R-68 alert until it is."""
        require_aware(died_at)
        require_aware(occurred_at)
        if family_informed_at is not None:
            require_aware(family_informed_at)
        if actor.role is not Role.GERENTE:
            refuse("R-68", "The gerente records a youth's death and informs the family (Reg. art. 14 XXII).")
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a death")
        cause = coerce_choice(DeathCause, cause, "D-04", "Cause")
        if self.status is CaseStatus.ATIVO:
            if unit is None:
                refuse("D-02", "Give the unit where the youth had the stay.")
            self._require_unit(unit)
        if died_at > occurred_at:
            refuse("D-15", "A death is recorded after it happened; check the time of death.")
        if self.stays and died_at < self.stays[-1].started_at:
            refuse("D-02", "The time of death is before the youth's stay began; check the date.")
        if family_informed_at is not None and family_informed_at < died_at:
            refuse("R-68", "The family is informed after the death; check the times (Reg. art. 14 XXII).")
        if not place.strip() or not circumstances.strip():
            refuse("D-04", "Say where the youth died and the known circumstances.")
        exceptions: list[RecordedException] = []
        if family_informed_at is None:
            exceptions.append(RecordedException(
                "R-68", exception_justification or "family not yet informed by the gerente (Reg. art. 14 XXII)", True))
        was_inside = self.status is CaseStatus.ATIVO
        self._record(
            self.DeathRecorded,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            died_at=died_at,
            place=place,
            cause=cause,
            circumstances=circumstances,
            family_informed_at=family_informed_at,
            court_notified=court_notified,
            prosecutor_notified=prosecutor_notified,
            superintendencia_notified=superintendencia_notified,
            exceptions=tuple(exceptions),
        )
        if was_inside and unit is not None:
            # SINASE art. 46 I: the measure is extinguished; the unit's side is the end of the stay.
            unit.discharge_resident(case_id=self.id, reason=DepartureReason.DESLIGAMENTO, occurred_at=occurred_at,
                                    actor=actor, source_document=source_document)

    class DeathRecorded(CaseCore.Event):
        """*Óbito* of the youth: the measure is extinguished and the stay ends (E53; SINASE art. 46 I)."""

        died_at: Annotated[datetime, "When the youth died, as known."]
        place: Annotated[PersonalText, "Where the youth died."]
        cause: Annotated[DeathCause, "The circumstance of the death, as known when recorded."]
        circumstances: Annotated[PersonalText, "The known circumstances."]
        family_informed_at: Annotated[datetime | None, "When the gerente informed the family (Reg. art. 14 XXII); null: not yet (R-68 alert)."]
        court_notified: Annotated[bool, "The execution court was notified (the measure is extinguished, SINASE art. 46 I)."]
        prosecutor_notified: Annotated[bool, "The Ministério Público was notified."]
        superintendencia_notified: Annotated[bool, "The Superintendência was notified (Reg. art. 14 XI)."]
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            if case.status is CaseStatus.ATIVO and case.stays:
                last = case.stays[-1]
                case.stays[-1] = Stay(last.unit_id, last.started_at, last.admission_reason, self.occurred_at,
                                      DepartureReason.DESLIGAMENTO)
            case.status = CaseStatus.FALECIDO
            case.released_at = self.occurred_at  # the measure ends here: D-19's retention counts from it
            case.death_version = self.originator_version
            case.family_informed_of_death = self.family_informed_at is not None
            case.unit_id = None
            case.away = None
            case.room = None
            super().apply(case)

    def inform_family_of_death(
        self,
        *,
        informed_at: datetime,
        family_member: str,
        means: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """The gerente informs the family of the youth's death (*comunicação do óbito à família*,
        Reg. art. 14 XXII); this closes the death's R-68 alert."""
        require_aware(informed_at)
        require_aware(occurred_at)
        if actor.role is not Role.GERENTE:
            refuse("R-68", "The gerente informs the family of a youth's death (Reg. art. 14 XXII).")
        if self.status is not CaseStatus.FALECIDO:
            refuse("D-02", "No death is recorded in this case; record the death first (E53).")
        if getattr(self, "family_informed_of_death", False):
            refuse("D-02", "The family is already recorded as informed of the death.")
        if not family_member.strip() or not means.strip():
            refuse("R-68", "Say which family member was informed and how (in person, by phone…) (Reg. art. 14 XXII).")
        if informed_at > occurred_at:
            refuse("D-15", "The family is informed before this is recorded; check the time.")
        self._record(
            self.FamilyInformedOfDeath,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.stays[-1].unit_id if self.stays else "",
            informed_at=informed_at,
            family_member=family_member,
            means=means,
            death_version=self.death_version,
        )

    class FamilyInformedOfDeath(CaseCore.Event):
        """The gerente informed the family of the youth's death (Reg. art. 14 XXII); closes the R-68 alert of
        the death entry (``death_version``)."""

        informed_at: Annotated[datetime, "When the family was informed."]
        family_member: Annotated[PersonalText, "Which family member was informed."]
        means: Annotated[str, "How (in person, by phone, through the Conselho Tutelar…)."]
        death_version: Annotated[int, "Version of the DeathRecorded entry whose R-68 alert this closes."]

        def apply(self, case: CaseCore) -> None:
            case.family_informed_of_death = True
            # The death's R-68 alert is answered, keyed like an acknowledgement (domain.case.alerts).
            case.acknowledged_alerts = getattr(case, "acknowledged_alerts", frozenset()) | {
                f"R-68@{self.death_version}"}
            super().apply(case)

    def inform_of_relative_death(
        self,
        *,
        relative: str,
        learned_at: datetime,
        informed_at: datetime,
        occurred_at: datetime,
        actor: Actor,
        exception_justification: str | None = None,
    ) -> None:
        """Tell the youth of the death of a relative or guardian (Reg. art. 51 XXIV: "imediatamente").

        Told more than a day after the unit learned of it, the fact is recorded with an R-68 alert.
        """
        require_aware(learned_at)
        require_aware(informed_at)
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="news of a relative's death")
        if not relative.strip():
            refuse("R-68", "Say which relative or guardian died (Reg. art. 51 XXIV).")
        if informed_at < learned_at:
            refuse("R-68", "The youth is told after the unit learns of the death; check the times (Reg. art. 51 XXIV).")
        if informed_at > occurred_at:
            refuse("D-15", "The youth is told before this is recorded; check the time.")
        exceptions = []
        if informed_at - learned_at > IMMEDIATELY:
            exceptions.append(RecordedException(
                "R-68", exception_justification or "youth told more than a day after the unit learned of the death", True))
        self._record(
            self.YouthInformedOfRelativeDeath,
            occurred_at=occurred_at,
            actor=actor,
            relative=relative,
            learned_at=learned_at,
            informed_at=informed_at,
            exceptions=tuple(exceptions),
        )

    class YouthInformedOfRelativeDeath(CaseCore.Event):
        """The youth was told of a relative's or guardian's death (Reg. art. 51 XXIV; R-68)."""

        relative: Annotated[PersonalText, "Which relative or guardian died (kinship)."]
        learned_at: Annotated[datetime, "When the unit learned of the death."]
        informed_at: Annotated[datetime, "When the youth was told (Reg. art. 51 XXIV: immediately)."]
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            super().apply(case)
