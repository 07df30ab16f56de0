"""The other CNMP Res. 67 items of an inspection: the period's activity at the unit and the unit's staff.

Pure functions over the same history entries as `projections/inspection.py` (which calls them and
documents the time axis): exits, use of force, private interviews, follow-ups after release,
reassessment hearings, case studies, PIA homologation and the families' comarcas (`activity`); the
roster and the inspections of the unit's own stream (`staff`). The items they answer are named in
`projections/cnmp67_items.json`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from domain.calendar import CUIABA
from domain.values import TECHNICAL_ROLES
from projections.history import HistoryEntry, history
from projections.unit_occupancy import Resident

TECHNICAL_ROLE_NAMES = frozenset(role.value for role in TECHNICAL_ROLES)

# Private interviews that are legal assistance (ECA 124 III; Reg. art. 51 III): the MP's are not.
LEGAL_ASSISTANCE = ("defensoria_publica", "advogado_constituido")



@dataclass(frozen=True)
class Activity:
    """Other form items the ledger answers from the period's entries at the unit (and the residents' families)."""

    family_recorded: int = 0  # residents on the day with their family's comarca recorded (AdolescentRegistered)
    family_elsewhere: tuple[str, ...] = ()  # … whose family lives in another comarca (III 1.10.1 / IV 1.8.1)
    exits: int = 0  # ExternalExitStarted in the period (I 3.11 / III 3.19)
    exit_purposes: Mapping[str, int] = field(default_factory=dict)
    force: Mapping[str, int] = field(default_factory=dict)  # UseOfForceRecorded.technique -> uses (III 1.13)
    interview_days: Mapping[str, int] = field(default_factory=dict)  # authority -> days with a private interview
    residents_interviewed: int = 0  # residents on the day with a defender's or lawyer's interview in the period
    days: int = 0  # days in the period
    egress_youths: int = 0  # released youths followed up in the period (I 3.9 / III 3.17)
    egress_in_school: int = 0  # … found in school (3.10.1 / 3.18.1)
    egress_in_course_or_work: int = 0  # … in a course or at work (3.10.2 / 3.18.2)
    egress_referred: int = 0  # … referred to the network / open-environment programmes (3.10.3 / 3.18.3)
    hearings: int = 0  # reassessment hearings in the period
    hearings_with_team: int = 0  # … with the unit's technical team (I 3.6 / III 3.12)
    hearings_with_defender: int = 0  # … with a defender (III 3.14 / IV 3.13)
    case_studies: int = 0  # CaseStudyHeld in the period (checklist "Estudos de caso")
    case_studies_interdisciplinary: int = 0  # … with participants of at least two technical professions
    pia_submitted: int = 0  # residents on the day with a PIA submitted (checklist "Homologação Judicial do PIA")
    pia_homologated: int = 0  # … and homologated, expressly or tacitly

    def frequency(self, authority: str) -> str | None:
        """The form's frequency bucket (3.8.1; III 3.15.1.x.2) from the mean gap between interview days."""
        n = self.interview_days.get(authority, 0)
        if not n or not self.days:
            return None
        gap = self.days / n
        return "diario" if gap <= 1 else "semanal" if gap <= 7 else "quinzenal" if gap <= 15 \
            else "mensal" if gap <= 31 else "menos_que_mensal"

    @property
    def legal_assistance_systematic(self) -> bool | None:
        """I 3.8 / III 3.15: at least monthly interviews by the Defensoria or a lawyer (ECA 124 III)."""
        if not self.days:
            return None
        return any(self.frequency(a) not in (None, "menos_que_mensal") for a in LEGAL_ASSISTANCE)


@dataclass(frozen=True)
class Staff:
    """The unit's roster on the day and its changes (CNMP67 I 2.1–2.2, II 2.1–2.1.1, III/IV 2.1), and the
    time of the inspection recorded that day (header "Horário"), from the unit's own stream."""

    recorded: bool = False  # the unit's stream was given and has roster entries
    by_category: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)  # category -> (active, inactive, weekly hours of the active)
    changes_since: dt.date | None = None  # the last inspection before the day, or the period's start
    changes: int = 0  # roster entries since then
    inspected_at: dt.datetime | None = None  # InspectionRecorded on the day


# -- helpers shared with projections/inspection.py -------------------------------------------------


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CUIABA).date()


def as_of(rows: Sequence[Mapping[str, Any]], on: dt.date):
    try:
        return history(rows, as_of=on)
    except LookupError:
        return None


def plain(value: Any) -> str | None:
    """A class value, or None if absent or withheld."""
    if not value or not isinstance(value, str) or value.startswith("(withheld"):
        return None
    return value


def moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


# -- the computation -----------------------------------------------------------------------------


