"""Reading the read models back from PostgreSQL (for the commands and, later, the HTTP API).

Each function takes a cursor and the schema of the read models, runs the named
statements of the read model it reads (kept next to its projection), and hands
the rows to the same pure functions the unit tests use on `MemoryTables` —
so a query answers exactly what the projection's tests say it answers.
Identifiers come from code and are quoted; values travel as parameters.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Iterator

from psycopg2 import sql

from projections import audit_trail, case_view, history as history_module, schooling, unit_occupancy
from projections.case_view import CaseView


class NotProjectedYet(LookupError):
    """The read model's tables do not exist in this schema: no runner has run yet."""


def _ident(schema: str, name: str) -> sql.Identifier:
    return sql.Identifier(schema, name)


def _rows(cur, statement: str, params: tuple = (), **tables: sql.Identifier) -> list[dict[str, Any]]:
    import psycopg2

    try:
        cur.execute(sql.SQL(statement).format(**tables), params)
    except psycopg2.errors.UndefinedTable as exc:
        cur.connection.rollback()
        raise NotProjectedYet(str(exc).splitlines()[0]) from None
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


# -- audit trail and history ---------------------------------------------------------------------


def stream_entries(cur, schema: str, stream_id: str) -> list[dict[str, Any]]:
    """The audit rows of one stream (case or unit), in sequence order."""
    return _rows(cur, audit_trail.SELECT_STREAM_ENTRIES, (stream_id,), table=_ident(schema, "audit_entries"))


