"""What an MP inspection of one unit needs, as of a day (CNMP Res. 67, Annexes I–IV; docs/DOMAIN-DECISIONS.md §4).

A pure function from read-model rows to report data: the unit's occupancy rows
(`projections/unit_occupancy.py`) and the audit rows of every case that passed
through the unit (`projections/audit_trail.py`). Nothing here reads a clock,
the settings or a database; `infra/commands/inspection.py` fetches the rows and
`infra/inspection_render.py` writes the report.

Time axis: the report describes the end of the inspection day `on` (Cuiabá
time). Each case is folded from the entries that *occurred* by then, with the
corrections the ledger holds when the report is made (the `as_of` axis of
`projections/history.py`); the occupancy counts use the same axis. An entry
recorded late about a day before `on` is therefore included.

Only what the ledger can compute is here: identification, capacity and
occupancy, the population by modality × age band × sex, separation (ECA 123)
where rooms and the intake's classes are recorded, reassessment (ECA 121 §2),
PIA timeliness (SINASE 55), disciplinary due process (SINASE 48, 71), visits
(ECA 124 VII; Reg. art. 51 §1) and evasions. Cases are named by their opaque
id, never by name or document.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from domain.calendar import CUIABA, add_months
from projections.case_view import CaseView
from projections.history import HistoryEntry, history
from projections.legal_clocks import clocks_for
from projections.unit_occupancy import OccupancyData, Resident, summarise

# CNMP67 Annex I 1.5 / Annex III "Número de internos por modalidade de internação".
MODALITY_GROUPS = {
    "internacao_provisoria": "provisoria",  # ECA art. 108
    "atendimento_inicial": "provisoria",
    "internacao": "definitiva",  # ECA art. 122 I–II
    "internacao_sancao": "descumprimento",  # ECA art. 122 III
    "semiliberdade": "semiliberdade",  # ECA art. 120
}
MODALITY_ORDER = ("provisoria", "definitiva", "descumprimento", "semiliberdade", "unknown")
BAND_ORDER = ("12-15", "16-18", "19-21", "21+ (violation)", "under 12 (violation)", "unknown")
VIOLATION_BANDS = frozenset({"21+ (violation)", "under 12 (violation)"})
SEXES = ("masculino", "feminino", "unknown")

# CNMP67 Annex II/IV "Capacidade física": the SINASE module (Res. CONANDA 119/2006): 40 places
# for internação (and internação provisória), 20 for semiliberdade.
SINASE_MODULE = {"internacao": 40, "internacao_provisoria": 40, "semiliberdade": 20}

# ECA art. 123: separation by age, build and seriousness of the act; CNMP adds the modality.
SEPARATION_CRITERIA = ("seriousness", "age", "modality", "build")

VISIT_WINDOW_DAYS = 7  # ECA art. 124 VII: weekly visits


def default_period_start(on: dt.date) -> dt.date:
    """The first day of the two months ending on `on` (the bimestral Annex I period)."""
    return add_months(on, -2) + dt.timedelta(days=1)


@dataclass(frozen=True)
class Identification:
    unit_id: str
    unit_code: str | None
    unit_name: str | None
    unit_type: str | None
    comarca: str | None
    planned_sex: str | None
    min_age: int | None
    max_age: int | None
    occupants_by_sex: Mapping[str, int]

    @property
    def sex_matches_plan(self) -> bool | None:
        if not self.planned_sex:
            return None
        return all(sex == self.planned_sex for sex, n in self.occupants_by_sex.items() if n)


@dataclass(frozen=True)
class Occupancy:
    capacity: int | None
    population: int
    occupancy_rate: float | None
    reserved: int
    peak_population: int
    days_over_capacity: int
    days: int
    module_reference: int | None  # SINASE module for the unit type
    over_capacity: bool

    @property
    def within_module(self) -> bool | None:
        if self.module_reference is None or self.capacity is None:
            return None
        return self.capacity <= self.module_reference


@dataclass(frozen=True)
class Population:
    """(modality group, age band, sex) -> count on the day, and who is outside the legal ages."""

    counts: Mapping[tuple[str, str, str], int]
    violations: tuple[tuple[str, int | None, str], ...]  # (case id, age, band)

    def total(self, sex: str | None = None) -> int:
        return sum(n for (_, _, s), n in self.counts.items() if sex is None or s == sex)

    def modalities(self) -> list[str]:
        present = {m for m, _, _ in self.counts}
        return [m for m in MODALITY_ORDER if m in present]


@dataclass(frozen=True)
class SeparationCriterion:
    """One ECA 123 criterion on the day: `separated` True/False, None when the data does not allow."""

    criterion: str
    separated: bool | None
    mixed_rooms: tuple[str, ...] = ()
    missing: int = 0  # residents whose room or class is not recorded


@dataclass(frozen=True)
class ClockSummary:
    """States of one legal clock over the residents on the day, and who is in breach."""

    clock: str
    source: str
    states: Mapping[str, int]
    breached: tuple[tuple[str, dt.date | None], ...] = ()  # (case id, due on)
    late: tuple[tuple[str, dt.date | None, dt.date | None], ...] = ()  # (case id, due, done)

    @property
    def total(self) -> int:
        return sum(self.states.values())


@dataclass(frozen=True)
class Discipline:
    """Due-process indicators of the period, from the entries recorded at this unit."""

    procedures_opened: int = 0
    defender_notified: int = 0
    parents_notified: int = 0
    hearings: int = 0
    youth_heard: int = 0
    hearings_with_defence: int = 0
    decisions: int = 0
    sanctions: int = 0
    sanctions_with_fixed_duration: int = 0
    appeal_information_given: int = 0
    appeals_filed: int = 0
    appeals_decided: int = 0
    sanctions_suspended_by_court: int = 0
    isolations: int = 0
    isolation_notices_on_time: int = 0
    isolation_notices_late: int = 0
    isolations_without_notice: tuple[str, ...] = ()  # case ids, notice overdue on the day
    isolations_notice_pending: int = 0  # applied less than 24 h before the end of the day


@dataclass(frozen=True)
class Visits:
    residents: int
    visited_last_7_days: int
    gap_breaches: tuple[tuple[str, int | None], ...]  # (case id, days without a visit)

    @property
    def share_visited(self) -> float | None:
        return None if not self.residents else round(self.visited_last_7_days / self.residents, 4)


@dataclass(frozen=True)
class Evasions:
    events: int
    youths: tuple[str, ...]
    returns: int


@dataclass(frozen=True)
class InspectionReport:
    unit_id: str
    on: dt.date
    period_start: dt.date
    identification: Identification
    occupancy: Occupancy
    population: Population
    separation: tuple[SeparationCriterion, ...]
    reassessment: ClockSummary
    pia: ClockSummary
    discipline: Discipline
    visits: Visits
    evasions: Evasions
    residents: tuple[str, ...] = field(default=(), repr=False)  # case ids on the day


# -- the computation ---------------------------------------------------------------------------


def inspection(unit_id: str, on: dt.date, occupancy: OccupancyData,
               case_entries: Mapping[str, Sequence[Mapping[str, Any]]],
               period_start: dt.date | None = None) -> InspectionReport:
    """The inspection data of `unit_id` at the end of `on`.

    `occupancy` holds the unit's occupancy rows; `case_entries` the audit rows
    (`audit_entries`) of each case that was in the unit, by case id. The period
    (peaks, discipline, evasions) runs from `period_start` (default: two months)
    to `on`, both included.
    """
    start = period_start or default_period_start(on)
    if start > on:
        raise ValueError("the period starts after the inspection day")
    day = occupancy.on(on)
    residents = day.residents
    cases = {cid: _as_of(rows, on) for cid, rows in case_entries.items() if rows}
    views = {cid: h.state for cid, h in cases.items() if h is not None and h.state is not None}
    entries = [(cid, e) for cid, h in cases.items() if h is not None for e in h.entries
               if e.status != "voided" and e.unit_id == unit_id and start <= _local(e.occurred_at) <= on]
    entries.sort(key=lambda ce: (ce[1].occurred_at, ce[0], ce[1].sequence))
    profile = occupancy.profile()
    series = occupancy.series(start, on)
    peaks = summarise(series)
    return InspectionReport(
        unit_id=unit_id, on=on, period_start=start,
        identification=Identification(
            unit_id=unit_id, unit_code=profile.get("unit_code"), unit_name=profile.get("unit_name"),
            unit_type=profile.get("unit_type"), comarca=profile.get("comarca"), planned_sex=profile.get("sex"),
            min_age=profile.get("min_age"), max_age=profile.get("max_age"),
            occupants_by_sex=dict(Counter(r.sex for r in residents))),
        occupancy=Occupancy(
            capacity=day.capacity, population=day.population, occupancy_rate=day.occupancy_rate,
            reserved=day.reserved, peak_population=peaks["peak_population"],
            days_over_capacity=peaks["days_over_capacity"], days=peaks["days"],
            module_reference=SINASE_MODULE.get(profile.get("unit_type") or ""), over_capacity=day.over_capacity),
        population=_population(residents),
        separation=_separation(residents, views, cases),
        reassessment=_clock_summary("K-REAV6M", residents, views, on),
        pia=_clock_summary("K-PIA45", residents, views, on),
        discipline=_discipline(entries, on),
        visits=_visits(residents, views, on),
        evasions=_evasions(entries),
        residents=tuple(r.case_id for r in residents),
    )


def _local(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CUIABA).date()


def _as_of(rows: Sequence[Mapping[str, Any]], on: dt.date):
    try:
        return history(rows, as_of=on)
    except LookupError:
        return None


def _population(residents: Iterable[Resident]) -> Population:
    counts: Counter = Counter()
    violations = []
    for r in residents:
        counts[(MODALITY_GROUPS.get(r.modality, "unknown"), r.age_band, r.sex)] += 1
        if r.age_band in VIOLATION_BANDS:
            violations.append((r.case_id, r.age, r.age_band))
    return Population(dict(counts), tuple(sorted(violations)))


def _intake_classes(h) -> dict[str, str | None]:
    """Seriousness and build from the latest intake entry in the history (corrections applied)."""
    out: dict[str, str | None] = {"seriousness": None, "build": None}
    if h is None:
        return out
    for e in h.entries:
        if e.status != "voided" and e.event_type.endswith(".IntakeRecorded"):
            out = {"seriousness": _plain(e.data.get("seriousness")), "build": _plain(e.data.get("build"))}
    return out


def _plain(value: Any) -> str | None:
    """A class value, or None if absent or withheld."""
    if not value or not isinstance(value, str) or value.startswith("(withheld"):
        return None
    return value


def _separation(residents: Sequence[Resident], views: Mapping[str, CaseView], cases) -> tuple[SeparationCriterion, ...]:
    """ECA 123 on the day: for each criterion, the rooms holding youths of more than one class."""
    out = []
    for criterion in SEPARATION_CRITERIA:
        rooms: dict[str, set[str]] = {}
        missing = 0
        for r in residents:
            view = views.get(r.case_id)
            room = r.room or (view.room if view is not None else None)
            if criterion == "age":
                value = r.age_band if r.age is not None else None
            elif criterion == "modality":
                value = MODALITY_GROUPS.get(r.modality)
            else:
                value = _intake_classes(cases.get(r.case_id))[criterion]
            if not room or not value:
                missing += 1
                continue
            rooms.setdefault(room, set()).add(value)
        if not rooms:
            out.append(SeparationCriterion(criterion, None, missing=missing))
            continue
        mixed = tuple(sorted(room for room, values in rooms.items() if len(values) > 1))
        out.append(SeparationCriterion(criterion, not mixed, mixed, missing))
    return tuple(out)


CLOCK_SOURCES = {
    "K-REAV6M": "ECA art. 121 §2; SINASE art. 42",
    "K-PIA45": "SINASE art. 55 par. único; Reg. art. 68 §1",
}


def _clock_summary(clock: str, residents: Sequence[Resident], views: Mapping[str, CaseView],
                   on: dt.date) -> ClockSummary:
    states: Counter = Counter()
    breached, late = [], []
    for r in residents:
        view = views.get(r.case_id)
        if view is None:
            continue
        for c in clocks_for(view, on):
            if c.clock != clock:
                continue
            states[c.state] += 1
            if c.state == "breached":
                breached.append((c.case_id, c.due_on))
            elif c.state == "met_late":
                late.append((c.case_id, c.due_on, c.stopped_on))
    return ClockSummary(clock, CLOCK_SOURCES[clock], dict(states), tuple(sorted(breached)), tuple(sorted(late)))


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _discipline(entries: Sequence[tuple[str, HistoryEntry]], on: dt.date) -> Discipline:
    """SINASE arts. 48, 49, 71; Reg. disciplinary procedure: counts over the period's entries."""
    n: Counter = Counter()
    applied: dict[str, tuple[str, dt.datetime]] = {}  # isolation id -> (case id, applied at)
    notified: dict[str, dt.datetime | None] = {}
    for case_id, e in entries:
        name, d = e.event_type.split(".", 1)[-1], e.data
        if name == "DisciplinaryProcedureOpened":
            n["opened"] += 1
            n["defender_notified"] += bool(d.get("defender_notified"))
            n["parents_notified"] += bool(d.get("parents_notified"))
        elif name == "DisciplinaryHearingHeld":
            n["hearings"] += 1
            n["youth_heard"] += bool(d.get("youth_heard"))
            n["with_defence"] += bool(d.get("defender_present"))
        elif name == "DisciplinaryDecisionIssued":
            n["decisions"] += 1
            n["appeal_info"] += bool(d.get("appeal_information_given"))
            if d.get("sanction"):
                n["sanctions"] += 1
                n["fixed"] += bool(d.get("starts_on") and d.get("ends_on"))
        elif name == "AppealFiled":
            n["appeals_filed"] += 1
        elif name == "AppealDecided":
            n["appeals_decided"] += 1
        elif name == "SanctionSuspendedByCourt":
            n["suspended"] += 1
        elif name == "IsolationApplied":
            applied[str(d.get("isolation_id"))] = (case_id, e.occurred_at)
        elif name == "IsolationNoticesSent":
            times = [_moment(d.get(k)) for k in ("defender_notified_at", "prosecutor_notified_at", "judge_notified_at")]
            notified[str(d.get("isolation_id"))] = None if None in times else max(times)
    end_of_day = dt.datetime.combine(on + dt.timedelta(days=1), dt.time(0), tzinfo=CUIABA)
    on_time = late = pending = 0
    overdue = []
    for iid, (case_id, at) in applied.items():
        sent = notified.get(iid)
        due = at + dt.timedelta(hours=24)  # SINASE art. 48 §2
        if sent is not None:
            on_time += sent <= due
            late += sent > due
        elif due < end_of_day:
            overdue.append(case_id)
        else:
            pending += 1
    return Discipline(
        procedures_opened=n["opened"], defender_notified=n["defender_notified"], parents_notified=n["parents_notified"],
        hearings=n["hearings"], youth_heard=n["youth_heard"], hearings_with_defence=n["with_defence"],
        decisions=n["decisions"], sanctions=n["sanctions"], sanctions_with_fixed_duration=n["fixed"],
        appeal_information_given=n["appeal_info"], appeals_filed=n["appeals_filed"],
        appeals_decided=n["appeals_decided"], sanctions_suspended_by_court=n["suspended"],
        isolations=len(applied), isolation_notices_on_time=on_time, isolation_notices_late=late,
        isolations_without_notice=tuple(sorted(overdue)), isolations_notice_pending=pending)


def _visits(residents: Sequence[Resident], views: Mapping[str, CaseView], on: dt.date) -> Visits:
    """ECA art. 124 VII (weekly visits); Reg. art. 51 §1 (15 days without a visit)."""
    since = on - dt.timedelta(days=VISIT_WINDOW_DAYS - 1)
    visited, gaps = 0, []
    for r in residents:
        view = views.get(r.case_id)
        if view is None:
            continue
        if view.last_visit_on is not None and since <= view.last_visit_on <= on:
            visited += 1
        for c in clocks_for(view, on):
            if c.clock == "K-VISITGAP15" and c.state == "phone_call_due":
                gaps.append((r.case_id, view.visit_entitlements(on)["days_without_visit"]))
    return Visits(len(residents), visited, tuple(sorted(gaps)))


def _evasions(entries: Sequence[tuple[str, HistoryEntry]]) -> Evasions:
    names = [(e.event_type.split(".", 1)[-1], case_id) for case_id, e in entries]
    evaded = [case_id for name, case_id in names if name == "EvasionRecorded"]
    return Evasions(len(evaded), tuple(sorted(set(evaded))),
                    sum(1 for name, _ in names if name == "ReturnedFromEvasion"))
