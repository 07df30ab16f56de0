"""Unit occupancy: population against capacity, now and day by day, in the CNMP tables.

CNMP Res. 67 (Annex I bimestral 1.5.1–1.5.3; Annex III 1.5, 1.9) asks for the
population of a unit by modality × age band × sex, and for capacity,
occupancy rate, peak and days over capacity (docs/DOMAIN-DECISIONS.md §4 items 2–3).

Who is inside comes from the Unit stream (`ResidentAdmitted`, `ResidentDeparted`,
`ResidentMoved`; capacity from `UnitCapacityDefined` / `Redefined`). Age, sex
and modality come from the Case stream (`AdolescentRegistered`,
`IntakeRecorded`, `MeasureDecisionRecorded`), kept in rows keyed by case so
the two streams can arrive in any order. Everything is stored by stream
version, so a correction (`EntryCorrected` naming a version) is an upsert of
that version's row and a void marks it; the query functions then take the
latest valid row in effect on each day.

The birth date (personal in the contract) is kept in `occupancy_profiles` only
because the band of each day depends on it; the commands print bands, not dates.
The age band is computed on the day counted, in **completed years** (CNMP67
Annex I 1.5; `domain.calendar.age_on`): [12,15], [16,18], [19,21); anyone aged
21 or more is listed as a violation (ECA art. 121 §5), under 12 as well (ECA 2, 105).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from domain.calendar import CUIABA, age_on
from domain.corrections import corrected_values
from projections.decoding import LedgerEvent
from projections.engine import Change, Table, Upsert

CREATE_UNIT_CAPACITY = """
    CREATE TABLE {table} (
        unit_id     text        NOT NULL,
        version     bigint      NOT NULL,
        unit_code   text,
        unit_name   text,
        unit_type   text,
        capacity    integer,
        sex         text,
        min_age     integer,
        max_age     integer,
        comarca     text,
        effective_at timestamptz,
        voided      boolean     NOT NULL DEFAULT false,
        recorded_at timestamptz,
        PRIMARY KEY (unit_id, version)
    )"""

CREATE_UNIT_MOVEMENTS = """
    CREATE TABLE {table} (
        unit_id     text        NOT NULL,
        version     bigint      NOT NULL,
        case_id     text        NOT NULL,
        movement    text        NOT NULL CHECK (movement IN ('admitted', 'departed', 'moved')),
        reason      text,
        room        text,
        at          timestamptz NOT NULL,
        recorded_at timestamptz,
        PRIMARY KEY (unit_id, version)
    )"""

INDEX_MOVEMENTS_BY_CASE = "CREATE INDEX ON {table} (case_id)"

# Places reserved by a vacancy ofício (E02; Reg. art. 14 IX, 24) count against capacity until
# filled or expired. The requesting process number is not kept: it identifies a youth.
CREATE_UNIT_VACANCIES = """
    CREATE TABLE {table} (
        unit_id      text        NOT NULL,
        vacancy_id   text        NOT NULL,
        released_at  timestamptz,
        valid_until  date,
        filled_at    timestamptz,
        recorded_at  timestamptz,
        PRIMARY KEY (unit_id, vacancy_id)
    )"""

CREATE_OCCUPANCY_PROFILES = """
    CREATE TABLE {table} (
        case_id     text        PRIMARY KEY,
        birth_date  date,
        sex         text
    )"""

CREATE_OCCUPANCY_MODALITIES = """
    CREATE TABLE {table} (
        case_id      text        NOT NULL,
        version      bigint      NOT NULL,
        modality     text,
        effective_on date,
        voided       boolean     NOT NULL DEFAULT false,
        PRIMARY KEY (case_id, version)
    )"""

# A correction of a unit entry's time (E67), kept by target version and applied when the rows are
# read (`OccupancyData.from_rows`): the projection cannot know whether the target is a movement or a
# capacity definition, so it records the correction and the reader combines (projections/engine.py).
CREATE_UNIT_ENTRY_CORRECTIONS = """
    CREATE TABLE {table} (
        unit_id      text        NOT NULL,
        version      bigint      NOT NULL,
        field        text        NOT NULL,
        value        text,
        corrected_by bigint      NOT NULL,
        recorded_at  timestamptz,
        PRIMARY KEY (unit_id, version, field)
    )"""

# Reads; the names in braces are the read views.
SELECT_UNIT_CAPACITY = "SELECT * FROM {capacity} WHERE unit_id = %s ORDER BY version"
SELECT_UNIT_MOVEMENTS = "SELECT * FROM {movements} WHERE unit_id = %s ORDER BY version"
SELECT_UNIT_VACANCIES = "SELECT * FROM {vacancies} WHERE unit_id = %s ORDER BY vacancy_id"
SELECT_UNIT_ENTRY_CORRECTIONS = "SELECT * FROM {corrections} WHERE unit_id = %s ORDER BY version, corrected_by"
SELECT_PROFILES_OF = "SELECT * FROM {profiles} WHERE case_id = ANY(%s)"
SELECT_MODALITIES_OF = "SELECT * FROM {modalities} WHERE case_id = ANY(%s) ORDER BY case_id, version"
SELECT_UNITS = "SELECT DISTINCT unit_id FROM {capacity} ORDER BY unit_id"
SELECT_UNIT_COMARCAS = "SELECT unit_id, version, comarca, voided FROM {capacity} ORDER BY unit_id, version"
SELECT_UNIT_BY_CODE = "SELECT unit_id FROM {capacity} WHERE unit_code = %s OR unit_id = %s LIMIT 1"

MOVEMENTS = {"ResidentAdmitted": "admitted", "ResidentDeparted": "departed", "ResidentMoved": "moved"}
PROFILE_FIELDS = ("birth_date", "sex")
CAPACITY_FIELDS = ("capacity", "min_age", "max_age")


class UnitOccupancy:
    """Projection `unit_occupancy`: capacity and movements of units, age/sex/modality of cases."""

    name = "unit_occupancy"
    version = 3  # 2: corrected times of unit entries (unit_entry_corrections); 3: corrected unit of a stay, comarca
    streams = ("Case", "Unit")
    tables = (
        Table("unit_capacity", key=("unit_id", "version"), ddl=(CREATE_UNIT_CAPACITY,)),
        Table("unit_movements", key=("unit_id", "version"), ddl=(CREATE_UNIT_MOVEMENTS, INDEX_MOVEMENTS_BY_CASE)),
        Table("unit_vacancies", key=("unit_id", "vacancy_id"), ddl=(CREATE_UNIT_VACANCIES,)),
        Table("occupancy_profiles", key=("case_id",), ddl=(CREATE_OCCUPANCY_PROFILES,)),
        Table("occupancy_modalities", key=("case_id", "version"), ddl=(CREATE_OCCUPANCY_MODALITIES,)),
        Table("unit_entry_corrections", key=("unit_id", "version", "field"), ddl=(CREATE_UNIT_ENTRY_CORRECTIONS,)),
    )

    def apply(self, event: LedgerEvent) -> list[Change]:
        d, sid, seq = event.data, event.stream_id, event.sequence
        if event.aggregate == "Unit":
            if event.name in ("UnitCapacityDefined", "UnitCapacityRedefined"):
                values = {k: d.get(k) for k in CAPACITY_FIELDS}
                if event.name == "UnitCapacityDefined":
                    values.update(unit_code=d.get("unit_code"), unit_name=d.get("name"), unit_type=d.get("unit_type"),
                                  sex=d.get("sex"), comarca=d.get("comarca"))
                values["effective_at"] = event.occurred_at
                values["recorded_at"] = event.recorded_at
                return [Upsert("unit_capacity", {"unit_id": sid, "version": seq}, values)]
            if event.name in MOVEMENTS:
                return [Upsert("unit_movements", {"unit_id": sid, "version": seq},
                               {"case_id": str(d.get("case_id")), "movement": MOVEMENTS[event.name],
                                "reason": d.get("reason"), "room": d.get("room"), "at": event.occurred_at,
                                "recorded_at": event.recorded_at})]
            if event.name == "VacancyReleased":
                return [Upsert("unit_vacancies", {"unit_id": sid, "vacancy_id": str(d.get("vacancy_id"))},
                               {"released_at": event.occurred_at, "valid_until": _as_date(d.get("valid_until")),
                                "recorded_at": event.recorded_at})]
            if event.name == "VacancyFilled":
                return [Upsert("unit_vacancies", {"unit_id": sid, "vacancy_id": str(d.get("vacancy_id"))},
                               {"filled_at": event.occurred_at})]
            if event.name == "EntryCorrected":
                target = int(d["target_version"])
                out: list[Change] = []
                for c in d.get("corrections") or []:
                    name, value = str(c.get("field")), c.get("value")
                    if name in CAPACITY_FIELDS and _is_int(value):
                        out.append(Upsert("unit_capacity", {"unit_id": sid, "version": target}, {name: int(value)}))
                    elif name == "comarca":  # the municipality whose holidays the unit's clocks skip
                        out.append(Upsert("unit_capacity", {"unit_id": sid, "version": target}, {name: value}))
                    elif name in ("occurred_at", "unit_id"):  # unit_id: the stay moved to another unit (E67)
                        out.append(Upsert("unit_entry_corrections", {"unit_id": sid, "version": target, "field": name},
                                          {"value": None if value is None else str(value), "corrected_by": seq,
                                           "recorded_at": event.recorded_at}))
                return out
            if event.name == "EntryVoided":
                # Movements cannot be voided (domain/corrections.py); a capacity redefinition can.
                return [Upsert("unit_capacity", {"unit_id": sid, "version": int(d["target_version"])}, {"voided": True})]
            return []
        if event.aggregate != "Case":
            return []
        day = event.occurred_at.astimezone(CUIABA).date()
        if event.name == "AdolescentRegistered":
            return [Upsert("occupancy_profiles", {"case_id": sid}, {"birth_date": _as_date(d.get("birth_date")),
                                                                    "sex": d.get("sex")})]
        if event.name == "SubjectDataErased":
            # D-19: the youth's birth date and sex go with the key; past counts show them as unknown.
            return [Upsert("occupancy_profiles", {"case_id": sid}, {"birth_date": None, "sex": None})]
        if event.name == "IntakeRecorded":
            return [Upsert("occupancy_modalities", {"case_id": sid, "version": seq},
                           {"modality": d.get("modality"), "effective_on": day})]
        if event.name == "MeasureDecisionRecorded" and d.get("new_modality"):
            return [Upsert("occupancy_modalities", {"case_id": sid, "version": seq},
                           {"modality": d.get("new_modality"), "effective_on": _as_date(d.get("effective_on"))})]
        if event.name == "EntryCorrected":
            target = int(d["target_version"])
            out = []
            for c in d.get("corrections") or []:
                name, value = str(c.get("field")), c.get("value")
                if name == "birth_date" and _as_date_or_none(value) is None:
                    continue  # not a date: the audit trail shows the correction; the counts keep the old value
                if name in PROFILE_FIELDS:
                    # Registration is the only source of birth date and sex: one row per case.
                    out.append(Upsert("occupancy_profiles", {"case_id": sid},
                                      {name: _as_date(value) if name == "birth_date" else value}))
                elif name in ("modality", "new_modality"):
                    out.append(Upsert("occupancy_modalities", {"case_id": sid, "version": target}, {"modality": value}))
                elif name == "effective_on" and _as_date_or_none(value) is not None:
                    out.append(Upsert("occupancy_modalities", {"case_id": sid, "version": target},
                                      {"effective_on": _as_date(value)}))
            return out
        if event.name == "EntryVoided":
            # A row with no modality (the voided entry was something else) is ignored by the queries.
            return [Upsert("occupancy_modalities", {"case_id": sid, "version": int(d["target_version"])},
                           {"voided": True})]
        return []


def _is_int(value: Any) -> bool:
    try:
        int(value)
        return True
    except (TypeError, ValueError):
        return False


def _as_date_or_none(value: Any) -> dt.date | None:
    try:
        return _as_date(value)
    except ValueError:
        return None


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# -- queries ------------------------------------------------------------------------------------


def age_band(age: int | None) -> str:
    """CNMP67 age band of completed years: 12-15, 16-18, 19-21; outside the law otherwise."""
    if age is None:
        return "unknown"
    if age < 12:
        return "under 12 (violation)"
    if age <= 15:
        return "12-15"
    if age <= 18:
        return "16-18"
    if age < 21:
        return "19-21"
    return "21+ (violation)"


@dataclass(frozen=True)
class Resident:
    case_id: str
    room: str | None
    modality: str
    sex: str
    age: int | None
    age_band: str


@dataclass(frozen=True)
class DayCount:
    """The unit on one day (at the end of the day, Cuiabá time)."""

    day: dt.date
    population: int
    capacity: int | None
    residents: tuple[Resident, ...] = field(default=(), repr=False)
    reserved: int = 0  # places held by vacancy ofícios still valid and not yet filled

    @property
    def free_places(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.population - self.reserved

    @property
    def occupancy_rate(self) -> float | None:
        return None if not self.capacity else round(self.population / self.capacity, 4)

    @property
    def over_capacity(self) -> bool:
        # HC 143.988: occupancy above 100 % of capacity (numerus clausus).
        return self.capacity is not None and self.population > self.capacity

    def breakdown(self) -> dict[tuple[str, str, str], int]:
        """(modality, age band, sex) -> count: the CNMP table."""
        return dict(sorted(Counter((r.modality, r.age_band, r.sex) for r in self.residents).items()))


@dataclass
class OccupancyData:
    """The rows one unit's queries need, from SQL or from MemoryTables."""

    capacity: list[Mapping[str, Any]]
    movements: list[Mapping[str, Any]]
    profiles: dict[str, Mapping[str, Any]]
    modalities: dict[str, list[Mapping[str, Any]]]
    vacancies: list[Mapping[str, Any]] = field(default_factory=list)

    @classmethod
    def from_rows(cls, unit_id: str, capacity: Iterable[Mapping], movements: Iterable[Mapping],
                  profiles: Iterable[Mapping], modalities: Iterable[Mapping],
                  vacancies: Iterable[Mapping] = (), corrections: Iterable[Mapping] = ()) -> "OccupancyData":
        fixes: dict[int, list[tuple[str, Any]]] = {}
        for c in sorted((c for c in corrections if c["unit_id"] == unit_id), key=lambda c: c["corrected_by"]):
            fixes.setdefault(int(c["version"]), []).append((c["field"], c["value"]))
        # An entry of a stay whose unit a correction changed is the other unit's (domain/case/stay_units.py).
        movements = [_corrected(m, "at", fixes.get(int(m["version"]))) for m in movements
                     if _unit_of(fixes.get(int(m["version"])), m["unit_id"]) == m["unit_id"]]
        capacity = [_corrected(c, "effective_at", fixes.get(int(c["version"]))) for c in capacity]
        mods: dict[str, list[Mapping[str, Any]]] = {}
        for m in modalities:
            mods.setdefault(m["case_id"], []).append(m)
        return cls(
            capacity=sorted((c for c in capacity if c["unit_id"] == unit_id), key=lambda r: r["version"]),
            # By time, then version: a stay moved here by a correction is recorded after later facts.
            movements=sorted((m for m in movements if m["unit_id"] == unit_id), key=lambda r: (r["at"], r["version"])),
            profiles={p["case_id"]: p for p in profiles},
            modalities={k: sorted(v, key=lambda r: r["version"]) for k, v in mods.items()},
            vacancies=[v for v in vacancies if v["unit_id"] == unit_id],
        )

    @classmethod
    def recorded_by(cls, unit_id: str, moment: dt.datetime | None, capacity: Iterable[Mapping],
                    movements: Iterable[Mapping], profiles: Iterable[Mapping], modalities: Iterable[Mapping],
                    vacancies: Iterable[Mapping] = (), corrections: Iterable[Mapping] = ()) -> "OccupancyData":
        """`from_rows` with only the unit entries and corrections recorded by ``moment`` (transaction
        time): what the ledger said then (the bitemporal point with the day asked of `on`). Ages and
        modalities come from the case rows as they stand now."""
        def by(rows: Iterable[Mapping]) -> list[Mapping]:
            return [r for r in rows if moment is None or r.get("recorded_at") is None or r["recorded_at"] <= moment]

        vacancies = [v if moment is None or v.get("filled_at") is None or v.get("recorded_at") is None
                     or v["filled_at"] <= moment else {**v, "filled_at": None} for v in by(vacancies)]
        return cls.from_rows(unit_id, by(capacity), by(movements), profiles, modalities, vacancies, by(corrections))

    def profile(self) -> dict[str, Any]:
        """The unit's profile with the capacity of its latest valid definition."""
        out: dict[str, Any] = {}
        for row in self.capacity:
            if row.get("voided"):
                continue
            out.update({k: v for k, v in row.items() if v is not None and k not in ("version", "voided")})
        return out

    def capacity_on(self, day: dt.date) -> int | None:
        cap = None
        for row in self.capacity:
            if row.get("voided") or row.get("capacity") is None:
                continue
            if row.get("effective_at") is None or _local(row["effective_at"]) <= day:
                cap = row["capacity"]
        return cap

    def modality_on(self, case_id: str, day: dt.date) -> str:
        rows = [m for m in self.modalities.get(case_id, []) if m.get("modality") and not m.get("voided")]
        current = None
        for m in rows:  # by version: a later decision wins from its effective day
            if m.get("effective_on") is None or m["effective_on"] <= day:
                current = m["modality"]
        if current is None and rows:
            current = rows[0]["modality"]
        return current or "unknown"

    def on(self, day: dt.date) -> DayCount:
        """Who is in the unit at the end of `day`, with modality, age band and sex on that day."""
        inside: dict[str, str | None] = {}
        for m in self.movements:
            if _local(m["at"]) > day:
                continue
            case = m["case_id"]
            if m["movement"] == "admitted":
                inside[case] = None
            elif m["movement"] == "departed":
                inside.pop(case, None)
            elif case in inside:
                inside[case] = m.get("room")
        residents = []
        for case, room in sorted(inside.items()):
            p = self.profiles.get(case, {})
            birth = p.get("birth_date")
            age = age_on(birth, day) if birth else None
            residents.append(Resident(case, room, self.modality_on(case, day), p.get("sex") or "unknown", age,
                                      age_band(age)))
        return DayCount(day, len(residents), self.capacity_on(day), tuple(residents), self.reserved_on(day))

    def reserved_on(self, day: dt.date) -> int:
        """Vacancies released by `day`, valid on it, and not filled by its end."""
        return sum(1 for v in self.vacancies
                   if v.get("released_at") is not None and _local(v["released_at"]) <= day
                   and (v.get("valid_until") is None or v["valid_until"] >= day)
                   and (v.get("filled_at") is None or _local(v["filled_at"]) > day))

    def series(self, start: dt.date, end: dt.date) -> list[DayCount]:
        """One DayCount per day from `start` to `end` inclusive."""
        return [self.on(start + dt.timedelta(days=i)) for i in range((end - start).days + 1)]

    def first_day(self) -> dt.date | None:
        days = [_local(m["at"]) for m in self.movements] + [_local(c["effective_at"]) for c in self.capacity
                                                              if c.get("effective_at")]
        return min(days) if days else None


