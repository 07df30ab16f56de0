"""Movements of the youth out of and between units: transfer, external exits, family leave,
evasion and return, apprehension by the police in the unit (E21–E26).

Transfer, evasion and return change the unit's residents too; each command checks both
aggregates before it triggers the events of either.
Over 400 lines because the movements share the rules of presence (away, open exits, leaves);
split further it would part events from the commands that trigger them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID, uuid4


from domain.calendar import CUIABA, day_of_measure, local_date, nth_day, require_aware
from domain.case.core import CaseCore, CaseStatus, Stay, _Leave, _require_judicial
from domain.clocks import EARLY_LEAVE_FROM_DAY, family_leave_from_day
from domain.rules import coerce_choice, refuse
from domain.unit import Unit
from domain.values import (
    TRIAGE_EXIT_PURPOSES,
    Actor,
    AdmissionReason,
    DepartureReason,
    EvasionKind,
    ExitPurpose,
    LeaveKind,
    PersonalText,
    RecordedException,
    Role,
    SourceDocument,
)


class MovementStage(CaseCore):
    """Movement: the events of this stage beside the commands that trigger them."""

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
        self._check_unit_profile(destination, self._current_modality(), on)
        exceptions = list(
            destination.admission_exceptions(
                court_ordered_over_capacity=court_ordered_over_capacity, justification=exception_justification, on=on
            )
        )
        # Reg. art. 51 XXVIII: no handcuffs; the fact is kept, with an alert.
        if handcuffs_used:
            exceptions.append(RecordedException("R-55", exception_justification or "handcuffs used in transport", True))
        self._record(
            self.TransferCompleted,
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

    class TransferCompleted(CaseCore.Event):
        """*Transferência*: the origin stay ends and the destination stay begins at the same instant (E21)."""

        origin_unit_id: str
        destination_unit_id: str
        pia_and_history_sent: bool
        vehicle: PersonalText  # free text
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case._close_stay(self.occurred_at, DepartureReason.TRANSFERENCIA)
            case.stays.append(Stay(self.destination_unit_id, self.occurred_at, AdmissionReason.TRANSFERENCIA))
            case.unit_id = self.destination_unit_id
            # Reg. art. 75: leave deadlines count from the start in this unit; measure clocks continue.
            case.stay_started_on = local_date(self.occurred_at)
            case.room = None
            super().apply(case)

    def _close_stay(self, at: datetime, reason: DepartureReason) -> None:
        last = self.stays[-1]
        self.stays[-1] = Stay(last.unit_id, last.started_at, last.admission_reason, at, reason)

    def start_external_exit(
        self,
        *,
        exit_id: UUID | None = None,
        purpose: ExitPurpose,
        authorised_by: Actor,
        team_assessed: bool,
        search_done: bool,
        expected_return_at: datetime,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> UUID:
        """The youth goes out for school, work, health, documents… (*saída externa*, E22)."""
        exit_id = uuid4() if exit_id is None else exit_id
        on = local_date(occurred_at)
        require_aware(expected_return_at)
        self._require_present("an external exit")
        purpose = coerce_choice(ExitPurpose, purpose, "R-13", "Exit purpose")
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
        self._record(
            self.ExternalExitStarted,
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
        return exit_id

    class ExternalExitStarted(CaseCore.Event):
        """*Saída externa* begins (E22)."""

        exit_id: UUID
        purpose: ExitPurpose
        authorised_by: Actor
        team_assessed: bool
        search_done: bool
        expected_return_at: datetime

        def apply(self, case: CaseCore) -> None:
            case.away = "saida_externa"
            case.open_exit = self.exit_id
            case.open_exit_due = self.expected_return_at
            super().apply(case)

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
        self._record(
            self.ExternalExitEnded,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            exit_id=exit_id,
            search_done=search_done,
            exceptions=exceptions,
        )

    class ExternalExitEnded(CaseCore.Event):
        """*Retorno de saída externa* (E22)."""

        exit_id: UUID
        search_done: bool
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.away = None
            case.open_exit = None
            case.open_exit_due = None
            super().apply(case)

    def authorise_family_leave(
        self,
        *,
        leave_id: UUID | None = None,
        kind: LeaveKind,
        leave_date: date,
        technical_assessment_done: bool,
        travels_alone: bool,
        guardian_term_signed: bool,
        occurred_at: datetime,
        actor: Actor,
        revision_reason: str | None = None,
    ) -> UUID:
        """Authorise a family visit outside the unit (*visita à família*, E23).

        Same-day leave from day 45, overnight from day 75 (Reg. art. 55 III, 63); from day 30
        for youths from a provisional unit with quarterly reassessment (Reg. art. 63 par. único).
        Reg. art. 77 says "70": a drafting slip (Decision 1). Dates count from the start in this
        unit, intake day = 1 (Reg. art. 75; Decision 11).
        """
        leave_id = uuid4() if leave_id is None else leave_id
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a family leave")
        kind = coerce_choice(LeaveKind, kind, "R-31", "Leave kind")
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
        threshold = family_leave_from_day(kind, origin=self.origin, quarterly_reassessment=self.quarterly_reassessment)
        exceptions = []
        if day < threshold:
            if not (revision_reason or "").strip():
                # Cite the provision that set this threshold; Reg. art. 77's "70" (Decision 1) concerns
                # only the overnight leave from day 75, so only that message notes the slip.
                if threshold == EARLY_LEAVE_FROM_DAY:
                    basis = "Reg. art. 63 par. único applies (from a provisional unit, reassessed quarterly)"
                elif kind == LeaveKind.MESMO_DIA:
                    basis = "Reg. art. 63 I applies"
                else:
                    basis = "Reg. art. 63 II applies (Reg. art. 77's \"70\" is treated as a drafting slip)"
                refuse(
                    "R-31",
                    f"Day {day} of the measure in this unit: {kind.value} leave starts on day {threshold} "
                    f"({nth_day(self._stay_started_on(), threshold).isoformat()}). {basis}. "
                    "An individual revision needs its reasons (Reg. art. 75 par. único, 81).",
                )
            exceptions.append(RecordedException("R-31", revision_reason or "", True))
        self._record(
            self.FamilyLeaveAuthorized,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            leave_id=leave_id,
            kind=kind,
            leave_date=leave_date,
            day_of_measure=day,
            technical_assessment_done=technical_assessment_done,
            travels_alone=travels_alone,
            guardian_term_signed=guardian_term_signed,
            exceptions=tuple(exceptions),
        )
        return leave_id

    class FamilyLeaveAuthorized(CaseCore.Event):
        """*Visita à família autorizada* by the gerente (E23)."""

        leave_id: UUID
        kind: LeaveKind
        leave_date: date
        day_of_measure: int
        technical_assessment_done: bool
        travels_alone: bool
        guardian_term_signed: bool
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.leaves[self.leave_id] = _Leave(self.kind, self.leave_date)
            super().apply(case)

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
        self._record(
            self.FamilyLeaveStarted,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            leave_id=leave_id,
            search_done=search_done,
        )

    class FamilyLeaveStarted(CaseCore.Event):
        """The youth leaves for the family visit, after the exit search (E23)."""

        leave_id: UUID
        search_done: bool

        def apply(self, case: CaseCore) -> None:
            case.leaves[self.leave_id].started = True
            case.away = "visita_familia"
            super().apply(case)

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
        self._record(
            self.FamilyLeaveReturned,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            leave_id=leave_id,
            search_done=search_done,
            late=late,
            exceptions=exceptions,
        )

    class FamilyLeaveReturned(CaseCore.Event):
        """The youth is back from the family visit; a late return is flagged (E23)."""

        leave_id: UUID
        search_done: bool
        late: bool
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.leaves[self.leave_id].returned = True
            case.away = None
            super().apply(case)

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
        self._record(
            self.EvasionRecorded,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            kind=kind,
            court_notified=court_notified,
            superintendencia_notified=superintendencia_notified,
            exceptions=tuple(exceptions),
        )
        unit.discharge_resident(
            case_id=self.id, reason=DepartureReason.EVASAO, occurred_at=occurred_at, actor=actor, source_document=None
        )

    class EvasionRecorded(CaseCore.Event):
        """*Evasão / não retorno* (E24)."""

        kind: EvasionKind
        court_notified: bool
        superintendencia_notified: bool
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case._close_stay(self.occurred_at, DepartureReason.EVASAO)
            case.status = CaseStatus.EVADIDO
            case.away = None
            case.open_exit = None
            case.room = None
            super().apply(case)

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
        self._check_unit_profile(unit, self._current_modality(), on)
        exceptions = unit.admission_exceptions(
            court_ordered_over_capacity=court_ordered_over_capacity, justification=exception_justification, on=on
        )
        self._record(
            self.ReturnedFromEvasion,
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

    class ReturnedFromEvasion(CaseCore.Event):
        """*Retorno / recaptura*: a new stay, on a court order (E25)."""

        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            case.status = CaseStatus.ATIVO
            case.unit_id = self.unit_id
            case.stays.append(Stay(self.unit_id, self.occurred_at, AdmissionReason.RETORNO_DE_EVASAO))
            case.stay_started_on = local_date(self.occurred_at)
            super().apply(case)

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
        require_aware(occurred_at)
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
        self._record(
            self.ApprehendedByPoliceInUnit,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            source_document=source_document,
            officer_name=officer_name,
            officer_document=officer_document,
            reason=reason,
            form_reference=form_reference,
        )

    class ApprehendedByPoliceInUnit(CaseCore.Event):
        """*Apreensão por novo ato infracional na unidade* (E26; Reg. art. 27 par. único)."""

        officer_name: PersonalText
        officer_document: PersonalText
        reason: PersonalText
        form_reference: str

        def apply(self, case: CaseCore) -> None:
            case.apprehensions_in_unit += 1
            super().apply(case)
