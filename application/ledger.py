"""The case ledger application: one method per command of the case ledger.

Each method loads the aggregates it needs, calls the domain command (which checks every
rule before triggering any event) and saves everything touched in ONE ``save()`` — one
transaction. A refused command raises ``domain.rules.RuleViolation`` and writes nothing.

Persistence comes from the environment like any eventsourcing application
(``PERSISTENCE_MODULE``: POPO by default, ``eventsourcing.sqlite`` or
``eventsourcing.postgres``), passed as ``CaseLedger(env={...})``.

The store holds what Kafka carries: each stored event's state is its Avro
single-object encoding (``schemas.codec``), the exact bytes the relay publishes.
See ``infra.persistence.mapper`` and docs/EVENT-CONTRACT.md §8.
"""

from __future__ import annotations

import inspect
from datetime import date, datetime, timezone
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.persistence import JSONTranscoder, Mapper, PersistenceError, Recording, Transcoder

import domain.values as values
from domain.calendar import require_not_after_recording
from domain.case import Case, CaseStatus, case_id_for
from domain.rules import RuleViolation, refuse
from domain.unit import Unit, unit_id_for
from infra.persistence.mapper import PublishedBytesMapper
from infra.persistence.repository import PickledCacheRepository
from infra.persistence.transcodings import ExactJSONTranscoder, register_value_transcodings
from domain.values import (
    AccessCategory,
    AcolhimentoStep,
    Actor,
    AppealOutcome,
    BuildClass,
    DisciplinaryOutcome,
    EgressContactKind,
    EvasionKind,
    ExclusionGround,
    ExitPurpose,
    FieldCorrection,
    ForceTechnique,
    IncentiveKind,
    InspectionKind,
    IntakeDocument,
    IntakeFinding,
    IntakeOrigin,
    IntakeRefusalDestination,
    IntakeRefusalReason,
    InterviewAuthority,
    IsolationGround,
    JudicialOrderKind,
    LeaveKind,
    MeasureDecision,
    Modality,
    PetitionAddressee,
    PetitionSubject,
    PhoneCallReason,
    PhotoIdKind,
    PIASection,
    PlanGoal,
    ReassessmentGround,
    ReassessmentRequester,
    Relationship,
    ReleaseBasis,
    ReportConclusion,
    ReportKind,
    RoomChangeReason,
    SanctionType,
    SearchKind,
    SearchReason,
    SeriousnessClass,
    Sex,
    SourceDocument,
    StaffCategory,
    StaffMember,
    StaffStatus,
    SuspensionMotive,
    UnitType,
    VisitModality,
    VisitRefusalReason,
)

__all__ = ["CaseLedger", "RuleViolation"]


def _new_id(given: UUID | None) -> UUID:
    return given if given is not None else uuid4()


