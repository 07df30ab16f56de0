"""Schooling and activities (*escolarização, profissionalização e atividades*, E54).

ECA art. 120 §1: in semiliberdade schooling and professionalisation are compulsory; the youth
must attend school and courses assiduously (Reg. art. 52 XXII, XXIV), the unit provides access to
education, professionalisation, sport and culture (Reg. art. 53 VII) and follows the frequency at
work (art. 53 XI). The pedagogue places the youth in school after the triage (Reg. arts. 17 I–IV,
32 par. único), the arte-educador and the educador físico lead culture and sport (arts. 18–19).

A youth is *enrolled* in an activity (school, vocational course, work, sport, culture) at a named
institution; the enrolment ends once. Each month the team records the activity's attendance:
days expected, days present and justified absences. The frequency of a month, as SISPETI
(seed 002) controls it with its 85 % minimum, is computed by the read model
(``projections/schooling.py``), which also raises the compulsory-schooling alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid4

from domain.calendar import local_date, require_aware
from domain.case.core import CaseCore, CaseStatus
from domain.rules import coerce_choice, refuse
from domain.unit import Unit
from domain.unit.schooling import month_bounds, month_of
from domain.values import TECHNICAL_ROLES, Actor, FieldCorrection, Role, SourceDocument

# Reg. arts. 17–19: the pedagogue, the arte-educador and the educador físico follow the youth's
# schooling and activities with the technical team; the gerente answers for the unit (art. 14).
SCHOOLING_ROLES = frozenset({*TECHNICAL_ROLES, Role.GERENTE})

# The attendance figures a correction may change; the month and the activity name the record itself.
ATTENDANCE_FIGURES = ("days_expected", "days_present", "justified_absences")


class ActivityKind(StrEnum):
    """The kind of activity a youth is enrolled in (E54; ECA 120 §1; Reg. art. 53 VII)."""

    ESCOLA = "escola"
    CURSO_PROFISSIONALIZANTE = "curso_profissionalizante"
    TRABALHO = "trabalho"
    ESPORTE = "esporte"
    CULTURA = "cultura"


class EnrolmentEndReason(StrEnum):
    """Why an enrolment ended: completed, moved to another institution, dropped out, left the unit, other."""

    CONCLUSAO = "conclusao"
    TRANSFERENCIA = "transferencia"
    ABANDONO = "abandono"
    DESLIGAMENTO = "desligamento"
    OUTRO = "outro"


@dataclass
class _Enrolment:
    kind: ActivityKind
    institution: str
    started_on: date
    ended_on: date | None = None

    def covers(self, month: str) -> bool:
        first, last = month_bounds(month)
        return self.started_on <= last and (self.ended_on is None or self.ended_on >= first)


def _require_schooling_role(actor: Actor, doing: str) -> None:
    if actor.role not in SCHOOLING_ROLES:
        refuse("D-05", f"{doing} is recorded by the technical team (the pedagogue, arte-educador, educador físico; "
                       "Reg. arts. 17–19) or the gerente.")


def check_attendance(days_expected: int, days_present: int, justified_absences: int, month: str) -> None:
    """Refuse (D-30) figures that do not fit the month: counts of days, present + justified ≤ expected."""
    first, last = month_bounds(month)
    for name, value in (("days expected", days_expected), ("days present", days_present),
                        ("justified absences", justified_absences)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            refuse("D-30", f"The {name} of {month} is a count of days (0 or more), not {value!r}.")
    if days_expected < 1 or days_expected > last.day:
        refuse("D-30", f"Days expected in {month} go from 1 to {last.day} (the days of the month).")
    if days_present + justified_absences > days_expected:
        refuse("D-30", f"Days present ({days_present}) plus justified absences ({justified_absences}) exceed the "
                       f"{days_expected} days expected in {month}; each expected day is either attended, a "
                       "justified absence, or an unjustified one (SISPETI monthly frequency).")


class SchoolingStage(CaseCore):
    """Enrolments and monthly attendance: the events of this stage beside the commands that trigger them."""

    def _enrolments(self) -> dict[UUID, _Enrolment]:
        # Created on first use: cases recorded before these events existed have none.
        return self.__dict__.setdefault("enrolments", {})

    def _attendance(self) -> dict[tuple[UUID, str], int]:
        return self.__dict__.setdefault("attendance", {})

    def record_enrolment(
        self,
        *,
        kind: ActivityKind,
        institution: str,
        started_on: date,
        occurred_at: datetime,
        actor: Actor,
        activity_id: UUID | None = None,
        source_document: SourceDocument | None = None,
    ) -> UUID:
        """Enrol the youth in a school, vocational course, work, sport or culture activity (*matrícula*, E54).

        ECA 120 §1: schooling and professionalisation are compulsory in semiliberdade; the pedagogue places
        the youth in school (Reg. art. 17 II). Returns the activity's id, which attendance records name.
        """
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="an enrolment")
        _require_schooling_role(actor, "An enrolment")
        kind = coerce_choice(ActivityKind, kind, "D-31", "Activity kind")
        if not institution or not institution.strip():
            refuse("D-31", "Name the institution (the school, course provider, employer, club or cultural centre).")
        if started_on > local_date(occurred_at):
            refuse("D-31", f"The enrolment starts on {started_on.isoformat()}, after it is recorded; record it once "
                           "the youth has started.")
        activity_id = uuid4() if activity_id is None else activity_id
        enrolments = self._enrolments()
        if activity_id in enrolments:
            refuse("D-02", "This activity is already recorded for the youth.")
        for other in enrolments.values():
            if other.ended_on is None and other.kind is kind and other.institution.casefold() == institution.strip().casefold():
                refuse("D-31", f"The youth is already enrolled in {kind.value} at {other.institution}; end that "
                               "enrolment first.")
        self._record(self.EnrollmentRecorded, occurred_at=occurred_at, actor=actor, source_document=source_document,
                     activity_id=activity_id, kind=kind, institution=institution.strip(), started_on=started_on)
        return activity_id

    class EnrollmentRecorded(CaseCore.Event):
        """*Matrícula*: the youth enrolled in an activity at an institution (E54; ECA 120 §1; Reg. art. 17)."""

        activity_id: Annotated[UUID, "Id of the activity (the enrolment), named by its attendance records."]
        kind: Annotated[ActivityKind, "The kind of activity: school, vocational course, work, sport, culture."]
        institution: Annotated[str, "The institution: school, course provider, employer, club or cultural centre."]
        started_on: Annotated[date, "The day the youth started the activity."]

        def apply(self, case: CaseCore) -> None:
            case._enrolments()[self.activity_id] = _Enrolment(self.kind, self.institution, self.started_on)
            super().apply(case)

    def end_enrolment(
        self,
        *,
        activity_id: UUID,
        ended_on: date,
        reason: EnrolmentEndReason,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """End an enrolment (*encerramento da matrícula*, E54): completed, transferred, dropped out, left the unit."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, CaseStatus.EVADIDO, doing="the end of an enrolment")
        _require_schooling_role(actor, "The end of an enrolment")
        reason = coerce_choice(EnrolmentEndReason, reason, "D-31", "End reason")
        enrolment = self._enrolments().get(activity_id)
        if enrolment is None:
            refuse("D-04", "The youth has no enrolment with that activity id.")
        if enrolment.ended_on is not None:
            refuse("D-31", f"The enrolment already ended on {enrolment.ended_on.isoformat()}.")
        if ended_on < enrolment.started_on or ended_on > local_date(occurred_at):
            refuse("D-31", f"The enrolment ends between its start ({enrolment.started_on.isoformat()}) and the day "
                           "it is recorded.")
        self._record(self.EnrollmentEnded, occurred_at=occurred_at, actor=actor, source_document=source_document,
                     activity_id=activity_id, ended_on=ended_on, reason=reason)

    class EnrollmentEnded(CaseCore.Event):
        """The end of an enrolment (E54)."""

        activity_id: Annotated[UUID, "The activity (enrolment) that ended."]
        ended_on: Annotated[date, "The last day of the activity."]
        reason: Annotated[EnrolmentEndReason, "Why the enrolment ended."]

        def apply(self, case: CaseCore) -> None:
            case._enrolments()[self.activity_id].ended_on = self.ended_on
            super().apply(case)

    def record_attendance(
        self,
        *,
        unit: Unit,
        activity_id: UUID,
        month: str,
        days_expected: int,
        days_present: int,
        justified_absences: int,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record a month's attendance of an activity (*frequência mensal*, E54; SISPETI [seed 002]).

        Days expected, days present and justified absences (illness, a death in the family, no offer…,
        as SISPETI lists them); present + justified never exceed expected. Once per activity and month, in
        a month that has begun, for an activity the youth is enrolled in that month; a month the unit has
        closed takes no new record (R-66) — correct the month's record instead, which flags its report.
        """
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="attendance")
        self._require_unit(unit)
        _require_schooling_role(actor, "Attendance")
        first, _ = month_bounds(month)
        month = month_of(first)
        if month > month_of(local_date(occurred_at)):
            refuse("D-30", f"The month {month} has not begun on {local_date(occurred_at).isoformat()}; attendance is "
                           "recorded for the current or a past month.")
        enrolment = self._enrolments().get(activity_id)
        if enrolment is None:
            refuse("D-04", "The youth has no enrolment with that activity id; record the enrolment first.")
        if not enrolment.covers(month):
            refuse("D-30", f"The youth was not enrolled in that activity in {month} (enrolled "
                           f"{enrolment.started_on.isoformat()}"
                           f"{' to ' + enrolment.ended_on.isoformat() if enrolment.ended_on else ''}).")
        if (activity_id, month) in self._live_attendance():
            refuse("D-30", f"The attendance of {month} for this activity is already recorded; correct that entry "
                           "(correct_case_entry) instead of recording it twice.")
        check_attendance(days_expected, days_present, justified_absences, month)
        if unit.attendance_month_closed(month):
            refuse("R-66", f"The unit closed {month}: its figures are reported and its history is not rewritten "
                           "(SISPETI). Correct an existing record of the month (it flags the report for reissue).")
        self._record(self.AttendanceRecorded, occurred_at=occurred_at, actor=actor, source_document=source_document,
                     activity_id=activity_id, month=month, days_expected=days_expected, days_present=days_present,
                     justified_absences=justified_absences)

    def _live_attendance(self) -> dict[tuple[UUID, str], int]:
        return {key: version for key, version in self._attendance().items() if version not in self.voided}

    class AttendanceRecorded(CaseCore.Event):
        """*Frequência mensal* of one activity (E54; SISPETI monthly frequency, 85 % minimum [seed 002])."""

        activity_id: Annotated[UUID, "The activity (enrolment) attended."]
        month: Annotated[str, "The reference month, YYYY-MM."]
        days_expected: Annotated[int, "Days of the activity expected in the month."]
        days_present: Annotated[int, "Days the youth attended."]
        justified_absences: Annotated[int, "Days absent with a justified reason (illness, death in the family…)."]

        def apply(self, case: CaseCore) -> None:
            case._attendance()[(self.activity_id, self.month)] = self.originator_version
            super().apply(case)

    def _check_own_fields(self, entry, corrections: tuple[FieldCorrection, ...]) -> None:
        """A corrected attendance must still fit its month (D-30); a correction of a month the unit has
        closed is accepted and flags the month's report for reissue (R-66, in the read model).
        """
        if isinstance(entry, SchoolingStage.AttendanceRecorded):
            self._check_corrected_attendance(entry.originator_version, entry, corrections)
        super()._check_own_fields(entry, corrections)

    def _check_corrected_attendance(self, version: int, entry, corrections: tuple[FieldCorrection, ...]) -> None:
        figures = {name: getattr(entry, name) for name in ATTENDANCE_FIGURES}
        # Earlier corrections of the same entry first: the check is on the figure as it will stand.
        for earlier in self.__dict__.get("_log", ()):
            if isinstance(earlier, CaseCore.EntryCorrected) and earlier.target_version == version:
                for c in earlier.corrections:
                    if c.field in figures:
                        figures[c.field] = _count(c.value, figures[c.field])
        for c in corrections:
            if c.field in ("month", "activity_id"):
                refuse("D-30", "The month and the activity name the record; void it and record the right one.")
            if c.field in figures:
                figures[c.field] = _count(c.value, None)
        check_attendance(figures["days_expected"], figures["days_present"], figures["justified_absences"], entry.month)


def _count(text: str, fallback: int | None) -> int | None:
    try:
        return int(str(text).strip())
    except ValueError:
        if fallback is None:
            refuse("D-30", f"{text!r} is not a count of days.")
        return fallback
