"""Monthly frequency of schooling and activities per youth and unit (E54), with closed months.

What it answers: for a unit and a month, each youth's attendance of each activity (school,
vocational course, work, sport, culture) — days expected, present, justified absences — and the
**frequency**; those below SISPETI's **85 %** minimum are flagged; and, for semiliberdade, the
**compulsory-schooling alert**: a youth in the unit with no active school enrolment (ECA art. 120
§1: "são obrigatórias a escolarização e a profissionalização"), once the 8 days of triage have run
(Reg. art. 32 par. único: the triage evaluates the youth for insertion in school).

The frequency. SISPETI (seed 002) controls "a frequência mensal mínima de 85%" and lists the
justifiable reasons for absence (illness of the child, illness or death in the family, no offer of
the service, access prevented, a socio-educational measure being served); it gives no formula. The
ledger reads justified days as not expected of the youth: frequency = present / (expected −
justified). A month where every expected day was justified has no frequency (nothing to miss).

Closed months (R-66; SISPETI "Data de Fechamento": the month's collection closes, the history is
kept). `Unit.AttendanceMonthClosed` closes a month for the unit at a moment. The figure *as
closed* folds the records and corrections that occurred by that moment; the *current* figure
folds them all. When they differ — a correction (E67) or a void (E68) after the closing — the
month's report is flagged **to reissue**: both figures are kept, nothing is silently changed.

The tables keep every entry by stream version, and corrections by target version, so the fold is
made when reading (`SchoolingData`), as `projections/unit_occupancy.py` does: the projection never
reads its rows (projections/engine.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from domain.calendar import CUIABA
from projections.decoding import LedgerEvent
from projections.engine import Change, Table, Upsert

# SISPETI [seed 002]: "frequência mensal mínima de 85%".
FREQUENCY_MINIMUM = 85.0
# Reg. art. 32 par. único: 8 days of triage before the insertion in school and courses.
TRIAGE_DAYS = 8
FIGURES = ("days_expected", "days_present", "justified_absences")
SCHOOL = "escola"

CREATE_ENROLMENTS = """
    CREATE TABLE {table} (
        case_id      text        NOT NULL,
        version      bigint      NOT NULL,
        activity_id  text,
        unit_id      text,
        kind         text,
        institution  text,
        started_on   date,
        occurred_at  timestamptz,
        PRIMARY KEY (case_id, version)
    )"""

CREATE_ENROLMENT_ENDS = """
    CREATE TABLE {table} (
        case_id      text        NOT NULL,
        version      bigint      NOT NULL,
        activity_id  text,
        ended_on     date,
        reason       text,
        PRIMARY KEY (case_id, version)
    )"""

CREATE_ATTENDANCE = """
    CREATE TABLE {table} (
        case_id            text        NOT NULL,
        version            bigint      NOT NULL,
        activity_id        text,
        unit_id            text,
        month              text,
        days_expected      integer,
        days_present       integer,
        justified_absences integer,
        occurred_at        timestamptz,
        recorded_at        timestamptz,
        PRIMARY KEY (case_id, version)
    )"""

INDEX_ATTENDANCE_BY_UNIT = "CREATE INDEX ON {table} (unit_id, month)"

# A correction (E67) of an attendance figure, by target version and the correcting entry.
CREATE_ATTENDANCE_CORRECTIONS = """
    CREATE TABLE {table} (
        case_id       text        NOT NULL,
        version       bigint      NOT NULL,
        corrected_by  bigint      NOT NULL,
        field         text        NOT NULL,
        value         integer,
        occurred_at   timestamptz,
        PRIMARY KEY (case_id, version, corrected_by, field)
    )"""

# A void (E68) of any case entry: the reader drops enrolments, ends and records it names.
CREATE_VOIDS = """
    CREATE TABLE {table} (
        case_id      text        NOT NULL,
        version      bigint      NOT NULL,
        voided_by    bigint,
        occurred_at  timestamptz,
        PRIMARY KEY (case_id, version)
    )"""

CREATE_CLOSED_MONTHS = """
    CREATE TABLE {table} (
        unit_id      text        NOT NULL,
        month        text        NOT NULL,
        version      bigint,
        closed_at    timestamptz,
        recorded_at  timestamptz,
        PRIMARY KEY (unit_id, month)
    )"""

# Reads; the names in braces are the read views.
SELECT_ATTENDANCE_OF_UNIT = "SELECT * FROM {attendance} WHERE unit_id = %s ORDER BY case_id, version"
SELECT_ENROLMENTS_OF = "SELECT * FROM {enrolments} WHERE case_id = ANY(%s) ORDER BY case_id, version"
SELECT_ENDS_OF = "SELECT * FROM {ends} WHERE case_id = ANY(%s) ORDER BY case_id, version"
SELECT_CORRECTIONS_OF = "SELECT * FROM {corrections} WHERE case_id = ANY(%s) ORDER BY case_id, version, corrected_by"
SELECT_VOIDS_OF = "SELECT * FROM {voids} WHERE case_id = ANY(%s) ORDER BY case_id, version"
SELECT_CLOSED_OF_UNIT = "SELECT * FROM {closed} WHERE unit_id = %s ORDER BY month"


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class SchoolingFrequency:
    """Projection `schooling_frequency`: enrolments, monthly attendance, its corrections, closed months."""

    name = "schooling_frequency"
    version = 1
    streams = ("Case", "Unit")
    tables = (
        Table("schooling_enrolments", key=("case_id", "version"), ddl=(CREATE_ENROLMENTS,)),
        Table("schooling_enrolment_ends", key=("case_id", "version"), ddl=(CREATE_ENROLMENT_ENDS,)),
        Table("schooling_attendance", key=("case_id", "version"), ddl=(CREATE_ATTENDANCE, INDEX_ATTENDANCE_BY_UNIT)),
        Table("schooling_corrections", key=("case_id", "version", "corrected_by", "field"),
              ddl=(CREATE_ATTENDANCE_CORRECTIONS,)),
        Table("schooling_voids", key=("case_id", "version"), ddl=(CREATE_VOIDS,)),
        Table("schooling_closed_months", key=("unit_id", "month"), ddl=(CREATE_CLOSED_MONTHS,)),
    )

    def apply(self, event: LedgerEvent) -> list[Change]:
        d, sid, seq = event.data, event.stream_id, event.sequence
        if event.aggregate == "Unit":
            if event.name == "AttendanceMonthClosed":
                return [Upsert("schooling_closed_months", {"unit_id": sid, "month": str(d.get("month"))},
                               {"version": seq, "closed_at": event.occurred_at, "recorded_at": event.recorded_at})]
            return []
        key = {"case_id": sid, "version": seq}
        if event.name == "EnrollmentRecorded":
            return [Upsert("schooling_enrolments", key, {
                "activity_id": str(d.get("activity_id")), "unit_id": event.unit_id, "kind": d.get("kind"),
                "institution": d.get("institution"), "started_on": _date(d.get("started_on")),
                "occurred_at": event.occurred_at})]
        if event.name == "EnrollmentEnded":
            return [Upsert("schooling_enrolment_ends", key, {
                "activity_id": str(d.get("activity_id")), "ended_on": _date(d.get("ended_on")),
                "reason": d.get("reason")})]
        if event.name == "AttendanceRecorded":
            return [Upsert("schooling_attendance", key, {
                "activity_id": str(d.get("activity_id")), "unit_id": event.unit_id, "month": d.get("month"),
                **{f: _int(d.get(f)) for f in FIGURES},
                "occurred_at": event.occurred_at, "recorded_at": event.recorded_at})]
        if event.name == "EntryCorrected":
            target = int(d["target_version"])
            return [Upsert("schooling_corrections",
                           {"case_id": sid, "version": target, "corrected_by": seq, "field": str(c.get("field"))},
                           {"value": _int(c.get("value")), "occurred_at": event.occurred_at})
                    for c in d.get("corrections") or [] if str(c.get("field")) in FIGURES
                    and _int(c.get("value")) is not None]
        if event.name == "EntryVoided":
            return [Upsert("schooling_voids", {"case_id": sid, "version": int(d["target_version"])},
                           {"voided_by": seq, "occurred_at": event.occurred_at})]
        return []


# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A month's attendance of one activity: the counts and the frequency they give."""

    days_expected: int
    days_present: int
    justified_absences: int

    @property
    def frequency(self) -> float | None:
        """present / (expected − justified), in %; None when every expected day was justified."""
        base = self.days_expected - self.justified_absences
        return None if base <= 0 else round(100.0 * self.days_present / base, 1)

    @property
    def below_minimum(self) -> bool:
        """Below SISPETI's 85 % monthly minimum [seed 002]."""
        return self.frequency is not None and self.frequency < FREQUENCY_MINIMUM


