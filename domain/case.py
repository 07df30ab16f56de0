"""The Case aggregate: one adolescent's execution of one measure (*execução de medida*).

Identified by an opaque id: uuid5 of the execution process number (never of a name), so
registering the same process twice collides on the store's key. The youth's stays in
units are abutting periods; a change of modality in the same unit is a status change.

Each public command checks every rule before it triggers any event; commands that
touch a unit check the unit too, then trigger the events of both aggregates, which the
application saves together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Iterable
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.calendar import (
    CUIABA,
    DEFAULT_CALENDAR,
    BusinessCalendar,
    add_months,
    add_years,
    age_on,
    calendar_deadline,
    day_of_measure,
    local_date,
    local_time,
    nth_day,
    require_aware,
    within_office_hours,
)
from domain.corrections import EntryRef, check_correction
from domain.discipline import EXAMPLE_OFFENCE_CATALOGUE, Offence, check_commission, coerce_sanction, typed_offence
from domain.rules import refuse
from domain.unit import Unit
from domain.values import (
    MODALITIES_BY_UNIT_TYPE,
    PERSONAL,
    MODALITY_SEVERITY,
    SEALED_ADDRESSEES,
    TECHNICAL_ROLES,
    TRIAGE_EXIT_PURPOSES,
    AcolhimentoStep,
    Actor,
    AdmissionReason,
    AppealOutcome,
    BuildClass,
    DepartureReason,
    DisciplinaryOutcome,
    EgressContactKind,
    EvasionKind,
    ExclusionGround,
    ExitPurpose,
    FieldCorrection,
    ForceTechnique,
    IncentiveKind,
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
    OffenceSeverity,
    PersonalText,
    PetitionAddressee,
    PetitionSubject,
    PhoneCallReason,
    PhotoIdKind,
    PIASection,
    PlanGoal,
    ReassessmentGround,
    ReassessmentRequester,
    RecordedException,
    Relationship,
    ReleaseBasis,
    ReportConclusion,
    ReportKind,
    Role,
    RoomChangeReason,
    SanctionType,
    SearchKind,
    SearchReason,
    SeriousnessClass,
    Sex,
    SourceDocument,
    StaffMember,
    SuspensionMotive,
    VisitModality,
    VisitRefusalReason,
    require_name,
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


def _coerce(enum_cls: type[Any], value: Any, code: str, what: str) -> Any:
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        refuse(code, f"{what} {value!r} is not in the closed list; use one of {[m.value for m in enum_cls]}.")


def _require_judicial(document: SourceDocument | None, code: str, what: str) -> SourceDocument:
    if document is None or not document.is_judicial:
        refuse(code, f"Attach the court document ({what}): process, number and court.")
    return document


class Case(Aggregate):
    """One adolescent's execution of one measure (*execução da medida socioeducativa*)."""

    class Event(Aggregate.Event):
        """Envelope of every case event: business time, who recorded it, the unit concerned, the source document."""

        occurred_at: datetime
        actor: Actor
        unit_id: str
        source_document: SourceDocument | None

        def apply(self, aggregate: Any) -> None:
            """Remember each entry's type and whether it transcribes a court document."""
            # Remembered so that corrections can check what they amend (R-66).
            aggregate._entries[self.originator_version] = EntryRef(
                type(self).__name__, bool(self.source_document and self.source_document.is_judicial)
            )

    # --- A. identity and intake -----------------------------------------------------------

    class AdolescentRegistered(Aggregate.Created, Event):
        """*Abertura de cadastro* (E01)."""

        process_number: str
        guia_number: str | None
        sipia_id: str | None
        name: PersonalText
        social_name: PersonalText | None
        birth_date: Annotated[date, PERSONAL]
        sex: Sex
        civil_document: PersonalText
        filiation: PersonalText
        family_address: PersonalText
        family_comarca: str

    class IntakeRecorded(Event):
        """*Registro de Inserção*: the youth enters the unit (E03)."""

        modality: Modality
        origin: IntakeOrigin
        apprehended_on: date | None
        days_in_police_custody: int
        documents_presented: tuple[IntakeDocument, ...]
        escort_name: PersonalText
        escort_document: PersonalText
        search_witnessed_by_escort: bool
        belongings_receipt_id: str
        body_exam_reference: str
        seriousness: SeriousnessClass | None
        build: BuildClass | None
        exceptions: tuple[RecordedException, ...]

    class IntakeRefused(Event):
        """*Inserção não autorizada*: the youth was presented and sent back (E04)."""

        reasons: tuple[IntakeRefusalReason, ...]
        missing_documents: tuple[IntakeDocument, ...]
        destination: IntakeRefusalDestination
        presenting_officer: PersonalText
        court_notified: bool

    class IntakeFindingReported(Event):
        """*Lesões / objetos / substâncias na revista de ingresso* (E05; Reg. art. 33 par. único)."""

        findings: tuple[IntakeFinding, ...]
        description: PersonalText
        referred_to_police_station: bool
        escort_present: bool
        exceptions: tuple[RecordedException, ...]

    class OrientationAcknowledged(Event):
        """*Ciência das normas*: written rules, disciplinary ones included, given and signed (E07)."""

        document_version: str
        family_acknowledged: bool

    class AcolhimentoStepCompleted(Event):
        """One step of the *acolhimento* (E08; Reg. art. 31)."""

        step: AcolhimentoStep

    class AcolhimentoCompleted(Event):
        """The gerente closes the *acolhimento* (E08; Reg. art. 32, 39)."""

        exceptions: tuple[RecordedException, ...]

    class FamilyAcolhimentoHeld(Event):
        """*Acolhimento familiar*: first meeting with the family (E09; Reg. art. 41–44)."""

        members_present: int
        rights_and_visits_explained: bool

    class RoomAssigned(Event):
        """*Alojamento / mudança de alojamento* (E10)."""

        room: str
        reason: RoomChangeReason
        justification: PersonalText | None
        exceptions: tuple[RecordedException, ...]

    # --- B. PIA and judicial execution ---------------------------------------------------

    class CaseStudyHeld(Event):
        """*Estudo de Caso*: the first stage of the PIA, by professionals of several areas (E11; Reg. art. 70 I)."""

        participants: tuple[StaffMember, ...]
        youth_participated: bool
        family_participated: bool
        needs: tuple[PersonalText, ...]

    class ContractAgreed(Event):
        """*Contrato Social*: the team's agreement with the youth and the family (E12; Reg. art. 70 II)."""

        goals: tuple[PlanGoal, ...]
        youth_agreed: bool
        family_agreed: bool
        sent_to_external_network: bool

    class PIASubmitted(Event):
        """*Proposta de PIA enviada ao Juízo* (E13)."""

        version: int
        sections: tuple[PIASection, ...]
        youth_participated: bool
        family_participated: bool
        protocol_number: str
        exceptions: tuple[RecordedException, ...]

    class PIAHomologated(Event):
        """*Homologação do PIA*, express or tacit (E14)."""

        tacit: bool

    class PIAImpugned(Event):
        """*Impugnação do PIA* by the MP or the defence (E14)."""

        challenged_by: ReassessmentRequester

    class PIAUpdated(Event):
        """*Revisão do PIA*; a change that restricts liberty more rests on a court decision (E15; SINASE 43 §1 III, §4)."""

        version: int
        changed_sections: tuple[PIASection, ...]
        changes: PersonalText
        reason: PersonalText
        increases_restriction: bool

    class ProgressReportSubmitted(Event):
        """*Relatório técnico* with an explicit conclusion (E16)."""

        kind: ReportKind
        conclusion: ReportConclusion
        authors: tuple[StaffMember, ...]
        protocol_number: str
        exceptions: tuple[RecordedException, ...]

    class ReassessmentRequested(Event):
        """*Pedido de reavaliação* (E17)."""

        requester: ReassessmentRequester
        ground: ReassessmentGround

    class ReassessmentHearingHeld(Event):
        """*Audiência de reavaliação* (E18)."""

        hearing_on: date
        technical_team_present: bool
        defender_present: bool
        youth_present: bool
        family_notified: bool

    class MeasureDecisionRecorded(Event):
        """*Decisão*: maintenance, substitution, suspension, extinction, unification (E19)."""

        decision: MeasureDecision
        new_modality: Modality | None
        effective_on: date
        raw_text: PersonalText

    class JudicialOrderReceived(Event):
        """*Ordem judicial protocolada* (E20)."""

        kind: JudicialOrderKind
        protocol_number: str

    # --- C. movement ---------------------------------------------------------------------

    class TransferCompleted(Event):
        """*Transferência*: the origin stay ends and the destination stay begins at the same instant (E21)."""

        origin_unit_id: str
        destination_unit_id: str
        pia_and_history_sent: bool
        vehicle: str
        exceptions: tuple[RecordedException, ...]

    class ExternalExitStarted(Event):
        """*Saída externa* begins (E22)."""

        exit_id: UUID
        purpose: ExitPurpose
        authorised_by: Actor
        team_assessed: bool
        search_done: bool
        expected_return_at: datetime

    class ExternalExitEnded(Event):
        """*Retorno de saída externa* (E22)."""

        exit_id: UUID
        search_done: bool
        exceptions: tuple[RecordedException, ...]

    class FamilyLeaveAuthorized(Event):
        """*Visita à família autorizada* by the gerente (E23)."""

        leave_id: UUID
        kind: LeaveKind
        leave_date: date
        day_of_measure: int
        technical_assessment_done: bool
        travels_alone: bool
        guardian_term_signed: bool
        exceptions: tuple[RecordedException, ...]

    class FamilyLeaveStarted(Event):
        """The youth leaves for the family visit, after the exit search (E23)."""

        leave_id: UUID
        search_done: bool

    class FamilyLeaveReturned(Event):
        """The youth is back from the family visit; a late return is flagged (E23)."""

        leave_id: UUID
        search_done: bool
        late: bool
        exceptions: tuple[RecordedException, ...]

    class EvasionRecorded(Event):
        """*Evasão / não retorno* (E24)."""

        kind: EvasionKind
        court_notified: bool
        superintendencia_notified: bool
        exceptions: tuple[RecordedException, ...]

    class ReturnedFromEvasion(Event):
        """*Retorno / recaptura*: a new stay, on a court order (E25)."""

        exceptions: tuple[RecordedException, ...]

    class ApprehendedByPoliceInUnit(Event):
        """*Apreensão por novo ato infracional na unidade* (E26; Reg. art. 27 par. único)."""

        officer_name: PersonalText
        officer_document: PersonalText
        reason: PersonalText
        form_reference: str

    # --- D. discipline -------------------------------------------------------------------

    class DisciplinaryProcedureOpened(Event):
        """*Instauração de procedimento disciplinar*, one youth per procedure (E28)."""

        procedure_id: UUID
        incident_id: UUID
        offence_code: str
        severity: OffenceSeverity
        commission: tuple[StaffMember, ...]
        defender_notified: bool
        parents_notified: bool

    class DisciplinaryHearingHeld(Event):
        """*Oitiva do socioeducando* with defence (E30)."""

        procedure_id: UUID
        youth_heard: bool
        defender_present: bool
        parents_present: bool
        defence_presented: bool

    class DisciplinaryDecisionIssued(Event):
        """*Decisão do Conselho* with a fixed duration (E31, E32)."""

        procedure_id: UUID
        outcome: DisciplinaryOutcome
        sanction: SanctionType | None
        starts_on: date | None
        ends_on: date | None
        exclusion_grounds_examined: bool
        exclusion_ground_found: ExclusionGround | None
        aggravating: tuple[PersonalText, ...]
        attenuating: tuple[PersonalText, ...]
        decided_by: tuple[StaffMember, ...]
        appeal_information_given: bool

    class AppealFiled(Event):
        """*Recurso administrativo* against a disciplinary decision (E33)."""

        procedure_id: UUID
        filed_by: ReassessmentRequester

    class AppealDecided(Event):
        """Decision on the appeal (E33)."""

        procedure_id: UUID
        outcome: AppealOutcome
        new_ends_on: date | None

    class SanctionSuspendedByCourt(Event):
        """The judge suspends a sanction until the incident is decided (E34; SINASE 48 caput)."""

        procedure_id: UUID

    class DamageRepairAssessed(Event):
        """*Reparação de dano* assessed by the Conselho Socioeducador; the family repairs (E35; Reg. art. 37, 52 XX)."""

        procedure_id: UUID
        damage: PersonalText
        value_cents: int
        family_liable: bool

    class UseOfForceRecorded(Event):
        """*Contenção / uso da força* (E37; ECA 125; CONANDA 252 art. 68)."""

        technique: ForceTechnique
        staff: tuple[StaffMember, ...]
        injuries: bool
        medical_exam_reference: str | None
        justification: PersonalText
        exceptions: tuple[RecordedException, ...]

    class SearchPerformed(Event):
        """*Revista pessoal / de alojamento*, by more than one professional, never invasive (E38)."""

        kind: SearchKind
        reason: SearchReason
        staff: tuple[StaffMember, ...]
        items_seized: tuple[PersonalText, ...]

    class IsolationApplied(Event):
        """*Isolamento / separação do convívio* (E29; SINASE 48 §2)."""

        isolation_id: UUID
        ground: IsolationGround
        justification: PersonalText
        place: str

    class IsolationNoticesSent(Event):
        """Defender, MP and judge told of the isolation (SINASE 48 §2: within 24 h)."""

        isolation_id: UUID
        defender_notified_at: datetime
        prosecutor_notified_at: datetime
        judge_notified_at: datetime
        exceptions: tuple[RecordedException, ...]

    class IsolationEnded(Event):
        """End of the isolation (E29)."""

        isolation_id: UUID
        exceptions: tuple[RecordedException, ...]

    class IncentiveGranted(Event):
        """*Estímulo* granted after hearing the team (E36; Reg. art. 64–66)."""

        incentive_id: UUID
        kind: IncentiveKind
        team_heard: bool

    class IncentiveSuspended(Event):
        """*Suspensão de estímulo*; for misconduct it names the disciplinary decision (E36; Reg. art. 64 §3)."""

        incentive_id: UUID
        motive: SuspensionMotive
        procedure_id: UUID | None

    # --- E. visits -------------------------------------------------------------------------

    class VisitorRegistered(Event):
        """*Cadastro no rol de visitantes* (E39)."""

        visitor_id: UUID
        name: PersonalText
        photo_id_kind: PhotoIdKind
        photo_id_number: PersonalText
        relationship: Relationship
        relationship_proof: PersonalText
        is_minor: bool
        parental_authorisation: PersonalText | None
        qualified_by_team: bool
        modalities: tuple[VisitModality, ...]
        priority: bool

    class VisitorDeactivated(Event):
        """Visitor taken off the active list (E39): deactivated, never deleted."""

        visitor_id: UUID
        reason: PersonalText

    class VisitScheduled(Event):
        """*Agendamento de visita excepcional*: a weekday, one hour, one per fortnight (E40; Reg. art. 55 II, 14 XX)."""

        schedule_id: UUID
        visitor_ids: tuple[UUID, ...]
        starts_at: datetime
        ends_at: datetime

    class VisitHeld(Event):
        """*Visita realizada* (E41)."""

        visitor_ids: tuple[UUID, ...]
        modality: VisitModality
        started_at: datetime
        ended_at: datetime
        search_done: bool

    class VisitRefused(Event):
        """*Entrada de visita não permitida* for a Reg. art. 62 reason (E42)."""

        visitor_id: UUID | None
        reason: VisitRefusalReason
        family_guidance_signed: bool
        noted_in_agenda: bool

    class VisitsSuspendedByCourt(Event):
        """*Suspensão judicial de visitas* (E44; Reg. art. 60)."""

        suspension_id: UUID
        visitor_ids: tuple[UUID, ...]
        starts_on: date
        ends_on: date | None

    class VisitsSuspensionLifted(Event):
        """The court lifts its visit suspension (E44)."""

        suspension_id: UUID

    class PhoneCallHeld(Event):
        """*Ligação telefônica* (E45); never withheld as a sanction (ECA 124 §1)."""

        reason: PhoneCallReason
        duration_minutes: int
        days_without_visit: int

    class PrivateInterviewHeld(Event):
        """*Entrevista reservada* with the MP or the defence (E46; ECA 124 I, III). Never its content."""

        authority: InterviewAuthority
        duration_minutes: int

    # --- I. petitions ---------------------------------------------------------------------

    class PetitionFiled(Event):
        """*Petição* of the youth (E56); content sealed when addressed to MP, Defensoria or judge."""

        petition_id: UUID
        addressee: PetitionAddressee
        subject: PetitionSubject
        sealed: bool

    class PetitionAnswered(Event):
        """Answer to a petition (E57)."""

        petition_id: UUID
        exceptions: tuple[RecordedException, ...]

    # --- J. release -----------------------------------------------------------------------

    class ReleaseOrderReceived(Event):
        """*Recebimento do Mandado de Liberação* (E58; Reg. art. 107 I)."""

        protocol_number: str

    class Released(Event):
        """*Desligamento*: the stay and the measure end (E59)."""

        basis: ReleaseBasis
        documents_delivered: bool
        belongings_returned: bool
        termo_de_desligamento_signed: bool
        family_present: bool
        exceptions: tuple[RecordedException, ...]

    class ReintegrationReportedToCourt(Event):
        """*Ofício de comunicação da reintegração* sent by the gerente (E60; Reg. art. 107 IV)."""

        protocol_number: str

    class EgressFollowUpRecorded(Event):
        """*Acompanhamento do egresso* after release (E61; Reg. art. 70 II, 71; CNMP67 Annex 3.10)."""

        contact: EgressContactKind
        in_school: bool | None
        in_course_or_work: bool | None
        referred_to_network: bool
        notes: PersonalText | None

    # --- L. corrections -------------------------------------------------------------------

    class EntryCorrected(Event):
        """*Retificação* of an earlier entry of this case (E67)."""

        target_version: int
        corrections: tuple[FieldCorrection, ...]
        reason: PersonalText
        authorised_by: Actor

    class EntryVoided(Event):
        """*Anulação* of an entry recorded by mistake (E68)."""

        target_version: int
        reason: PersonalText
        authorised_by: Actor

    # ======================================================================================

    @staticmethod
    def create_id(process_number: str, **_: Any) -> UUID:
        """The case id: uuid5 of the execution process number, so a duplicate collides."""
        return case_id_for(process_number)

    @classmethod
    def register(
        cls,
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
        unit_id: str,
        guia_number: str | None = None,
        sipia_id: str | None = None,
        social_name: str | None = None,
        offence_date: date | None = None,
        source_document: SourceDocument | None = None,
    ) -> Case:
        """Open the youth's record (*abertura de cadastro*, E01)."""
        on = local_date(occurred_at)
        if not "".join(ch for ch in process_number if ch.isalnum()):
            refuse("D-04", "Give the execution process number: it identifies the case.")
        require_name(name, "the adolescent's name (nome civil)")
        if social_name is not None:
            require_name(social_name, "the social name (nome social); omit it if the youth has none")
        # A person is born before being registered: a later birth date is a typing slip.
        if birth_date > on:
            refuse("D-13", f"The birth date {birth_date.isoformat()} is after the registration ({on.isoformat()}); "
                           "check the year against the birth certificate or RG.")
        # ECA 121 §5: nobody aged 21 or more is held.
        if age_on(birth_date, on) >= 21:
            refuse("R-08", "The youth is 21 or older; the measure is extinct by law (ECA 121 §5). Do not register.")
        # ECA 2, 105: a child under 12 at the act gets protective measures, not socio-educational ones.
        if offence_date is not None and age_on(birth_date, offence_date) < 12:
            refuse("R-09", "The youth was under 12 at the act; only protective measures apply (ECA 105).")
        return cls(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=unit_id,
            source_document=source_document,
            process_number=process_number,
            guia_number=guia_number,
            sipia_id=sipia_id,
            name=name,
            social_name=social_name,
            birth_date=birth_date,
            sex=sex,
            civil_document=civil_document,
            filiation=filiation,
            family_address=family_address,
            family_comarca=family_comarca,
        )

    @event(AdolescentRegistered)
    def __init__(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        process_number: str,
        guia_number: str | None,
        sipia_id: str | None,
        name: str,
        social_name: str | None,
        birth_date: date,
        sex: Sex,
        civil_document: str,
        filiation: str,
        family_address: str,
        family_comarca: str,
    ) -> None:
        self.process_number = process_number
        self.birth_date = birth_date
        self.sex = sex
        self.family_comarca = family_comarca
        self.status = CaseStatus.REGISTRADO
        self.unit_id: str | None = None
        self.stays: list[Stay] = []
        self.stay_started_on: date | None = None
        self.modality: Modality | None = None
        self.measure_started_on: date | None = None
        self.definitive_since: date | None = None
        self.apprehended_on: date | None = None
        self.origin: IntakeOrigin | None = None
        self.quarterly_reassessment = False
        self.seriousness: SeriousnessClass | None = None
        self.build: BuildClass | None = None
        self.room: str | None = None
        self.acolhimento_steps: set[AcolhimentoStep] = set()
        self.acolhimento_completed = False
        self.orientation_acknowledged = False
        self.intake_refusals = 0
        self.pia_versions = 0
        self.pia_homologated = False
        self.last_report_on: date | None = None
        self.last_decision_on: date | None = None
        self.last_hearing_on: date | None = None
        self.external_activities_banned = False
        self.away: str | None = None
        self.open_exit: UUID | None = None
        self.open_exit_due: datetime | None = None
        self.leaves: dict[UUID, _Leave] = {}
        self.procedures: dict[UUID, _Procedure] = {}
        self.isolations: dict[UUID, tuple[datetime, bool, bool]] = {}
        self.incentives: dict[UUID, bool] = {}
        self.visitors: dict[UUID, _Visitor] = {}
        self.court_suspensions: dict[UUID, _CourtSuspension] = {}
        self.exceptional_visits: list[date] = []
        self.scheduled_visits: dict[UUID, date] = {}
        self.case_study_held = False
        self.contract_agreed = False
        self.pia_updates = 0
        self.apprehensions_in_unit = 0
        self.searches = 0
        self.private_interviews = 0
        self.egress_follow_ups = 0
        self.last_visit_on: date | None = None
        self.petitions: dict[UUID, tuple[date, bool]] = {}
        self.release_order_received = False
        self.release_basis: ReleaseBasis | None = None
        self.reintegration_reported = False
        self._entries: dict[int, EntryRef] = {1: EntryRef("AdolescentRegistered", False)}
        self.voided: set[int] = set()

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
        if self.stay_started_on is None:
            refuse("D-02", "The youth has no stay in a unit.")
        return day_of_measure(self.stay_started_on, on)

    def room_profile(self, on: date) -> RoomProfile:
        """What room separation compares (ECA 123)."""
        return RoomProfile(self.id, self.sex, self.age_on(on), self.modality, self.seriousness, self.build)

    def pia_due_on(self) -> date | None:
        """Last day to send the PIA: 45 days after the definitive measure began here (R-22; Decision 8)."""
        return None if self.definitive_since is None else calendar_deadline(self.definitive_since, 45)

    def reassessment_due_on(self) -> date | None:
        """Latest date for the next reassessment decision: 6 months (ECA 121 §2; SINASE 42)."""
        start = self.last_decision_on or self.measure_started_on
        return None if start is None else add_months(start, 3 if self.quarterly_reassessment else 6)

    # --- guards ---------------------------------------------------------------------------

    def _require_status(self, *allowed: CaseStatus, doing: str) -> None:
        if self.status not in allowed:
            if self.status is CaseStatus.DESLIGADO:
                refuse("D-02", f"The case is closed by release; it accepts no {doing}. Open a new case for a new measure.")
            refuse("D-02", f"Cannot record {doing} while the case is {self.status.value}.")

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

    # --- A. intake -----------------------------------------------------------------------

    def record_intake(
        self,
        *,
        unit: Unit,
        modality: Modality,
        origin: IntakeOrigin,
        documents_presented: Iterable[IntakeDocument],
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
        calendar: BusinessCalendar = DEFAULT_CALENDAR,
    ) -> None:
        """Record the youth's entry (*registro de Inserção*, E03) and start the stay in ``unit``."""
        on = local_date(occurred_at)
        if self.birth_date > on:
            refuse("D-13", f"The intake ({on.isoformat()}) is before the youth's birth date "
                           f"({self.birth_date.isoformat()}); check the intake date.")
        if self.status in (CaseStatus.ATIVO, CaseStatus.EVADIDO):
            refuse("R-07", "The youth already has an active stay; use transfer or return from evasion.")
        self._require_status(CaseStatus.REGISTRADO, doing="intake")
        # Reg. art. 27: nobody is included without an express court order.
        _require_judicial(court_order, "R-01", "Guia de Execução, Mandado or decision ordering the inclusion")
        presented = tuple(dict.fromkeys(documents_presented))
        missing = [d for d in unit.required_intake_documents if d not in presented]
        if missing:
            # Reg. art. 28 par. único, 29: partial delivery is forbidden; the youth returns with the officer.
            refuse(
                "R-02",
                "Missing documents: " + ", ".join(d.value for d in missing) + ". Do not admit; record the "
                "refused intake (IntakeRefused) and send the youth back with the escorting officer.",
            )
        self._check_unit_profile(unit, modality, on)
        # Reg. art. 33: the escorting officer witnesses and signs the intake search.
        if not search_witnessed_by_escort:
            refuse("R-14", "The intake search must be witnessed and signed by the escorting officer (Reg. art. 33).")
        # Reg. art. 35; ECA 124 XV: belongings kept against a signed receipt.
        if not belongings_receipt_id.strip():
            refuse("R-16", "Give the number of the signed belongings receipt (Reg. art. 35).")
        if days_in_police_custody < 0:
            refuse("D-04", "Days in police custody cannot be negative.")
        if vacancy_id is not None:
            unit.check_vacancy(vacancy_id, on)
        exceptions = list(
            unit.admission_exceptions(
                court_ordered_over_capacity=court_ordered_over_capacity,
                justification=exception_justification,
                on=on,
                vacancy_id=vacancy_id,
            )
        )
        # Reg. art. 25 vs ECA 185 §2 (Decision 4): outside 08–15 h on business days is recorded, never refused.
        if not within_office_hours(occurred_at, calendar=calendar):
            exceptions.append(
                RecordedException("R-06", exception_justification or "intake outside 08–15 h on a business day", True)
            )
        self._record_intake(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(unit.id),
            source_document=court_order,
            modality=modality,
            origin=origin,
            apprehended_on=apprehended_on,
            days_in_police_custody=days_in_police_custody,
            documents_presented=presented,
            escort_name=escort_name,
            escort_document=escort_document,
            search_witnessed_by_escort=search_witnessed_by_escort,
            belongings_receipt_id=belongings_receipt_id,
            body_exam_reference=body_exam_reference,
            seriousness=seriousness,
            build=build,
            exceptions=tuple(exceptions),
        )
        if vacancy_id is not None:
            unit.fill_vacancy(vacancy_id=vacancy_id, case_id=self.id, occurred_at=occurred_at, actor=actor)
        unit.admit_resident(
            case_id=self.id,
            reason=AdmissionReason.NOVA_ADMISSAO,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_order,
            exceptions=tuple(e for e in exceptions if e.rule_code in ("R-04", "R-05")),
        )

    @event(IntakeRecorded)
    def _record_intake(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        modality: Modality,
        origin: IntakeOrigin,
        apprehended_on: date | None,
        days_in_police_custody: int,
        documents_presented: tuple[IntakeDocument, ...],
        escort_name: str,
        escort_document: str,
        search_witnessed_by_escort: bool,
        belongings_receipt_id: str,
        body_exam_reference: str,
        seriousness: SeriousnessClass | None,
        build: BuildClass | None,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        day = occurred_at.astimezone(CUIABA).date()
        self.status = CaseStatus.ATIVO
        self.unit_id = unit_id
        self.stays.append(Stay(unit_id, occurred_at, AdmissionReason.NOVA_ADMISSAO))
        self.stay_started_on = day
        self.modality = modality
        self.origin = origin
        self.apprehended_on = apprehended_on
        self.measure_started_on = day
        self.definitive_since = day if modality.is_definitive else None
        self.seriousness = seriousness
        self.build = build

    def refuse_intake(
        self,
        *,
        unit_id: str,
        reasons: Iterable[IntakeRefusalReason],
        destination: IntakeRefusalDestination,
        presenting_officer: str,
        court_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        missing_documents: Iterable[IntakeDocument] = (),
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record that the youth was presented and not admitted (*Inserção não autorizada*, E04)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.REGISTRADO, doing="a refused intake")
        reasons = tuple(dict.fromkeys(_coerce(IntakeRefusalReason, r, "R-03", "Refusal reason") for r in reasons))
        missing = tuple(dict.fromkeys(missing_documents))
        # Reg. art. 24 par. único, 28 par. único: the refusal names what is missing and where the youth went.
        if not reasons:
            refuse("R-03", "State why the intake was refused (closed list of reasons).")
        if IntakeRefusalReason.DOCUMENTO_FALTANTE in reasons and not missing:
            refuse("R-03", "List the missing documents: they are what the court must send.")
        destination = _coerce(IntakeRefusalDestination, destination, "R-03", "Destination")
        self._refuse_intake(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=unit_id,
            source_document=source_document,
            reasons=reasons,
            missing_documents=missing,
            destination=destination,
            presenting_officer=presenting_officer,
            court_notified=court_notified,
        )

    @event(IntakeRefused)
    def _refuse_intake(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        reasons: tuple[IntakeRefusalReason, ...],
        missing_documents: tuple[IntakeDocument, ...],
        destination: IntakeRefusalDestination,
        presenting_officer: str,
        court_notified: bool,
    ) -> None:
        self.intake_refusals += 1

    def report_intake_finding(
        self,
        *,
        unit_id: str,
        findings: Iterable[IntakeFinding],
        description: str,
        referred_to_police_station: bool,
        escort_present: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Report what the intake search found (*achados da revista de ingresso*, E05)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.REGISTRADO, CaseStatus.ATIVO, doing="an intake finding")
        findings = tuple(dict.fromkeys(_coerce(IntakeFinding, f, "R-15", "Finding") for f in findings))
        if not findings:
            refuse("R-15", "Name what the search found (closed list).")
        exceptions = ()
        # Reg. art. 33 par. único: referral to the specialised police station in the officer's presence.
        if not (referred_to_police_station and escort_present):
            exceptions = (
                RecordedException("R-15", "not yet referred to the police station in the escorting officer's presence", True),
            )
        self._report_intake_finding(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or unit_id,
            source_document=None,
            findings=findings,
            description=description,
            referred_to_police_station=referred_to_police_station,
            escort_present=escort_present,
            exceptions=exceptions,
        )

    @event(IntakeFindingReported)
    def _report_intake_finding(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        findings: tuple[IntakeFinding, ...],
        description: str,
        referred_to_police_station: bool,
        escort_present: bool,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        pass

    def acknowledge_orientation(
        self, *, document_version: str, family_acknowledged: bool, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record that the written rules were read, handed over and signed (*ciência das normas*, E07)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="the orientation")
        if not document_version.strip():
            refuse("R-17", "Name the version of the rules handed to the youth (Reg. art. 34).")
        self._acknowledge_orientation(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            document_version=document_version,
            family_acknowledged=family_acknowledged,
        )

    @event(OrientationAcknowledged)
    def _acknowledge_orientation(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        document_version: str,
        family_acknowledged: bool,
    ) -> None:
        self.orientation_acknowledged = True

    def complete_acolhimento_step(self, *, step: AcolhimentoStep, occurred_at: datetime, actor: Actor) -> None:
        """Record one acolhimento step (*etapa do acolhimento*, Reg. art. 31 I–IV)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="an acolhimento step")
        if self.acolhimento_completed:
            refuse("D-02", "The acolhimento is already closed.")
        self._complete_acolhimento_step(
            occurred_at=occurred_at, actor=actor, unit_id=self.unit_id, source_document=None, step=step
        )

    @event(AcolhimentoStepCompleted)
    def _complete_acolhimento_step(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        step: AcolhimentoStep,
    ) -> None:
        self.acolhimento_steps.add(step)

    def complete_acolhimento(
        self,
        *,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
        calendar: BusinessCalendar = DEFAULT_CALENDAR,
    ) -> None:
        """Close the acolhimento (*conclusão do acolhimento*, E08); late closure is flagged (R-12)."""
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="the acolhimento")
        if self.acolhimento_completed:
            refuse("D-02", "The acolhimento is already closed.")
        if actor.role is not Role.GERENTE:
            refuse("D-05", "The gerente closes the acolhimento.")
        missing = [s.value for s in AcolhimentoStep if s not in self.acolhimento_steps]
        if missing:
            refuse("D-02", "Record the remaining acolhimento steps first (Reg. art. 31): " + ", ".join(missing) + ".")
        exceptions = []
        assert self.stay_started_on is not None
        # Reg. art. 32: within three business days of the Inserção.
        if on > calendar.add_business_days(self.stay_started_on, 3):
            exceptions.append(RecordedException("R-12", delay_justification or "acolhimento beyond 3 business days", True))
        self._complete_acolhimento(
            occurred_at=occurred_at, actor=actor, unit_id=self.unit_id, source_document=None, exceptions=tuple(exceptions)
        )

    @event(AcolhimentoCompleted)
    def _complete_acolhimento(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.acolhimento_completed = True

    def hold_family_acolhimento(
        self, *, members_present: int, rights_and_visits_explained: bool, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record the first meeting with the family (*acolhimento familiar*, E09; Reg. art. 41–44)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="the family acolhimento")
        if members_present < 1:
            refuse("D-04", "At least one family member must be present to record the family acolhimento.")
        self._hold_family_acolhimento(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            members_present=members_present,
            rights_and_visits_explained=rights_and_visits_explained,
        )

    @event(FamilyAcolhimentoHeld)
    def _hold_family_acolhimento(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        members_present: int,
        rights_and_visits_explained: bool,
    ) -> None:
        pass

    def assign_room(
        self,
        *,
        unit: Unit,
        room: str,
        reason: RoomChangeReason,
        roommates: Iterable[Case],
        occurred_at: datetime,
        actor: Actor,
        justification: str | None = None,
    ) -> None:
        """Assign or change the youth's room (*alojamento / mudança de alojamento*, E10).

        ``roommates`` are the cases of the youths already in ``room`` (the unit says who).
        """
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a room change")
        self._require_unit(unit)
        reason = _coerce(RoomChangeReason, reason, "R-21", "Room-change reason")
        if not room.strip():
            refuse("R-07", "Name the room.")
        if reason is RoomChangeReason.EMERGENCIA:
            # Reg. art. 21 XIX: the líder justifies the emergency change and informs the gerente.
            if actor.role not in (Role.LIDER, Role.GERENTE):
                refuse("R-21", "An emergency room change is recorded by the líder de equipe (or the gerente).")
            if not (justification or "").strip():
                refuse("R-21", "Justify the emergency room change (Reg. art. 21 XIX).")
        elif actor.role is not Role.GERENTE:
            refuse("D-05", "The gerente assigns rooms; only an emergency change is recorded by the líder.")
        mates = list(roommates)
        if {m.id for m in mates} != set(unit.roommates(room, excluding=self.id)):
            refuse("D-02", f"Give the cases of everyone now in room {room} (the unit's location board).")
        if unit.room_of(self.id) == room:
            refuse("R-07", f"The youth is already in room {room}.")
        mine = self.room_profile(on)
        profiles = [m.room_profile(on) for m in mates]
        # CNMP67 Annex III/IV 1.3: rooms are separated by sex.
        if any(p.sex is not mine.sex for p in profiles):
            refuse("R-19", "Rooms are separated by sex; choose another room.")
        exceptions = []
        # ECA 123; Reg. art. 40: age, build and seriousness of the act.
        if any(_age_band(p.age) != _age_band(mine.age) for p in profiles):
            exceptions.append(RecordedException("R-18", justification or "mixed age bands in the room", True))
        elif any(p.build and mine.build and p.build is not mine.build for p in profiles):
            exceptions.append(RecordedException("R-18", justification or "mixed physical build in the room", True))
        elif any(p.seriousness and mine.seriousness and p.seriousness is not mine.seriousness for p in profiles):
            exceptions.append(RecordedException("R-18", justification or "mixed seriousness of acts in the room", True))
        # ECA 123: provisional and definitive youths are kept apart.
        if any(p.modality and mine.modality and p.modality.is_definitive != mine.modality.is_definitive for p in profiles):
            exceptions.append(RecordedException("R-20", justification or "provisória and definitiva in one room", True))
        self._assign_room(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            room=room,
            reason=reason,
            justification=justification,
            exceptions=tuple(exceptions),
        )
        unit.move_resident(case_id=self.id, room=room, occurred_at=occurred_at, actor=actor, source_document=None)

    @event(RoomAssigned)
    def _assign_room(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        room: str,
        reason: RoomChangeReason,
        justification: str | None,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.room = room

    # --- B. PIA and judicial execution ----------------------------------------------------

    def hold_case_study(
        self,
        *,
        participants: Iterable[StaffMember],
        youth_participated: bool,
        family_participated: bool,
        needs: Iterable[str],
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the case study, the first stage of the PIA (*Estudo de Caso*, E11; Reg. art. 70 I)."""
        local_date(occurred_at)
        self._require_present("a case study")
        # SINASE 52: the PIA, and so its stages, is for definitive measures only.
        if self.modality is None or not self.modality.is_definitive:
            refuse("R-24", "No PIA for internação provisória (SINASE 52); hold the case study once the measure is definitive.")
        if actor.role not in TECHNICAL_ROLES:
            refuse("D-05", "The reference technical team records the case study (Reg. art. 13, 70 I).")
        participants = tuple(dict.fromkeys(participants))
        # Reg. art. 70 I: "as diversas áreas do conhecimento".
        if len({m.role for m in participants if m.role in TECHNICAL_ROLES}) < 2:
            refuse("D-10", "The case study needs professionals of at least two technical areas (Reg. art. 70 I).")
        self._hold_case_study(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            participants=participants,
            youth_participated=youth_participated,
            family_participated=family_participated,
            needs=tuple(needs),
        )

    @event(CaseStudyHeld)
    def _hold_case_study(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        participants: tuple[StaffMember, ...],
        youth_participated: bool,
        family_participated: bool,
        needs: tuple[str, ...],
    ) -> None:
        self.case_study_held = True

    def agree_contract(
        self,
        *,
        goals: Iterable[PlanGoal],
        youth_agreed: bool,
        family_agreed: bool,
        sent_to_external_network: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the agreement of the team with the youth and the family (*Contrato Social*, E12; Reg. art. 70 II)."""
        on = local_date(occurred_at)
        self._require_present("a contrato social")
        if actor.role not in TECHNICAL_ROLES:
            refuse("D-05", "The reference technical team agrees the contrato social (Reg. art. 13, 70 II).")
        # Reg. art. 70 I: the case study "subsidia a elaboração do Contrato Social".
        if not self.case_study_held:
            refuse("D-04", "Hold the case study first: it grounds the contrato social (Reg. art. 70 I).")
        # Reg. art. 67, 70 II; SINASE 49 VI, 52 par. único: an agreement with the youth and the family.
        if not youth_agreed:
            refuse("R-23", "The youth must agree the contrato social (Reg. art. 70 II; SINASE 49 VI).")
        if not family_agreed:
            refuse("R-23", "The family must agree the contrato social (Reg. art. 67, 70 II; SINASE 52 par. único).")
        goals = tuple(goals)
        # Reg. art. 70 II: priorities, sequence and deadlines of the actions.
        if not goals:
            refuse("R-23", "State the goals agreed, each with its deadline (Reg. art. 70 II).")
        if any(g.due_on <= on or not g.description.strip() for g in goals):
            refuse("R-23", "Each goal needs a description and a deadline after the day of the agreement (Reg. art. 70 II).")
        self._agree_contract(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            goals=goals,
            youth_agreed=youth_agreed,
            family_agreed=family_agreed,
            sent_to_external_network=sent_to_external_network,
        )

    @event(ContractAgreed)
    def _agree_contract(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        goals: tuple[PlanGoal, ...],
        youth_agreed: bool,
        family_agreed: bool,
        sent_to_external_network: bool,
    ) -> None:
        self.contract_agreed = True

    def submit_pia(
        self,
        *,
        sections: Iterable[PIASection],
        youth_participated: bool,
        family_participated: bool,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """Send the PIA proposal to the court (*envio do PIA*, E13)."""
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a PIA")
        # SINASE 52: there is no PIA for internação provisória.
        if self.modality is None or not self.modality.is_definitive:
            refuse("R-24", "No PIA for internação provisória (SINASE 52); submit it once the measure is definitive.")
        if actor.role not in TECHNICAL_ROLES | {Role.GERENTE}:
            refuse("D-05", "The reference team prepares the PIA and the gerente sends it (Reg. art. 13).")
        given = tuple(dict.fromkeys(sections))
        missing = [s.value for s in PIASection if s not in given]
        # Reg. art. 69 I–VIII: the eight minimum sections.
        if missing:
            refuse("R-23", "The PIA lacks the minimum sections of Reg. art. 69: " + ", ".join(missing) + ".")
        # SINASE 49 VI, 52 par. único; Reg. art. 67: the youth and the family take part.
        if not youth_participated:
            refuse("R-23", "The youth must take part in the PIA (SINASE 49 VI); record the youth's participation.")
        if not family_participated:
            refuse("R-23", "The family must take part in the PIA (SINASE 52 par. único; Reg. art. 67).")
        exceptions = []
        due = self.pia_due_on()
        if due is not None and on > due:
            exceptions.append(RecordedException("R-22", delay_justification or "PIA sent after 45 days", True))
        self._submit_pia(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            version=self.pia_versions + 1,
            sections=given,
            youth_participated=youth_participated,
            family_participated=family_participated,
            protocol_number=protocol_number,
            exceptions=tuple(exceptions),
        )

    @event(PIASubmitted)
    def _submit_pia(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        version: int,
        sections: tuple[PIASection, ...],
        youth_participated: bool,
        family_participated: bool,
        protocol_number: str,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.pia_versions = version

    def record_pia_homologation(
        self, *, tacit: bool, occurred_at: datetime, actor: Actor, court_document: SourceDocument | None
    ) -> None:
        """Record the court's approval of the PIA (*homologação*, E14)."""
        local_date(occurred_at)
        if self.pia_versions == 0:
            refuse("D-04", "No PIA has been submitted for this case.")
        _require_judicial(court_document, "D-06", "decision or certificate of tacit homologation")
        self._record_pia_homologation(
            occurred_at=occurred_at, actor=actor, unit_id=self.unit_id or "", source_document=court_document, tacit=tacit
        )

    @event(PIAHomologated)
    def _record_pia_homologation(
        self, occurred_at: datetime, actor: Actor, unit_id: str, source_document: SourceDocument | None, tacit: bool
    ) -> None:
        self.pia_homologated = True

    def record_pia_challenge(
        self,
        *,
        challenged_by: ReassessmentRequester,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """Record a challenge to the PIA (*impugnação*, E14); it does not suspend the PIA."""
        local_date(occurred_at)
        if self.pia_versions == 0:
            refuse("D-04", "No PIA has been submitted for this case.")
        _require_judicial(court_document, "D-06", "the challenge filed in the execution process")
        self._record_pia_challenge(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_document,
            challenged_by=challenged_by,
        )

    @event(PIAImpugned)
    def _record_pia_challenge(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        challenged_by: ReassessmentRequester,
    ) -> None:
        self.pia_homologated = False

    def update_pia(
        self,
        *,
        changed_sections: Iterable[PIASection],
        changes: str,
        reason: str,
        increases_restriction: bool,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None = None,
    ) -> None:
        """Record a revision of the PIA (*revisão do PIA*, E15).

        A change that increases the restriction of liberty is the court's to decide
        (SINASE 43 §1 III, §4): it is recorded only with the judicial decision.
        """
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a PIA revision")
        if self.pia_versions == 0:
            refuse("D-04", "No PIA has been submitted for this case; submit it before revising it.")
        if actor.role not in TECHNICAL_ROLES | {Role.GERENTE}:
            refuse("D-05", "The reference team revises the PIA (Reg. art. 13).")
        changed = tuple(dict.fromkeys(changed_sections))
        if not changed or not changes.strip() or not reason.strip():
            refuse("D-04", "Name the sections changed, what changed and why.")
        if increases_restriction:
            _require_judicial(court_document, "D-09", "the judicial decision that authorises more restriction (SINASE 43 §4)")
        self._update_pia(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_document,
            version=self.pia_versions,
            changed_sections=changed,
            changes=changes,
            reason=reason,
            increases_restriction=increases_restriction,
        )

    @event(PIAUpdated)
    def _update_pia(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        version: int,
        changed_sections: tuple[PIASection, ...],
        changes: str,
        reason: str,
        increases_restriction: bool,
    ) -> None:
        self.pia_updates += 1

    def submit_progress_report(
        self,
        *,
        kind: ReportKind,
        conclusion: ReportConclusion | None,
        authors: Iterable[StaffMember],
        written_for_this_youth: bool,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """Send a technical report to the court (*relatório técnico*, E16)."""
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a progress report")
        authors = tuple(authors)
        # CNMP67 Annex bimestral 3.2–3.4.1: interdisciplinary, explicit conclusion, no generic template.
        if conclusion is None:
            refuse("R-26", "State the report's conclusion: maintain, progress, regress or extinguish.")
        conclusion = _coerce(ReportConclusion, conclusion, "R-26", "Conclusion")
        professions = {a.role for a in authors if a.role in TECHNICAL_ROLES}
        if len(professions) < 2:
            refuse("R-26", "The report must be interdisciplinary: authors from at least two technical professions.")
        if not written_for_this_youth:
            refuse("R-26", "Generic template reports are not accepted; write the report for this youth.")
        exceptions = []
        due = self.reassessment_due_on()
        if due is not None and on > due:
            exceptions.append(RecordedException("R-25", delay_justification or "report after the reassessment deadline", True))
        self._submit_progress_report(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            kind=kind,
            conclusion=conclusion,
            authors=authors,
            protocol_number=protocol_number,
            exceptions=tuple(exceptions),
        )

    @event(ProgressReportSubmitted)
    def _submit_progress_report(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        kind: ReportKind,
        conclusion: ReportConclusion,
        authors: tuple[StaffMember, ...],
        protocol_number: str,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.last_report_on = occurred_at.astimezone(CUIABA).date()

    def request_reassessment(
        self,
        *,
        requester: ReassessmentRequester | str,
        ground: ReassessmentGround,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record a reassessment request (*pedido de reavaliação*, E17); anyone SINASE 43 names may ask."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a reassessment request")
        requester = _coerce(ReassessmentRequester, requester, "R-27", "Requester")
        ground = _coerce(ReassessmentGround, ground, "R-27", "Ground")
        self._request_reassessment(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=source_document,
            requester=requester,
            ground=ground,
        )

    @event(ReassessmentRequested)
    def _request_reassessment(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        requester: ReassessmentRequester,
        ground: ReassessmentGround,
    ) -> None:
        pass

    def record_reassessment_hearing(
        self,
        *,
        hearing_on: date,
        technical_team_present: bool,
        defender_present: bool,
        youth_present: bool,
        family_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """Record the reassessment hearing (*audiência de reavaliação*, E18)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a reassessment hearing")
        _require_judicial(court_document, "D-06", "minutes of the hearing")
        self._record_reassessment_hearing(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_document,
            hearing_on=hearing_on,
            technical_team_present=technical_team_present,
            defender_present=defender_present,
            youth_present=youth_present,
            family_notified=family_notified,
        )

    @event(ReassessmentHearingHeld)
    def _record_reassessment_hearing(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        hearing_on: date,
        technical_team_present: bool,
        defender_present: bool,
        youth_present: bool,
        family_notified: bool,
    ) -> None:
        self.last_hearing_on = hearing_on

    def record_measure_decision(
        self,
        *,
        decision: MeasureDecision,
        effective_on: date,
        raw_text: str,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
        new_modality: Modality | None = None,
        restarts_measure_on: date | None = None,
    ) -> None:
        """Record the court's decision on the measure (*decisão de manutenção, substituição…*, E19).

        A change of modality in the same unit is a status change; the youth moves only by transfer.
        """
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a measure decision")
        _require_judicial(court_document, "D-06", "the decision")
        decision = _coerce(MeasureDecision, decision, "D-06", "Decision")
        if decision in (MeasureDecision.SUBSTITUICAO, MeasureDecision.CONVERSAO_PROVISORIA_EM_DEFINITIVA) and (
            new_modality is None
        ):
            refuse("D-04", "Give the new modality the decision sets.")
        # SINASE 43 §4: a more severe measure only after a hearing and a technical report.
        if new_modality is not None and self.modality is not None:
            if MODALITY_SEVERITY[new_modality] > MODALITY_SEVERITY[self.modality] and (
                decision is not MeasureDecision.CONVERSAO_PROVISORIA_EM_DEFINITIVA
            ):
                since = self.last_decision_on or self.measure_started_on
                heard = self.last_hearing_on is not None and (since is None or self.last_hearing_on >= since)
                reported = self.last_report_on is not None and (since is None or self.last_report_on >= since)
                if not (heard and reported):
                    refuse(
                        "R-28",
                        "A regression to a more severe measure needs a prior hearing and a technical report "
                        "(SINASE 43 §4); record them first.",
                    )
        # SINASE 45 §1: unification does not restart the measure.
        if decision is MeasureDecision.UNIFICACAO and restarts_measure_on is not None:
            refuse("R-29", "Unification cannot restart the measure; the clocks continue (SINASE 45 §1).")
        self._record_measure_decision(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_document,
            decision=decision,
            new_modality=new_modality,
            effective_on=effective_on,
            raw_text=raw_text,
        )

    @event(MeasureDecisionRecorded)
    def _record_measure_decision(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        decision: MeasureDecision,
        new_modality: Modality | None,
        effective_on: date,
        raw_text: str,
    ) -> None:
        self.last_decision_on = effective_on
        if new_modality is not None:
            # Decision 8: the PIA clock starts at the status change to a definitive measure.
            if new_modality.is_definitive and (self.modality is None or not self.modality.is_definitive):
                self.definitive_since = effective_on
            self.modality = new_modality

    def receive_judicial_order(
        self,
        *,
        kind: JudicialOrderKind,
        protocol_number: str,
        occurred_at: datetime,
        actor: Actor,
        court_document: SourceDocument | None,
    ) -> None:
        """File a court order in the case (*ordem judicial protocolada*, E20)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.REGISTRADO, CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a court order")
        _require_judicial(court_document, "D-06", "the order")
        kind = _coerce(JudicialOrderKind, kind, "D-06", "Order kind")
        if kind is JudicialOrderKind.SUSPENSAO_DE_VISITAS:
            refuse("D-04", "Record a court visit suspension with suspend_visits_by_court: it names visitors and period.")
        if kind is JudicialOrderKind.LIBERACAO:
            refuse("D-04", "Record a release order with receive_release_order.")
        self._receive_judicial_order(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_document,
            kind=kind,
            protocol_number=protocol_number,
        )

    @event(JudicialOrderReceived)
    def _receive_judicial_order(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        kind: JudicialOrderKind,
        protocol_number: str,
    ) -> None:
        if kind is JudicialOrderKind.PROIBICAO_ATIVIDADES_EXTERNAS:
            self.external_activities_banned = True
        elif kind is JudicialOrderKind.LIBERACAO_ATIVIDADES_EXTERNAS:
            self.external_activities_banned = False
        elif kind is JudicialOrderKind.REAVALIACAO_TRIMESTRAL:
            self.quarterly_reassessment = True

    # --- C. movement ---------------------------------------------------------------------

    def transfer(
        self,
        *,
        origin: Unit,
        destination: Unit,
        pia_and_history_sent: bool,
        vehicle: str,
        occurred_at: datetime,
        actor: Actor,
        court_order: SourceDocument | None,
        handcuffs_used: bool = False,
        court_ordered_over_capacity: bool = False,
        exception_justification: str | None = None,
    ) -> None:
        """Move the youth to another unit (*transferência*, E21): the stays abut at ``occurred_at``."""
        on = local_date(occurred_at)
        self._require_present("a transfer")
        self._require_unit(origin)
        if origin.id == destination.id:
            refuse("D-02", "Origin and destination are the same unit; use a room change.")
        # Reg. art. 27: no transfer without an express court order.
        _require_judicial(court_order, "R-01", "decision ordering the transfer")
        # SINASE 44 par. único: the PIA and the execution history travel with the youth.
        if not pia_and_history_sent:
            refuse("R-54", "Send the PIA and the execution history with the youth (SINASE 44 par. único).")
        assert self.modality is not None
        self._check_unit_profile(destination, self.modality, on)
        exceptions = list(
            destination.admission_exceptions(
                court_ordered_over_capacity=court_ordered_over_capacity, justification=exception_justification, on=on
            )
        )
        # Reg. art. 51 XXVIII: no handcuffs; the fact is kept, with an alert.
        if handcuffs_used:
            exceptions.append(RecordedException("R-55", exception_justification or "handcuffs used in transport", True))
        self._transfer(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(destination.id),
            source_document=court_order,
            origin_unit_id=str(origin.id),
            destination_unit_id=str(destination.id),
            pia_and_history_sent=pia_and_history_sent,
            vehicle=vehicle,
            exceptions=tuple(exceptions),
        )
        origin.discharge_resident(
            case_id=self.id,
            reason=DepartureReason.TRANSFERENCIA,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_order,
        )
        destination.admit_resident(
            case_id=self.id,
            reason=AdmissionReason.TRANSFERENCIA,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_order,
            exceptions=tuple(e for e in exceptions if e.rule_code in ("R-04", "R-05")),
        )

    @event(TransferCompleted)
    def _transfer(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        origin_unit_id: str,
        destination_unit_id: str,
        pia_and_history_sent: bool,
        vehicle: str,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self._close_stay(occurred_at, DepartureReason.TRANSFERENCIA)
        self.stays.append(Stay(destination_unit_id, occurred_at, AdmissionReason.TRANSFERENCIA))
        self.unit_id = destination_unit_id
        # Reg. art. 75: leave deadlines count from the start in this unit; measure clocks continue.
        self.stay_started_on = occurred_at.astimezone(CUIABA).date()
        self.room = None

    def _close_stay(self, at: datetime, reason: DepartureReason) -> None:
        last = self.stays[-1]
        self.stays[-1] = Stay(last.unit_id, last.started_at, last.admission_reason, at, reason)

    def start_external_exit(
        self,
        *,
        exit_id: UUID,
        purpose: ExitPurpose,
        authorised_by: Actor,
        team_assessed: bool,
        search_done: bool,
        expected_return_at: datetime,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """The youth goes out for school, work, health, documents… (*saída externa*, E22)."""
        on = local_date(occurred_at)
        require_aware(expected_return_at)
        self._require_present("an external exit")
        purpose = _coerce(ExitPurpose, purpose, "R-13", "Exit purpose")
        judicial = source_document is not None and source_document.is_judicial
        if purpose is ExitPurpose.DETERMINACAO_JUDICIAL and not judicial:
            refuse("D-06", "An exit by court determination needs the court document.")
        # ECA 121 §1, §7: the court may forbid external activities.
        if self.external_activities_banned and not judicial and purpose not in (
            ExitPurpose.SAUDE_EMERGENCIAL,
            ExitPurpose.SAUDE_IMPRESCINDIVEL,
        ):
            refuse("D-07", "A court order forbids external activities for this youth; only health exits or a new order.")
        # Reg. art. 76: in the first 8 days only the listed exits, assessed by the team and authorised by the gerente.
        if self.day_of_measure(on) <= 8 and not (purpose is ExitPurpose.DETERMINACAO_JUDICIAL and judicial):
            if purpose not in TRIAGE_EXIT_PURPOSES:
                refuse("R-13", f"Day {self.day_of_measure(on)} of triage: only the exits of Reg. art. 76 I–VI are allowed.")
            if not team_assessed or authorised_by.role is not Role.GERENTE:
                refuse("R-13", "During the first 8 days an exit needs the team's assessment and the gerente's authorisation.")
        # Reg. art. 20 VI: search at every exit.
        if not search_done:
            refuse("R-14", "Search the youth before the exit (Reg. art. 20 VI).")
        if expected_return_at <= occurred_at:
            refuse("D-04", "The expected return must be after the exit.")
        self._start_external_exit(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=source_document,
            exit_id=exit_id,
            purpose=purpose,
            authorised_by=authorised_by,
            team_assessed=team_assessed,
            search_done=search_done,
            expected_return_at=expected_return_at,
        )

    @event(ExternalExitStarted)
    def _start_external_exit(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        exit_id: UUID,
        purpose: ExitPurpose,
        authorised_by: Actor,
        team_assessed: bool,
        search_done: bool,
        expected_return_at: datetime,
    ) -> None:
        self.away = "saida_externa"
        self.open_exit = exit_id
        self.open_exit_due = expected_return_at

    def end_external_exit(
        self,
        *,
        exit_id: UUID,
        search_done: bool,
        occurred_at: datetime,
        actor: Actor,
        delay_justification: str | None = None,
    ) -> None:
        """The youth is back from an external exit (E22); a return after the expected time is flagged."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="the return from an exit")
        if self.open_exit != exit_id:
            refuse("D-04", "There is no open external exit with that id.")
        if not search_done:
            refuse("R-14", "Search the youth on return (Reg. art. 20 VI).")
        exceptions = ()
        if self.open_exit_due is not None and occurred_at > self.open_exit_due:
            exceptions = (RecordedException("D-08", delay_justification or "returned after the expected time", True),)
        self._end_external_exit(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            exit_id=exit_id,
            search_done=search_done,
            exceptions=exceptions,
        )

    @event(ExternalExitEnded)
    def _end_external_exit(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        exit_id: UUID,
        search_done: bool,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.away = None
        self.open_exit = None
        self.open_exit_due = None

    def authorise_family_leave(
        self,
        *,
        leave_id: UUID,
        kind: LeaveKind,
        leave_date: date,
        technical_assessment_done: bool,
        travels_alone: bool,
        guardian_term_signed: bool,
        occurred_at: datetime,
        actor: Actor,
        revision_reason: str | None = None,
    ) -> None:
        """Authorise a family visit outside the unit (*visita à família*, E23).

        Same-day leave from day 45, overnight from day 75 (Reg. art. 55 III, 63); from day 30
        for youths from a provisional unit with quarterly reassessment (Reg. art. 63 par. único).
        Reg. art. 77 says "70": a drafting slip (Decision 1). Dates count from the start in this
        unit, intake day = 1 (Reg. art. 75; Decision 11).
        """
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a family leave")
        kind = _coerce(LeaveKind, kind, "R-31", "Leave kind")
        if leave_id in self.leaves:
            refuse("D-02", "A leave with this id is already authorised.")
        # Reg. art. 77: the direction of the unit authorises.
        if actor.role is not Role.GERENTE:
            refuse("R-32", "The gerente authorises family leave (Reg. art. 77).")
        # Reg. art. 79 I: the technical team assesses the family context first.
        if not technical_assessment_done:
            refuse("R-32", "Record the technical team's assessment of the family context first (Reg. art. 79 I).")
        # Reg. art. 79 III: a youth travelling alone needs the guardian's signed term.
        if travels_alone and not guardian_term_signed:
            refuse("R-32", "The youth travels alone: the guardian must sign the term of responsibility (Reg. art. 79 III).")
        if self.external_activities_banned:
            refuse("D-07", "A court order forbids external activities for this youth.")
        day = self.day_of_measure(leave_date)
        # Reg. art. 76: nobody leaves in the first 8 days.
        if day <= 8:
            refuse("R-13", f"Day {day} is within the 8-day triage; no family leave (Reg. art. 76).")
        # Reg. art. 63 I, II; par. único.
        early = 30 if (self.origin is IntakeOrigin.UNIDADE_PROVISORIA and self.quarterly_reassessment) else 45
        threshold = early if kind is LeaveKind.MESMO_DIA else max(75, early)
        exceptions = []
        if day < threshold:
            if not (revision_reason or "").strip():
                assert self.stay_started_on is not None
                refuse(
                    "R-31",
                    f"Day {day} of the measure in this unit: {kind.value} leave starts on day {threshold} "
                    f"({nth_day(self.stay_started_on, threshold).isoformat()}). Reg. art. 63 applies "
                    "(Reg. art. 77's \"70\" is treated as a drafting slip). An individual revision needs its reasons "
                    "(Reg. art. 75 par. único, 81).",
                )
            exceptions.append(RecordedException("R-31", revision_reason or "", True))
        self._authorise_family_leave(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            leave_id=leave_id,
            kind=kind,
            leave_date=leave_date,
            day_of_measure=day,
            technical_assessment_done=technical_assessment_done,
            travels_alone=travels_alone,
            guardian_term_signed=guardian_term_signed,
            exceptions=tuple(exceptions),
        )

    @event(FamilyLeaveAuthorized)
    def _authorise_family_leave(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        leave_id: UUID,
        kind: LeaveKind,
        leave_date: date,
        day_of_measure: int,
        technical_assessment_done: bool,
        travels_alone: bool,
        guardian_term_signed: bool,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.leaves[leave_id] = _Leave(kind, leave_date)

    def start_family_leave(self, *, leave_id: UUID, search_done: bool, occurred_at: datetime, actor: Actor) -> None:
        """The youth leaves for an authorised family visit (E23)."""
        on = local_date(occurred_at)
        self._require_present("a family leave")
        leave = self.leaves.get(leave_id)
        if leave is None or leave.started:
            refuse("D-04", "There is no authorised, unstarted leave with that id.")
        if on != leave.leave_date:
            refuse("R-32", f"The leave was authorised for {leave.leave_date.isoformat()}; no make-up days (Reg. art. 79 II).")
        if not search_done:
            refuse("R-14", "Search the youth before the exit (Reg. art. 20 VI).")
        self._start_family_leave(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            leave_id=leave_id,
            search_done=search_done,
        )

    @event(FamilyLeaveStarted)
    def _start_family_leave(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        leave_id: UUID,
        search_done: bool,
    ) -> None:
        self.leaves[leave_id].started = True
        self.away = "visita_familia"

    def return_from_family_leave(
        self, *, leave_id: UUID, search_done: bool, occurred_at: datetime, actor: Actor, delay_justification: str | None = None
    ) -> None:
        """The youth is back from the family visit (E23); after 19:30 the return is late (Reg. art. 63, 79)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a return from leave")
        leave = self.leaves.get(leave_id)
        if leave is None or not leave.started or leave.returned:
            refuse("D-04", "There is no leave in progress with that id.")
        if not search_done:
            refuse("R-14", "Search the youth on return (Reg. art. 20 VI).")
        # Reg. art. 63 I, II: back by 19:30 the same day, or the next day for overnight leave.
        due_day = leave.leave_date + timedelta(days=1 if leave.kind is LeaveKind.PERNOITE else 0)
        due = datetime.combine(due_day, time(19, 30), tzinfo=CUIABA)
        late = occurred_at > due
        exceptions = (
            (RecordedException("R-32", delay_justification or "late return from family leave: possible evasion", True),)
            if late
            else ()
        )
        self._return_from_family_leave(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            leave_id=leave_id,
            search_done=search_done,
            late=late,
            exceptions=exceptions,
        )

    @event(FamilyLeaveReturned)
    def _return_from_family_leave(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        leave_id: UUID,
        search_done: bool,
        late: bool,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.leaves[leave_id].returned = True
        self.away = None

    def record_evasion(
        self,
        *,
        unit: Unit,
        kind: EvasionKind,
        court_notified: bool,
        superintendencia_notified: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record an evasion (*evasão / não retorno*, E24); the stay ends."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="an evasion")
        self._require_unit(unit)
        # Reg. art. 21 XX: the líder stays and writes the report.
        if actor.role not in (Role.LIDER, Role.GERENTE):
            refuse("R-53", "The líder de equipe on duty records the evasion and writes the report (Reg. art. 21 XX).")
        exceptions = []
        # Reg. art. 14 XI: court and Superintendência informed.
        if not (court_notified and superintendencia_notified):
            exceptions.append(RecordedException("R-53", "court or Superintendência not yet notified", True))
        self._record_evasion(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            kind=kind,
            court_notified=court_notified,
            superintendencia_notified=superintendencia_notified,
            exceptions=tuple(exceptions),
        )
        unit.discharge_resident(
            case_id=self.id, reason=DepartureReason.EVASAO, occurred_at=occurred_at, actor=actor, source_document=None
        )

    @event(EvasionRecorded)
    def _record_evasion(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        kind: EvasionKind,
        court_notified: bool,
        superintendencia_notified: bool,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self._close_stay(occurred_at, DepartureReason.EVASAO)
        self.status = CaseStatus.EVADIDO
        self.away = None
        self.open_exit = None
        self.room = None

    def return_from_evasion(
        self,
        *,
        unit: Unit,
        occurred_at: datetime,
        actor: Actor,
        court_order: SourceDocument | None,
        court_ordered_over_capacity: bool = False,
        exception_justification: str | None = None,
    ) -> None:
        """Re-admit the youth after an evasion (*retorno / recaptura*, E25): a new stay, on a court order."""
        on = local_date(occurred_at)
        self._require_status(CaseStatus.EVADIDO, doing="a return from evasion")
        _require_judicial(court_order, "R-01", "order of re-admission (mandado de busca e apreensão or decision)")
        assert self.modality is not None
        self._check_unit_profile(unit, self.modality, on)
        exceptions = unit.admission_exceptions(
            court_ordered_over_capacity=court_ordered_over_capacity, justification=exception_justification, on=on
        )
        self._return_from_evasion(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(unit.id),
            source_document=court_order,
            exceptions=exceptions,
        )
        unit.admit_resident(
            case_id=self.id,
            reason=AdmissionReason.RETORNO_DE_EVASAO,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_order,
            exceptions=exceptions,
        )

    @event(ReturnedFromEvasion)
    def _return_from_evasion(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        self.status = CaseStatus.ATIVO
        self.unit_id = unit_id
        self.stays.append(Stay(unit_id, occurred_at, AdmissionReason.RETORNO_DE_EVASAO))
        self.stay_started_on = occurred_at.astimezone(CUIABA).date()

    def record_police_apprehension(
        self,
        *,
        officer_name: str,
        officer_document: str,
        reason: str,
        form_reference: str,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record that the police apprehended the youth in the unit for a new act (E26; Reg. art. 27 par. único).

        The stay does not end here: leaving the measure needs the court's order (Reg. art. 27).
        """
        local_date(occurred_at)
        self._require_present("a police apprehension")
        if actor.role not in (Role.GERENTE, Role.LIDER):
            refuse("D-05", "The gerente or the líder de equipe on duty records a police apprehension.")
        # Reg. art. 27 par. único: identification of the officer, the reason, the document filled in.
        if not (officer_name.strip() and officer_document.strip()):
            refuse("D-12", "Record the apprehending officer's name and identification (Reg. art. 27 par. único).")
        if not reason.strip():
            refuse("D-12", "Record the reason the police gave for the apprehension (Reg. art. 27 par. único).")
        if not form_reference.strip():
            refuse("D-12", "Give the reference of the apprehension form filled in (Reg. art. 27 par. único).")
        self._record_police_apprehension(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=source_document,
            officer_name=officer_name,
            officer_document=officer_document,
            reason=reason,
            form_reference=form_reference,
        )

    @event(ApprehendedByPoliceInUnit)
    def _record_police_apprehension(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        officer_name: str,
        officer_document: str,
        reason: str,
        form_reference: str,
    ) -> None:
        self.apprehensions_in_unit += 1

    # --- D. discipline -------------------------------------------------------------------

    def open_disciplinary_procedure(
        self,
        *,
        unit: Unit,
        procedure_id: UUID,
        incident_id: UUID,
        offence_code: str,
        commission: Iterable[StaffMember],
        defender_notified: bool,
        parents_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        catalogue: dict[str, Offence] = EXAMPLE_OFFENCE_CATALOGUE,
    ) -> None:
        """Open a disciplinary procedure for this youth alone (*instauração*, E28)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a disciplinary procedure")
        self._require_unit(unit)
        involved = unit.incidents.get(incident_id)
        if involved is None:
            refuse("D-04", "Report the incident in the unit first (DisciplinaryIncidentReported).")
        # One youth per procedure; the incident must name this youth individually (no collective sanction).
        if self.id not in involved:
            refuse("R-47", "The incident does not name this youth; procedures are individual (no collective sanctions).")
        if any(p.incident_id == incident_id for p in self.procedures.values()):
            refuse("R-47", "A procedure for this youth and this incident already exists; no double punishment.")
        if procedure_id in self.procedures:
            refuse("D-02", "A procedure with this id already exists.")
        # SINASE 49 V: the youth was told the disciplinary rules in writing.
        if not self.orientation_acknowledged:
            refuse("R-17", "The youth has not acknowledged the written rules (Reg. art. 34); no charge can be brought.")
        offence = typed_offence(offence_code, catalogue)
        commission = tuple(commission)
        check_commission(commission)
        # SINASE 49 I; Reg. art. 97 par. único: legal assistance.
        if not defender_notified:
            refuse("R-43", "Notify the youth's defender before opening the procedure (SINASE 49 I).")
        self._open_disciplinary_procedure(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            procedure_id=procedure_id,
            incident_id=incident_id,
            offence_code=offence.code,
            severity=offence.severity,
            commission=commission,
            defender_notified=defender_notified,
            parents_notified=parents_notified,
        )

    @event(DisciplinaryProcedureOpened)
    def _open_disciplinary_procedure(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        procedure_id: UUID,
        incident_id: UUID,
        offence_code: str,
        severity: OffenceSeverity,
        commission: tuple[StaffMember, ...],
        defender_notified: bool,
        parents_notified: bool,
    ) -> None:
        self.procedures[procedure_id] = _Procedure(incident_id, offence_code, severity)

    def _procedure(self, procedure_id: UUID) -> _Procedure:
        procedure = self.procedures.get(procedure_id)
        if procedure is None:
            refuse("R-42", "There is no disciplinary procedure with that id; no sanction without a formal procedure.")
        return procedure

    def hold_disciplinary_hearing(
        self,
        *,
        procedure_id: UUID,
        youth_heard: bool,
        defender_present: bool,
        parents_present: bool,
        defence_presented: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Hear the youth with a defender (*oitiva*, E30)."""
        local_date(occurred_at)
        procedure = self._procedure(procedure_id)
        if procedure.outcome is not None:
            refuse("D-02", "The procedure is already decided.")
        # SINASE 71 III, VI; 49 I: the youth is heard, with legal assistance.
        if not youth_heard:
            refuse("R-43", "The youth must be heard in the hearing (SINASE 71 III).")
        if not defender_present:
            refuse("R-43", "The youth's defender must assist at the hearing (SINASE 49 I; Reg. art. 97 par. único).")
        self._hold_disciplinary_hearing(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            procedure_id=procedure_id,
            youth_heard=youth_heard,
            defender_present=defender_present,
            parents_present=parents_present,
            defence_presented=defence_presented,
        )

    @event(DisciplinaryHearingHeld)
    def _hold_disciplinary_hearing(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        procedure_id: UUID,
        youth_heard: bool,
        defender_present: bool,
        parents_present: bool,
        defence_presented: bool,
    ) -> None:
        self.procedures[procedure_id].hearing_held = True

    def decide_disciplinary_procedure(
        self,
        *,
        procedure_id: UUID,
        outcome: DisciplinaryOutcome,
        decided_by: Iterable[StaffMember],
        exclusion_grounds_examined: bool,
        appeal_information_given: bool,
        occurred_at: datetime,
        actor: Actor,
        sanction: SanctionType | str | None = None,
        duration_days: int | None = None,
        starts_on: date | None = None,
        exclusion_ground_found: ExclusionGround | None = None,
        aggravating: Iterable[str] = (),
        attenuating: Iterable[str] = (),
    ) -> None:
        """Record the commission's decision (*decisão do Conselho*, E31) with a fixed duration."""
        on = local_date(occurred_at)
        procedure = self._procedure(procedure_id)
        if procedure.outcome is not None:
            refuse("R-47", "This procedure is already decided; no double punishment for the same conduct.")
        outcome = _coerce(DisciplinaryOutcome, outcome, "R-42", "Outcome")
        decided_by = tuple(decided_by)
        if not decided_by:
            refuse("R-44", "Name who decided.")
        # Reg. art. 15 X: the psychologist does not decide sanctions.
        if any(m.role is Role.PSICOLOGO for m in decided_by):
            refuse("R-44", "The psychologist may not decide a sanction (Reg. art. 15 X).")
        # SINASE 71 III: the youth is heard before any decision.
        if not procedure.hearing_held:
            refuse("R-43", "Hold the hearing of the youth, with defence, before deciding (SINASE 71 III).")
        # SINASE 75: exclusion grounds are examined in every decision.
        if not exclusion_grounds_examined:
            refuse("R-46", "Examine the exclusion grounds (coercion, force majeure, self-defence) and say so (SINASE 75).")
        # SINASE 71 VII: the youth is told how to appeal.
        if not appeal_information_given:
            refuse("R-49", "Tell the youth how to appeal and record it (SINASE 71 VII).")
        ends_on: date | None = None
        chosen: SanctionType | None = None
        if outcome is DisciplinaryOutcome.SANCAO:
            if sanction is None:
                refuse("R-42", "Name the measure applied, from the catalogue.")
            chosen = coerce_sanction(sanction)
            if exclusion_ground_found is not None:
                refuse("R-46", f"An exclusion ground was found ({exclusion_ground_found.value}): no sanction (SINASE 75).")
            # SINASE 71 IV: a fixed duration.
            if duration_days is None or duration_days < 1:
                refuse("R-45", "Give the sanction a fixed duration in days (SINASE 71 IV).")
            starts_on = starts_on or on
            ends_on = starts_on + timedelta(days=duration_days - 1)
        elif sanction is not None:
            refuse("R-42", "A decision without sanction cannot name a measure.")
        else:
            starts_on = None
        self._decide_disciplinary_procedure(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            procedure_id=procedure_id,
            outcome=outcome,
            sanction=chosen,
            starts_on=starts_on,
            ends_on=ends_on,
            exclusion_grounds_examined=exclusion_grounds_examined,
            exclusion_ground_found=exclusion_ground_found,
            aggravating=tuple(aggravating),
            attenuating=tuple(attenuating),
            decided_by=decided_by,
            appeal_information_given=appeal_information_given,
        )

    @event(DisciplinaryDecisionIssued)
    def _decide_disciplinary_procedure(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        procedure_id: UUID,
        outcome: DisciplinaryOutcome,
        sanction: SanctionType | None,
        starts_on: date | None,
        ends_on: date | None,
        exclusion_grounds_examined: bool,
        exclusion_ground_found: ExclusionGround | None,
        aggravating: tuple[str, ...],
        attenuating: tuple[str, ...],
        decided_by: tuple[StaffMember, ...],
        appeal_information_given: bool,
    ) -> None:
        procedure = self.procedures[procedure_id]
        procedure.outcome = outcome
        procedure.sanction = sanction

    def file_disciplinary_appeal(
        self, *, procedure_id: UUID, filed_by: ReassessmentRequester, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record an appeal against a sanction (*recurso*, E33)."""
        local_date(occurred_at)
        procedure = self._procedure(procedure_id)
        if procedure.outcome is not DisciplinaryOutcome.SANCAO:
            refuse("R-49", "Only a decided sanction can be appealed.")
        if procedure.appealed:
            refuse("D-02", "This decision is already under appeal.")
        filed_by = _coerce(ReassessmentRequester, filed_by, "R-49", "Appellant")
        self._file_disciplinary_appeal(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            procedure_id=procedure_id,
            filed_by=filed_by,
        )

    @event(AppealFiled)
    def _file_disciplinary_appeal(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        procedure_id: UUID,
        filed_by: ReassessmentRequester,
    ) -> None:
        self.procedures[procedure_id].appealed = True

    def decide_disciplinary_appeal(
        self,
        *,
        procedure_id: UUID,
        outcome: AppealOutcome,
        occurred_at: datetime,
        actor: Actor,
        new_ends_on: date | None = None,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record the decision on an appeal (E33)."""
        local_date(occurred_at)
        procedure = self._procedure(procedure_id)
        if not procedure.appealed or procedure.appeal_decided:
            refuse("D-02", "There is no pending appeal on this procedure.")
        outcome = _coerce(AppealOutcome, outcome, "R-49", "Appeal outcome")
        if outcome is AppealOutcome.REDUZIDA and new_ends_on is None:
            refuse("R-45", "A reduced sanction needs its new fixed end date (SINASE 71 IV).")
        self._decide_disciplinary_appeal(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=source_document,
            procedure_id=procedure_id,
            outcome=outcome,
            new_ends_on=new_ends_on,
        )

    @event(AppealDecided)
    def _decide_disciplinary_appeal(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        procedure_id: UUID,
        outcome: AppealOutcome,
        new_ends_on: date | None,
    ) -> None:
        self.procedures[procedure_id].appeal_decided = True

    def record_court_sanction_suspension(
        self, *, procedure_id: UUID, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Record that the judge suspended a sanction (*suspensão judicial da sanção*, E34; SINASE 48 caput)."""
        local_date(occurred_at)
        procedure = self._procedure(procedure_id)
        if procedure.outcome is not DisciplinaryOutcome.SANCAO:
            refuse("R-49", "Only a decided sanction can be suspended by the court.")
        _require_judicial(court_order, "D-06", "the judge's decision suspending the sanction")
        self._record_court_sanction_suspension(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_order,
            procedure_id=procedure_id,
        )

    @event(SanctionSuspendedByCourt)
    def _record_court_sanction_suspension(
        self, occurred_at: datetime, actor: Actor, unit_id: str, source_document: SourceDocument | None, procedure_id: UUID
    ) -> None:
        self.procedures[procedure_id].suspended_by_court = True

    def record_use_of_force(
        self,
        *,
        technique: ForceTechnique | str,
        staff: Iterable[StaffMember],
        injuries: bool,
        justification: str,
        occurred_at: datetime,
        actor: Actor,
        medical_exam_reference: str | None = None,
    ) -> None:
        """Record a containment or use of force (*contenção / uso da força*, E37)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a use of force")
        text = str(technique).lower()
        # CONANDA 252 art. 68: chemical restraint is forbidden; medication only on medical criteria.
        if not isinstance(technique, ForceTechnique) and ("medica" in text or "quimic" in text or "chemical" in text):
            refuse("R-52", "Chemical restraint is forbidden (CONANDA 252 art. 68); medication is a medical act, not containment.")
        technique = _coerce(ForceTechnique, technique, "R-52", "Technique")
        staff = tuple(staff)
        if not staff:
            refuse("D-04", "Name the staff who used force.")
        if not justification.strip():
            refuse("D-04", "Justify the use of force (ECA 125).")
        exceptions = ()
        if injuries and not (medical_exam_reference or "").strip():
            exceptions = (RecordedException("R-52", "injuries without a medical examination recorded", True),)
        self._record_use_of_force(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            technique=technique,
            staff=staff,
            injuries=injuries,
            medical_exam_reference=medical_exam_reference,
            justification=justification,
            exceptions=exceptions,
        )

    @event(UseOfForceRecorded)
    def _record_use_of_force(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        technique: ForceTechnique,
        staff: tuple[StaffMember, ...],
        injuries: bool,
        medical_exam_reference: str | None,
        justification: str,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        pass

    def assess_damage_repair(
        self,
        *,
        procedure_id: UUID,
        damage: str,
        value_cents: int,
        family_liable: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the repair assessed for damage to the unit (*reparação de dano*, E35; Reg. art. 37, 52 XX).

        Assessed by the Conselho Socioeducador in the youth's procedure; repaired through the family.
        """
        local_date(occurred_at)
        if procedure_id not in self.procedures:
            refuse("D-04", "Name the disciplinary procedure in which the damage is assessed (Reg. art. 52 XX).")
        if actor.role not in (Role.COMISSAO, Role.GERENTE):
            refuse("D-05", "The Conselho Socioeducador assesses the damage (Reg. art. 52 XX).")
        if not damage.strip() or value_cents < 0:
            refuse("D-04", "Describe the damage and give its value (zero or more).")
        self._assess_damage_repair(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            procedure_id=procedure_id,
            damage=damage,
            value_cents=value_cents,
            family_liable=family_liable,
        )

    @event(DamageRepairAssessed)
    def _assess_damage_repair(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        procedure_id: UUID,
        damage: str,
        value_cents: int,
        family_liable: bool,
    ) -> None:
        pass

    def record_search(
        self,
        *,
        kind: SearchKind,
        reason: SearchReason,
        staff: Iterable[StaffMember],
        invasive: bool,
        occurred_at: datetime,
        actor: Actor,
        items_seized: Iterable[str] = (),
    ) -> None:
        """Record a personal, room or belongings search (*revista*, E38)."""
        local_date(occurred_at)
        self._require_present("a search")
        kind = _coerce(SearchKind, kind, "D-11", "Search kind")
        reason = _coerce(SearchReason, reason, "D-11", "Search reason")
        if actor.role not in (Role.AGENTE, Role.LIDER):
            refuse("D-05", "The agente socioeducativo or the líder de equipe records a search (Reg. art. 20 VI, 21 XIII).")
        staff = tuple(dict.fromkeys(staff))
        # CONANDA 252 (as reported in docs/DOMAIN-DECISIONS.md E38): more than one professional, never invasive.
        if len(staff) < 2:
            refuse("D-11", "A search is made by more than one professional; name them all.")
        if invasive:
            refuse("D-11", "Invasive searches are forbidden; do not record one as a search, report it as an occurrence.")
        # Reg. art. 21 XIII: the líder supervises searches of rooms.
        if kind is SearchKind.ALOJAMENTO and not any(m.role is Role.LIDER for m in staff):
            refuse("D-11", "The líder de equipe supervises room searches (Reg. art. 21 XIII); name the líder present.")
        self._record_search(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            kind=kind,
            reason=reason,
            staff=staff,
            items_seized=tuple(items_seized),
        )

    @event(SearchPerformed)
    def _record_search(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        kind: SearchKind,
        reason: SearchReason,
        staff: tuple[StaffMember, ...],
        items_seized: tuple[str, ...],
    ) -> None:
        self.searches += 1

    def apply_isolation(
        self,
        *,
        isolation_id: UUID,
        ground: IsolationGround | str,
        justification: str,
        place: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Separate the youth from the others (*isolamento*, E29): only when indispensable for safety."""
        require_aware(occurred_at)
        self._require_present("an isolation")
        # SINASE 48 §2: only if indispensable for the safety of others or of the youth.
        ground = _coerce(IsolationGround, ground, "R-48", "Isolation ground")
        if not justification.strip():
            refuse("R-48", "Justify why isolation is indispensable for safety (SINASE 48 §2).")
        if actor.role not in (Role.GERENTE, Role.LIDER):
            refuse("D-05", "The gerente (or the líder in an emergency) decides an isolation.")
        if any(not ended for (_, _, ended) in self.isolations.values()):
            refuse("D-02", "The youth is already isolated; end that isolation first.")
        self._apply_isolation(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            isolation_id=isolation_id,
            ground=ground,
            justification=justification,
            place=place,
        )

    @event(IsolationApplied)
    def _apply_isolation(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        isolation_id: UUID,
        ground: IsolationGround,
        justification: str,
        place: str,
    ) -> None:
        self.isolations[isolation_id] = (occurred_at, False, False)

    def record_isolation_notices(
        self,
        *,
        isolation_id: UUID,
        defender_notified_at: datetime,
        prosecutor_notified_at: datetime,
        judge_notified_at: datetime,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record that defender, MP and judge were told of the isolation (SINASE 48 §2: within 24 h)."""
        require_aware(occurred_at)
        record = self.isolations.get(isolation_id)
        if record is None:
            refuse("D-04", "There is no isolation with that id.")
        started_at, notified, _ = record
        if notified:
            refuse("D-02", "The notices of this isolation are already recorded.")
        notices = [require_aware(t) for t in (defender_notified_at, prosecutor_notified_at, judge_notified_at)]
        exceptions = ()
        if max(notices) - started_at > timedelta(hours=24):
            exceptions = (RecordedException("R-48", "notices sent more than 24 h after the isolation began", True),)
        self._record_isolation_notices(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            isolation_id=isolation_id,
            defender_notified_at=defender_notified_at,
            prosecutor_notified_at=prosecutor_notified_at,
            judge_notified_at=judge_notified_at,
            exceptions=exceptions,
        )

    @event(IsolationNoticesSent)
    def _record_isolation_notices(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        isolation_id: UUID,
        defender_notified_at: datetime,
        prosecutor_notified_at: datetime,
        judge_notified_at: datetime,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        started_at, _, ended = self.isolations[isolation_id]
        self.isolations[isolation_id] = (started_at, True, ended)

    def end_isolation(self, *, isolation_id: UUID, occurred_at: datetime, actor: Actor) -> None:
        """End the isolation (E29); ending it without the 24 h notices is flagged."""
        require_aware(occurred_at)
        record = self.isolations.get(isolation_id)
        if record is None or record[2]:
            refuse("D-04", "There is no ongoing isolation with that id.")
        exceptions = ()
        if not record[1]:
            exceptions = (RecordedException("R-48", "isolation ended without notices to defender, MP and judge", True),)
        self._end_isolation(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            isolation_id=isolation_id,
            exceptions=exceptions,
        )

    @event(IsolationEnded)
    def _end_isolation(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        isolation_id: UUID,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        started_at, notified, _ = self.isolations[isolation_id]
        self.isolations[isolation_id] = (started_at, notified, True)

    def grant_incentive(
        self, *, incentive_id: UUID, kind: IncentiveKind, team_heard: bool, occurred_at: datetime, actor: Actor
    ) -> None:
        """Grant an incentive (*estímulo*, E36; Reg. art. 64–66)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="an incentive")
        # Reg. art. 64 §3: the gerente grants, after hearing the reference team.
        if actor.role is not Role.GERENTE or not team_heard:
            refuse("D-05", "The gerente grants incentives after hearing the reference team (Reg. art. 64 §3).")
        if incentive_id in self.incentives:
            refuse("D-02", "An incentive with this id already exists.")
        self._grant_incentive(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            incentive_id=incentive_id,
            kind=kind,
            team_heard=team_heard,
        )

    @event(IncentiveGranted)
    def _grant_incentive(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        incentive_id: UUID,
        kind: IncentiveKind,
        team_heard: bool,
    ) -> None:
        self.incentives[incentive_id] = True

    def suspend_incentive(
        self,
        *,
        incentive_id: UUID,
        motive: SuspensionMotive,
        occurred_at: datetime,
        actor: Actor,
        procedure_id: UUID | None = None,
    ) -> None:
        """Suspend an incentive (E36); for misconduct it must rest on a disciplinary decision."""
        local_date(occurred_at)
        if not self.incentives.get(incentive_id):
            refuse("D-04", "There is no active incentive with that id.")
        motive = _coerce(SuspensionMotive, motive, "R-50", "Motive")
        # Reg. art. 64 §3 + SINASE 74: otherwise it is a disguised sanction.
        if motive is SuspensionMotive.MA_CONDUTA:
            procedure = self.procedures.get(procedure_id) if procedure_id else None
            if procedure is None or procedure.outcome is not DisciplinaryOutcome.SANCAO:
                refuse(
                    "R-50",
                    "Suspending an incentive for misconduct needs a disciplinary decision with a sanction; "
                    "open and decide the procedure first.",
                )
        self._suspend_incentive(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            incentive_id=incentive_id,
            motive=motive,
            procedure_id=procedure_id,
        )

    @event(IncentiveSuspended)
    def _suspend_incentive(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        incentive_id: UUID,
        motive: SuspensionMotive,
        procedure_id: UUID | None,
    ) -> None:
        self.incentives[incentive_id] = False

    # --- E. visits -------------------------------------------------------------------------

    def register_visitor(
        self,
        *,
        visitor_id: UUID,
        name: str,
        photo_id_kind: PhotoIdKind | None,
        photo_id_number: str,
        relationship: Relationship,
        relationship_proof: str,
        is_minor: bool,
        qualified_by_team: bool,
        modalities: Iterable[VisitModality],
        occurred_at: datetime,
        actor: Actor,
        parental_authorisation: str | None = None,
        priority: bool = False,
    ) -> None:
        """Put a visitor on the youth's list (*cadastro no rol de visitantes*, E39)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a visitor registration")
        require_name(name, "the visitor's name (Reg. art. 56: visitors are identified)")
        if visitor_id in self.visitors:
            refuse("D-02", "This visitor is already on the list; deactivated visitors stay deactivated.")
        # Reg. art. 56: photo ID; Reg. art. 58: proof of the relationship.
        if photo_id_kind is None or not photo_id_number.strip():
            refuse("R-36", "Record the visitor's photo ID (Reg. art. 56).")
        if not relationship_proof.strip():
            refuse("R-36", "Record the document proving the relationship (Reg. art. 58).")
        # Reg. art. 55 V: visitors under 18 need their parents' authorisation.
        if is_minor and not (parental_authorisation or "").strip():
            refuse("R-36", "A visitor under 18 needs the written authorisation of parents or guardian (Reg. art. 55 V).")
        modalities = tuple(dict.fromkeys(modalities)) or (VisitModality.COMUM,)
        # Reg. art. 55 II: exceptional visits after the technical team's qualification.
        if VisitModality.EXCEPCIONAL in modalities and not qualified_by_team:
            refuse("R-37", "Exceptional visits need the technical team's qualification first (Reg. art. 55 II).")
        self._register_visitor(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            visitor_id=visitor_id,
            name=name,
            photo_id_kind=photo_id_kind,
            photo_id_number=photo_id_number,
            relationship=relationship,
            relationship_proof=relationship_proof,
            is_minor=is_minor,
            parental_authorisation=parental_authorisation,
            qualified_by_team=qualified_by_team,
            modalities=modalities,
            priority=priority,
        )

    @event(VisitorRegistered)
    def _register_visitor(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        visitor_id: UUID,
        name: str,
        photo_id_kind: PhotoIdKind,
        photo_id_number: str,
        relationship: Relationship,
        relationship_proof: str,
        is_minor: bool,
        parental_authorisation: str | None,
        qualified_by_team: bool,
        modalities: tuple[VisitModality, ...],
        priority: bool,
    ) -> None:
        self.visitors[visitor_id] = _Visitor(True, tuple(modalities))

    def deactivate_visitor(self, *, visitor_id: UUID, reason: str, occurred_at: datetime, actor: Actor) -> None:
        """Take a visitor off the active list (E39): deactivated, never deleted."""
        local_date(occurred_at)
        visitor = self.visitors.get(visitor_id)
        if visitor is None or not visitor.active:
            refuse("D-04", "There is no active visitor with that id.")
        if not reason.strip():
            refuse("D-04", "State why the visitor is deactivated.")
        self._deactivate_visitor(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=None,
            visitor_id=visitor_id,
            reason=reason,
        )

    @event(VisitorDeactivated)
    def _deactivate_visitor(
        self, occurred_at: datetime, actor: Actor, unit_id: str, source_document: SourceDocument | None, visitor_id: UUID, reason: str
    ) -> None:
        self.visitors[visitor_id].active = False

    def schedule_visit(
        self,
        *,
        unit: Unit,
        schedule_id: UUID,
        visitor_ids: Iterable[UUID],
        starts_at: datetime,
        ends_at: datetime,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Book an exceptional visit (*agendamento de visita excepcional*, E40; Reg. art. 55 II, 14 XX).

        The same rules as a held exceptional visit (weekday, one hour, one per fortnight,
        visitors qualified); a booking counts against the fortnight until it is held.
        """
        require_aware(starts_at)
        require_aware(ends_at)
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a visit booking")
        self._require_unit(unit)
        # Reg. art. 14 XX: the gerente authorises the list and the administrative sector books.
        if actor.role not in (Role.ADMINISTRATIVO, Role.GERENTE):
            refuse("D-05", "The administrative sector books exceptional visits authorised by the gerente (Reg. art. 14 XX).")
        if schedule_id in self.scheduled_visits:
            refuse("D-02", "A booking with this id already exists.")
        if starts_at <= occurred_at:
            refuse("D-04", "A booking is made before the visit; record a visit already held with hold_visit.")
        if ends_at <= starts_at:
            refuse("D-04", "The visit must end after it starts.")
        ids = self._check_visitors(unit, visitor_ids, VisitModality.EXCEPCIONAL, local_date(starts_at))
        self._check_exceptional_slot(starts_at, ends_at, scheduled_too=True)
        self._schedule_visit(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            schedule_id=schedule_id,
            visitor_ids=ids,
            starts_at=starts_at,
            ends_at=ends_at,
        )

    @event(VisitScheduled)
    def _schedule_visit(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        schedule_id: UUID,
        visitor_ids: tuple[UUID, ...],
        starts_at: datetime,
        ends_at: datetime,
    ) -> None:
        self.scheduled_visits[schedule_id] = starts_at.astimezone(CUIABA).date()

    def hold_visit(
        self,
        *,
        unit: Unit,
        visitor_ids: Iterable[UUID],
        modality: VisitModality,
        started_at: datetime,
        ended_at: datetime,
        search_done: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record a visit held (*visita realizada*, E41)."""
        require_aware(started_at)
        require_aware(ended_at)
        on = local_date(started_at)
        self._require_present("a visit")
        self._require_unit(unit)
        modality = _coerce(VisitModality, modality, "R-35", "Visit modality")
        ids = self._check_visitors(unit, visitor_ids, modality, on)
        if not search_done:
            refuse("R-14", "Visitors are searched before the visit (Reg. art. 55 IX).")
        if ended_at <= started_at:
            refuse("D-04", "The visit must end after it starts.")
        start_t, end_t = local_time(started_at), local_time(ended_at)
        if modality is VisitModality.COMUM:
            # Reg. art. 55 I: common visits on Sundays, 08:00–11:00.
            if on.weekday() != 6 or start_t < time(8) or end_t > time(11) or local_date(ended_at) != on:
                refuse("R-35", "Common visits are on Sundays 08:00–11:00 (Reg. art. 55 I); record VisitRefused (Reg. art. 62 VI).")
        else:
            # The visit scheduled for this very day is the one being held; other bookings count.
            self._check_exceptional_slot(started_at, ended_at, scheduled_too=False)
        self._hold_visit(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            visitor_ids=ids,
            modality=modality,
            started_at=started_at,
            ended_at=ended_at,
            search_done=search_done,
        )

    @event(VisitHeld)
    def _hold_visit(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        visitor_ids: tuple[UUID, ...],
        modality: VisitModality,
        started_at: datetime,
        ended_at: datetime,
        search_done: bool,
    ) -> None:
        day = started_at.astimezone(CUIABA).date()
        self.last_visit_on = day
        if modality is VisitModality.EXCEPCIONAL:
            self.exceptional_visits.append(day)
            for schedule_id, scheduled_on in list(self.scheduled_visits.items()):
                if scheduled_on == day:
                    del self.scheduled_visits[schedule_id]

    def _check_visitors(
        self, unit: Unit, visitor_ids: Iterable[UUID], modality: VisitModality, on: date
    ) -> tuple[UUID, ...]:
        """The visitors of a visit held or scheduled on ``on``: listed, not suspended, qualified."""
        ids = tuple(dict.fromkeys(visitor_ids))
        # Reg. art. 55 IV: at most two visitors per visit.
        if not ids or len(ids) > 2:
            refuse("R-36", "A visit has one or two visitors (Reg. art. 55 IV).")
        for visitor_id in ids:
            visitor = self.visitors.get(visitor_id)
            # Reg. art. 62 I: not on the youth's list.
            if visitor is None or not visitor.active:
                refuse("R-35", "This visitor is not on the youth's active list; record VisitRefused (Reg. art. 62 I).")
            # Reg. art. 60: only the judge suspends visits.
            if any(s.covers(visitor_id, on) for s in self.court_suspensions.values()):
                refuse("R-33", "A court order suspends visits by this visitor; the visit cannot take place (Reg. art. 60).")
            # Reg. art. 61: the unit's suspension of this visitor.
            if unit.is_visitor_suspended(visitor_id, on):
                refuse("R-34", "This visitor is suspended by the unit (Reg. art. 61) until the date recorded.")
            if modality not in visitor.modalities:
                refuse("R-37", f"This visitor is not qualified for {modality.value} visits (Reg. art. 55 II).")
        return ids

    def _check_exceptional_slot(self, started_at: datetime, ended_at: datetime, *, scheduled_too: bool) -> None:
        """Reg. art. 55 II (K-EXC15): on a weekday, one hour at most, one per fortnight.

        The fortnight counts visits held and visits scheduled; when a visit is held, a booking
        on the same day is that visit itself (``scheduled_too=False``).
        """
        on = local_date(started_at)
        if on.weekday() > 4:
            refuse("R-37", "Exceptional visits take place on weekdays (Reg. art. 55 II).")
        if ended_at - started_at > timedelta(hours=1):
            refuse("R-37", "An exceptional visit lasts at most one hour (Reg. art. 55 II).")
        booked = [d for d in self.scheduled_visits.values() if scheduled_too or d != on]
        if any(abs((on - d).days) < 14 for d in [*self.exceptional_visits, *booked]):
            refuse(
                "R-37",
                "One exceptional visit per fortnight (Reg. art. 55 II): another one was held or is scheduled "
                "less than 14 days from this date.",
            )

    def refuse_visit(
        self,
        *,
        reason: VisitRefusalReason | str,
        family_guidance_signed: bool,
        noted_in_agenda: bool,
        occurred_at: datetime,
        actor: Actor,
        visitor_id: UUID | None = None,
    ) -> None:
        """Record a visitor turned away for a Reg. art. 62 reason (*visita não permitida*, E42)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a refused visit")
        # Reg. art. 62 I–VIII: the closed list.
        reason = _coerce(VisitRefusalReason, reason, "R-35", "Refusal reason")
        # Reg. art. 62 par. único: guidance signed by the family, note in the youth's agenda.
        if not family_guidance_signed or not noted_in_agenda:
            refuse("R-35", "Give the family the signed guidance and note it in the youth's agenda (Reg. art. 62 par. único).")
        if visitor_id is not None and visitor_id not in self.visitors:
            refuse("D-04", "Unknown visitor id; leave it empty for someone not on the list.")
        self._refuse_visit(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            visitor_id=visitor_id,
            reason=reason,
            family_guidance_signed=family_guidance_signed,
            noted_in_agenda=noted_in_agenda,
        )

    @event(VisitRefused)
    def _refuse_visit(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        visitor_id: UUID | None,
        reason: VisitRefusalReason,
        family_guidance_signed: bool,
        noted_in_agenda: bool,
    ) -> None:
        pass

    def suspend_visits_by_court(
        self,
        *,
        suspension_id: UUID,
        starts_on: date,
        occurred_at: datetime,
        actor: Actor,
        court_order: SourceDocument | None,
        visitor_ids: Iterable[UUID] = (),
        ends_on: date | None = None,
    ) -> None:
        """Record the court's suspension of visits (*suspensão judicial de visitas*, E44).

        An empty ``visitor_ids`` covers every visitor.
        """
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a visit suspension")
        # Reg. art. 60; ECA 124 §2: only the judicial authority suspends visits.
        _require_judicial(court_order, "R-33", "the judge's decision suspending visits (Reg. art. 60)")
        if suspension_id in self.court_suspensions:
            refuse("D-02", "A suspension with this id already exists.")
        if ends_on is not None and ends_on < starts_on:
            refuse("D-04", "The suspension must end after it starts.")
        ids = tuple(dict.fromkeys(visitor_ids))
        if any(v not in self.visitors for v in ids):
            refuse("D-04", "Every suspended visitor must be on the youth's list.")
        self._suspend_visits_by_court(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_order,
            suspension_id=suspension_id,
            visitor_ids=ids,
            starts_on=starts_on,
            ends_on=ends_on,
        )

    @event(VisitsSuspendedByCourt)
    def _suspend_visits_by_court(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        suspension_id: UUID,
        visitor_ids: tuple[UUID, ...],
        starts_on: date,
        ends_on: date | None,
    ) -> None:
        self.court_suspensions[suspension_id] = _CourtSuspension(tuple(visitor_ids), starts_on, ends_on)

    def lift_court_visit_suspension(
        self, *, suspension_id: UUID, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Record that the court lifted its visit suspension (E44)."""
        local_date(occurred_at)
        suspension = self.court_suspensions.get(suspension_id)
        if suspension is None or suspension.lifted:
            refuse("D-04", "There is no court visit suspension in force with that id.")
        _require_judicial(court_order, "R-33", "the judge's decision lifting the suspension")
        self._lift_court_visit_suspension(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_order,
            suspension_id=suspension_id,
        )

    @event(VisitsSuspensionLifted)
    def _lift_court_visit_suspension(
        self, occurred_at: datetime, actor: Actor, unit_id: str, source_document: SourceDocument | None, suspension_id: UUID
    ) -> None:
        self.court_suspensions[suspension_id].lifted = True

    def hold_phone_call(
        self, *, reason: PhoneCallReason, duration_minutes: int, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record a phone call of the youth (*ligação*, E45); after 15 days without visits it is a right."""
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a phone call")
        reason = _coerce(PhoneCallReason, reason, "R-39", "Call reason")
        if duration_minutes < 1:
            refuse("D-04", "Give the call's duration in minutes.")
        since = self.last_visit_on or self.stay_started_on
        assert since is not None
        gap = (on - since).days
        # Reg. art. 51 XXXII §1: the call replaces a visit only after 15 days without one.
        if reason is PhoneCallReason.SEM_VISITA_15_DIAS and gap < 15:
            refuse("R-39", f"The last visit (or the arrival) was {gap} days ago; the 15-day call applies from day 15.")
        self._hold_phone_call(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            reason=reason,
            duration_minutes=duration_minutes,
            days_without_visit=gap,
        )

    @event(PhoneCallHeld)
    def _hold_phone_call(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        reason: PhoneCallReason,
        duration_minutes: int,
        days_without_visit: int,
    ) -> None:
        pass

    def hold_private_interview(
        self, *, authority: InterviewAuthority, duration_minutes: int, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record a private interview with the MP or the defence (*entrevista reservada*, E46; ECA 124 I, III).

        Only that it happened, with whom and for how long: its content is never recorded.
        """
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a private interview")
        authority = _coerce(InterviewAuthority, authority, "D-04", "Authority")
        if duration_minutes < 1:
            refuse("D-04", "Give the interview's duration in minutes.")
        self._hold_private_interview(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            authority=authority,
            duration_minutes=duration_minutes,
        )

    @event(PrivateInterviewHeld)
    def _hold_private_interview(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        authority: InterviewAuthority,
        duration_minutes: int,
    ) -> None:
        self.private_interviews += 1

    # --- I. petitions ---------------------------------------------------------------------

    def file_petition(
        self,
        *,
        petition_id: UUID,
        addressee: PetitionAddressee,
        subject: PetitionSubject,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record a petition of the youth (*petição*, E56); sealed when addressed outside the unit."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a petition")
        if petition_id in self.petitions:
            refuse("D-02", "A petition with this id already exists.")
        addressee = _coerce(PetitionAddressee, addressee, "R-41", "Addressee")
        self._file_petition(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=None,
            petition_id=petition_id,
            addressee=addressee,
            subject=subject,
            sealed=addressee in SEALED_ADDRESSEES,
        )

    @event(PetitionFiled)
    def _file_petition(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        petition_id: UUID,
        addressee: PetitionAddressee,
        subject: PetitionSubject,
        sealed: bool,
    ) -> None:
        self.petitions[petition_id] = (occurred_at.astimezone(CUIABA).date(), False)

    def answer_petition(
        self, *, petition_id: UUID, occurred_at: datetime, actor: Actor, source_document: SourceDocument | None = None
    ) -> None:
        """Record the answer to a petition (E57); an answer after 15 days is flagged (SINASE 49 IV)."""
        on = local_date(occurred_at)
        record = self.petitions.get(petition_id)
        if record is None or record[1]:
            refuse("D-04", "There is no unanswered petition with that id.")
        exceptions = ()
        if on > calendar_deadline(record[0], 15):
            exceptions = (RecordedException("R-41", "petition answered after 15 days", True),)
        self._answer_petition(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=source_document,
            petition_id=petition_id,
            exceptions=exceptions,
        )

    @event(PetitionAnswered)
    def _answer_petition(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        petition_id: UUID,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        filed_on, _ = self.petitions[petition_id]
        self.petitions[petition_id] = (filed_on, True)

    # --- J. release -----------------------------------------------------------------------

    def receive_release_order(
        self, *, protocol_number: str, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Receive the release order (*Mandado de Liberação*, E58; Reg. art. 107 I)."""
        local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a release order")
        _require_judicial(court_order, "R-56", "the Mandado de Liberação or the decision of extinction")
        if self.release_order_received:
            refuse("D-02", "A release order is already on file; record the release.")
        self._receive_release_order(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=court_order,
            protocol_number=protocol_number,
        )

    @event(ReleaseOrderReceived)
    def _receive_release_order(
        self, occurred_at: datetime, actor: Actor, unit_id: str, source_document: SourceDocument | None, protocol_number: str
    ) -> None:
        self.release_order_received = True

    def release(
        self,
        *,
        unit: Unit | None,
        basis: ReleaseBasis,
        documents_delivered: bool,
        belongings_returned: bool,
        termo_de_desligamento_signed: bool,
        family_present: bool,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
        exception_justification: str | None = None,
        calendar: BusinessCalendar = DEFAULT_CALENDAR,
    ) -> None:
        """Release the youth (*desligamento*, E59): on a court order, or by operation of law.

        A release by law (age 21, 3 years, 45 days of provisória) is never blocked: checklist
        gaps and hours are recorded as exceptions with alerts.
        """
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="a release")
        basis = _coerce(ReleaseBasis, basis, "R-56", "Release basis")
        if self.status is CaseStatus.ATIVO:
            if unit is None:
                refuse("D-02", "Give the unit the youth leaves.")
            self._require_unit(unit)
        exceptions: list[RecordedException] = []
        if basis.is_ex_lege:
            self._check_ex_lege(basis, on)
        elif not self.release_order_received:
            # Reg. art. 105: release follows the court's order.
            refuse("R-56", "Receive the court's release order first, or give the legal basis of a release by law.")
        checklist = {
            "documents_delivered": documents_delivered,
            "belongings_returned": belongings_returned,
            "termo_de_desligamento_signed": termo_de_desligamento_signed,
        }
        missing = [name for name, done in checklist.items() if not done]
        if missing:
            # ECA 124 XVI; Reg. art. 51 X, 107 II.
            if not basis.is_ex_lege:
                refuse("R-58", "Complete the release checklist first: " + ", ".join(missing) + " (ECA 124 XVI; Reg. art. 107).")
            exceptions.append(
                RecordedException("R-58", exception_justification or "release by law with checklist pending: " + ", ".join(missing), True)
            )
        # Reg. art. 107 vs ECA 235: the 08–15 h Mon–Fri window never holds a youth back.
        if not within_office_hours(occurred_at, calendar=calendar):
            exceptions.append(RecordedException("R-57", exception_justification or "release outside 08–15 h Mon–Fri", True))
        was_inside = self.status is CaseStatus.ATIVO
        self._release(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=source_document,
            basis=basis,
            documents_delivered=documents_delivered,
            belongings_returned=belongings_returned,
            termo_de_desligamento_signed=termo_de_desligamento_signed,
            family_present=family_present,
            exceptions=tuple(exceptions),
        )
        if was_inside and unit is not None:
            unit.discharge_resident(
                case_id=self.id,
                reason=DepartureReason.DESLIGAMENTO,
                occurred_at=occurred_at,
                actor=actor,
                source_document=source_document,
            )

    def _check_ex_lege(self, basis: ReleaseBasis, on: date) -> None:
        """A release by law needs its legal condition to hold on the day; then nothing blocks it."""
        if basis is ReleaseBasis.EX_LEGE_21_ANOS and self.age_on(on) < 21:
            refuse("R-56", "The youth is not yet 21: release needs a court order (ECA 121 §5).")
        if basis is ReleaseBasis.EX_LEGE_3_ANOS and (
            self.measure_started_on is None or on < add_years(self.measure_started_on, 3)
        ):
            refuse("R-56", "Three years of the measure have not run: release needs a court order (ECA 121 §3).")
        if basis is ReleaseBasis.EX_LEGE_45_DIAS:
            start = self.apprehended_on or self.measure_started_on
            if self.modality is not Modality.PROVISORIA or start is None or on <= calendar_deadline(start, 45) - timedelta(days=1):
                refuse("R-56", "The 45 days of internação provisória have not run: release needs a court order (ECA 108).")

    @event(Released)
    def _release(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        basis: ReleaseBasis,
        documents_delivered: bool,
        belongings_returned: bool,
        termo_de_desligamento_signed: bool,
        family_present: bool,
        exceptions: tuple[RecordedException, ...],
    ) -> None:
        if self.status is CaseStatus.ATIVO:
            self._close_stay(occurred_at, DepartureReason.DESLIGAMENTO)
        self.status = CaseStatus.DESLIGADO
        self.release_basis = basis
        self.unit_id = None
        self.away = None
        self.room = None

    def report_reintegration(
        self, *, protocol_number: str, occurred_at: datetime, actor: Actor, source_document: SourceDocument | None = None
    ) -> None:
        """The gerente tells the court of the youth's reintegration (*ofício de reintegração*, E60; Reg. art. 107 IV)."""
        local_date(occurred_at)
        if self.status is not CaseStatus.DESLIGADO:
            refuse("D-02", "Report the reintegration after the release is recorded.")
        if self.reintegration_reported:
            refuse("D-02", "The reintegration was already reported to the court.")
        if actor.role is not Role.GERENTE:
            refuse("R-58", "The gerente reports the reintegration to the court (Reg. art. 107 IV).")
        if not protocol_number.strip():
            refuse("R-58", "Give the protocol number of the ofício sent to the court.")
        self._report_reintegration(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.stays[-1].unit_id if self.stays else "",
            source_document=source_document,
            protocol_number=protocol_number,
        )

    @event(ReintegrationReportedToCourt)
    def _report_reintegration(
        self, occurred_at: datetime, actor: Actor, unit_id: str, source_document: SourceDocument | None, protocol_number: str
    ) -> None:
        self.reintegration_reported = True

    def record_egress_follow_up(
        self,
        *,
        contact: EgressContactKind,
        referred_to_network: bool,
        occurred_at: datetime,
        actor: Actor,
        in_school: bool | None = None,
        in_course_or_work: bool | None = None,
        notes: str | None = None,
    ) -> None:
        """Record a follow-up of the youth after release (*acompanhamento do egresso*, E61; Reg. art. 70 II, 71)."""
        local_date(occurred_at)
        if self.status is not CaseStatus.DESLIGADO:
            refuse("D-02", "Egress follow-up starts after the release is recorded.")
        if actor.role not in TECHNICAL_ROLES | {Role.GERENTE}:
            refuse("D-05", "The reference technical team follows up the egress (Reg. art. 70 II, 71).")
        contact = _coerce(EgressContactKind, contact, "D-04", "Contact kind")
        self._record_egress_follow_up(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.stays[-1].unit_id if self.stays else "",
            source_document=None,
            contact=contact,
            in_school=in_school,
            in_course_or_work=in_course_or_work,
            referred_to_network=referred_to_network,
            notes=notes,
        )

    @event(EgressFollowUpRecorded)
    def _record_egress_follow_up(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        contact: EgressContactKind,
        in_school: bool | None,
        in_course_or_work: bool | None,
        referred_to_network: bool,
        notes: str | None,
    ) -> None:
        self.egress_follow_ups += 1

    # --- L. corrections -------------------------------------------------------------------

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
        check_correction(
            self._entries,
            self.voided,
            target_version=target_version,
            authorised_by=authorised_by,
            reason=reason,
            source_document=source_document,
            voiding=False,
        )
        corrections = tuple(corrections)
        if not corrections:
            refuse("R-66", "Name at least one corrected field and its new value.")
        self._correct_entry(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or "",
            source_document=source_document,
            target_version=target_version,
            corrections=corrections,
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
        """Void an entry recorded by mistake (*anulação*, E68); the entry stays in history, flagged."""
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
            unit_id=self.unit_id or "",
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
