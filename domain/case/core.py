"""What every stage of the Case shares: the event envelope, the case's state types, its
queries and its guards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5


from domain.calendar import age_on, calendar_deadline, day_of_measure
from domain.case.stay_units import check_stay_unit_fields
from domain.clocks import reassessment_due_on
from domain.corrections import Correctable
from domain.rules import refuse
from domain.unit import Unit
from domain.values import (
    MODALITIES_BY_UNIT_TYPE,
    AdmissionReason,
    BuildClass,
    DepartureReason,
    DisciplinaryOutcome,
    LeaveKind,
    Modality,
    OffenceSeverity,
    SanctionType,
    SeriousnessClass,
    Sex,
    SourceDocument,
    VisitModality,
)

CASE_NAMESPACE = uuid5(NAMESPACE_URL, "https://caseledger.mt.gov.br/case")


def case_id_for(process_number: str) -> UUID:
    """Opaque case id from the execution process number (*número do processo de execução*)."""
    return uuid5(CASE_NAMESPACE, "".join(ch for ch in process_number if ch.isalnum()).upper())


class CaseStatus(StrEnum):
    """Where the case stands: registered, in a unit, evaded, or released (closed)."""

    REGISTRADO = "registrado"
    ATIVO = "ativo"
    EVADIDO = "evadido"
    DESLIGADO = "desligado"
    FALECIDO = "falecido"  # E53: the measure is extinguished by the youth's death (SINASE art. 46 I)


@dataclass(frozen=True)
class Stay:
    """A contiguous stay in one unit (*estada*): abutting periods, as Recidiviz models them."""

    unit_id: str
    started_at: datetime
    admission_reason: AdmissionReason
    ended_at: datetime | None = None
    departure_reason: DepartureReason | None = None


@dataclass(frozen=True)
class RoomProfile:
    """What room separation looks at for one youth (ECA 123; Reg. art. 40)."""

    case_id: UUID
    sex: Sex
    age: int
    modality: Modality | None
    seriousness: SeriousnessClass | None
    build: BuildClass | None


@dataclass
class _Leave:
    kind: LeaveKind
    leave_date: date
    started: bool = False
    returned: bool = False


@dataclass
class _Procedure:
    incident_id: UUID
    offence: str
    severity: OffenceSeverity
    hearing_held: bool = False
    outcome: DisciplinaryOutcome | None = None
    sanction: SanctionType | None = None
    appealed: bool = False
    appeal_decided: bool = False
    suspended_by_court: bool = False
    commission: frozenset[str] = frozenset()  # staff ids of the commission named at opening


@dataclass
class _Visitor:
    active: bool
    modalities: tuple[VisitModality, ...]


@dataclass
class _CourtSuspension:
    visitor_ids: tuple[UUID, ...]
    starts_on: date
    ends_on: date | None
    lifted: bool = False

    def covers(self, visitor_id: UUID, on: date) -> bool:
        """True if this suspension forbids ``visitor_id`` on ``on``."""
        if self.lifted or on < self.starts_on or (self.ends_on is not None and on > self.ends_on):
            return False
        return not self.visitor_ids or visitor_id in self.visitor_ids


def _age_band(age: int) -> int:
    # CNMP67 Annex I 1.5: bands 12–15, 16–18, 19–21.
    return 0 if age <= 15 else 1 if age <= 18 else 2


def _require_judicial(document: SourceDocument | None, code: str, what: str) -> SourceDocument:
    if document is None or not document.is_judicial:
        refuse(code, f"Attach the court document ({what}): process, number and court.")
    return document


class CaseCore(Correctable):
    """The base of the Case's stage classes: the envelope of every case event, queries and guards."""

    class Event(Correctable.Event):
        """Envelope of every case event: business time, who recorded it, the unit concerned, the source document."""

    class EntryCorrected(Correctable.EntryCorrected):
        """*Retificação* of an earlier entry of this case (E67)."""

    class EntryVoided(Correctable.EntryVoided):
        """*Anulação* of an entry recorded by mistake (E68)."""

    def _envelope_unit_id(self) -> str:
        return self.unit_id or ""

    def _record(self, event_class: type, **fields: Any) -> None:
        erased_on = getattr(self, "erased_on", None)
        if erased_on is not None:
            # D-19: a new entry would seal new personal data under a new key of an erased youth.
            refuse("D-19", f"The case's personal data were erased on {erased_on.isoformat()}; it accepts no entry.")
        super()._record(event_class, **fields)
    def _check_own_fields(self, entry, corrections) -> None:
        """A stay's unit is corrected with its units following (``domain.case.stay_units``, E67)."""
        check_stay_unit_fields(self, entry, corrections)
        super()._check_own_fields(entry, corrections)

    # --- queries --------------------------------------------------------------------------

    @property
    def is_inside(self) -> bool:
        """True while the youth has an active stay in a unit (even when out on leave)."""
        return self.status is CaseStatus.ATIVO

    def age_on(self, on: date) -> int:
        """The youth's completed years on ``on``."""
        return age_on(self.birth_date, on)

    def day_of_measure(self, on: date) -> int:
        """Day of the measure in the current unit, intake day = 1 (Decision 11; Reg. art. 75)."""
        return day_of_measure(self._stay_started_on(), on)

    def room_profile(self, on: date) -> RoomProfile:
        """What room separation compares (ECA 123)."""
        return RoomProfile(self.id, self.sex, self.age_on(on), self.modality, self.seriousness, self.build)

    def pia_due_on(self) -> date | None:
        """Last day to send the PIA: 45 days after the definitive measure began here (R-22; Decision 8)."""
        return None if self.definitive_since is None else calendar_deadline(self.definitive_since, 45)

    def reassessment_due_on(self) -> date | None:
        """Latest date for the next reassessment decision: 6 months (ECA 121 §2; SINASE 42)."""
        return reassessment_due_on(self.measure_started_on, self.last_decision_on, quarterly=self.quarterly_reassessment)

    # --- guards ---------------------------------------------------------------------------

    def _require_status(self, *allowed: CaseStatus, doing: str) -> None:
        if self.status not in allowed:
            if self.status is CaseStatus.DESLIGADO:
                refuse("D-02", f"The case is closed by release; it accepts no {doing}. Open a new case for a new measure.")
            if self.status is CaseStatus.FALECIDO:
                refuse("D-02", f"The youth died; the measure is extinguished (SINASE art. 46 I) and the case "
                               f"accepts no {doing}. Only corrections of its entries and alert acknowledgements.")
            refuse("D-02", f"Cannot record {doing} while the case is {self.status.value}.")

    def _stay_started_on(self) -> date:
        if self.stay_started_on is None:
            refuse("D-02", "The youth has no stay in a unit.")
        return self.stay_started_on

    def _current_modality(self) -> Modality:
        if self.modality is None:
            refuse("D-02", "The case has no measure modality yet; record the intake first.")
        return self.modality

    def _require_present(self, doing: str) -> None:
        self._require_status(CaseStatus.ATIVO, doing=doing)
        if self.away is not None:
            refuse("D-02", f"The youth is out ({self.away}); record the return before {doing}.")

    def _require_unit(self, unit: Unit) -> None:
        if str(unit.id) != self.unit_id:
            refuse("D-02", "That is not the youth's current unit; load the unit where the youth is.")

    def _check_unit_profile(self, unit: Unit, modality: Modality, on: date) -> None:
        if modality not in MODALITIES_BY_UNIT_TYPE[unit.unit_type]:
            refuse("D-03", f"Unit {unit.unit_code} ({unit.unit_type.value}) does not receive {modality.value}.")
        if unit.sex is not self.sex:
            refuse("D-03", f"Unit {unit.unit_code} serves {unit.sex.value} youths only (separation by sex).")
        # ECA 121 §5: release at 21; the unit's Portaria sets its age range.
        if self.age_on(on) >= 21:
            refuse("R-08", "The youth is 21 or older: release by law (ECA 121 §5), do not admit.")
        if not unit.min_age <= self.age_on(on) <= unit.max_age:
            refuse("D-03", f"Unit {unit.unit_code} serves ages {unit.min_age}–{unit.max_age}.")