@dataclass(frozen=True)
class MonthRow:
    """One youth's attendance of one activity in one month at the unit."""

    case_id: str
    activity_id: str
    kind: str | None
    institution: str | None
    month: str
    figure: Figure | None  # the current figure (every correction); None if voided since
    closed: bool = False
    as_closed: Figure | None = None  # the figure when the month was closed (None: not closed, or not yet recorded)
    to_reissue: bool = False  # closed, and changed since: the month's report must be reissued

    @property
    def below_minimum(self) -> bool:
        return self.figure is not None and self.figure.below_minimum


@dataclass(frozen=True)
class MonthlyTable:
    """The unit's monthly frequency table: a row per youth and activity, and the month's status."""

    unit_id: str
    month: str
    rows: tuple[MonthRow, ...]
    closed_at: dt.datetime | None = None

    @property
    def to_reissue(self) -> bool:
        """The month was closed and a figure changed since (R-66: flagged, not silently changed)."""
        return any(r.to_reissue for r in self.rows)

    @property
    def youths(self) -> int:
        return len({r.case_id for r in self.rows if r.figure is not None})

    @property
    def youths_below_minimum(self) -> tuple[str, ...]:
        return tuple(sorted({r.case_id for r in self.rows if r.below_minimum}))


@dataclass
class SchoolingData:
    """The rows of the read model for some cases and units, folded when read."""

    enrolments: list[Mapping[str, Any]] = field(default_factory=list)
    ends: list[Mapping[str, Any]] = field(default_factory=list)
    attendance: list[Mapping[str, Any]] = field(default_factory=list)
    corrections: list[Mapping[str, Any]] = field(default_factory=list)
    voids: list[Mapping[str, Any]] = field(default_factory=list)
    closed: list[Mapping[str, Any]] = field(default_factory=list)

    @classmethod
    def from_tables(cls, rows: Mapping[str, Mapping[Any, Mapping[str, Any]]]) -> "SchoolingData":
        """From `MemoryTables.rows` (or any {table: {key: row}})."""
        def of(name: str) -> list[Mapping[str, Any]]:
            return list((rows.get(name) or {}).values())
        return cls(of("schooling_enrolments"), of("schooling_enrolment_ends"), of("schooling_attendance"),
                   of("schooling_corrections"), of("schooling_voids"), of("schooling_closed_months"))

    def _voided(self) -> dict[tuple[str, int], dt.datetime | None]:
        return {(v["case_id"], int(v["version"])): v.get("occurred_at") for v in self.voids}

    def activities(self) -> dict[tuple[str, str], dict[str, Any]]:
        """(case_id, activity_id) -> kind, institution, started_on, ended_on, unit_id (voided entries dropped)."""
        voided = self._voided()
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for e in sorted(self.enrolments, key=lambda r: (r["case_id"], int(r["version"]))):
            if (e["case_id"], int(e["version"])) in voided or e.get("activity_id") is None:
                continue
            out[(e["case_id"], e["activity_id"])] = {"kind": e.get("kind"), "institution": e.get("institution"),
                                                    "started_on": _date(e.get("started_on")), "ended_on": None,
                                                    "unit_id": e.get("unit_id")}
        for x in sorted(self.ends, key=lambda r: (r["case_id"], int(r["version"]))):
            found = out.get((x["case_id"], x.get("activity_id")))
            if found is not None and (x["case_id"], int(x["version"])) not in voided:
                found["ended_on"] = _date(x.get("ended_on"))
        return out

    def active_school(self, case_id: str, on: dt.date) -> bool:
        """Whether the youth has a school enrolment active on `on`."""
        return any(cid == case_id and a["kind"] == SCHOOL and a["started_on"] is not None and a["started_on"] <= on
                   and (a["ended_on"] is None or a["ended_on"] >= on) for (cid, _), a in self.activities().items())

    def monthly(self, unit_id: str, month: str) -> MonthlyTable:
        """The unit's frequency table for `month`: current figure, figure as closed, to-reissue flag."""
        closing = next((c for c in self.closed if c["unit_id"] == unit_id and c["month"] == month), None)
        closed_at = closing.get("closed_at") if closing else None
        voided = self._voided()
        activities = self.activities()
        fixes: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
        for c in self.corrections:
            fixes.setdefault((c["case_id"], int(c["version"])), []).append(c)
        rows = []
        for a in sorted((r for r in self.attendance if r.get("unit_id") == unit_id and r.get("month") == month),
                        key=lambda r: (r["case_id"], str(r.get("activity_id")), int(r["version"]))):
            key = (a["case_id"], int(a["version"]))
            mine = sorted(fixes.get(key, ()), key=lambda c: int(c["corrected_by"]))
            current = None if key in voided else _fold(a, mine)
            as_closed = None
            if closed_at is not None and a.get("occurred_at") is not None and a["occurred_at"] <= closed_at:
                void_at = voided.get(key, "absent")
                gone = void_at != "absent" and (void_at is None or void_at <= closed_at)
                as_closed = None if gone else _fold(a, [c for c in mine if c.get("occurred_at") is not None
                                                        and c["occurred_at"] <= closed_at])
            info = activities.get((a["case_id"], a.get("activity_id")), {})
            rows.append(MonthRow(
                case_id=a["case_id"], activity_id=str(a.get("activity_id")), kind=info.get("kind"),
                institution=info.get("institution"), month=month, figure=current, closed=closed_at is not None,
                as_closed=as_closed, to_reissue=closed_at is not None and as_closed != current))
        return MonthlyTable(unit_id, month, tuple(rows), closed_at)

    def months(self, unit_id: str) -> list[str]:
        """The months with attendance at the unit, or closed by it."""
        return sorted({r["month"] for r in self.attendance if r.get("unit_id") == unit_id and r.get("month")}
                      | {c["month"] for c in self.closed if c["unit_id"] == unit_id})


