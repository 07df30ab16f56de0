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

The period's other activity (exits, force, interviews, follow-ups, hearings, case studies, the
families' comarcas) and the unit's staff are computed in `projections/inspection_activity.py`.

Only what the ledger can compute is here: identification, capacity and
occupancy, the population by modality × age band × sex, separation (ECA 123)
where rooms and the intake's classes are recorded, reassessment (ECA 121 §2),
PIA timeliness (SINASE 55), disciplinary due process (SINASE 48, 71), visits
(ECA 124 VII; Reg. art. 51 §1) and evasions. Cases are named by their opaque
id, never by name or document.

Decisions on the form's wording (CNMP Res. 67 as worded by Res. 84/2012, seed 001):
- "Por idade" (Annex I/II 1.3.2, III/IV 1.6.2): ECA art. 123 and Reg. art. 40 ask for separation
  "por critérios de idade" without fixing groups; the form's age bands (12–15, 16–18, 19–21) are
  the bands of its population tables, not separation groups. The ledger separates the two groups the
  ECA itself distinguishes: adolescents (under 18, art. 2) and young adults completing a measure
  (18 to 21, art. 2 par. único, art. 121 §5). A 15- and a 16-year-old in one room are separated.
- "Por tipo de infração" (1.3.1 / 1.6.1): no type of offence is recorded (the intake records only
  the seriousness class), so the answer is "sem registro"; separation by seriousness of the act
  (ECA 123 "gravidade da infração") is given apart, under its own name.
- "Por modalidade" (1.3.3 / 1.6.3): with fewer than two modality groups on the day it does not apply.
- Reassessment (Annex I/II 3.1–3.3, 3.5; III 3.7–3.9, 3.11; IV 3.6–3.8, 3.10): the form asks
  whether the unit *sent its reports* within the maximum of ECA art. 121 §2 / SINASE art. 42, so
  it is computed from the progress reports (`ProgressReportSubmitted`): each report is due at most
  6 months (3 when quarterly) after the start of the measure or the previous report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from domain.calendar import CUIABA, add_months
from domain.values import Role
from projections.case_view import CaseView
from projections.history import HistoryEntry
from projections.inspection_activity import (TECHNICAL_ROLE_NAMES, Activity, Staff, activity, staff)
from projections.inspection_activity import as_of as _as_of
from projections.inspection_activity import local_day as _local
from projections.inspection_health import Health
from projections.inspection_health import health as _health
from projections.inspection_safety import Safety, safety
from projections.inspection_unit_reports import UnitReports, unit_reports
from projections.inspection_activity import moment as _moment
from projections.inspection_activity import plain as _plain
from projections.legal_clocks import clocks_for
from projections.schooling import SchoolingData, SchoolingSummary, admissions
from projections.schooling import summary as schooling_summary
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
# The form's items 1.3.1–1.3.4 (Annex I/II) / 1.6.1–1.6.4 (III/IV) in order, then seriousness (ECA 123,
# Reg. art. 40; not a form item of its own) and rooms by sex (Annex III/IV 1.3).
SEPARATION_CRITERIA = ("offence_type", "age", "modality", "build", "seriousness", "sex")
ANSWERS = ("sim", "nao", "nao_se_aplica", "sem_registro")

# Annex III/IV 2.10 "Qual órgão ou autoridade é responsável pela aplicação da sanção disciplinar?"
DECIDED_BY_OPTIONS = ("direcao", "comissao", "agentes", "outros")

VISIT_WINDOW_DAYS = 7  # ECA art. 124 VII: weekly visits
VISIT_GAP_DAYS = 15  # Reg. art. 51 §1: "mais de 15 dias" without a visit — strictly more than 15


