"""The Unit aggregate (*unidade socioeducativa*): capacity and profile from its Portaria,
who is inside and in which room, the unit's disciplinary incidents and its visitor
suspensions (Reg. art. 61).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.calendar import DEFAULT_CALENDAR, BusinessCalendar, local_date, require_aware
from domain.corrections import EntryRef, check_correction
from domain.rules import refuse
from domain.values import (
    DEFAULT_INTAKE_DOCUMENTS,
    AccessCategory,
    AdmissionReason,
    Actor,
    DepartureReason,
    FieldCorrection,
    InspectionKind,
    IntakeDocument,
    PersonalText,
    RecordedException,
    Role,
    Sex,
    SourceDocument,
    StaffCategory,
    StaffMember,
    StaffStatus,
    UnitType,
    require_name,
)

UNIT_NAMESPACE = uuid5(NAMESPACE_URL, "https://caseledger.mt.gov.br/unit")

# Reg. art. 14 IX; CNMP67 Annex II: the SINASE reference module for semiliberdade is 20.
SEMILIBERDADE_MAX_CAPACITY = 20


def unit_id_for(unit_code: str) -> UUID:
    """Opaque unit id from the unit's official code (CNES/Portaria code)."""
    return uuid5(UNIT_NAMESPACE, unit_code.strip().upper())


@dataclass(frozen=True)
class Resident:
    """A youth inside the unit (state only, never an event field)."""

    case_id: UUID
    room: str | None