def _fold(row: Mapping[str, Any], corrections: Sequence[Mapping[str, Any]]) -> Figure:
    values = {f: int(row.get(f) or 0) for f in FIGURES}
    for c in corrections:
        if c.get("field") in values and c.get("value") is not None:
            values[c["field"]] = int(c["value"])
    return Figure(**values)


@dataclass(frozen=True)
class SchoolingAlert:
    """A semiliberdade resident with no active school enrolment after the triage (ECA 120 §1)."""

    case_id: str
    admitted_on: dt.date | None
    days_in_unit: int | None


def compulsory_schooling_alerts(data: SchoolingData, residents: Iterable[Any], admitted_on: Mapping[str, dt.date],
                                on: dt.date) -> list[SchoolingAlert]:
    """Residents in semiliberdade on `on`, past the 8 days of triage, with no active school enrolment.

    ECA art. 120 §1 makes schooling compulsory in semiliberdade; Reg. art. 32 par. único gives the
    first 8 days to evaluate the youth for the insertion. `residents` are the unit's residents on the day
    (`unit_occupancy.DayCount.residents`); `admitted_on` the day each entered the unit.
    """
    out = []
    for r in residents:
        if getattr(r, "modality", None) != "semiliberdade":
            continue
        since = admitted_on.get(r.case_id)
        days = None if since is None else (on - since).days + 1
        if days is not None and days <= TRIAGE_DAYS:
            continue
        if not data.active_school(r.case_id, on):
            out.append(SchoolingAlert(r.case_id, since, days))
    return out