def age_group(age: int | None) -> str | None:
    """The ECA 123 separation group by age: adolescent (under 18, ECA art. 2) or young adult (18–21,
    art. 2 par. único, art. 121 §5). Not the CNMP table bands: see the module's docstring."""
    if age is None:
        return None
    return "adolescente" if age < 18 else "jovem_adulto"



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
    def occupied_by(self) -> str | None:
        """Form item 1.2: masculino, feminino or ambos; None when the unit is empty."""
        present = {s for s, n in self.occupants_by_sex.items() if n and s in ("masculino", "feminino")}
        if not present:
            return None
        return "ambos" if len(present) == 2 else present.pop()

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
    answer: str = ""  # one of ANSWERS: sim, nao, nao_se_aplica, sem_registro

    def __post_init__(self) -> None:
        if not self.answer:
            object.__setattr__(self, "answer", "sem_registro" if self.separated is None
                               else "sim" if self.separated else "nao")


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
class ReportsSummary(ClockSummary):
    """Reassessment reports sent by the unit (ECA 121 §2; SINASE 42): per resident on the day,
    met / met_late / breached / running; `late` lists the reports of the period sent after their due
    date, `breached` the residents whose next report is overdue on the day."""

    reports: int = 0  # reports of the residents sent in the period
    interdisciplinary: int = 0  # … by authors of at least two technical professions (Reg. art. 13)
    with_conclusion: int = 0  # … with an explicit conclusion
    kinds: Mapping[str, int] = field(default_factory=dict)  # ReportKind -> reports of the period

    @property
    def on_time(self) -> bool | None:
        """Form item 3.5 (III 3.11, IV 3.10): None when no report was due nor sent."""
        if not self.reports and not self.breached:
            return None
        return not self.breached and not self.late


# III/IV 2.11.1: who judges a disciplinary appeal, by the role that recorded the decision.
APPEAL_JUDGES = {"gerente": "Direção da Unidade", "juiz": "Juiz"}


@dataclass(frozen=True)
class Discipline:
    """Due-process indicators of the period, from the entries recorded at this unit."""

    procedures_opened: int = 0
    defender_notified: int = 0
    parents_notified: int = 0
    hearings: int = 0
    youth_heard: int = 0
    hearings_with_defence: int = 0
    hearings_with_parents: int = 0  # Annex III/IV 2.9: parents or guardians present at the hearing
    decided_by: Mapping[str, int] = field(default_factory=dict)  # Annex III/IV 2.10 option -> decisions
    decisions: int = 0
    sanctions: int = 0
    sanctions_with_fixed_duration: int = 0
    appeal_information_given: int = 0
    appeals_filed: int = 0
    appeals_decided: int = 0
    appeals_judged_by: Mapping[str, int] = field(default_factory=dict)  # III/IV 2.11.1 option -> appeals decided
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
class LogCheckpoint:
    """The transparency log's checkpoint the report's facts can be proved against (docs/TAMPER-EVIDENCE.md).

    The first signed tree holding the last event the read models applied; no size when no
    checkpoint covers it yet (or the caller did not look it up).
    """

    notification_id: int | None = None
    tree_size: int | None = None
    checkpoint_size: int | None = None
    checkpoint_root: str | None = None  # base64, as in the signed note


@dataclass(frozen=True)
class InspectionReport:
    unit_id: str
    on: dt.date
    period_start: dt.date
    identification: Identification
    occupancy: Occupancy
    population: Population
    separation: tuple[SeparationCriterion, ...]
    reassessment: ReportsSummary
    pia: ClockSummary
    discipline: Discipline
    visits: Visits
    evasions: Evasions
    residents: tuple[str, ...] = field(default=(), repr=False)  # case ids on the day
    activity: Activity = field(default_factory=Activity)
    staff: Staff = field(default_factory=Staff)
    safety: Safety = field(default_factory=Safety)  # rebellions, police reports, deaths, the occurrence book
    checkpoint: LogCheckpoint = field(default_factory=LogCheckpoint)
    schooling: SchoolingSummary = field(default_factory=SchoolingSummary)  # E54 (projections/schooling.py)
    health: Health = field(default_factory=Health)  # counts only (LGPD art. 11): projections/inspection_health.py
    unit_reports: UnitReports = field(default_factory=UnitReports)  # projections/inspection_unit_reports.py
    # The bitemporal point's transaction time: the recording time the entries were read as of (None: all).
    recorded_as_of: dt.datetime | None = None


# -- the computation ---------------------------------------------------------------------------


