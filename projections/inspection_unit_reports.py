"""The unit's reports to the Superintendência in the period of an inspection (R-65; Reg. art. 14 VI, XIV).

The gerente sends a monthly report for every month and an annual report for every year (E65,
`Unit.MonthlyReportSubmitted`; ``month=None`` is the annual report). A period can be reported only
after it ends (domain/unit/oversight.py), so the months owed on the inspection day are those of the
period that have ended before it, and the annual report owed is the previous year's. A pure function
over the unit's own stream, as `projections/inspection.py` (which calls it) passes it.

The monthly staff meeting of Reg. art. 14 VI is not an event of the ledger: the report says so
(``staff_meetings_recorded`` is always False) rather than answer for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from projections.inspection_activity import as_of, local_day


@dataclass(frozen=True)
class UnitReports:
    """What the unit's stream says of its reports (months as ``YYYY-MM``); None: nothing recorded."""

    recorded: bool = False  # the unit's own stream was read and holds at least one report (E65)
    months_due: tuple[str, ...] = ()  # months of the period ended before the inspection day
    months_missing: tuple[str, ...] = ()  # of those, the ones with no report recorded by the day
    annual_year: int | None = None  # the year whose annual report is owed on the day
    annual_sent: bool | None = None
    staff_meetings_recorded: bool = False  # Reg. art. 14 VI: not an event of the ledger


def _months(start: dt.date, on: dt.date) -> list[tuple[int, int]]:
    """The months whose last day falls in [start, on): ended within the period, reportable by `on`."""
    out, year, month = [], start.year, start.month
    while True:
        last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        if last >= on:
            return out
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def unit_reports(unit_rows: Sequence[Mapping[str, Any]], start: dt.date, on: dt.date) -> UnitReports:
    """R-65: the monthly reports owed for the period [start, on] and the previous year's annual report,
    against the reports the unit's stream records as of `on` (voided entries do not count)."""
    due = _months(start, on)
    h = as_of(unit_rows, on) if unit_rows else None
    sent: set[tuple[int, int | None]] = set()
    for e in h.entries if h is not None else ():
        if e.event_type.rsplit(".", 1)[-1] != "MonthlyReportSubmitted" or e.status == "voided":
            continue
        if local_day(e.occurred_at) <= on and e.data.get("year") is not None:
            month = e.data.get("month")
            sent.add((int(e.data["year"]), None if month is None else int(month)))
    label = [f"{y:04d}-{m:02d}" for y, m in due]
    if not sent:
        return UnitReports(months_due=tuple(label), annual_year=on.year - 1)
    return UnitReports(recorded=True, months_due=tuple(label),
                       months_missing=tuple(f"{y:04d}-{m:02d}" for y, m in due if (y, m) not in sent),
                       annual_year=on.year - 1, annual_sent=(on.year - 1, None) in sent)