def admissions(movements: Iterable[Mapping[str, Any]], on: dt.date) -> dict[str, dt.date]:
    """The day each youth last entered the unit by `on` (from `unit_movements` rows)."""
    out: dict[str, dt.date] = {}
    for m in sorted(movements, key=lambda m: int(m["version"])):
        if m.get("movement") == "admitted" and m.get("at") is not None:
            day = m["at"].astimezone(CUIABA).date()
            if day <= on:
                out[m["case_id"]] = day
    return out


@dataclass(frozen=True)
class SchoolingSummary:
    """What the inspection report says of schooling on a day (CNMP Res. 67 checklist: Escolarização,
    Profissionalização/Trabalho): residents enrolled, and the last month's frequency."""

    residents: int = 0
    in_school: int = 0
    in_course_or_work: int = 0
    month: str | None = None
    youths_with_frequency: int = 0
    youths_below_minimum: int = 0
    alerts: tuple[str, ...] = ()  # semiliberdade residents without school after the triage
    recorded: bool = False  # any enrolment recorded for the unit's residents


def summary(data: SchoolingData, unit_id: str, residents: Sequence[Any], admitted_on: Mapping[str, dt.date],
            on: dt.date) -> SchoolingSummary:
    """The residents' enrolments on `on` and the unit's frequency table of the previous month."""
    here = {r.case_id for r in residents}
    active = [(cid, a) for (cid, _), a in data.activities().items() if cid in here and a["started_on"] is not None
              and a["started_on"] <= on and (a["ended_on"] is None or a["ended_on"] >= on)]
    first = on.replace(day=1) - dt.timedelta(days=1)
    month = f"{first.year:04d}-{first.month:02d}"
    table = data.monthly(unit_id, month)
    return SchoolingSummary(
        residents=len(here), in_school=len({cid for cid, a in active if a["kind"] == SCHOOL}),
        in_course_or_work=len({cid for cid, a in active if a["kind"] in ("curso_profissionalizante", "trabalho")}),
        month=month, youths_with_frequency=table.youths, youths_below_minimum=len(table.youths_below_minimum),
        alerts=tuple(a.case_id for a in compulsory_schooling_alerts(data, residents, admitted_on, on)),
        recorded=any(cid in here for (cid, _) in data.activities()))
