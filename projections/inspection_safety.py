"""Safety in the period of an inspection: rebellions, police reports, deaths, and the occurrence book
(CNMP Res. 67 Annex I 2.4–2.5 / III 2.16–2.17; CONANDA 252 arts. 58–59; R-53, R-59, R-64).

A pure function over the same rows as `projections/inspection.py` (which calls it): the unit's own
stream (`RebellionRecorded`, `PoliceReportFiled`, `OccurrenceLogged`, `ShiftHandedOver`) and the
entries of the unit's cases (`DeathRecorded`). The items it answers are named in
`projections/cnmp67_items.json`.

R-64 (CNMP67 art. 2-A §1): the waiver of the two-monthly inspection needs, among other conditions,
"no rebellion in the last 6 months"; `rebellion_free_6_months` is that part, computed from the
unit's stream over the six months ending on the inspection day (None when the unit's stream was
not given, so nothing can be said).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from domain.calendar import add_months
from projections.history import HistoryEntry
from projections.inspection_activity import as_of, local_day, moment


@dataclass(frozen=True)
class Safety:
    """What the period's safety record says (counts; no youth named but by case id)."""

    recorded: bool = False  # the unit's own stream was read
    rebellions: int = 0  # I 2.4 / 2.4.1
    rebellion_youths: int = 0
    rebellions_with_injuries: int = 0  # I 2.4.2
    rebellion_deaths: int = 0  # I 2.4.3 / 2.4.3.1
    rebellions_harm_by_staff_or_police: int = 0  # I 2.4.4
    rebellion_motives: Mapping[str, int] = field(default_factory=dict)  # I 2.4.5
    police_reports: int = 0  # I 2.5
    police_report_reasons: Mapping[str, int] = field(default_factory=dict)
    occurrences_logged: int = 0  # CONANDA 252 art. 58: the period's records
    shifts_handed_over: int = 0
    occurrences_not_validated: int = 0  # R-59 alert: records of shifts not yet closed by the líder
    deaths: tuple[str, ...] = ()  # case ids of youths of the unit who died in the period (E53)
    rebellion_free_6_months: bool | None = None  # R-64 part (CNMP67 art. 2-A §1)


def safety(unit_rows: Sequence[Mapping[str, Any]], entries: Sequence[tuple[str, HistoryEntry]],
           start: dt.date, on: dt.date) -> Safety:
    """Fold the unit's safety entries of the period [start, on] and the deaths among `entries` (the
    period's case entries at the unit); the R-64 part looks back six months from `on`."""
    deaths = tuple(sorted({case_id for case_id, e in entries if e.event_type.endswith(".DeathRecorded")}))
    h = as_of(unit_rows, on) if unit_rows else None
    if h is None:
        return Safety(deaths=deaths)
    n: Counter = Counter()
    motives: Counter = Counter()
    reasons: Counter = Counter()
    book: dict[str, str] = {}  # occurrence id -> shift start
    closed: set[str] = set()
    waiver_from = add_months(on, -6) + dt.timedelta(days=1)
    rebellion_in_six_months = False
    for e in h.entries:
        day = local_day(e.occurred_at)
        if e.status == "voided" or day > on:
            continue
        name, d = e.event_type.split(".", 1)[-1], e.data
        if name == "RebellionRecorded":
            started = local_day(moment(d.get("started_at")) or e.occurred_at)
            rebellion_in_six_months = rebellion_in_six_months or waiver_from <= started <= on
            if not start <= started <= on:
                continue
            n["rebellions"] += 1
            n["youths"] += int(d.get("youths_involved") or 0)
            n["injuries"] += bool(d.get("bodily_injuries"))
            n["deaths"] += int(d.get("deaths") or 0)
            n["harm"] += bool(d.get("harm_by_staff_or_police"))
            motives.update(str(m) for m in d.get("motives") or ())
        elif name == "ShiftHandedOver":
            closed.add(str(d.get("shift_started_at")))
            n["handovers"] += start <= day
        elif start > day:
            continue
        elif name == "PoliceReportFiled":
            n["police"] += 1
            reasons[str(d.get("reason"))] += 1
        elif name == "OccurrenceLogged":
            book[str(d.get("occurrence_id"))] = str(d.get("shift_started_at"))
    return Safety(
        recorded=True, rebellions=n["rebellions"], rebellion_youths=n["youths"],
        rebellions_with_injuries=n["injuries"], rebellion_deaths=n["deaths"],
        rebellions_harm_by_staff_or_police=n["harm"], rebellion_motives=dict(motives),
        police_reports=n["police"], police_report_reasons=dict(reasons), occurrences_logged=len(book),
        shifts_handed_over=n["handovers"], occurrences_not_validated=sum(1 for s in book.values() if s not in closed),
        deaths=deaths, rebellion_free_6_months=not rebellion_in_six_months)
