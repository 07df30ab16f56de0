"""Intake (*inserção* and *acolhimento*): the youth is presented, admitted or refused, searched,
oriented and given a room (E03–E10; Reg. art. 24–44).

Over 400 lines because the eight intake events and their commands (admission, refusal, search findings, orientation, acolhimento, room) are one stage of the Regimento; split further it would part events from the commands that trigger them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterable
from uuid import UUID


from domain.calendar import (DEFAULT_CALENDAR, BusinessCalendar, calendar_for, local_date, require_aware,
                             within_office_hours)
from domain.case.core import CaseCore, CaseStatus, Stay, _age_band, _require_judicial
from domain.rules import coerce_choice, refuse
from domain.unit import Unit
from domain.values import (
    AcolhimentoStep,
    Actor,
    AdmissionReason,
    BuildClass,
    IntakeDocument,
    IntakeFinding,
    IntakeOrigin,
    IntakeRefusalDestination,
    IntakeRefusalReason,
    Modality,
    PersonalText,
    RecordedException,
    Role,
    RoomChangeReason,
    SeriousnessClass,
    SourceDocument,
)


class IntakeStage(CaseCore):
    """Intake: the events of this stage beside the commands that trigger them."""

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
        calendar: BusinessCalendar | None = None,
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
        # ECA 185 §2: where no unit can receive the youth, the wait in a police station (apart from adults)
        # lasts at most five days. A longer wait has already happened: recorded with an alert, never refused.
        if days_in_police_custody > 5:
            exceptions.append(RecordedException(
                "R-11", f"{days_in_police_custody} days in police custody before the intake (ECA 185 §2: at most 5)",
                True))
        # Reg. art. 25 vs ECA 185 §2 (Decision 4): outside 08–15 h on business days is recorded, never refused;
        # business days where the unit is (its comarca's municipal holidays).
        if not within_office_hours(occurred_at, calendar=calendar or calendar_for(unit.comarca)):
            exceptions.append(
                RecordedException("R-06", exception_justification or "intake outside 08–15 h on a business day", True)
            )
        self._record(
            self.IntakeRecorded,
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

    class IntakeRecorded(CaseCore.Event):
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
        body_exam_reference: PersonalText  # points to a health record
        seriousness: SeriousnessClass | None
        build: BuildClass | None
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            day = local_date(self.occurred_at)
            case.status = CaseStatus.ATIVO
            case.unit_id = self.unit_id
            case.stays.append(Stay(self.unit_id, self.occurred_at, AdmissionReason.NOVA_ADMISSAO))
            case.stay_started_on = day
            case.modality = self.modality
            case.origin = self.origin
            case.apprehended_on = self.apprehended_on
            case.measure_started_on = day
            case.definitive_since = day if self.modality.is_definitive else None
            case.seriousness = self.seriousness
            case.build = self.build
            super().apply(case)

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
        reasons = tuple(dict.fromkeys(coerce_choice(IntakeRefusalReason, r, "R-03", "Refusal reason") for r in reasons))
        missing = tuple(dict.fromkeys(missing_documents))
        # Reg. art. 24 par. único, 28 par. único: the refusal names what is missing and where the youth went.
        if not reasons:
            refuse("R-03", "State why the intake was refused (closed list of reasons).")
        if IntakeRefusalReason.DOCUMENTO_FALTANTE in reasons and not missing:
            refuse("R-03", "List the missing documents: they are what the court must send.")
        destination = coerce_choice(IntakeRefusalDestination, destination, "R-03", "Destination")
        self._record(
            self.IntakeRefused,
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

    class IntakeRefused(CaseCore.Event):
        """*Inserção não autorizada*: the youth was presented and sent back (E04)."""

        reasons: tuple[IntakeRefusalReason, ...]
        missing_documents: tuple[IntakeDocument, ...]
        destination: IntakeRefusalDestination
        presenting_officer: PersonalText
        court_notified: bool

        def apply(self, case: CaseCore) -> None:
            case.intake_refusals += 1
            super().apply(case)

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
        findings = tuple(dict.fromkeys(coerce_choice(IntakeFinding, f, "R-15", "Finding") for f in findings))
        if not findings:
            refuse("R-15", "Name what the search found (closed list).")
        exceptions = ()
        # Reg. art. 33 par. único: referral to the specialised police station in the officer's presence.
        if not (referred_to_police_station and escort_present):
            exceptions = (
                RecordedException("R-15", "not yet referred to the police station in the escorting officer's presence", True),
            )
        self._record(
            self.IntakeFindingReported,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id or unit_id,
            findings=findings,
            description=description,
            referred_to_police_station=referred_to_police_station,
            escort_present=escort_present,
            exceptions=exceptions,
        )

    class IntakeFindingReported(CaseCore.Event):
        """*Lesões / objetos / substâncias na revista de ingresso* (E05; Reg. art. 33 par. único)."""

        findings: tuple[IntakeFinding, ...]
        description: PersonalText
        referred_to_police_station: bool
        escort_present: bool
        exceptions: tuple[RecordedException, ...]

    def acknowledge_orientation(
        self, *, document_version: str, family_acknowledged: bool, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record that the written rules were read, handed over and signed (*ciência das normas*, E07)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="the orientation")
        if not document_version.strip():
            refuse("R-17", "Name the version of the rules handed to the youth (Reg. art. 34).")
        self._record(
            self.OrientationAcknowledged,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            document_version=document_version,
            family_acknowledged=family_acknowledged,
        )

    class OrientationAcknowledged(CaseCore.Event):
        """*Ciência das normas*: written rules, disciplinary ones included, given and signed (E07)."""

        document_version: str
        family_acknowledged: bool

        def apply(self, case: CaseCore) -> None:
            case.orientation_acknowledged = True
            super().apply(case)

    def complete_acolhimento_step(self, *, step: AcolhimentoStep, occurred_at: datetime, actor: Actor) -> None:
        """Record one acolhimento step (*etapa do acolhimento*, Reg. art. 31 I–IV)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="an acolhimento step")
        if self.acolhimento_completed:
            refuse("D-02", "The acolhimento is already closed.")
        self._record(
            self.AcolhimentoStepCompleted,
            occurred_at=occurred_at, actor=actor, unit_id=self.unit_id, step=step
        )

    class AcolhimentoStepCompleted(CaseCore.Event):
        """One step of the *acolhimento* (E08; Reg. art. 31)."""

        step: AcolhimentoStep

        def apply(self, case: CaseCore) -> None:
            case.acolhimento_steps.add(self.step)
            super().apply(case)

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
            # Reg. art. 31: the acolhimento is its listed steps; it closes only when all are done.
            refuse("R-12", "Record the remaining acolhimento steps first (Reg. art. 31): " + ", ".join(missing) + ".")
        exceptions = []
        # Reg. art. 32: within three business days of the Inserção.
        if on > calendar.add_business_days(self._stay_started_on(), 3):
            exceptions.append(RecordedException("R-12", delay_justification or "acolhimento beyond 3 business days", True))
        self._record(
            self.AcolhimentoCompleted,
            occurred_at=occurred_at, actor=actor, unit_id=self.unit_id, exceptions=tuple(exceptions)
        )

    class AcolhimentoCompleted(CaseCore.Event):
        """The gerente closes the *acolhimento* (E08; Reg. art. 32, 39)."""

        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.acolhimento_completed = True
            super().apply(case)

    def hold_family_acolhimento(
        self, *, members_present: int, rights_and_visits_explained: bool, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record the first meeting with the family (*acolhimento familiar*, E09; Reg. art. 41–44)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="the family acolhimento")
        if members_present < 1:
            refuse("D-04", "At least one family member must be present to record the family acolhimento.")
        self._record(
            self.FamilyAcolhimentoHeld,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            members_present=members_present,
            rights_and_visits_explained=rights_and_visits_explained,
        )

    class FamilyAcolhimentoHeld(CaseCore.Event):
        """*Acolhimento familiar*: first meeting with the family (E09; Reg. art. 41–44)."""

        members_present: int
        rights_and_visits_explained: bool

    def assign_room(
        self,
        *,
        unit: Unit,
        room: str,
        reason: RoomChangeReason,
        roommates: Iterable[CaseCore],
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
        reason = coerce_choice(RoomChangeReason, reason, "R-21", "Room-change reason")
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
        self._record(
            self.RoomAssigned,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            room=room,
            reason=reason,
            justification=justification,
            exceptions=tuple(exceptions),
        )
        unit.move_resident(case_id=self.id, room=room, occurred_at=occurred_at, actor=actor, source_document=None)

    class RoomAssigned(CaseCore.Event):
        """*Alojamento / mudança de alojamento* (E10)."""

        room: PersonalText  # free text: may name a place or a person
        reason: RoomChangeReason
        justification: PersonalText | None
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.room = self.room
            super().apply(case)