class CaseLedger(Application):
    """The case ledger of the socio-educational units (*livro de registro do caso*).

    Its event store holds each event as the Avro single-object encoding published on
    Kafka (``infra.persistence.mapper``): one encoding, validated once, when the event is
    written. A command whose event does not fit its published schema is refused with
    the field path (``schemas.errors.EventValidationError``) and nothing is written;
    the relay copies the stored bytes to Kafka without decoding them.
    """

    name = "CaseLedger"
    attempted: list[Any] = []  # the events of the last save tried (see ``holds``)

    def construct_repository(self) -> Repository:
        library = super().construct_repository()
        repository = PickledCacheRepository(
            library.event_store, snapshot_store=library.snapshot_store, fastforward=library.fastforward,
            fastforward_skipping=library.fastforward_skipping, deepcopy_from_cache=library.deepcopy_from_cache)
        repository.cache = library.cache  # sized from AGGREGATE_CACHE_MAXSIZE, as the library reads it
        return repository

    @staticmethod
    def clock() -> datetime:
        """The recording moment (transaction time); tests replace it to record in another year."""
        return datetime.now(timezone.utc)

    def _record(self, processing_event: ProcessingEvent) -> list[Recording]:
        # D-15, for every event of every command, in the one place all of them pass before the store.
        recorded_at = self.clock()
        for domain_event in processing_event.events:
            require_not_after_recording(domain_event, recorded_at)
        self.attempted = processing_event.events
        try:
            recordings = super()._record(processing_event)
        except PersistenceError:
            # Another writer stored these aggregates first (a conflict), or the store may hold
            # more than the cache: reload them from the store next time.
            self.repository.forget(processing_event.aggregates)
            raise
        self.repository.saved(processing_event.aggregates, processing_event.events)
        return recordings

    def holds(self, events: list[Any]) -> bool:
        """Whether the store holds these very events: a write whose commit was never confirmed
        (the connection was lost) may have been committed. The encoding carries each event's
        timestamp and content, so another writer's event at the same position differs."""
        for event in events:
            stored = self.recorder.select_events(event.originator_id, gt=event.originator_version - 1,
                                                 lte=event.originator_version)
            if not stored or bytes(stored[0].state) != self.mapper.to_stored_event(event).state:
                return False
        return bool(events)

    def construct_mapper(self) -> Mapper:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=PublishedBytesMapper)

    def construct_transcoder(self) -> Transcoder:
        transcoder = ExactJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_transcodings(transcoder)

    # --- queries ----------------------------------------------------------------------------

    def case(self, case_id: UUID) -> Case:
        """The current state of a case."""
        try:
            return self.repository.get(case_id)
        except AggregateNotFoundError:
            refuse("D-04", f"No case {case_id}; register the adolescent first.")

    def unit(self, unit_id: UUID) -> Unit:
        """The current state of a unit."""
        try:
            return self.repository.get(unit_id)
        except AggregateNotFoundError:
            refuse("D-04", f"No unit {unit_id}; define the unit from its Portaria first.")

    def _current_unit(self, case: Case) -> Unit:
        if case.unit_id is None:
            refuse("D-02", "The youth has no active stay in a unit.")
        return self.unit(UUID(case.unit_id))

    # --- K. units ---------------------------------------------------------------------------

    def define_unit(
        self,
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
        required_intake_documents: tuple[IntakeDocument, ...] = values.DEFAULT_INTAKE_DOCUMENTS,
    ) -> UUID:
        """Register a unit from its Portaria (E62). Returns the unit id."""
        unit_id = unit_id_for(unit_code)
        if self._exists(unit_id):
            refuse("D-02", f"Unit {unit_code} is already defined; record a new Portaria with redefine_unit_capacity.")
        unit = Unit.define(
            unit_code=unit_code,
            name=name,
            unit_type=unit_type,
            capacity=capacity,
            sex=sex,
            comarca=comarca,
            occurred_at=occurred_at,
            actor=actor,
            portaria=portaria,
            min_age=min_age,
            max_age=max_age,
            required_intake_documents=tuple(required_intake_documents),
        )
        self.save(unit)
        return unit.id

    def redefine_unit_capacity(
        self,
        *,
        unit_id: UUID,
        capacity: int,
        occurred_at: datetime,
        actor: Actor,
        portaria: SourceDocument,
        min_age: int | None = None,
        max_age: int | None = None,
        required_intake_documents: tuple[IntakeDocument, ...] | None = None,
    ) -> None:
        """Apply a new Portaria to a unit (E62)."""
        unit = self.unit(unit_id)
        unit.redefine_capacity(
            capacity=capacity,
            occurred_at=occurred_at,
            actor=actor,
            portaria=portaria,
            min_age=min_age,
            max_age=max_age,
            required_intake_documents=required_intake_documents,
        )
        self.save(unit)

    def release_vacancy(
        self,
        *,
        unit_id: UUID,
        requesting_process: str,
        valid_until: date,
        occurred_at: datetime,
        actor: Actor,
        oficio: SourceDocument,
        vacancy_id: UUID | None = None,
    ) -> UUID:
        """The gerente reserves a place for a court referral (E02). Returns the vacancy id."""
        unit = self.unit(unit_id)
        vacancy_id = _new_id(vacancy_id)
        unit.release_vacancy(
            vacancy_id=vacancy_id,
            requesting_process=requesting_process,
            valid_until=valid_until,
            occurred_at=occurred_at,
            actor=actor,
            oficio=oficio,
        )
        self.save(unit)
        return vacancy_id

    def report_disciplinary_incident(
        self,
        *,
        unit_id: UUID,
        involved_case_ids: tuple[UUID, ...],
        location: str,
        description: str,
        occurred_at: datetime,
        actor: Actor,
        incident_id: UUID | None = None,
    ) -> UUID:
        """Record a disciplinary incident listing each youth involved (E27). Returns the incident id."""
        unit = self.unit(unit_id)
        incident_id = _new_id(incident_id)
        unit.report_incident(
            incident_id=incident_id,
            involved_case_ids=tuple(involved_case_ids),
            location=location,
            description=description,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(unit)
        return incident_id

    def suspend_visitor(
        self,
        *,
        unit_id: UUID,
        visitor_id: UUID,
        until: date,
        items_found: str,
        police_called: bool,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """The unit suspends one visitor caught with forbidden items (Reg. art. 61; E43)."""
        unit = self.unit(unit_id)
        unit.suspend_visitor(
            visitor_id=visitor_id,
            until=until,
            items_found=items_found,
            police_called=police_called,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(unit)

    def correct_unit_entry(
        self,
        *,
        unit_id: UUID,
        target_version: int,
        corrections: tuple[FieldCorrection, ...],
        reason: str,
        authorised_by: Actor,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Correct an entry of a unit's stream (E67)."""
        unit = self.unit(unit_id)
        unit.correct_entry(
            target_version=target_version,
            corrections=tuple(corrections),
            reason=reason,
            authorised_by=authorised_by,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(unit)

    def void_unit_entry(
        self,
        *,
        unit_id: UUID,
        target_version: int,
        reason: str,
        authorised_by: Actor,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Void an entry of a unit's stream recorded by mistake (E68)."""
        unit = self.unit(unit_id)
        unit.void_entry(
            target_version=target_version,
            reason=reason,
            authorised_by=authorised_by,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(unit)

    def log_access(
        self,
        *,
        unit_id: UUID,
        category: AccessCategory,
        name: str,
        document: str,
        institution: str,
        entered_at: datetime,
        left_at: datetime,
        occurred_at: datetime,
        actor: Actor,
        access_id: UUID | None = None,
    ) -> UUID:
        """Log an access to the unit with name and ID document (E47; Reg. art. 20 XXIV). Returns the access id."""
        unit = self.unit(unit_id)
        access_id = _new_id(access_id)
        unit.log_access(
            access_id=access_id,
            category=category,
            name=name,
            document=document,
            institution=institution,
            entered_at=entered_at,
            left_at=left_at,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(unit)
        return access_id

    def change_staff_roster(
        self,
        *,
        unit_id: UUID,
        staff_id: str,
        name: str,
        category: StaffCategory,
        status: StaffStatus,
        weekly_hours: int,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record a change in the unit's staff roster (E63)."""
        unit = self.unit(unit_id)
        unit.change_staff_roster(
            staff_id=staff_id,
            name=name,
            category=category,
            status=status,
            weekly_hours=weekly_hours,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(unit)

    def record_inspection(
        self,
        *,
        unit_id: UUID,
        kind: InspectionKind,
        inspected_at: datetime,
        promotor_id: str,
        occurred_at: datetime,
        actor: Actor,
        accompanying: tuple[StaffMember, ...] = (),
        access_id: UUID | None = None,
        source_document: SourceDocument | None = None,
        inspection_id: UUID | None = None,
    ) -> UUID:
        """Record an MP inspection of the unit (E64); the report due date is computed. Returns the inspection id."""
        unit = self.unit(unit_id)
        inspection_id = _new_id(inspection_id)
        unit.record_inspection(
            inspection_id=inspection_id,
            kind=kind,
            inspected_at=inspected_at,
            promotor_id=promotor_id,
            occurred_at=occurred_at,
            actor=actor,
            accompanying=tuple(accompanying),
            access_id=access_id,
            source_document=source_document,
        )
        self.save(unit)
        return inspection_id

    def submit_monthly_report(
        self,
        *,
        unit_id: UUID,
        year: int,
        month: int | None,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record the unit's monthly (or, with ``month=None``, annual) report to the Superintendência (E65)."""
        unit = self.unit(unit_id)
        unit.submit_monthly_report(
            year=year,
            month=month,
            protocol_number=protocol_number,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(unit)

    def submit_sipia_export(
        self,
        *,
        unit_id: UUID,
        period_start: date,
        period_end: date,
        active_count: int,
        entries_count: int,
        exits_count: int,
        receipt_number: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record a reconciliation export sent to SIPIA/SINASE (E66)."""
        unit = self.unit(unit_id)
        unit.submit_sipia_export(
            period_start=period_start,
            period_end=period_end,
            active_count=active_count,
            entries_count=entries_count,
            exits_count=exits_count,
            receipt_number=receipt_number,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(unit)

    # --- A. registration and intake ----------------------------------------------------------

    def register_adolescent(
        self,
        *,
        process_number: str,
        name: str,
        birth_date: date,
        sex: Sex,
        civil_document: str,
        filiation: str,
        family_address: str,
        family_comarca: str,
        occurred_at: datetime,
        actor: Actor,
        unit_id: UUID,
        guia_number: str | None = None,
        sipia_id: str | None = None,
        social_name: str | None = None,
        offence_date: date | None = None,
        source_document: SourceDocument | None = None,
    ) -> UUID:
        """Open the adolescent's case (E01). Returns the case id (from the process number)."""
        case_id = case_id_for(process_number)
        if self._exists(case_id):
            refuse("R-07", "A case for this execution process already exists; one case per measure.")
        self.unit(unit_id)  # D-04: the unit named must exist
        case = Case.register(
            process_number=process_number,
            name=name,
            birth_date=birth_date,
            sex=sex,
            civil_document=civil_document,
            filiation=filiation,
            family_address=family_address,
            family_comarca=family_comarca,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(unit_id),
            guia_number=guia_number,
            sipia_id=sipia_id,
            social_name=social_name,
            offence_date=offence_date,
            source_document=source_document,
        )
        # The store's key on (id, version 1) still rejects a concurrent duplicate.
        self.save(case)
        return case.id

    def record_intake(
        self,
        *,
        case_id: UUID,
        unit_id: UUID,
        modality: Modality,
        origin: IntakeOrigin,
        documents_presented: tuple[IntakeDocument, ...],
        escort_name: str,
        escort_document: str,
        search_witnessed_by_escort: bool,
        belongings_receipt_id: str,
        body_exam_reference: str,
        occurred_at: datetime,
        actor: Actor,
        court_order: SourceDocument | None,
        apprehended_on: date | None = None,
        days_in_police_custody: int = 0,
        seriousness: SeriousnessClass | None = None,
        build: BuildClass | None = None,
        court_ordered_over_capacity: bool = False,
        exception_justification: str | None = None,
        vacancy_id: UUID | None = None,
    ) -> None:
        """Record the youth's entry into a unit (*registro de Inserção*, E03), on a released vacancy if given."""
        case, unit = self.case(case_id), self.unit(unit_id)
        case.record_intake(
            unit=unit,
            modality=modality,
            origin=origin,
            documents_presented=tuple(documents_presented),
            escort_name=escort_name,
            escort_document=escort_document,
            search_witnessed_by_escort=search_witnessed_by_escort,
            belongings_receipt_id=belongings_receipt_id,
            body_exam_reference=body_exam_reference,
            occurred_at=occurred_at,
            actor=actor,
            court_order=court_order,
            apprehended_on=apprehended_on,
            days_in_police_custody=days_in_police_custody,
            seriousness=seriousness,
            build=build,
            court_ordered_over_capacity=court_ordered_over_capacity,
            exception_justification=exception_justification,
            vacancy_id=vacancy_id,
        )
        self.save(case, unit)

    def refuse_intake(
        self,
        *,
        case_id: UUID,
        unit_id: UUID,
        reasons: tuple[IntakeRefusalReason, ...],
        destination: IntakeRefusalDestination,
        presenting_officer: str,
        court_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        missing_documents: tuple[IntakeDocument, ...] = (),
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record that a youth was presented and not admitted (E04)."""
        case = self.case(case_id)
        self.unit(unit_id)
        case.refuse_intake(
            unit_id=str(unit_id),
            reasons=tuple(reasons),
            destination=destination,
            presenting_officer=presenting_officer,
            court_notified=court_notified,
            occurred_at=occurred_at,
            actor=actor,
            missing_documents=tuple(missing_documents),
            source_document=source_document,
        )
        self.save(case)

    def report_intake_finding(
        self,
        *,
        case_id: UUID,
        unit_id: UUID,
        findings: tuple[IntakeFinding, ...],
        description: str,
        referred_to_police_station: bool,
        escort_present: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Report what the intake search found (E05)."""
        case = self.case(case_id)
        self.unit(unit_id)
        case.report_intake_finding(
            unit_id=str(unit_id),
            findings=tuple(findings),
            description=description,
            referred_to_police_station=referred_to_police_station,
            escort_present=escort_present,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)

    def acknowledge_orientation(
        self, *, case_id: UUID, document_version: str, family_acknowledged: bool, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record that the written rules were given and signed (E07)."""
        case = self.case(case_id)
        case.acknowledge_orientation(
            document_version=document_version, family_acknowledged=family_acknowledged, occurred_at=occurred_at, actor=actor
        )
        self.save(case)

    def complete_acolhimento_step(
        self, *, case_id: UUID, step: AcolhimentoStep, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record one acolhimento step (E08)."""
        case = self.case(case_id)
        case.complete_acolhimento_step(step=step, occurred_at=occurred_at, actor=actor)
        self.save(case)

    def complete_acolhimento(
        self, *, case_id: UUID, occurred_at: datetime, actor: Actor, delay_justification: str | None = None
    ) -> None:
        """Close the acolhimento (E08)."""
        case = self.case(case_id)
        case.complete_acolhimento(occurred_at=occurred_at, actor=actor, delay_justification=delay_justification)
        self.save(case)

    def hold_family_acolhimento(
        self, *, case_id: UUID, members_present: int, rights_and_visits_explained: bool, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record the first meeting with the family (E09)."""
        case = self.case(case_id)
        case.hold_family_acolhimento(
            members_present=members_present,
            rights_and_visits_explained=rights_and_visits_explained,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)

    def assign_room(
        self,
        *,
        case_id: UUID,
        room: str,
        reason: RoomChangeReason,
        occurred_at: datetime,
        actor: Actor,
        justification: str | None = None,
    ) -> None:
        """Assign or change the youth's room (E10)."""
        case = self.case(case_id)
        unit = self._current_unit(case)
        roommates = [self.case(other) for other in unit.roommates(room, excluding=case.id)]
        case.assign_room(
            unit=unit,
            room=room,
            reason=reason,
            roommates=roommates,
            occurred_at=occurred_at,
            actor=actor,
            justification=justification,
        )
        self.save(case, unit)

    # --- B. PIA and judicial execution -----------------------------------------------------

    def submit_pia(
        self,
        *,
        case_id: UUID,
        sections: tuple[PIASection, ...],
        youth_participated: bool,
        family_participated: bool,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """Send the PIA proposal to the court (E13)."""
        case = self.case(case_id)
        case.submit_pia(
            sections=tuple(sections),
            youth_participated=youth_participated,
            family_participated=family_participated,
            protocol_number=protocol_number,
            occurred_at=occurred_at,
            actor=actor,
            delay_justification=delay_justification,
        )
        self.save(case)

    def record_pia_homologation(
        self, *, case_id: UUID, tacit: bool, occurred_at: datetime, actor: Actor, court_document: SourceDocument | None
    ) -> None:
        """Record the court's homologation of the PIA (E14)."""
        case = self.case(case_id)
        case.record_pia_homologation(tacit=tacit, occurred_at=occurred_at, actor=actor, court_document=court_document)
        self.save(case)

    def record_pia_challenge(
        self,
        *,
        case_id: UUID,
        challenged_by: ReassessmentRequester,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """Record a challenge to the PIA (E14)."""
        case = self.case(case_id)
        case.record_pia_challenge(
            challenged_by=challenged_by, occurred_at=occurred_at, actor=actor, court_document=court_document
        )
        self.save(case)

    def hold_case_study(
        self,
        *,
        case_id: UUID,
        participants: tuple[StaffMember, ...],
        youth_participated: bool,
        family_participated: bool,
        needs: tuple[str, ...],
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the case study, first stage of the PIA (E11)."""
        case = self.case(case_id)
        case.hold_case_study(
            participants=tuple(participants),
            youth_participated=youth_participated,
            family_participated=family_participated,
            needs=tuple(needs),
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)

    def agree_contract(
        self,
        *,
        case_id: UUID,
        goals: tuple[PlanGoal, ...],
        youth_agreed: bool,
        family_agreed: bool,
        sent_to_external_network: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the contrato social agreed with the youth and the family (E12)."""
        case = self.case(case_id)
        case.agree_contract(
            goals=tuple(goals),
            youth_agreed=youth_agreed,
            family_agreed=family_agreed,
            sent_to_external_network=sent_to_external_network,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)

    def update_pia(
        self,
        *,
        case_id: UUID,
        changed_sections: tuple[PIASection, ...],
        changes: str,
        reason: str,
        increases_restriction: bool,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None = None,
    ) -> None:
        """Record a revision of the PIA (E15); more restriction of liberty needs the court's decision."""
        case = self.case(case_id)
        case.update_pia(
            changed_sections=tuple(changed_sections),
            changes=changes,
            reason=reason,
            increases_restriction=increases_restriction,
            occurred_at=occurred_at,
            actor=actor,
            court_document=court_document,
        )
        self.save(case)

    def submit_progress_report(
        self,
        *,
        case_id: UUID,
        kind: ReportKind,
        conclusion: ReportConclusion | None,
        authors: tuple[StaffMember, ...],
        written_for_this_youth: bool,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """Send a technical report with an explicit conclusion (E16)."""
        case = self.case(case_id)
        case.submit_progress_report(
            kind=kind,
            conclusion=conclusion,
            authors=tuple(authors),
            written_for_this_youth=written_for_this_youth,
            protocol_number=protocol_number,
            occurred_at=occurred_at,
            actor=actor,
            delay_justification=delay_justification,
        )
        self.save(case)

    def request_reassessment(
        self,
        *,
        case_id: UUID,
        requester: ReassessmentRequester,
        ground: ReassessmentGround,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record a reassessment request (E17)."""
        case = self.case(case_id)
        case.request_reassessment(
            requester=requester, ground=ground, occurred_at=occurred_at, actor=actor, source_document=source_document
        )
        self.save(case)

    def record_reassessment_hearing(
        self,
        *,
        case_id: UUID,
        hearing_on: date,
        technical_team_present: bool,
        defender_present: bool,
        youth_present: bool,
        family_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """Record a reassessment hearing (E18)."""
        case = self.case(case_id)
        case.record_reassessment_hearing(
            hearing_on=hearing_on,
            technical_team_present=technical_team_present,
            defender_present=defender_present,
            youth_present=youth_present,
            family_notified=family_notified,
            occurred_at=occurred_at,
            actor=actor,
            court_document=court_document,
        )
        self.save(case)

    def record_measure_decision(
        self,
        *,
        case_id: UUID,
        decision: MeasureDecision,
        effective_on: date,
        raw_text: str,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
        new_modality: Modality | None = None,
        restarts_measure_on: date | None = None,
    ) -> None:
        """Record the court's decision on the measure (E19)."""
        case = self.case(case_id)
        case.record_measure_decision(
            decision=decision,
            effective_on=effective_on,
            raw_text=raw_text,
            occurred_at=occurred_at,
            actor=actor,
            court_document=court_document,
            new_modality=new_modality,
            restarts_measure_on=restarts_measure_on,
        )
        self.save(case)

    def receive_judicial_order(
        self,
        *,
        case_id: UUID,
        kind: JudicialOrderKind,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """File a court order in the case (E20)."""
        case = self.case(case_id)
        case.receive_judicial_order(
            kind=kind, protocol_number=protocol_number, occurred_at=occurred_at, actor=actor, court_document=court_document
        )
        self.save(case)

    # --- C. movement ----------------------------------------------------------------------

    def transfer(
        self,
        *,
        case_id: UUID,
        destination_unit_id: UUID,
        pia_and_history_sent: bool,
        vehicle: str,
        occurred_at: datetime,
        actor: Actor,
        court_order: SourceDocument | None,
        handcuffs_used: bool = False,
        court_ordered_over_capacity: bool = False,
        exception_justification: str | None = None,
    ) -> None:
        """Transfer the youth to another unit (E21); both units and the case in one save."""
        case = self.case(case_id)
        origin = self._current_unit(case)
        destination = self.unit(destination_unit_id)
        case.transfer(
            origin=origin,
            destination=destination,
            pia_and_history_sent=pia_and_history_sent,
            vehicle=vehicle,
            occurred_at=occurred_at,
            actor=actor,
            court_order=court_order,
            handcuffs_used=handcuffs_used,
            court_ordered_over_capacity=court_ordered_over_capacity,
            exception_justification=exception_justification,
        )
        self.save(case, origin, destination)

    def start_external_exit(
        self,
        *,
        case_id: UUID,
        purpose: ExitPurpose,
        authorised_by: Actor,
        team_assessed: bool,
        search_done: bool,
        expected_return_at: datetime,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
        exit_id: UUID | None = None,
    ) -> UUID:
        """The youth goes out (E22). Returns the exit id."""
        case = self.case(case_id)
        exit_id = _new_id(exit_id)
        case.start_external_exit(
            exit_id=exit_id,
            purpose=purpose,
            authorised_by=authorised_by,
            team_assessed=team_assessed,
            search_done=search_done,
            expected_return_at=expected_return_at,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(case)
        return exit_id

    def end_external_exit(
        self,
        *,
        case_id: UUID,
        exit_id: UUID,
        search_done: bool,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """The youth is back from an external exit (E22)."""
        case = self.case(case_id)
        case.end_external_exit(
            exit_id=exit_id,
            search_done=search_done,
            occurred_at=occurred_at,
            actor=actor,
            delay_justification=delay_justification,
        )
        self.save(case)

    def authorise_family_leave(
        self,
        *,
        case_id: UUID,
        kind: LeaveKind,
        leave_date: date,
        technical_assessment_done: bool,
        travels_alone: bool,
        guardian_term_signed: bool,
        occurred_at: datetime,
        actor: Actor,
        revision_reason: str | None = None,
        leave_id: UUID | None = None,
    ) -> UUID:
        """Authorise a family leave (E23). Returns the leave id."""
        case = self.case(case_id)
        leave_id = _new_id(leave_id)
        case.authorise_family_leave(
            leave_id=leave_id,
            kind=kind,
            leave_date=leave_date,
            technical_assessment_done=technical_assessment_done,
            travels_alone=travels_alone,
            guardian_term_signed=guardian_term_signed,
            occurred_at=occurred_at,
            actor=actor,
            revision_reason=revision_reason,
        )
        self.save(case)
        return leave_id

    def start_family_leave(
        self, *, case_id: UUID, leave_id: UUID, search_done: bool, occurred_at: datetime, actor: Actor
    ) -> None:
        """The youth leaves for the family visit (E23)."""
        case = self.case(case_id)
        case.start_family_leave(leave_id=leave_id, search_done=search_done, occurred_at=occurred_at, actor=actor)
        self.save(case)

    def return_from_family_leave(
        self,
        *,
        case_id: UUID,
        leave_id: UUID,
        search_done: bool,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """The youth is back from the family visit (E23)."""
        case = self.case(case_id)
        case.return_from_family_leave(
            leave_id=leave_id,
            search_done=search_done,
            occurred_at=occurred_at,
            actor=actor,
            delay_justification=delay_justification,
        )
        self.save(case)

    def record_evasion(
        self,
        *,
        case_id: UUID,
        kind: EvasionKind,
        court_notified: bool,
        superintendencia_notified: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record an evasion (E24); the stay in the unit ends."""
        case = self.case(case_id)
        unit = self._current_unit(case)
        case.record_evasion(
            unit=unit,
            kind=kind,
            court_notified=court_notified,
            superintendencia_notified=superintendencia_notified,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case, unit)

    def return_from_evasion(
        self,
        *,
        case_id: UUID,
        unit_id: UUID,
        occurred_at: datetime,
        actor: Actor,
        court_order: SourceDocument | None,
        court_ordered_over_capacity: bool = False,
        exception_justification: str | None = None,
    ) -> None:
        """Re-admit the youth after an evasion (E25)."""
        case, unit = self.case(case_id), self.unit(unit_id)
        case.return_from_evasion(
            unit=unit,
            occurred_at=occurred_at,
            actor=actor,
            court_order=court_order,
            court_ordered_over_capacity=court_ordered_over_capacity,
            exception_justification=exception_justification,
        )
        self.save(case, unit)

    def record_police_apprehension(
        self,
        *,
        case_id: UUID,
        officer_name: str,
        officer_document: str,
        reason: str,
        form_reference: str,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record a police apprehension of the youth in the unit (E26)."""
        case = self.case(case_id)
        case.record_police_apprehension(
            officer_name=officer_name,
            officer_document=officer_document,
            reason=reason,
            form_reference=form_reference,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(case)

    # --- D. discipline -----------------------------------------------------------------------

    def open_disciplinary_procedure(
        self,
        *,
        case_id: UUID,
        incident_id: UUID,
        offence_code: str,
        commission: tuple[StaffMember, ...],
        defender_notified: bool,
        parents_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        procedure_id: UUID | None = None,
    ) -> UUID:
        """Open a disciplinary procedure for one youth (E28). Returns the procedure id."""
        case = self.case(case_id)
        unit = self._current_unit(case)
        procedure_id = _new_id(procedure_id)
        case.open_disciplinary_procedure(
            unit=unit,
            procedure_id=procedure_id,
            incident_id=incident_id,
            offence_code=offence_code,
            commission=tuple(commission),
            defender_notified=defender_notified,
            parents_notified=parents_notified,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)
        return procedure_id

    def hold_disciplinary_hearing(
        self,
        *,
        case_id: UUID,
        procedure_id: UUID,
        youth_heard: bool,
        defender_present: bool,
        parents_present: bool,
        defence_presented: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Hear the youth with a defender (E30)."""
        case = self.case(case_id)
        case.hold_disciplinary_hearing(
            procedure_id=procedure_id,
            youth_heard=youth_heard,
            defender_present=defender_present,
            parents_present=parents_present,
            defence_presented=defence_presented,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)

    def decide_disciplinary_procedure(
        self,
        *,
        case_id: UUID,
        procedure_id: UUID,
        outcome: DisciplinaryOutcome,
        decided_by: tuple[StaffMember, ...],
        exclusion_grounds_examined: bool,
        appeal_information_given: bool,
        occurred_at: datetime,
        actor: Actor,
        sanction: SanctionType | None = None,
        duration_days: int | None = None,
        starts_on: date | None = None,
        exclusion_ground_found: ExclusionGround | None = None,
        aggravating: tuple[str, ...] = (),
        attenuating: tuple[str, ...] = (),
    ) -> None:
        """Record the commission's decision with a fixed duration (E31)."""
        case = self.case(case_id)
        case.decide_disciplinary_procedure(
            procedure_id=procedure_id,
            outcome=outcome,
            decided_by=tuple(decided_by),
            exclusion_grounds_examined=exclusion_grounds_examined,
            appeal_information_given=appeal_information_given,
            occurred_at=occurred_at,
            actor=actor,
            sanction=sanction,
            duration_days=duration_days,
            starts_on=starts_on,
            exclusion_ground_found=exclusion_ground_found,
            aggravating=tuple(aggravating),
            attenuating=tuple(attenuating),
        )
        self.save(case)

    def file_disciplinary_appeal(
        self, *, case_id: UUID, procedure_id: UUID, filed_by: ReassessmentRequester, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record an appeal against a sanction (E33)."""
        case = self.case(case_id)
        case.file_disciplinary_appeal(procedure_id=procedure_id, filed_by=filed_by, occurred_at=occurred_at, actor=actor)
        self.save(case)

    def decide_disciplinary_appeal(
        self,
        *,
        case_id: UUID,
        procedure_id: UUID,
        outcome: AppealOutcome,
        occurred_at: datetime,
        actor: Actor,
        new_ends_on: date | None = None,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record the decision on an appeal (E33)."""
        case = self.case(case_id)
        case.decide_disciplinary_appeal(
            procedure_id=procedure_id,
            outcome=outcome,
            occurred_at=occurred_at,
            actor=actor,
            new_ends_on=new_ends_on,
            source_document=source_document,
        )
        self.save(case)

    def record_court_sanction_suspension(
        self, *, case_id: UUID, procedure_id: UUID, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Record that the judge suspended a sanction (E34)."""
        case = self.case(case_id)
        case.record_court_sanction_suspension(
            procedure_id=procedure_id, occurred_at=occurred_at, actor=actor, court_order=court_order
        )
        self.save(case)

    def record_use_of_force(
        self,
        *,
        case_id: UUID,
        technique: ForceTechnique,
        staff: tuple[StaffMember, ...],
        injuries: bool,
        justification: str,
        occurred_at: datetime,
        actor: Actor,
        medical_exam_reference: str | None = None,
    ) -> None:
        """Record a containment or use of force (E37)."""
        case = self.case(case_id)
        case.record_use_of_force(
            technique=technique,
            staff=tuple(staff),
            injuries=injuries,
            justification=justification,
            occurred_at=occurred_at,
            actor=actor,
            medical_exam_reference=medical_exam_reference,
        )
        self.save(case)

    def assess_damage_repair(
        self,
        *,
        case_id: UUID,
        procedure_id: UUID,
        damage: str,
        value_cents: int,
        family_liable: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the repair assessed for damage to the unit (E35)."""
        case = self.case(case_id)
        case.assess_damage_repair(
            procedure_id=procedure_id,
            damage=damage,
            value_cents=value_cents,
            family_liable=family_liable,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)

    def record_search(
        self,
        *,
        case_id: UUID,
        kind: SearchKind,
        reason: SearchReason,
        staff: tuple[StaffMember, ...],
        invasive: bool,
        occurred_at: datetime,
        actor: Actor,
        items_seized: tuple[str, ...] = (),
    ) -> None:
        """Record a personal, room or belongings search (E38)."""
        case = self.case(case_id)
        case.record_search(
            kind=kind,
            reason=reason,
            staff=tuple(staff),
            invasive=invasive,
            occurred_at=occurred_at,
            actor=actor,
            items_seized=tuple(items_seized),
        )
        self.save(case)

    def apply_isolation(
        self,
        *,
        case_id: UUID,
        ground: IsolationGround,
        justification: str,
        place: str,
        occurred_at: datetime,
        actor: Actor,
        isolation_id: UUID | None = None,
    ) -> UUID:
        """Isolate the youth when indispensable for safety (E29). Returns the isolation id."""
        case = self.case(case_id)
        isolation_id = _new_id(isolation_id)
        case.apply_isolation(
            isolation_id=isolation_id,
            ground=ground,
            justification=justification,
            place=place,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)
        return isolation_id

    def record_isolation_notices(
        self,
        *,
        case_id: UUID,
        isolation_id: UUID,
        defender_notified_at: datetime,
        prosecutor_notified_at: datetime,
        judge_notified_at: datetime,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the notices of an isolation to defender, MP and judge (SINASE 48 §2)."""
        case = self.case(case_id)
        case.record_isolation_notices(
            isolation_id=isolation_id,
            defender_notified_at=defender_notified_at,
            prosecutor_notified_at=prosecutor_notified_at,
            judge_notified_at=judge_notified_at,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)

    def end_isolation(self, *, case_id: UUID, isolation_id: UUID, occurred_at: datetime, actor: Actor) -> None:
        """End an isolation (E29)."""
        case = self.case(case_id)
        case.end_isolation(isolation_id=isolation_id, occurred_at=occurred_at, actor=actor)
        self.save(case)

    def grant_incentive(
        self,
        *,
        case_id: UUID,
        kind: IncentiveKind,
        team_heard: bool,
        occurred_at: datetime,
        actor: Actor,
        incentive_id: UUID | None = None,
    ) -> UUID:
        """Grant an incentive (E36). Returns the incentive id."""
        case = self.case(case_id)
        incentive_id = _new_id(incentive_id)
        case.grant_incentive(incentive_id=incentive_id, kind=kind, team_heard=team_heard, occurred_at=occurred_at, actor=actor)
        self.save(case)
        return incentive_id

    def suspend_incentive(
        self,
        *,
        case_id: UUID,
        incentive_id: UUID,
        motive: SuspensionMotive,
        occurred_at: datetime,
        actor: Actor,
        procedure_id: UUID | None = None,
    ) -> None:
        """Suspend an incentive (E36)."""
        case = self.case(case_id)
        case.suspend_incentive(
            incentive_id=incentive_id, motive=motive, occurred_at=occurred_at, actor=actor, procedure_id=procedure_id
        )
        self.save(case)

    # --- E. visits ---------------------------------------------------------------------------

    def register_visitor(
        self,
        *,
        case_id: UUID,
        name: str,
        photo_id_kind: PhotoIdKind | None,
        photo_id_number: str,
        relationship: Relationship,
        relationship_proof: str,
        is_minor: bool,
        qualified_by_team: bool,
        modalities: tuple[VisitModality, ...],
        occurred_at: datetime,
        actor: Actor,
        parental_authorisation: str | None = None,
        priority: bool = False,
        visitor_id: UUID | None = None,
    ) -> UUID:
        """Put a visitor on the youth's list (E39). Returns the visitor id (random, never from the ID number)."""
        case = self.case(case_id)
        visitor_id = _new_id(visitor_id)
        case.register_visitor(
            visitor_id=visitor_id,
            name=name,
            photo_id_kind=photo_id_kind,
            photo_id_number=photo_id_number,
            relationship=relationship,
            relationship_proof=relationship_proof,
            is_minor=is_minor,
            qualified_by_team=qualified_by_team,
            modalities=tuple(modalities),
            occurred_at=occurred_at,
            actor=actor,
            parental_authorisation=parental_authorisation,
            priority=priority,
        )
        self.save(case)
        return visitor_id

    def deactivate_visitor(
        self, *, case_id: UUID, visitor_id: UUID, reason: str, occurred_at: datetime, actor: Actor
    ) -> None:
        """Take a visitor off the active list (E39)."""
        case = self.case(case_id)
        case.deactivate_visitor(visitor_id=visitor_id, reason=reason, occurred_at=occurred_at, actor=actor)
        self.save(case)

    def hold_visit(
        self,
        *,
        case_id: UUID,
        visitor_ids: tuple[UUID, ...],
        modality: VisitModality,
        started_at: datetime,
        ended_at: datetime,
        search_done: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record a visit held (E41)."""
        case = self.case(case_id)
        unit = self._current_unit(case)
        case.hold_visit(
            unit=unit,
            visitor_ids=tuple(visitor_ids),
            modality=modality,
            started_at=started_at,
            ended_at=ended_at,
            search_done=search_done,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)

    def refuse_visit(
        self,
        *,
        case_id: UUID,
        reason: VisitRefusalReason,
        family_guidance_signed: bool,
        noted_in_agenda: bool,
        occurred_at: datetime,
        actor: Actor,
        visitor_id: UUID | None = None,
    ) -> None:
        """Record a visitor turned away (E42)."""
        case = self.case(case_id)
        case.refuse_visit(
            reason=reason,
            family_guidance_signed=family_guidance_signed,
            noted_in_agenda=noted_in_agenda,
            occurred_at=occurred_at,
            actor=actor,
            visitor_id=visitor_id,
        )
        self.save(case)

    def suspend_visits_by_court(
        self,
        *,
        case_id: UUID,
        starts_on: date,
        occurred_at: datetime,
        actor: Actor,
        court_order: SourceDocument | None,
        visitor_ids: tuple[UUID, ...] = (),
        ends_on: date | None = None,
        suspension_id: UUID | None = None,
    ) -> UUID:
        """Record a court suspension of visits (E44). Returns the suspension id."""
        case = self.case(case_id)
        suspension_id = _new_id(suspension_id)
        case.suspend_visits_by_court(
            suspension_id=suspension_id,
            starts_on=starts_on,
            occurred_at=occurred_at,
            actor=actor,
            court_order=court_order,
            visitor_ids=tuple(visitor_ids),
            ends_on=ends_on,
        )
        self.save(case)
        return suspension_id

    def lift_court_visit_suspension(
        self, *, case_id: UUID, suspension_id: UUID, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Record that the court lifted a visit suspension (E44)."""
        case = self.case(case_id)
        case.lift_court_visit_suspension(
            suspension_id=suspension_id, occurred_at=occurred_at, actor=actor, court_order=court_order
        )
        self.save(case)

    def hold_phone_call(
        self, *, case_id: UUID, reason: PhoneCallReason, duration_minutes: int, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record a phone call of the youth (E45)."""
        case = self.case(case_id)
        case.hold_phone_call(reason=reason, duration_minutes=duration_minutes, occurred_at=occurred_at, actor=actor)
        self.save(case)

    def schedule_visit(
        self,
        *,
        case_id: UUID,
        visitor_ids: tuple[UUID, ...],
        starts_at: datetime,
        ends_at: datetime,
        occurred_at: datetime,
        actor: Actor,
        schedule_id: UUID | None = None,
    ) -> UUID:
        """Book an exceptional visit (E40). Returns the booking id."""
        case = self.case(case_id)
        unit = self._current_unit(case)
        schedule_id = _new_id(schedule_id)
        case.schedule_visit(
            unit=unit,
            schedule_id=schedule_id,
            visitor_ids=tuple(visitor_ids),
            starts_at=starts_at,
            ends_at=ends_at,
            occurred_at=occurred_at,
            actor=actor,
        )
        self.save(case)
        return schedule_id

    def hold_private_interview(
        self, *, case_id: UUID, authority: InterviewAuthority, duration_minutes: int, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record a private interview with the MP or the defence (E46); never its content."""
        case = self.case(case_id)
        case.hold_private_interview(
            authority=authority, duration_minutes=duration_minutes, occurred_at=occurred_at, actor=actor
        )
        self.save(case)

    # --- I. petitions --------------------------------------------------------------------------

    def file_petition(
        self,
        *,
        case_id: UUID,
        addressee: PetitionAddressee,
        subject: PetitionSubject,
        occurred_at: datetime,
        actor: Actor,
        petition_id: UUID | None = None,
    ) -> UUID:
        """Record a petition of the youth (E56). Returns the petition id."""
        case = self.case(case_id)
        petition_id = _new_id(petition_id)
        case.file_petition(petition_id=petition_id, addressee=addressee, subject=subject, occurred_at=occurred_at, actor=actor)
        self.save(case)
        return petition_id

    def answer_petition(
        self,
        *,
        case_id: UUID,
        petition_id: UUID,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record the answer to a petition (E57)."""
        case = self.case(case_id)
        case.answer_petition(petition_id=petition_id, occurred_at=occurred_at, actor=actor, source_document=source_document)
        self.save(case)

    # --- J. release ------------------------------------------------------------------------------

    def receive_release_order(
        self, *, case_id: UUID, protocol_number: str, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Receive the release order (E58)."""
        case = self.case(case_id)
        case.receive_release_order(
            protocol_number=protocol_number, occurred_at=occurred_at, actor=actor, court_order=court_order
        )
        self.save(case)

    def release(
        self,
        *,
        case_id: UUID,
        basis: ReleaseBasis,
        documents_delivered: bool,
        belongings_returned: bool,
        termo_de_desligamento_signed: bool,
        family_present: bool,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
        exception_justification: str | None = None,
    ) -> None:
        """Release the youth (E59); the case and the unit in one save."""
        case = self.case(case_id)
        unit = self._current_unit(case) if case.status is CaseStatus.ATIVO else None
        case.release(
            unit=unit,
            basis=basis,
            documents_delivered=documents_delivered,
            belongings_returned=belongings_returned,
            termo_de_desligamento_signed=termo_de_desligamento_signed,
            family_present=family_present,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            exception_justification=exception_justification,
        )
        self.save(*([case, unit] if unit is not None else [case]))

    def report_reintegration(
        self,
        *,
        case_id: UUID,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """The gerente reports the youth's reintegration to the court (E60)."""
        case = self.case(case_id)
        case.report_reintegration(
            protocol_number=protocol_number, occurred_at=occurred_at, actor=actor, source_document=source_document
        )
        self.save(case)

    def record_egress_follow_up(
        self,
        *,
        case_id: UUID,
        contact: EgressContactKind,
        referred_to_network: bool,
        occurred_at: datetime,
        actor: Actor,
        in_school: bool | None = None,
        in_course_or_work: bool | None = None,
        notes: str | None = None,
    ) -> None:
        """Record a follow-up of the youth after release (E61)."""
        case = self.case(case_id)
        case.record_egress_follow_up(
            contact=contact,
            referred_to_network=referred_to_network,
            occurred_at=occurred_at,
            actor=actor,
            in_school=in_school,
            in_course_or_work=in_course_or_work,
            notes=notes,
        )
        self.save(case)

    # --- L. corrections ------------------------------------------------------------------------

    def correct_case_entry(
        self,
        *,
        case_id: UUID,
        target_version: int,
        corrections: tuple[FieldCorrection, ...],
        reason: str,
        authorised_by: Actor,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Correct an entry of a case (E67)."""
        case = self.case(case_id)
        case.correct_entry(
            target_version=target_version,
            corrections=tuple(corrections),
            reason=reason,
            authorised_by=authorised_by,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(case)

    def void_case_entry(
        self,
        *,
        case_id: UUID,
        target_version: int,
        reason: str,
        authorised_by: Actor,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Void an entry of a case recorded by mistake (E68)."""
        case = self.case(case_id)
        case.void_entry(
            target_version=target_version,
            reason=reason,
            authorised_by=authorised_by,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
        )
        self.save(case)

    # --- helpers ---------------------------------------------------------------------------

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))


# Ledger command names, for the catalogue and the CLI.
COMMANDS = tuple(
    name
    for name, member in inspect.getmembers(CaseLedger, inspect.isfunction)
    if not name.startswith("_") and member.__qualname__.startswith("CaseLedger.") and name not in ("case", "unit")
)
