"""Closing a month of schooling attendance (*fechamento do mês de frequência*, E54).

SISPETI (seed 002) collects each month's frequency in a window and then closes it: after the
closing date the month's figures are the ones reported, and its history is never rewritten
(a núcleo is deactivated, not deleted). The unit's gerente closes a month for the unit once it
has ended (Reg. art. 14 VI: the unit's monthly reports to the Superintendência). Afterwards a
new attendance record for that month is refused (R-66); a correction of one is still accepted,
as a new event, and the monthly frequency read model flags the month's report for reissue,
keeping the figure as closed beside the corrected one.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime
from typing import Annotated

from domain.calendar import local_date, require_aware
from domain.rules import refuse
from domain.unit.core import UnitCore
from domain.values import Actor, Role, SourceDocument

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(month: str) -> tuple[int, int]:
    """(year, month) of a ``YYYY-MM`` text, or refused (D-30)."""
    found = MONTH.match(str(month).strip())
    if not found:
        refuse("D-30", f"The month {month!r} is written YYYY-MM (e.g. 2026-03), as SISPETI's reference month.")
    return int(found.group(1)), int(found.group(2))


def month_of(day: date) -> str:
    """The ``YYYY-MM`` reference month of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a ``YYYY-MM`` month."""
    year, number = parse_month(month)
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])


class SchoolingMonthsStage(UnitCore):
    """The unit's closed months of schooling attendance."""

    def attendance_month_closed(self, month: str) -> bool:
        """Whether the unit has closed ``month`` (its figures are reported; R-66)."""
        return month in getattr(self, "closed_attendance_months", {})

    def close_attendance_month(
        self,
        *,
        month: str,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Close a month of schooling attendance for the unit (*fechamento*, E54; SISPETI [seed 002]).

        The gerente closes a month once it has ended; from then on its figures are the reported ones:
        a late record is refused, and a correction flags the month's report for reissue (R-66).
        """
        require_aware(occurred_at)
        if actor.role is not Role.GERENTE:
            refuse("D-05", "The gerente closes the unit's month of attendance (Reg. art. 14 VI: the unit's monthly "
                           "reports).")
        _, last = month_bounds(month)
        on = local_date(occurred_at)
        if last >= on:
            refuse("D-30", f"The month {month} has not ended on {on.isoformat()}; close it from "
                           f"{date.fromordinal(last.toordinal() + 1).isoformat()} on (SISPETI closes a month after "
                           "its collection).")
        if self.attendance_month_closed(month):
            refuse("D-02", f"The month {month} is already closed for this unit; a correction of its attendance "
                           "flags the month's report for reissue.")
        self._record(self.AttendanceMonthClosed, occurred_at=occurred_at, actor=actor,
                     source_document=source_document, month=month)

    class AttendanceMonthClosed(UnitCore.Event):
        """A month of schooling attendance closed for the unit (E54; SISPETI closed months [seed 002])."""

        month: Annotated[str, "The reference month closed, YYYY-MM."]

        def apply(self, unit: UnitCore) -> None:
            # Created on first use: units recorded before this event existed have none.
            closed = dict(getattr(unit, "closed_attendance_months", {}))
            closed[self.month] = local_date(self.occurred_at)
            unit.closed_attendance_months = closed
            super().apply(unit)
