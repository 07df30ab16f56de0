"""Contact with the outside: visitors, visits, court suspensions of visits, phone calls,
private interviews and petitions (E39–E46, E56–E57).

Over 400 lines because visitors, visits and their suspensions share the visit rules of Reg. art. 51–61; split further it would part events from the commands that trigger them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Iterable
from uuid import UUID, uuid4


from domain.calendar import calendar_deadline, local_date, local_time, require_aware
from domain.case.core import CaseCore, CaseStatus, _CourtSuspension, _require_judicial, _Visitor
from domain.rules import coerce_choice, refuse
from domain.unit import Unit
from domain.values import (
    SEALED_ADDRESSEES,
    Actor,
    InterviewAuthority,
    PersonalText,
    PetitionAddressee,
    PetitionSubject,
    PhoneCallReason,
    PhotoIdKind,
    RecordedException,
    Relationship,
    Role,
    SourceDocument,
    VisitModality,
    VisitRefusalReason,
    require_name,
)


class ContactStage(CaseCore):
    """Contact: the events of this stage beside the commands that trigger them."""

    def register_visitor(
        self,
        *,
        visitor_id: UUID | None = None,
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
    ) -> UUID:
        """Put a visitor on the youth's list (*cadastro no rol de visitantes*, E39)."""
        # Random, never derived from the visitor's ID document (personal data).
        visitor_id = uuid4() if visitor_id is None else visitor_id
        require_aware(occurred_at)
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
        self._record(
            self.VisitorRegistered,
            occurred_at=occurred_at,
            actor=actor,
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
        return visitor_id

    class VisitorRegistered(CaseCore.Event):
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

        def apply(self, case: CaseCore) -> None:
            case.visitors[self.visitor_id] = _Visitor(True, tuple(self.modalities))
            super().apply(case)

    def deactivate_visitor(self, *, visitor_id: UUID, reason: str, occurred_at: datetime, actor: Actor) -> None:
        """Take a visitor off the active list (E39): deactivated, never deleted."""
        require_aware(occurred_at)
        visitor = self.visitors.get(visitor_id)
        if visitor is None or not visitor.active:
            refuse("D-04", "There is no active visitor with that id.")
        if not reason.strip():
            refuse("D-04", "State why the visitor is deactivated.")
        self._record(
            self.VisitorDeactivated,
            occurred_at=occurred_at,
            actor=actor,
            visitor_id=visitor_id,
            reason=reason,
        )

    class VisitorDeactivated(CaseCore.Event):
        """Visitor taken off the active list (E39): deactivated, never deleted."""

        visitor_id: UUID
        reason: PersonalText

        def apply(self, case: CaseCore) -> None:
            case.visitors[self.visitor_id].active = False
            super().apply(case)

    def schedule_visit(
        self,
        *,
        unit: Unit,
        schedule_id: UUID | None = None,
        visitor_ids: Iterable[UUID],
        starts_at: datetime,
        ends_at: datetime,
        occurred_at: datetime,
        actor: Actor,
    ) -> UUID:
        """Book an exceptional visit (*agendamento de visita excepcional*, E40; Reg. art. 55 II, 14 XX).

        The same rules as a held exceptional visit (weekday, one hour, one per fortnight,
        visitors qualified); a booking counts against the fortnight until it is held.
        """
        schedule_id = uuid4() if schedule_id is None else schedule_id
        require_aware(starts_at)
        require_aware(ends_at)
        require_aware(occurred_at)
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
        self._record(
            self.VisitScheduled,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            schedule_id=schedule_id,
            visitor_ids=ids,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        return schedule_id

    class VisitScheduled(CaseCore.Event):
        """*Agendamento de visita excepcional*: a weekday, one hour, one per fortnight (E40; Reg. art. 55 II, 14 XX)."""

        schedule_id: UUID
        visitor_ids: tuple[UUID, ...]
        starts_at: datetime
        ends_at: datetime

        def apply(self, case: CaseCore) -> None:
            case.scheduled_visits[self.schedule_id] = local_date(self.starts_at)
            super().apply(case)

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
        modality = coerce_choice(VisitModality, modality, "R-35", "Visit modality")
        ids = self._check_visitors(unit, visitor_ids, modality, on)
        if not search_done:
            refuse("R-14", "Visitors are searched before the visit (Reg. art. 55 IX).")
        if ended_at <= started_at:
            refuse("D-04", "The visit must end after it starts.")
        start_t, end_t = local_time(started_at), local_time(ended_at)
        if modality is VisitModality.COMUM:
            # Reg. art. 55 I: common visits on Sundays, 08:00–11:00.
            if on.weekday() != 6 or start_t < time(8) or end_t > time(11) or local_date(ended_at) != on:
                refuse("R-38", "Common visits are on Sundays 08:00–11:00 (Reg. art. 55 I); record VisitRefused (Reg. art. 62 VI).")
        else:
            # The visit scheduled for this very day is the one being held; other bookings count.
            self._check_exceptional_slot(started_at, ended_at, scheduled_too=False)
        self._record(
            self.VisitHeld,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            visitor_ids=ids,
            modality=modality,
            started_at=started_at,
            ended_at=ended_at,
            search_done=search_done,
        )

    class VisitHeld(CaseCore.Event):
        """*Visita realizada* (E41)."""

        visitor_ids: tuple[UUID, ...]
        modality: VisitModality
        started_at: datetime
        ended_at: datetime
        search_done: bool

        def apply(self, case: CaseCore) -> None:
            day = local_date(self.started_at)
            case.last_visit_on = day
            if self.modality is VisitModality.EXCEPCIONAL:
                case.exceptional_visits.append(day)
                for schedule_id, scheduled_on in list(case.scheduled_visits.items()):
                    if scheduled_on == day:
                        del case.scheduled_visits[schedule_id]
            super().apply(case)

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
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a refused visit")
        # Reg. art. 62 I–VIII: the closed list.
        reason = coerce_choice(VisitRefusalReason, reason, "R-35", "Refusal reason")
        # Reg. art. 62 par. único: guidance signed by the family, note in the youth's agenda.
        if not family_guidance_signed or not noted_in_agenda:
            refuse("R-35", "Give the family the signed guidance and note it in the youth's agenda (Reg. art. 62 par. único).")
        if visitor_id is not None and visitor_id not in self.visitors:
            refuse("D-04", "Unknown visitor id; leave it empty for someone not on the list.")
        self._record(
            self.VisitRefused,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            visitor_id=visitor_id,
            reason=reason,
            family_guidance_signed=family_guidance_signed,
            noted_in_agenda=noted_in_agenda,
        )

    class VisitRefused(CaseCore.Event):
        """*Entrada de visita não permitida* for a Reg. art. 62 reason (E42)."""

        visitor_id: UUID | None
        reason: VisitRefusalReason
        family_guidance_signed: bool
        noted_in_agenda: bool

    def suspend_visits_by_court(
        self,
        *,
        suspension_id: UUID | None = None,
        starts_on: date,
        occurred_at: datetime,
        actor: Actor,
        court_order: SourceDocument | None,
        visitor_ids: Iterable[UUID] = (),
        ends_on: date | None = None,
    ) -> UUID:
        """Record the court's suspension of visits (*suspensão judicial de visitas*, E44).

        An empty ``visitor_ids`` covers every visitor.
        """
        suspension_id = uuid4() if suspension_id is None else suspension_id
        require_aware(occurred_at)
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
        self._record(
            self.VisitsSuspendedByCourt,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_order,
            suspension_id=suspension_id,
            visitor_ids=ids,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        return suspension_id

    class VisitsSuspendedByCourt(CaseCore.Event):
        """*Suspensão judicial de visitas* (E44; Reg. art. 60)."""

        suspension_id: UUID
        visitor_ids: tuple[UUID, ...]
        starts_on: date
        ends_on: date | None

        def apply(self, case: CaseCore) -> None:
            case.court_suspensions[self.suspension_id] = _CourtSuspension(tuple(self.visitor_ids), self.starts_on, self.ends_on)
            super().apply(case)

    def lift_court_visit_suspension(
        self, *, suspension_id: UUID, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Record that the court lifted its visit suspension (E44)."""
        require_aware(occurred_at)
        suspension = self.court_suspensions.get(suspension_id)
        if suspension is None or suspension.lifted:
            refuse("D-04", "There is no court visit suspension in force with that id.")
        _require_judicial(court_order, "R-33", "the judge's decision lifting the suspension")
        self._record(
            self.VisitsSuspensionLifted,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_order,
            suspension_id=suspension_id,
        )

    class VisitsSuspensionLifted(CaseCore.Event):
        """The court lifts its visit suspension (E44)."""

        suspension_id: UUID

        def apply(self, case: CaseCore) -> None:
            case.court_suspensions[self.suspension_id].lifted = True
            super().apply(case)

    def hold_phone_call(
        self, *, reason: PhoneCallReason, duration_minutes: int, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record a phone call of the youth (*ligação*, E45); after 15 days without visits it is a right."""
        on = local_date(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a phone call")
        reason = coerce_choice(PhoneCallReason, reason, "R-39", "Call reason")
        if duration_minutes < 1:
            refuse("D-04", "Give the call's duration in minutes.")
        since = self.last_visit_on or self._stay_started_on()
        gap = (on - since).days
        # Reg. art. 51 XXXII §1: the call replaces a visit only after 15 days without one.
        if reason is PhoneCallReason.SEM_VISITA_15_DIAS and gap < 15:
            refuse("R-39", f"The last visit (or the arrival) was {gap} days ago; the 15-day call applies from day 15.")
        self._record(
            self.PhoneCallHeld,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            reason=reason,
            duration_minutes=duration_minutes,
            days_without_visit=gap,
        )

    class PhoneCallHeld(CaseCore.Event):
        """*Ligação telefônica* (E45); never withheld as a sanction (ECA 124 §1)."""

        reason: PhoneCallReason
        duration_minutes: int
        days_without_visit: int

    def hold_private_interview(
        self, *, authority: InterviewAuthority, duration_minutes: int, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record a private interview with the MP or the defence (*entrevista reservada*, E46; ECA 124 I, III).

        Only that it happened, with whom and for how long: its content is never recorded.
        """
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a private interview")
        authority = coerce_choice(InterviewAuthority, authority, "D-04", "Authority")
        if duration_minutes < 1:
            refuse("D-04", "Give the interview's duration in minutes.")
        self._record(
            self.PrivateInterviewHeld,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            authority=authority,
            duration_minutes=duration_minutes,
        )

    class PrivateInterviewHeld(CaseCore.Event):
        """*Entrevista reservada* with the MP or the defence (E46; ECA 124 I, III). Never its content."""

        authority: InterviewAuthority
        duration_minutes: int

        def apply(self, case: CaseCore) -> None:
            case.private_interviews += 1
            super().apply(case)

    def file_petition(
        self,
        *,
        petition_id: UUID | None = None,
        addressee: PetitionAddressee,
        subject: PetitionSubject,
        occurred_at: datetime,
        actor: Actor,
    ) -> UUID:
        """Record a petition of the youth (*petição*, E56); sealed when addressed outside the unit."""
        petition_id = uuid4() if petition_id is None else petition_id
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a petition")
        if petition_id in self.petitions:
            refuse("D-02", "A petition with this id already exists.")
        addressee = coerce_choice(PetitionAddressee, addressee, "R-41", "Addressee")
        self._record(
            self.PetitionFiled,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            petition_id=petition_id,
            addressee=addressee,
            subject=subject,
            sealed=addressee in SEALED_ADDRESSEES,
        )
        return petition_id

    class PetitionFiled(CaseCore.Event):
        """*Petição* of the youth (E56); content sealed when addressed to MP, Defensoria or judge."""

        petition_id: UUID
        addressee: PetitionAddressee
        subject: PetitionSubject
        sealed: bool

        def apply(self, case: CaseCore) -> None:
            case.petitions[self.petition_id] = (local_date(self.occurred_at), False)
            super().apply(case)

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
        self._record(
            self.PetitionAnswered,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            petition_id=petition_id,
            exceptions=exceptions,
        )

    class PetitionAnswered(CaseCore.Event):
        """Answer to a petition (E57)."""

        petition_id: UUID
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            filed_on, _ = case.petitions[self.petition_id]
            case.petitions[self.petition_id] = (filed_on, True)
            super().apply(case)