def activity(entries: Sequence[tuple[str, HistoryEntry]], residents: Sequence[Resident], cases,
              comarca: str | None, days: int) -> Activity:
    """Exits, use of force, interviews, follow-ups after release and hearings of the period; families' comarcas."""
    exits: Counter = Counter()
    force: Counter = Counter()
    interview_days: dict[str, set] = {}
    interviewed: set[str] = set()
    egress: dict[str, dict[str, bool]] = {}
    n: Counter = Counter()
    for case_id, e in entries:
        name, d = e.event_type.split(".", 1)[-1], e.data
        if name == "ExternalExitStarted":
            exits[str(d.get("purpose"))] += 1
        elif name == "UseOfForceRecorded":
            force[str(d.get("technique"))] += 1
        elif name == "PrivateInterviewHeld":
            authority = str(d.get("authority"))
            interview_days.setdefault(authority, set()).add(local_day(e.occurred_at))
            if authority in LEGAL_ASSISTANCE:
                interviewed.add(case_id)
        elif name == "EgressFollowUpRecorded":
            seen = egress.setdefault(case_id, {"school": False, "course": False, "network": False})
            seen["school"] |= bool(d.get("in_school"))
            seen["course"] |= bool(d.get("in_course_or_work"))
            seen["network"] |= bool(d.get("referred_to_network"))
        elif name == "CaseStudyHeld":
            n["studies"] += 1
            roles = {p.get("role") for p in d.get("participants") or () if isinstance(p, Mapping)}
            n["studies_inter"] += len(roles & TECHNICAL_ROLE_NAMES) >= 2
        elif name == "ReassessmentHearingHeld":
            n["hearings"] += 1
            n["team"] += bool(d.get("technical_team_present"))
            n["defender"] += bool(d.get("defender_present"))
    recorded, elsewhere = 0, []
    for r in residents:
        family = _family_comarca(cases.get(r.case_id))
        if family is None:
            continue
        recorded += 1
        if comarca is None or family.casefold() != comarca.casefold():
            elsewhere.append(r.case_id)
    here = {r.case_id for r in residents}
    submitted = homologated = 0
    for case_id in here:
        h = cases.get(case_id)
        names = {e.event_type.split(".", 1)[-1] for e in (h.entries if h is not None else ()) if e.status != "voided"}
        submitted += "PIASubmitted" in names
        homologated += "PIASubmitted" in names and "PIAHomologated" in names
    return Activity(
        family_recorded=recorded, family_elsewhere=tuple(sorted(elsewhere)),
        exits=sum(exits.values()), exit_purposes=dict(exits), force=dict(force),
        interview_days={a: len(ds) for a, ds in interview_days.items()},
        residents_interviewed=len(interviewed & here), days=days,
        egress_youths=len(egress), egress_in_school=sum(v["school"] for v in egress.values()),
        egress_in_course_or_work=sum(v["course"] for v in egress.values()),
        egress_referred=sum(v["network"] for v in egress.values()),
        hearings=n["hearings"], hearings_with_team=n["team"], hearings_with_defender=n["defender"],
        case_studies=n["studies"], case_studies_interdisciplinary=n["studies_inter"],
        pia_submitted=submitted, pia_homologated=homologated)


def _family_comarca(h) -> str | None:
    """The family's comarca from the latest registration entry, if recorded. A corrected comarca is not
    used: correction values are withheld from the audit trail (personal data), so the entry may still
    show the value it corrected."""
    out = None
    for e in (h.entries if h is not None else ()):
        if e.status != "voided" and e.event_type.endswith(".AdolescentRegistered"):
            out = None if "family_comarca" in e.corrected_fields else plain(e.data.get("family_comarca"))
    return out


def staff(rows: Sequence[Mapping[str, Any]], start: dt.date, on: dt.date) -> Staff:
    """Fold the unit's StaffRosterChanged entries (latest per staff id) up to the day; count the changes since
    the last InspectionRecorded before the day (or the period's start when there was none)."""
    if not rows:
        return Staff()
    h = as_of(rows, on)
    if h is None:
        return Staff()
    roster: dict[str, Mapping[str, Any]] = {}
    changed_on: list[dt.date] = []
    last_inspection, today = None, None
    for e in h.entries:
        if e.status == "voided" or local_day(e.occurred_at) > on:
            continue
        name = e.event_type.split(".", 1)[-1]
        if name == "StaffRosterChanged":
            roster[str(e.data.get("staff_id"))] = e.data
            changed_on.append(local_day(e.occurred_at))
        elif name == "InspectionRecorded":
            at = moment(e.data.get("inspected_at")) or e.occurred_at
            if local_day(at) == on:
                today = at
            elif local_day(at) < on:
                last_inspection = max(last_inspection or local_day(at), local_day(at))
    since = last_inspection or start
    by_category: dict[str, list[int]] = {}
    for d in roster.values():
        cell = by_category.setdefault(str(d.get("category") or "outro"), [0, 0, 0])
        if d.get("status") == "ativo":
            cell[0] += 1
            cell[2] += int(d.get("weekly_hours") or 0)
        else:
            cell[1] += 1
    return Staff(recorded=bool(roster), by_category={k: tuple(v) for k, v in sorted(by_category.items())},
                 changes_since=since, changes=sum(1 for day in changed_on if day > since), inspected_at=today)