class Unit(Aggregate):
    """A socio-educational unit, with the capacity and profile its Portaria sets (Reg. art. 10)."""

    class Event(Aggregate.Event):
        """Envelope of every unit event: business time, who recorded it, the unit concerned, the source document."""

        occurred_at: datetime
        actor: Actor
        unit_id: str
        source_document: SourceDocument | None

        def apply(self, aggregate: Any) -> None:
            """Remember each entry's type and whether it transcribes a court document."""
            aggregate._entries[self.originator_version] = EntryRef(
                type(self).__name__, bool(self.source_document and self.source_document.is_judicial)
            )

    class UnitCapacityDefined(Aggregate.Created, Event):
        """*Portaria de capacidade*: type, capacity and profile of a new unit (E62)."""

        unit_code: str
        name: str
        unit_type: UnitType
        capacity: int
        sex: Sex
        min_age: int
        max_age: int
        comarca: str
        required_intake_documents: tuple[IntakeDocument, ...]

    class UnitCapacityRedefined(Event):
        """A new Portaria changes capacity or profile (E62)."""

        capacity: int
        min_age: int
        max_age: int
        required_intake_documents: tuple[IntakeDocument, ...]

    class VacancyReleased(Event):
        """*Ofício de liberação de vaga*: the gerente reserves a place for a court referral (E02; Reg. art. 14 IX, 24)."""

        vacancy_id: UUID
        requesting_process: str
        valid_until: date

    class VacancyFilled(Event):
        """A reserved place is taken by the youth it was released for (E02 → E03)."""

        vacancy_id: UUID
        case_id: UUID

    class ResidentAdmitted(Event):
        """A youth starts a stay in this unit (intake, transfer in, return from evasion)."""

        case_id: UUID
        reason: AdmissionReason
        exceptions: tuple[RecordedException, ...]

    class ResidentDeparted(Event):
        """A youth's stay in this unit ends (release, transfer out, evasion)."""

        case_id: UUID
        reason: DepartureReason

    class ResidentMoved(Event):
        """A youth is assigned to a room (*Quadro de Localização*, Reg. art. 21 XIX)."""

        case_id: UUID
        room: str

    class DisciplinaryIncidentReported(Event):
        """*Registro de ocorrência disciplinar* listing each youth involved (E27)."""

        incident_id: UUID
        involved_case_ids: tuple[UUID, ...]
        location: str
        description: PersonalText

    class VisitorTemporarilySuspended(Event):
        """The unit suspends one visitor caught with forbidden items (Reg. art. 61; E43)."""

        visitor_id: UUID
        until: date
        items_found: PersonalText
        police_called: bool

    class AuthorityOrVisitorAccessLogged(Event):
        """*Registro de acesso*: who entered and left the unit, with name and ID document (E47; Reg. art. 20 XXIV)."""

        access_id: UUID
        category: AccessCategory
        name: PersonalText
        document: PersonalText
        institution: str
        entered_at: datetime
        left_at: datetime

    class StaffRosterChanged(Event):
        """A change in the unit's staff roster (E63): the CNMP asks for changes since the last inspection."""

        staff_id: str
        name: PersonalText
        category: StaffCategory
        status: StaffStatus
        weekly_hours: int

    class InspectionRecorded(Event):
        """*Inspeção do Ministério Público* (E64; CNMP67 arts. 1, 2). References only; no snapshot yet."""

        inspection_id: UUID
        kind: InspectionKind
        inspected_at: datetime
        promotor_id: str
        accompanying: tuple[StaffMember, ...]
        report_due_on: date
        access_id: UUID | None
        exceptions: tuple[RecordedException, ...]

    class MonthlyReportSubmitted(Event):
        """The unit's monthly (or annual) report sent to the Superintendência (E65; Reg. art. 14 XIV)."""

        year: int
        month: int | None
        protocol_number: str

    class SIPIAExportSubmitted(Event):
        """Reconciliation export to SIPIA/SINASE for a period, instead of double entry (E66)."""

        period_start: date
        period_end: date
        active_count: int
        entries_count: int
        exits_count: int
        receipt_number: str

    class EntryCorrected(Event):
        """*Retificação* of an earlier unit entry (E67)."""

        target_version: int
        corrections: tuple[FieldCorrection, ...]
        reason: PersonalText
        authorised_by: Actor

    class EntryVoided(Event):
        """*Anulação* of an entry recorded by mistake (E68)."""

        target_version: int
        reason: PersonalText
        authorised_by: Actor

    @staticmethod
    def create_id(unit_code: str, **_: Any) -> UUID:
        """The unit id: uuid5 of the unit's official code."""
        return unit_id_for(unit_code)

    @classmethod
    def define(
        cls,
        *,
        unit_code: str,
        name: str,
        unit_type: UnitType,
        capacity: int,
        sex: Sex,
        comarca: str,
        occurred_at: datetime,
        actor: Actor,
        portaria: SourceDocument,
        min_age: int = 12,
        max_age: int = 20,
        required_intake_documents: tuple[IntakeDocument, ...] = DEFAULT_INTAKE_DOCUMENTS,
    ) -> Unit:
        """Register a unit from its Portaria (*definição de capacidade*)."""
        require_aware(occurred_at)
        require_name(unit_code, "the unit's official code")
        require_name(name, "the unit's name, as in its Portaria")
        _check_capacity(unit_type, capacity)
        _check_age_range(min_age, max_age)
        return cls(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(unit_id_for(unit_code)),
            source_document=portaria,
            unit_code=unit_code,
            name=name,
            unit_type=unit_type,
            capacity=capacity,
            sex=sex,
            min_age=min_age,
            max_age=max_age,
            comarca=comarca,
            required_intake_documents=tuple(required_intake_documents),
        )

    @event(UnitCapacityDefined)
    def __init__(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        unit_code: str,
        name: str,
        unit_type: UnitType,
        capacity: int,
        sex: Sex,
        min_age: int,
        max_age: int,
        comarca: str,
        required_intake_documents: tuple[IntakeDocument, ...],
    ) -> None:
        self.unit_code = unit_code
        self.name = name
        self.unit_type = unit_type
        self.capacity = capacity
        self.sex = sex
        self.min_age = min_age
        self.max_age = max_age
        self.comarca = comarca
        self.required_intake_documents = tuple(required_intake_documents)
        self.residents: dict[UUID, Resident] = {}
        self.incidents: dict[UUID, tuple[UUID, ...]] = {}
        self.visitor_suspensions: dict[UUID, date] = {}
        self.vacancies: dict[UUID, date] = {}
        self.accesses: dict[UUID, AccessCategory] = {}
        self.roster: dict[str, tuple[StaffCategory, StaffStatus, int]] = {}
        self.inspections: dict[UUID, date] = {}
        self.reports: set[tuple[int, int | None]] = set()
        self.sipia_exports: list[tuple[date, date]] = []
        self._entries: dict[int, EntryRef] = {1: EntryRef("UnitCapacityDefined", False)}
        self.voided: set[int] = set()

    # --- queries ---------------------------------------------------------------------

    @property
    def occupancy(self) -> int:
        """How many youths have an active stay here (*lotação*)."""
        return len(self.residents)

    def room_of(self, case_id: UUID) -> str | None:
        """The room of a resident, if assigned."""
        resident = self.residents.get(case_id)
        return resident.room if resident else None

    def roommates(self, room: str, *, excluding: UUID | None = None) -> tuple[UUID, ...]:
        """Case ids of residents in ``room``."""
        return tuple(r.case_id for r in self.residents.values() if r.room == room and r.case_id != excluding)

    def is_visitor_suspended(self, visitor_id: UUID, on: date) -> bool:
        """True while the unit's Reg. art. 61 suspension of this visitor lasts."""
        until = self.visitor_suspensions.get(visitor_id)
        return until is not None and on <= until

    def reserved_places(self, on: date, *, excluding: UUID | None = None) -> int:
        """Places reserved by vacancy ofícios still valid on ``on`` and not yet filled."""
        return sum(1 for vid, until in self.vacancies.items() if until >= on and vid != excluding)

    # --- capacity --------------------------------------------------------------------

    def release_vacancy(
        self,
        *,
        vacancy_id: UUID,
        requesting_process: str,
        valid_until: date,
        occurred_at: datetime,
        actor: Actor,
        oficio: SourceDocument,
    ) -> None:
        """Reserve a place for a court referral (*ofício de liberação de vaga*, E02)."""
        on = local_date(occurred_at)
        # Reg. art. 14 IX, 24: the gerente controls vacancies and signs the ofício.
        if actor.role is not Role.GERENTE:
            refuse("R-04", "The gerente releases vacancies (Reg. art. 14 IX).")
        if vacancy_id in self.vacancies:
            refuse("D-02", "This vacancy is already released.")
        if valid_until < on:
            refuse("D-04", "The vacancy must be valid on or after the day it is released.")
        # Occupancy plus reserved places never exceed the Portaria's capacity (HC 143.988).
        if self.occupancy + self.reserved_places(on) >= self.capacity:
            refuse(
                "R-04",
                f"Unit {self.unit_code} has no free place ({self.occupancy} inside, {self.reserved_places(on)} reserved, "
                f"capacity {self.capacity}); do not release a vacancy.",
            )
        self._release_vacancy(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=oficio,
            vacancy_id=vacancy_id,
            requesting_process=requesting_process,
            valid_until=valid_until,
        )

    @event(VacancyReleased)
    def _release_vacancy(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        vacancy_id: UUID,
        requesting_process: str,
        valid_until: date,
    ) -> None:
        self.vacancies[vacancy_id] = valid_until

    def check_vacancy(self, vacancy_id: UUID, on: date) -> None:
        """Refuse an intake on an unknown, used or expired vacancy (E03: a valid E02 vacancy)."""
        until = self.vacancies.get(vacancy_id)
        if until is None:
            refuse("R-04", "This vacancy ofício was not released by this unit or is already filled; ask the gerente.")
        if until < on:
            refuse("R-04", f"The vacancy expired on {until.isoformat()}; ask the gerente for a new ofício.")

    def fill_vacancy(self, *, vacancy_id: UUID, case_id: UUID, occurred_at: datetime, actor: Actor) -> None:
        """Mark a reserved place as taken (called by ``Case.record_intake`` in the same save)."""
        self.check_vacancy(vacancy_id, local_date(occurred_at))
        self._fill_vacancy(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=None,
            vacancy_id=vacancy_id,
            case_id=case_id,
        )

    @event(VacancyFilled)
    def _fill_vacancy(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        vacancy_id: UUID,
        case_id: UUID,
    ) -> None:
        self.vacancies.pop(vacancy_id, None)

    def admission_exceptions(
        self,
        *,
        court_ordered_over_capacity: bool,
        justification: str | None,
        on: date | None = None,
        vacancy_id: UUID | None = None,
    ) -> tuple[RecordedException, ...]:
        """Check there is a place; return the exceptions to record when the unit is full.

        Semiliberdade (R-04, HARD): over capacity only with a court order that says so,
        recorded as an exception. Internação (R-05, ALERT): the fact is always recorded,
        with an exception and an alert (HC 143.988 numerus clausus).
        """
        # A youth arriving on a reserved place uses it; other reservations stay counted.
        if vacancy_id is not None:
            return ()
        reserved = self.reserved_places(on) if on is not None else 0
        if self.occupancy + reserved < self.capacity:
            return ()
        if self.unit_type is UnitType.SEMILIBERDADE:
            if not court_ordered_over_capacity or not (justification or "").strip():
                refuse(
                    "R-04",
                    f"Unit {self.unit_code} is full ({self.occupancy}/{self.capacity}). Admit only with a court "
                    "order for admission over capacity and its justification, or ask the Central de Vagas for a place.",
                )
            return (RecordedException("R-04", justification or "", True),)
        return (
            RecordedException(
                "R-05",
                justification or "over capacity; no justification given at recording",
                True,
            ),
        )

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

    # --- commands ----------------------------------------------------------------------

    def redefine_capacity(
        self,
        *,
        capacity: int,
        occurred_at: datetime,
        actor: Actor,
        portaria: SourceDocument,
        min_age: int | None = None,
        max_age: int | None = None,
        required_intake_documents: tuple[IntakeDocument, ...] | None = None,
    ) -> None:
        """Apply a new Portaria (*nova portaria de capacidade*, Reg. art. 10)."""
        require_aware(occurred_at)
        _check_capacity(self.unit_type, capacity)
        _check_age_range(self.min_age if min_age is None else min_age, self.max_age if max_age is None else max_age)
        self._redefine_capacity(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=portaria,
            capacity=capacity,
            min_age=self.min_age if min_age is None else min_age,
            max_age=self.max_age if max_age is None else max_age,
            required_intake_documents=tuple(
                self.required_intake_documents if required_intake_documents is None else required_intake_documents
            ),
        )

    @event(UnitCapacityRedefined)
    def _redefine_capacity(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        capacity: int,
        min_age: int,
        max_age: int,
        required_intake_documents: tuple[IntakeDocument, ...],
    ) -> None:
        self.capacity = capacity
        self.min_age = min_age
        self.max_age = max_age
        self.required_intake_documents = tuple(required_intake_documents)

    def report_incident(
        self,
        *,
        incident_id: UUID,
        involved_case_ids: tuple[UUID, ...],
        location: str,
        description: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record a disciplinary incident (*ocorrência disciplinar*), each youth listed (E27)."""
        require_aware(occurred_at)
        if not involved_case_ids:
            refuse("R-47", "List each youth involved individually; an incident names its youths one by one.")
        if len(set(involved_case_ids)) != len(involved_case_ids):
            refuse("R-47", "A youth is listed twice; list each youth involved once.")
        outside = [c for c in involved_case_ids if c not in self.residents]
        if outside:
            refuse("D-02", "Every youth listed must have an active stay in this unit.")
        if incident_id in self.incidents:
            refuse("D-02", "This incident is already recorded; report a new incident id.")
        self._report_incident(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=None,
            incident_id=incident_id,
            involved_case_ids=tuple(involved_case_ids),
            location=location,
            description=description,
        )

    @event(DisciplinaryIncidentReported)
    def _report_incident(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        incident_id: UUID,
        involved_case_ids: tuple[UUID, ...],
        location: str,
        description: str,
    ) -> None:
        self.incidents[incident_id] = tuple(involved_case_ids)

    def suspend_visitor(
        self,
        *,
        visitor_id: UUID,
        until: date,
        items_found: str,
        police_called: bool,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Suspend one visitor caught with forbidden items (*suspensão temporária do visitante*).

        Scope is that visitor only: the youth's right to visits is untouched (Reg. art. 60, 61).
        """
        require_aware(occurred_at)
        # Reg. art. 61: recorded by the líder de equipe on duty.
        if actor.role is not Role.LIDER:
            refuse("R-34", "The líder de equipe on duty records a visitor suspension (Reg. art. 61).")
        if not items_found.strip():
            refuse("R-34", "Describe the forbidden items found; a visitor is suspended only for that (Reg. art. 61).")
        if until < local_date(occurred_at):
            refuse("R-34", "The suspension must end on or after the day it is recorded.")
        self._suspend_visitor(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            visitor_id=visitor_id,
            until=until,
            items_found=items_found,
            police_called=police_called,
        )

    @event(VisitorTemporarilySuspended)
    def _suspend_visitor(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        visitor_id: UUID,
        until: date,
        items_found: str,
        police_called: bool,
    ) -> None:
        self.visitor_suspensions[visitor_id] = until

    def log_access(
        self,
        *,
        access_id: UUID,
        category: AccessCategory,
        name: str,
        document: str,
        institution: str,
        entered_at: datetime,
        left_at: datetime,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Log a staff member's, visitor's or authority's access to the unit (*registro de acesso*, E47).

        Reg. art. 20 XXIV: name and ID document at entry and exit; CNMP67 art. 1: the MP's
        presence is recorded in the unit's book.
        """
        require_aware(entered_at)
        require_aware(left_at)
        require_aware(occurred_at)
        if actor.role not in (Role.AGENTE, Role.LIDER):
            refuse("D-05", "The agente socioeducativo on duty logs accesses (Reg. art. 20 XXIV).")
        category = _coerce_enum(AccessCategory, category, "R-60", "Category")
        if not name.strip() or not document.strip():
            refuse("R-60", "Log the name and the ID document of whoever enters (Reg. art. 20 XXIV).")
        if left_at < entered_at:
            refuse("R-60", "The exit must be after the entry (Reg. art. 20 XXIV).")
        if access_id in self.accesses:
            refuse("D-02", "This access is already logged.")
        self._log_access(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=None,
            access_id=access_id,
            category=category,
            name=name,
            document=document,
            institution=institution,
            entered_at=entered_at,
            left_at=left_at,
        )

    @event(AuthorityOrVisitorAccessLogged)
    def _log_access(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        access_id: UUID,
        category: AccessCategory,
        name: str,
        document: str,
        institution: str,
        entered_at: datetime,
        left_at: datetime,
    ) -> None:
        self.accesses[access_id] = category

    def change_staff_roster(
        self,
        *,
        staff_id: str,
        name: str,
        category: StaffCategory,
        status: StaffStatus,
        weekly_hours: int,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record a staff member joining, changing or leaving the roster (E63); deactivated, never deleted."""
        require_aware(occurred_at)
        if actor.role is not Role.GERENTE:
            refuse("D-05", "The gerente keeps the unit's staff roster (Reg. art. 14).")
        category = _coerce_enum(StaffCategory, category, "D-04", "Category")
        status = _coerce_enum(StaffStatus, status, "D-04", "Status")
        if not staff_id.strip() or not name.strip():
            refuse("D-04", "Give the staff id and the name.")
        if not 0 <= weekly_hours <= 60:
            refuse("D-04", "Weekly hours go from 0 to 60.")
        if status is StaffStatus.INATIVO and staff_id not in self.roster:
            refuse("D-04", "Only a staff member on the roster can be made inactive.")
        self._change_staff_roster(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            staff_id=staff_id,
            name=name,
            category=category,
            status=status,
            weekly_hours=weekly_hours,
        )

    @event(StaffRosterChanged)
    def _change_staff_roster(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        staff_id: str,
        name: str,
        category: StaffCategory,
        status: StaffStatus,
        weekly_hours: int,
    ) -> None:
        self.roster[staff_id] = (category, status, weekly_hours)

    def record_inspection(
        self,
        *,
        inspection_id: UUID,
        kind: InspectionKind,
        inspected_at: datetime,
        promotor_id: str,
        occurred_at: datetime,
        actor: Actor,
        accompanying: tuple[StaffMember, ...] = (),
        access_id: UUID | None = None,
        source_document: SourceDocument | None = None,
        calendar: BusinessCalendar = DEFAULT_CALENDAR,
    ) -> None:
        """Record an MP inspection of the unit (*inspeção*, E64; CNMP67 arts. 1, 2).

        The report is due by the 15th of the following month, rolled to the next business day
        (CNMP67 art. 2 §2–3). A semiannual inspection outside March or September is recorded with
        an R-63 alert. Only references are kept (the access log entry, the form); the frozen
        inspection snapshot is a later step.
        """
        on = local_date(inspected_at)
        require_aware(occurred_at)
        if actor.role not in (Role.MINISTERIO_PUBLICO, Role.GERENTE, Role.ADMINISTRATIVO):
            refuse("D-05", "The MP records its inspection, or the unit's gerente or administrative sector logs it.")
        kind = _coerce_enum(InspectionKind, kind, "R-63", "Inspection kind")
        if not promotor_id.strip():
            refuse("D-04", "Give the id of the promotor de justiça who inspected.")
        if inspection_id in self.inspections:
            refuse("D-02", "This inspection is already recorded.")
        # CNMP67 art. 1: the MP's presence is recorded in the unit's access book.
        if access_id is not None and self.accesses.get(access_id) is not AccessCategory.MINISTERIO_PUBLICO:
            refuse("D-04", "The access log entry named is not an MP access of this unit.")
        exceptions = []
        # CNMP67 art. 2-A §3: semiannual inspections are held in March and September.
        if kind is InspectionKind.SEMESTRAL and on.month not in (3, 9):
            exceptions.append(RecordedException("R-63", "semiannual inspection outside March or September", True))
        self._record_inspection(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            inspection_id=inspection_id,
            kind=kind,
            inspected_at=inspected_at,
            promotor_id=promotor_id,
            accompanying=tuple(accompanying),
            report_due_on=inspection_report_due_on(on, calendar),
            access_id=access_id,
            exceptions=tuple(exceptions),
        )

    @event(InspectionRecorded)
    def _record_inspection(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        inspection_id: UUID,
        kind: InspectionKind,
        inspected_at: datetime,
        promotor_id: str,
        accompanying: tuple[StaffMember, ...],
        report_due_on: date,
        access_id: UUID | None,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.inspections[inspection_id] = report_due_on

    def submit_monthly_report(
        self,
        *,
        year: int,
        month: int | None,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record the unit's report sent to the Superintendência (E65; Reg. art. 14 XIV).

        ``month=None`` is the annual report of ``year``. A period is reported once it has ended.
        """
        on = local_date(occurred_at)
        # Reg. art. 14 XIV: the gerente writes and sends the monthly and annual reports.
        if actor.role is not Role.GERENTE:
            refuse("D-05", "The gerente sends the monthly and annual reports to the Superintendência (Reg. art. 14 XIV).")
        if month is not None and not 1 <= month <= 12:
            refuse("D-04", "The month goes from 1 to 12 (or none for the annual report).")
        period_end = date(year, 12, 31) if month is None else date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        if on <= period_end:
            refuse("D-02", f"The period ends on {period_end.isoformat()}; report it after that day.")
        if (year, month) in self.reports:
            refuse("D-02", "This period is already reported; a correction is recorded with correct_entry.")
        if not protocol_number.strip():
            refuse("D-04", "Give the protocol number of the report sent.")
        self._submit_monthly_report(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=source_document,
            year=year,
            month=month,
            protocol_number=protocol_number,
        )

    @event(MonthlyReportSubmitted)
    def _submit_monthly_report(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        year: int,
        month: int | None,
        protocol_number: str,
    ) -> None:
        self.reports.add((year, month))

    def submit_sipia_export(
        self,
        *,
        period_start: date,
        period_end: date,
        active_count: int,
        entries_count: int,
        exits_count: int,
        receipt_number: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record a reconciliation export sent to SIPIA/SINASE for a period (E66; SINASE 3 IV)."""
        on = local_date(occurred_at)
        # The administrative sector feeds the systems (Reg. art. 22; docs/DOMAIN-DECISIONS.md §5.1, SIPIA operator).
        if actor.role not in (Role.ADMINISTRATIVO, Role.GERENTE):
            refuse("D-05", "The administrative sector (SIPIA operator) or the gerente submits the SIPIA export.")
        if period_end < period_start or period_end >= on:
            refuse("D-04", "The period must end before the day of the export and not before it starts.")
        if min(active_count, entries_count, exits_count) < 0:
            refuse("D-04", "Counts cannot be negative.")
        if not receipt_number.strip():
            refuse("D-04", "Give the receipt number SIPIA returned.")
        self._submit_sipia_export(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(self.id),
            source_document=None,
            period_start=period_start,
            period_end=period_end,
            active_count=active_count,
            entries_count=entries_count,
            exits_count=exits_count,
            receipt_number=receipt_number,
        )

    @event(SIPIAExportSubmitted)
    def _submit_sipia_export(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        period_start: date,
        period_end: date,
        active_count: int,
        entries_count: int,
        exits_count: int,
        receipt_number: str,
    ) -> None:
        self.sipia_exports.append((period_start, period_end))

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


def _check_capacity(unit_type: UnitType, capacity: int) -> None:
    if capacity < 1:
        refuse("R-04", "Capacity must be at least 1 place, as set by the unit's Portaria (Reg. art. 10).")
    if unit_type is UnitType.SEMILIBERDADE and capacity > SEMILIBERDADE_MAX_CAPACITY:
        refuse(
            "R-04",
            f"A semiliberdade unit holds at most {SEMILIBERDADE_MAX_CAPACITY} places (Reg. art. 14 IX); "
            "check the Portaria.",
        )


# ECA 2: socio-educational measures apply from 12; ECA 121 §5: release at 21, so the oldest
# youth a unit can hold is 20 in completed years (ages are compared as completed years).
YOUNGEST_AGE, OLDEST_AGE = 12, 20


def _check_age_range(min_age: int, max_age: int) -> None:
    if not YOUNGEST_AGE <= min_age <= OLDEST_AGE or not YOUNGEST_AGE <= max_age <= OLDEST_AGE:
        refuse("D-16", f"The age range {min_age}–{max_age} is outside {YOUNGEST_AGE}–{OLDEST_AGE}: measures start "
                       "at 12 (ECA 2) and end at 21 (ECA 121 §5); check the Portaria.")
    if min_age > max_age:
        refuse("D-16", f"The minimum age {min_age} is above the maximum {max_age}; check the Portaria.")


def inspection_report_due_on(inspected_on: date, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    """Last day for the inspection report: the 15th of the following month, rolled to the next
    business day when it falls on a weekend or holiday (CNMP67 art. 2 §2–3)."""
    following = date(inspected_on.year + inspected_on.month // 12, inspected_on.month % 12 + 1, 15)
    return calendar.on_or_after(following)


def _coerce_enum(enum_cls: type[Any], value: Any, code: str, what: str) -> Any:
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        refuse(code, f"{what} {value!r} is not in the closed list; use one of {[m.value for m in enum_cls]}.")