def _corrected(row: Mapping[str, Any], column: str, fixes: list[tuple[str, Any]] | None) -> Mapping[str, Any]:
    """A movement or capacity row with its entry's corrected time (the shared corrected view, E67)."""
    if not fixes:
        return row
    moment = corrected_values({"occurred_at": row.get(column)}, fixes, lambda _: dt.datetime)["occurred_at"]
    return {**row, column: moment}


def _unit_of(fixes: list[tuple[str, Any]] | None, unit_id: str) -> str:
    """The unit an entry belongs to once its corrections apply (the last correction of its unit wins)."""
    for name, value in fixes or ():
        if name == "unit_id" and value:
            unit_id = str(value)
    return unit_id


def _local(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CUIABA).date()


def comarcas_of(capacity: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """unit id -> comarca, from the capacity rows (the Portaria's, as corrected; voided rows skipped)."""
    out: dict[str, str] = {}
    for row in sorted(capacity, key=lambda r: (r["unit_id"], r["version"])):
        if row.get("comarca") and not row.get("voided"):
            out[row["unit_id"]] = row["comarca"]
    return out


def summarise(series: list[DayCount]) -> dict[str, Any]:
    """Peak population and days over capacity in a period (CNMP67 Annex I/II header)."""
    if not series:
        return {"days": 0, "peak_population": 0, "days_over_capacity": 0}
    return {"days": len(series), "peak_population": max(d.population for d in series),
            "days_over_capacity": sum(1 for d in series if d.over_capacity)}