def all_entries(cur, schema: str, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every audit row, by recorded time (a server-side cursor: the trail may be long)."""
    import psycopg2

    conn = cur.connection
    named = conn.cursor(name="audit_export")
    named.itersize = batch
    try:
        named.execute(sql.SQL(audit_trail.SELECT_ALL_ENTRIES).format(table=_ident(schema, "audit_entries")))
    except psycopg2.errors.UndefinedTable as exc:
        conn.rollback()
        raise NotProjectedYet(str(exc).splitlines()[0]) from None
    cols = None
    for row in named:
        if cols is None:
            cols = [d[0] for d in named.description]
        yield dict(zip(cols, row))
    named.close()


def case_history(cur, schema: str, case_id: str, *, as_of: dt.date | None = None,
                 as_recorded_at: dt.datetime | None = None, show_voided: bool = True) -> history_module.History:
    """`history(case_id, as_of=…)` or `history(case_id, as_recorded_at=…)` from the audit trail."""
    rows = stream_entries(cur, schema, case_id)
    if not rows:
        raise KeyError(case_id)
    return history_module.history(rows, as_of=as_of, as_recorded_at=as_recorded_at, show_voided=show_voided)


def cases_at(cur, schema: str, *, as_of: dt.date | None = None,
             as_recorded_at: dt.datetime | None = None) -> dict[str, CaseView]:
    """Every case's view as it was: folded from the audit entries that occurred by the end of
    ``as_of`` and/or were recorded by ``as_recorded_at`` (``history.state``), so a read "as of D"
    never shows a fact of D+1 (the current case view holds every fact, whatever its date)."""
    streams: dict[str, list[dict[str, Any]]] = {}
    for row in all_entries(cur, schema):
        if str(row.get("event_type", "")).startswith("Case."):
            streams.setdefault(row["stream_id"], []).append(row)
    current = cases(cur, schema)
    views: dict[str, CaseView] = {}
    for stream_id, rows in streams.items():
        state = history_module.history(rows, as_of=as_of, as_recorded_at=as_recorded_at).state
        if state is not None:
            views[stream_id] = with_withheld(state, current.get(stream_id))
    return case_view.with_comarcas(views, unit_comarcas(cur, schema))


# Facts the audit trail withholds (personal data) that the clocks need: taken from the case view.
WITHHELD = ("birth_date",)


def with_withheld(state: CaseView, current: CaseView | None) -> CaseView:
    """A view folded from the audit trail, with the personal facts it withholds (the birth date, for
    K-AGE21 and the age bands) from the case view; without them an as-of read lost its age clock."""
    if current is None:
        return state
    missing = {name: getattr(current, name) for name in WITHHELD if getattr(state, name) is None}
    if state.comarca is None and (state.unit_id or state.released_from_unit_id) == (
            current.unit_id or current.released_from_unit_id):
        missing["comarca"] = current.comarca  # the same unit: its comarca, for the clocks' calendar
    return dataclasses.replace(state, **missing) if missing else state


# -- case view ---------------------------------------------------------------------------------


def _case_tables(schema: str) -> dict[str, sql.Identifier]:
    return {"facts": _ident(schema, "case_facts"), "voids": _ident(schema, "case_voids")}


def case(cur, schema: str, case_id: str) -> CaseView:
    """One case's view; KeyError if the case view has no such case."""
    rows = _rows(cur, case_view.SELECT_CASE_FACTS, (case_id,), **_case_tables(schema))
    if not rows:
        raise KeyError(case_id)
    return case_view.with_comarcas({case_id: case_view.view_from_rows(case_id, rows)}, unit_comarcas(cur, schema))[case_id]


def cases(cur, schema: str) -> dict[str, CaseView]:
    """Every case's view (a state's cases fit in memory: tens of thousands)."""
    rows = _rows(cur, case_view.SELECT_ALL_CASE_FACTS, (), **_case_tables(schema))
    return case_view.with_comarcas(case_view.views_from_rows(rows), unit_comarcas(cur, schema))


def unit_comarcas(cur, schema: str) -> dict[str, str]:
    """unit id -> comarca from the occupancy read model; empty while it is not projected yet (the clocks
    then count with Cuiabá's calendar, ``domain.calendar.calendar_for``)."""
    cur.execute("SELECT to_regclass(%s)", (sql.Identifier(schema, "unit_capacity").as_string(cur),))
    if cur.fetchone()[0] is None:
        return {}
    return unit_occupancy.comarcas_of(_rows(cur, unit_occupancy.SELECT_UNIT_COMARCAS, (), **_occupancy_tables(schema)))


# -- unit occupancy --------------------------------------------------------------------------------


def _occupancy_tables(schema: str) -> dict[str, sql.Identifier]:
    return {"capacity": _ident(schema, "unit_capacity"), "movements": _ident(schema, "unit_movements"),
            "profiles": _ident(schema, "occupancy_profiles"), "modalities": _ident(schema, "occupancy_modalities"),
            "vacancies": _ident(schema, "unit_vacancies"), "corrections": _ident(schema, "unit_entry_corrections")}


def unit_ids(cur, schema: str) -> list[str]:
    return [r["unit_id"] for r in _rows(cur, unit_occupancy.SELECT_UNITS, (), **_occupancy_tables(schema))]


def find_unit(cur, schema: str, unit: str) -> str:
    """The unit id for a unit id or a unit code (SL-CBA); KeyError if unknown."""
    rows = _rows(cur, unit_occupancy.SELECT_UNIT_BY_CODE, (unit, unit), **_occupancy_tables(schema))
    if not rows:
        raise KeyError(unit)
    return rows[0]["unit_id"]


def occupancy(cur, schema: str, unit_id: str, as_recorded_at: dt.datetime | None = None) -> unit_occupancy.OccupancyData:
    t = _occupancy_tables(schema)
    capacity = _rows(cur, unit_occupancy.SELECT_UNIT_CAPACITY, (unit_id,), **t)
    movements = _rows(cur, unit_occupancy.SELECT_UNIT_MOVEMENTS, (unit_id,), **t)
    case_ids = sorted({m["case_id"] for m in movements})
    profiles = _rows(cur, unit_occupancy.SELECT_PROFILES_OF, (case_ids,), **t)
    modalities = _rows(cur, unit_occupancy.SELECT_MODALITIES_OF, (case_ids,), **t)
    vacancies = _rows(cur, unit_occupancy.SELECT_UNIT_VACANCIES, (unit_id,), **t)
    corrections = _rows(cur, unit_occupancy.SELECT_UNIT_ENTRY_CORRECTIONS, (unit_id,), **t)
    return unit_occupancy.OccupancyData.recorded_by(unit_id, as_recorded_at, capacity, movements, profiles,
                                                    modalities, vacancies, corrections)


# -- schooling frequency ---------------------------------------------------------------------------


def _schooling_tables(schema: str) -> dict[str, sql.Identifier]:
    return {"enrolments": _ident(schema, "schooling_enrolments"), "ends": _ident(schema, "schooling_enrolment_ends"),
            "attendance": _ident(schema, "schooling_attendance"), "corrections": _ident(schema, "schooling_corrections"),
            "voids": _ident(schema, "schooling_voids"), "closed": _ident(schema, "schooling_closed_months")}


def schooling_data(cur, schema: str, unit_id: str, case_ids: list[str] | tuple[str, ...] = ()) -> schooling.SchoolingData:
    """The schooling rows of a unit: its attendance and closed months, and the enrolments, corrections and voids
    of the youths it names and of ``case_ids`` (the unit's residents, for the compulsory-schooling alert)."""
    t = _schooling_tables(schema)
    attendance = _rows(cur, schooling.SELECT_ATTENDANCE_OF_UNIT, (unit_id,), **t)
    cases = sorted({a["case_id"] for a in attendance} | set(case_ids))
    return schooling.SchoolingData(
        enrolments=_rows(cur, schooling.SELECT_ENROLMENTS_OF, (cases,), **t),
        ends=_rows(cur, schooling.SELECT_ENDS_OF, (cases,), **t), attendance=attendance,
        corrections=_rows(cur, schooling.SELECT_CORRECTIONS_OF, (cases,), **t),
        voids=_rows(cur, schooling.SELECT_VOIDS_OF, (cases,), **t),
        closed=_rows(cur, schooling.SELECT_CLOSED_OF_UNIT, (unit_id,), **t))