def inspection(unit_id: str, on: dt.date, occupancy: OccupancyData,
               case_entries: Mapping[str, Sequence[Mapping[str, Any]]],
               period_start: dt.date | None = None, checkpoint: LogCheckpoint | None = None,
               schooling: SchoolingData | None = None) -> InspectionReport:
    """The inspection data of `unit_id` at the end of `on`.

    `occupancy` holds the unit's occupancy rows; `case_entries` the audit rows
    (`audit_entries`) of each case that was in the unit, by case id, and may hold
    the unit's own stream under `unit_id` (staff roster, inspections). The period
    (peaks, discipline, evasions) runs from `period_start` (default: two months)
    to `on`, both included. `checkpoint`: the log checkpoint the read models were built from.
    `schooling`: the unit's rows of the monthly frequency read model (E54), for the checklist's
    Escolarização and Profissionalização items.
    """
    start = period_start or default_period_start(on)
    if start > on:
        raise ValueError("the period starts after the inspection day")
    day = occupancy.on(on)
    residents = day.residents
    unit_rows = case_entries.get(unit_id) or ()
    cases = {cid: _as_of(rows, on) for cid, rows in case_entries.items() if rows and cid != unit_id}
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
        reassessment=_reports(residents, views, cases, start, on),
        pia=_clock_summary("K-PIA45", residents, views, on),
        discipline=_discipline(entries, on),
        visits=_visits(residents, views, on),
        evasions=_evasions(entries),
        residents=tuple(r.case_id for r in residents),
        activity=activity(entries, residents, cases, profile.get("comarca"), (on - start).days + 1),
        staff=staff(unit_rows, start, on),
        safety=safety(unit_rows, entries, start, on),
        checkpoint=checkpoint or LogCheckpoint(),
        schooling=SchoolingSummary() if schooling is None else schooling_summary(
            schooling, unit_id, residents, admissions(occupancy.movements, on), on),
        health=_health(entries, residents, cases, on),
        unit_reports=unit_reports(unit_rows, start, on),
    )


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


def _separation(residents: Sequence[Resident], views: Mapping[str, CaseView], cases) -> tuple[SeparationCriterion, ...]:
    """ECA 123 on the day: for each criterion, the rooms holding youths of more than one class."""
    out = []
    groups = {MODALITY_GROUPS.get(r.modality) for r in residents} - {None}
    for criterion in SEPARATION_CRITERIA:
        if criterion == "offence_type":
            # No type of offence is recorded at intake (only its seriousness class).
            out.append(SeparationCriterion(criterion, None, missing=len(residents), answer="sem_registro"))
            continue
        if criterion == "modality" and len(groups) < 2:
            out.append(SeparationCriterion(criterion, None, answer="nao_se_aplica"))
            continue
        rooms: dict[str, set[str]] = {}
        missing = 0
        for r in residents:
            view = views.get(r.case_id)
            room = r.room or (view.room if view is not None else None)
            if criterion == "age":
                value = age_group(r.age)
            elif criterion == "modality":
                value = MODALITY_GROUPS.get(r.modality)
            elif criterion == "sex":
                value = r.sex if r.sex in ("masculino", "feminino") else None
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
    "reports": "ECA art. 121 §2; SINASE art. 42",
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


