"""Oversight and reporting: the staff roster, inspections, monthly reports and SIPIA exports
(E63–E66; CNMP Res. 67)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4


from domain.calendar import BusinessCalendar, calendar_for, local_date, require_aware
from domain.rules import coerce_choice, refuse
from domain.unit.core import UnitCore, inspection_report_due_on
from domain.unit.inspection_filing import FiledReport, InspectorAnswer, check_filing
from domain.values import (
    AccessCategory,
    Actor,
    InspectionKind,
    PersonalText,
    RecordedException,
    Role,
    SourceDocument,
    StaffCategory,
    StaffMember,
    StaffStatus,
)


# The SHA-256 hex digest of a SIPIA report (consumers/sipia.py `digest`).
_SHA256 = re.compile(r"[0-9a-f]{64}")


class OversightStage(UnitCore):
    """Oversight: the events of this stage beside the commands that trigger them."""

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
        category = coerce_choice(StaffCategory, category, "D-04", "Category")
        status = coerce_choice(StaffStatus, status, "D-04", "Status")
        if not staff_id.strip() or not name.strip():
            refuse("D-04", "Give the staff id and the name.")
        if not 0 <= weekly_hours <= 60:
            refuse("D-04", "Weekly hours go from 0 to 60.")
        if status is StaffStatus.INATIVO and staff_id not in self.roster:
            refuse("D-04", "Only a staff member on the roster can be made inactive.")
        self._record(
            self.StaffRosterChanged,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            staff_id=staff_id,
            name=name,
            category=category,
            status=status,
            weekly_hours=weekly_hours,
        )

    class StaffRosterChanged(UnitCore.Event):
        """A change in the unit's staff roster (E63): the CNMP asks for changes since the last inspection."""

        staff_id: str
        name: PersonalText
        category: StaffCategory
        status: StaffStatus
        weekly_hours: int

        def apply(self, unit: UnitCore) -> None:
            unit.roster[self.staff_id] = (self.category, self.status, self.weekly_hours)
            super().apply(unit)

    def record_inspection(
        self,
        *,
        inspection_id: UUID | None = None,
        kind: InspectionKind,
        inspected_at: datetime,
        promotor_id: str,
        occurred_at: datetime,
        actor: Actor,
        accompanying: tuple[StaffMember, ...] = (),
        access_id: UUID | None = None,
        source_document: SourceDocument | None = None,
        answers: tuple[InspectorAnswer, ...] = (),
        report: FiledReport | None = None,
        calendar: BusinessCalendar | None = None,
    ) -> UUID:
        """Record an MP inspection of the unit (*inspeção*, E64; CNMP67 arts. 1, 2).

        The report is due by the 15th of the following month, rolled to the next business day
        (CNMP67 art. 2 §2–3). A semiannual inspection outside March or September is recorded with
        an R-63 alert. Filed with its report, the event also holds the inspector's answers to the
        form's judgement items and the snapshot of the computed figures with the bitemporal point
        they were computed at (domain/unit/inspection_filing.py): `caseledger inspection --file`.
        """
        inspection_id = uuid4() if inspection_id is None else inspection_id
        on = local_date(inspected_at)
        require_aware(occurred_at)
        if actor.role not in (Role.MINISTERIO_PUBLICO, Role.GERENTE, Role.ADMINISTRATIVO):
            refuse("D-05", "The MP records its inspection, or the unit's gerente or administrative sector logs it.")
        kind = coerce_choice(InspectionKind, kind, "R-63", "Inspection kind")
        if not promotor_id.strip():
            refuse("D-04", "Give the id of the promotor de justiça who inspected.")
        if inspection_id in self.inspections:
            refuse("D-02", "This inspection is already recorded.")
        # CNMP67 art. 1: the MP's presence is recorded in the unit's access book.
        if access_id is not None and self.accesses.get(access_id) is not AccessCategory.MINISTERIO_PUBLICO:
            refuse("D-04", "The access log entry named is not an MP access of this unit.")
        answers = check_filing(answers, report, inspected_at, occurred_at)
        exceptions = []
        # CNMP67 art. 2-A §3: semiannual inspections are held in March and September.
        if kind is InspectionKind.SEMESTRAL and on.month not in (3, 9):
            exceptions.append(RecordedException("R-63", "semiannual inspection outside March or September", True))
        self._record(
            self.InspectionRecorded,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            inspection_id=inspection_id,
            kind=kind,
            inspected_at=inspected_at,
            promotor_id=promotor_id,
            accompanying=tuple(accompanying),
            report_due_on=inspection_report_due_on(on, calendar or calendar_for(self.comarca)),  # the unit's comarca
            access_id=access_id,
            exceptions=tuple(exceptions),
            answers=answers,
            report=report,
        )
        return inspection_id

    class InspectionRecorded(UnitCore.Event):
        """*Inspeção do Ministério Público* (E64; CNMP67 arts. 1, 2); with the filed report when the
        promotor files it: the answers to the judgement items and the computed snapshot."""

        inspection_id: UUID
        kind: InspectionKind
        inspected_at: datetime
        promotor_id: str
        accompanying: tuple[StaffMember, ...]
        report_due_on: date
        access_id: UUID | None
        exceptions: tuple[RecordedException, ...]
        answers: tuple[InspectorAnswer, ...] = ()
        report: FiledReport | None = None

        def apply(self, unit: UnitCore) -> None:
            unit.inspections[self.inspection_id] = self.report_due_on
            super().apply(unit)

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
        self._record(
            self.MonthlyReportSubmitted,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            year=year,
            month=month,
            protocol_number=protocol_number,
        )

    class MonthlyReportSubmitted(UnitCore.Event):
        """The unit's monthly (or annual) report sent to the Superintendência (E65; Reg. art. 14 XIV)."""

        year: int
        month: int | None
        protocol_number: str

        def apply(self, unit: UnitCore) -> None:
            unit.reports.add((self.year, self.month))
            super().apply(unit)

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
        report_digest: str | None = None,
    ) -> None:
        """Record a reconciliation export sent to SIPIA/SINASE for a period (E66; SINASE 3 IV).

        `report_digest` names the report sent (`caseledger sipia report` prints it): the next report
        says what differs from this export against that body.
        """
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
        if report_digest is not None and not _SHA256.fullmatch(report_digest):
            refuse("D-04", "The report digest is the 64 hexadecimal digits `caseledger sipia report` prints.")
        self._record(
            self.SIPIAExportSubmitted,
            occurred_at=occurred_at,
            actor=actor,
            period_start=period_start,
            period_end=period_end,
            active_count=active_count,
            entries_count=entries_count,
            exits_count=exits_count,
            receipt_number=receipt_number,
            report_digest=report_digest,
        )

    class SIPIAExportSubmitted(UnitCore.Event):
        """Reconciliation export to SIPIA/SINASE for a period, instead of double entry (E66)."""

        period_start: date
        period_end: date
        active_count: int
        entries_count: int
        exits_count: int
        receipt_number: str
        report_digest: str | None = None

        def apply(self, unit: UnitCore) -> None:
            unit.sipia_exports.append((self.period_start, self.period_end))
            super().apply(unit)