def _reports(residents: Sequence[Resident], views: Mapping[str, CaseView], cases, start: dt.date,
             on: dt.date) -> ReportsSummary:
    """The unit's reassessment reports (ECA 121 §2; SINASE 42): each due at most 6 months (3 when the
    court set quarterly reassessment) after the start of the measure or the previous report."""
    states: Counter = Counter()
    breached, late = [], []
    n: Counter = Counter()
    kinds: Counter = Counter()
    for r in residents:
        view, h = views.get(r.case_id), cases.get(r.case_id)
        if view is None or h is None or view.measure_started_on is None:
            continue
        months = 3 if view.quarterly_reassessment else 6
        sent = sorted((_local(e.occurred_at), e.data) for e in h.entries
                      if e.status != "voided" and e.event_type.endswith(".ProgressReportSubmitted")
                      and _local(e.occurred_at) <= on)
        anchor, was_late = view.measure_started_on, False
        for day, data in sent:
            due = add_months(anchor, months)
            if start <= day:
                n["reports"] += 1
                roles = {a.get("role") for a in data.get("authors") or () if isinstance(a, Mapping)}
                n["interdisciplinary"] += len(roles & TECHNICAL_ROLE_NAMES) >= 2
                n["with_conclusion"] += bool(data.get("conclusion"))
                kinds[str(data.get("kind"))] += 1
                if day > due:
                    late.append((r.case_id, due, day))
            was_late = was_late or day > due
            anchor = day
        due = add_months(anchor, months)
        if on > due:
            states["breached"] += 1
            breached.append((r.case_id, due))
        else:
            states["met_late" if was_late else "met" if sent else "running"] += 1
    return ReportsSummary("reports", CLOCK_SOURCES["reports"], dict(states), tuple(sorted(breached)),
                          tuple(sorted(late)), reports=n["reports"], interdisciplinary=n["interdisciplinary"],
                          with_conclusion=n["with_conclusion"], kinds=dict(kinds))


def _discipline(entries: Sequence[tuple[str, HistoryEntry]], on: dt.date) -> Discipline:
    """SINASE arts. 48, 49, 71; Reg. disciplinary procedure: counts over the period's entries."""
    n: Counter = Counter()
    deciders: Counter = Counter()
    judges: Counter = Counter()
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
            n["with_parents"] += bool(d.get("parents_present"))
        elif name == "DisciplinaryDecisionIssued":
            n["decisions"] += 1
            n["appeal_info"] += bool(d.get("appeal_information_given"))
            deciders[_decided_by(d.get("decided_by"))] += 1
            if d.get("sanction"):
                n["sanctions"] += 1
                n["fixed"] += bool(d.get("starts_on") and d.get("ends_on"))
        elif name == "AppealFiled":
            n["appeals_filed"] += 1
        elif name == "AppealDecided":
            n["appeals_decided"] += 1
            # III/IV 2.11.1 asks who judges the appeal: the role that recorded the decision (unit staff
            # record the direção's decision; a judge's, through the court's document, reads "Juiz").
            judges[APPEAL_JUDGES.get(e.actor_role, "Outros")] += 1
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
        hearings_with_parents=n["with_parents"], decided_by=dict(deciders),
        decisions=n["decisions"], sanctions=n["sanctions"], sanctions_with_fixed_duration=n["fixed"],
        appeal_information_given=n["appeal_info"], appeals_filed=n["appeals_filed"],
        appeals_decided=n["appeals_decided"], appeals_judged_by=dict(judges), sanctions_suspended_by_court=n["suspended"],
        isolations=len(applied), isolation_notices_on_time=on_time, isolation_notices_late=late,
        isolations_without_notice=tuple(sorted(overdue)), isolations_notice_pending=pending)


def _decided_by(members: Any) -> str:
    """The form's option for who decided: more than one member is the commission (Reg. disciplinary
    council), the gerente alone the direction, agents alone the agents."""
    roles = [m.get("role") for m in members or () if isinstance(m, Mapping)]
    if len(roles) > 1 or Role.COMISSAO.value in roles:
        return "comissao"
    if roles == [Role.GERENTE.value]:
        return "direcao"
    if roles and all(r in (Role.AGENTE.value, Role.LIDER.value) for r in roles):
        return "agentes"
    return "outros"


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
            days = view.visit_entitlements(on)["days_without_visit"]
            if c.clock == "K-VISITGAP15" and c.state == "phone_call_due" and days is not None and days > VISIT_GAP_DAYS:
                gaps.append((r.case_id, days))
    return Visits(len(residents), visited, tuple(sorted(gaps)))


def _evasions(entries: Sequence[tuple[str, HistoryEntry]]) -> Evasions:
    names = [(e.event_type.split(".", 1)[-1], case_id) for case_id, e in entries]
    evaded = [case_id for name, case_id in names if name == "EvasionRecorded"]
    return Evasions(len(evaded), tuple(sorted(set(evaded))),
                    sum(1 for name, _ in names if name == "ReturnedFromEvasion"))
