"""The SIPIA/SINASE feed: the first downstream subscriber outside our own read models.

The SIPIA-MT plan (seed 000) wants the units' data fed into the national registry instead of typed
twice. This consumer keeps, per unit, the *reconciliation state* an operator sends: who is active,
who entered and left in a period, with the registry's vocabulary (`consumers/sipia_mapping.py`,
the one table of the mapping; docs/SIPIA.md) and the ledger's raw codes kept beside it.

It is a subscriber like any other (ARCHITECTURE.md, "downstream systems"):
- its own consumer group (`caseledger-sipia`) and its own PostgreSQL schema (`CASELEDGER_SIPIA_SCHEMA`,
  default `sipia`), not the read models';
- it decodes from the published contract only — the .avsc files of `schemas/avsc`, read by a codec
  with no key service and no domain classes — and keeps only the fields it is granted
  (`sipia_mapping.GRANTS`); a sealed personal field (the SIPIA id, the process and guia numbers,
  ECA art. 143) is granted as *presence* (is one recorded?) and is never opened: the feed runs
  without the key file;
- exactly once: it runs on the projection runner (`consumers/runner.py`), so its rows and the next
  offset of every partition commit in one transaction; a kill -9 mid-batch rolls the batch back and
  a restart resumes from the stored offsets (tests/integration/test_sipia_feed.py).

The report (`build_report`) is a pure function of the feed's rows: unit, period, active youths at
the end of the period, entries and exits in it. Its `digest` (SHA-256 of its canonical JSON, no
personal data in it) is what `submit_sipia_export` records in the ledger, and the report's body is
kept by digest (`sipia_export_snapshots`), so the next report says what differs from the last export
submitted (`differences`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from consumers.sipia_mapping import ENTRY_MOVEMENTS, EXIT_MOVEMENTS, GRANTS, PRESENCE, STREAMS, code, term
from domain.calendar import CUIABA
from projections.engine import Change, Table, Upsert
from schemas.sealing import is_sealed

NAME = "sipia_feed"
GROUP_ID = "caseledger-sipia"
REPORT_FORMAT = 1  # bump when the report's body changes shape: an older snapshot then differs by design


# -- decoding: the published contract, the granted fields -----------------------------------------


@dataclass(frozen=True)
class FeedEvent:
    """What the feed sees of one ledger event: the envelope's ids and times, and the granted fields."""

    event_type: str
    stream_id: str
    sequence: int
    occurred_at: dt.datetime
    unit_id: str
    data: Mapping[str, Any] = field(default_factory=dict)


def _granted(datum: Mapping[str, Any], grants: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, how in grants.items():
        if name.endswith("[].field"):  # corrections[].field: the names of the corrected fields only
            array = name.split("[]")[0]
            out[array + "_fields"] = [str(item.get("field")) for item in datum.get(array) or ()]
            continue
        value = datum.get(name)
        if how == PRESENCE:
            out[name + "_recorded"] = value is not None and (is_sealed(value) or bool(str(value).strip()))
        elif is_sealed(value):
            raise ValueError(f"{name} is sealed in the contract: grant it as presence only")
        elif isinstance(value, uuid.UUID):
            out[name] = str(value)
        else:
            out[name] = value
    return out


class SipiaDecoder:
    """`decoder(record) -> FeedEvent | None`: the .avsc contract, no key service, granted fields only.

    None for an event type the feed is not granted (it moves the offset and writes nothing).
    Undecodable bytes raise what the codec raises: the runner dead-letters them.
    """

    def __init__(self, avsc_dir: Any = None) -> None:
        from schemas.codec import Codec
        from schemas.store import AVSC_DIR, SchemaStore

        # sealer=None: sealed values stay sealed (the feed holds no key and asks for none).
        self.codec = Codec(SchemaStore(avsc_dir or AVSC_DIR), sealer=None)

    def decode_value(self, value: bytes) -> FeedEvent | None:
        decoded = self.codec.decode(value)
        grants = GRANTS.get(decoded.event_type)
        if grants is None:
            return None
        envelope = decoded.datum["envelope"]
        occurred = envelope["occurred_at"]
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=dt.timezone.utc)
        return FeedEvent(event_type=decoded.event_type, stream_id=str(envelope["stream_id"]),
                         sequence=int(envelope["sequence"]), occurred_at=occurred,
                         unit_id=str(envelope.get("unit_id") or ""), data=_granted(decoded.datum, grants))

    def __call__(self, record: Any) -> FeedEvent | None:
        return self.decode_value(record.value)


# -- the feed's tables ------------------------------------------------------------------------------

CREATE_YOUTHS = """
    CREATE TABLE {table} (
        case_id              text PRIMARY KEY,
        sipia_id_recorded    boolean,
        guia_recorded        boolean,
        process_recorded     boolean,
        measure              text,
        measure_decision     text,
        measure_effective_on date,
        pia_event            text,
        pia_at               timestamptz
    )"""

# One row per movement and side: a transfer is an exit of the origin and an entry of the destination.
CREATE_MOVEMENTS = """
    CREATE TABLE {table} (
        case_id       text        NOT NULL,
        sequence      bigint      NOT NULL,
        direction     text        NOT NULL CHECK (direction IN ('in', 'out')),
        unit_id       text        NOT NULL,
        ledger_event  text        NOT NULL,
        movement      text        NOT NULL,
        detail_concept text,
        detail_raw    text,
        measure_raw   text,
        at            timestamptz NOT NULL,
        PRIMARY KEY (case_id, sequence, direction)
    )"""
INDEX_MOVEMENTS_BY_UNIT = "CREATE INDEX ON {table} (unit_id, at)"

CREATE_CORRECTIONS = """
    CREATE TABLE {table} (
        case_id        text   NOT NULL,
        target_version bigint NOT NULL,
        corrected_by   bigint NOT NULL,
        fields         text   NOT NULL,
        PRIMARY KEY (case_id, target_version, corrected_by)
    )"""

CREATE_UNITS = """
    CREATE TABLE {table} (
        unit_id   text PRIMARY KEY,
        unit_code text,
        name      text,
        unit_type text,
        comarca   text
    )"""

CREATE_EXPORTS = """
    CREATE TABLE {table} (
        unit_id        text        NOT NULL,
        sequence       bigint      NOT NULL,
        period_start   date        NOT NULL,
        period_end     date        NOT NULL,
        active_count   bigint      NOT NULL,
        entries_count  bigint      NOT NULL,
        exits_count    bigint      NOT NULL,
        receipt_number text        NOT NULL,
        report_digest  text,
        submitted_at   timestamptz NOT NULL,
        PRIMARY KEY (unit_id, sequence)
    )"""

_MOVES = {  # ledger event → (direction, concept of its detail field, the detail field)
    "Case.IntakeRecorded": ("in", "origin", "origin"),
    "Case.EvasionRecorded": ("out", "evasion", "kind"),
    "Case.ReturnedFromEvasion": ("in", None, None),
    "Case.Released": ("out", "release_reason", "basis"),
}
_PIA = ("Case.PIASubmitted", "Case.PIAHomologated", "Case.PIAImpugned", "Case.PIAUpdated")


class SipiaFeed:
    """The reconciliation state of every unit, as row changes (a `projections.engine.Projection`)."""

    name = NAME
    version = 1
    streams = STREAMS
    tables = (
        Table("sipia_youths", key=("case_id",), ddl=(CREATE_YOUTHS,)),
        Table("sipia_movements", key=("case_id", "sequence", "direction"),
              ddl=(CREATE_MOVEMENTS, INDEX_MOVEMENTS_BY_UNIT)),
        Table("sipia_corrections", key=("case_id", "target_version", "corrected_by"), ddl=(CREATE_CORRECTIONS,)),
        Table("sipia_units", key=("unit_id",), ddl=(CREATE_UNITS,)),
        Table("sipia_exports", key=("unit_id", "sequence"), ddl=(CREATE_EXPORTS,)),
    )

    def apply(self, event: FeedEvent | None) -> list[Change]:
        if event is None:
            return []
        t, d, sid, seq = event.event_type, event.data, event.stream_id, event.sequence
        if t == "Case.AdolescentRegistered":
            return [Upsert("sipia_youths", {"case_id": sid}, {"sipia_id_recorded": d["sipia_id_recorded"],
                                                              "guia_recorded": d["guia_number_recorded"],
                                                              "process_recorded": d["process_number_recorded"]})]
        if t == "Case.TransferCompleted":
            base = {"ledger_event": "TransferCompleted", "movement": "transferencia", "at": event.occurred_at}
            return [Upsert("sipia_movements", {"case_id": sid, "sequence": seq, "direction": "out"},
                           {**base, "unit_id": d["origin_unit_id"]}),
                    Upsert("sipia_movements", {"case_id": sid, "sequence": seq, "direction": "in"},
                           {**base, "unit_id": d["destination_unit_id"]})]
        if t in _MOVES:
            direction, concept, detail = _MOVES[t]
            name = t.split(".", 1)[1]
            values = {"unit_id": event.unit_id, "ledger_event": name, "movement": code("movement", name),
                      "detail_concept": concept, "detail_raw": d.get(detail) if detail else None,
                      "at": event.occurred_at}
            changes: list[Change] = []
            if t == "Case.IntakeRecorded":
                values["measure_raw"] = d["modality"]
                changes.append(Upsert("sipia_youths", {"case_id": sid}, {"measure": d["modality"]}))
            return [Upsert("sipia_movements", {"case_id": sid, "sequence": seq, "direction": direction}, values),
                    *changes]
        if t == "Case.MeasureDecisionRecorded":
            values = {"measure_decision": d["decision"], "measure_effective_on": d["effective_on"]}
            if d.get("new_modality"):
                values["measure"] = d["new_modality"]
            return [Upsert("sipia_youths", {"case_id": sid}, values)]
        if t in _PIA:
            return [Upsert("sipia_youths", {"case_id": sid}, {"pia_event": t.split(".", 1)[1],
                                                              "pia_at": event.occurred_at})]
        if t == "Case.EntryCorrected":
            return [Upsert("sipia_corrections", {"case_id": sid, "target_version": d["target_version"],
                                                 "corrected_by": seq},
                           {"fields": ",".join(sorted(d["corrections_fields"]))})]
        if t == "Unit.UnitCapacityDefined":
            return [Upsert("sipia_units", {"unit_id": sid}, {k: d[k] for k in ("unit_code", "name", "unit_type",
                                                                               "comarca")})]
        if t == "Unit.SIPIAExportSubmitted":
            return [Upsert("sipia_exports", {"unit_id": sid, "sequence": seq},
                           {**{k: d[k] for k in ("period_start", "period_end", "active_count", "entries_count",
                                                 "exits_count", "receipt_number")},
                            "report_digest": d.get("report_digest"), "submitted_at": event.occurred_at})]
        return []


def make_feed(settings: Any = None) -> tuple[SipiaFeed, SipiaDecoder]:
    return SipiaFeed(), SipiaDecoder()


# -- the report: a pure function of the rows ---------------------------------------------------------


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CUIABA).date()


def _movement_row(m: Mapping[str, Any], youth: Mapping[str, Any], corrected: Mapping[tuple, str]) -> dict:
    move = term("movement", m["ledger_event"])
    detail = term(m["detail_concept"], m["detail_raw"]) if m.get("detail_concept") else term("movement", None)
    measure = m.get("measure_raw") or youth.get("measure")
    return {
        "case_id": m["case_id"], "sequence": m["sequence"], "day": _local_day(m["at"]).isoformat(),
        "movement": move["code"], "movement_label": move["label"], "direction": m["direction"],
        "movement_raw": m["ledger_event"],
        "detail": detail["code"], "detail_label": detail["label"], "detail_raw": detail["raw"],
        "measure": code("measure", measure), "modality": code("modality", measure), "measure_raw": measure,
        "corrected_fields": corrected.get((m["case_id"], m["sequence"]), ""),
    }


def _youth_row(case_id: str, youth: Mapping[str, Any], since: Mapping[str, Any]) -> dict:
    pia = term("pia_status", youth.get("pia_event") or "none")
    measure = youth.get("measure")
    return {
        "case_id": case_id, "in_unit_since": _local_day(since["at"]).isoformat(),
        "measure": code("measure", measure), "modality": code("modality", measure), "measure_raw": measure,
        "measure_decision": code("measure_decision", youth.get("measure_decision")),
        "measure_decision_raw": youth.get("measure_decision"),
        "pia_status": pia["code"], "pia_status_raw": pia["raw"],
        # Whether the ledger records each id (sealed there; the report command opens them).
        "sipia_id_recorded": bool(youth.get("sipia_id_recorded")), "guia_recorded": bool(youth.get("guia_recorded")),
    }


def build_report(unit: Mapping[str, Any], start: dt.date, end: dt.date, movements: Iterable[Mapping[str, Any]],
                 youths: Mapping[str, Mapping[str, Any]], corrections: Iterable[Mapping[str, Any]] = ()) -> dict:
    """The reconciliation report of a unit for [start, end] (days in Cuiabá), from the feed's rows.

    Active: youths whose last movement in or out of the unit on or before `end` brought them in.
    Entries: movements into the unit in the period (entrada, transferência in, retorno); exits:
    out of it (desligamento, transferência out, evasão). A movement whose entry was later corrected
    in the ledger is flagged with the corrected fields (their new values are sealed; check the ledger).
    """
    corrected: dict[tuple, set[str]] = {}
    for c in corrections:
        corrected.setdefault((c["case_id"], c["target_version"]), set()).update(c["fields"].split(","))
    flags = {k: ",".join(sorted(v)) for k, v in corrected.items()}
    moves = sorted((m for m in movements if m["unit_id"] == unit["unit_id"]),
                   key=lambda m: (m["at"], m["case_id"], m["sequence"], m["direction"] == "in"))
    last: dict[str, Mapping[str, Any]] = {}
    since: dict[str, Mapping[str, Any]] = {}
    entries, exits = [], []
    for m in moves:
        day = _local_day(m["at"])
        if day <= end:
            last[m["case_id"]] = m
            if m["direction"] == "in":
                since[m["case_id"]] = m
        if start <= day <= end:
            row = _movement_row(m, youths.get(m["case_id"], {}), flags)
            (entries if m["direction"] == "in" else exits).append(row)
    active = [_youth_row(cid, youths.get(cid, {}), since[cid])
              for cid, m in sorted(last.items()) if m["direction"] == "in"]
    return {
        "format": REPORT_FORMAT,
        "unit": {"unit_id": unit["unit_id"], "unit_code": unit.get("unit_code"), "unit_type": unit.get("unit_type")},
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "counts": {"active": len(active), "entries": len(entries), "exits": len(exits)},
        "active": active, "entries": entries, "exits": exits,
    }


def digest(report: Mapping[str, Any]) -> str:
    """SHA-256 of the report's canonical JSON (body only: no identifiers opened, no differences, no times)."""
    body = {k: report[k] for k in ("format", "unit", "period", "counts", "active", "entries", "exits")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                     default=str).encode()).hexdigest()


def _keyed(rows: Sequence[Mapping[str, Any]], key: Sequence[str]) -> dict[tuple, Mapping[str, Any]]:
    return {tuple(r[k] for k in key): r for r in rows}


def _row_diff(then: Sequence[Mapping], now: Sequence[Mapping], key: Sequence[str]) -> dict[str, list]:
    a, b = _keyed(then, key), _keyed(now, key)
    changed = []
    for k in sorted(set(a) & set(b)):
        fields = sorted(f for f in set(a[k]) | set(b[k]) if a[k].get(f) != b[k].get(f))
        if fields:
            changed.append({"key": dict(zip(key, k)), "fields": {f: [a[k].get(f), b[k].get(f)] for f in fields}})
    return {"added": [b[k] for k in sorted(set(b) - set(a))], "removed": [a[k] for k in sorted(set(a) - set(b))],
            "changed": changed}


MOVE_KEY = ("case_id", "sequence", "direction")


def differences(last_export: Mapping[str, Any] | None, exported: Mapping[str, Any] | None,
                exported_period_now: Mapping[str, Any] | None, current: Mapping[str, Any]) -> dict:
    """What differs from the last export submitted.

    `last_export`: the ledger's record of it (SIPIAExportSubmitted, from the feed); `exported`: the body
    of the report that was sent (found by its digest), or None if not known here; `exported_period_now`:
    the same period's report computed now. Says (1) whether the exported period still reads the same
    (late entries, corrections: rows added, removed or changed since it was sent), and (2) who joined
    or left the active list between the export's end and this report's end.
    """
    if last_export is None:
        return {"last_export": None, "note": "no SIPIA export of this unit is recorded in the ledger yet"}
    head = {"last_export": {k: _iso(last_export.get(k)) for k in ("sequence", "period_start", "period_end",
                                                                  "receipt_number", "report_digest", "active_count",
                                                                  "entries_count", "exits_count", "submitted_at")}}
    if exported is None:
        counts_now = exported_period_now["counts"] if exported_period_now else {}
        recorded = {"active": last_export["active_count"], "entries": last_export["entries_count"],
                    "exits": last_export["exits_count"]}
        why = ("recorded without a report digest" if not last_export.get("report_digest")
               else "its report body is not kept here")
        return {**head, "note": f"the last export was {why}: only its counts are compared",
                "counts_then": recorded, "counts_now": counts_now,
                "counts_differ": recorded != counts_now}
    period = {k: _row_diff(exported[k], exported_period_now[k], MOVE_KEY) for k in ("entries", "exits")}
    active = _row_diff(exported["active"], current["active"], ("case_id",))
    return {
        **head,
        "exported_period_unchanged": digest(exported_period_now) == last_export.get("report_digest"),
        "exported_period": period,
        "active_since_export": {"joined": [r["case_id"] for r in active["added"]],
                                "left": [r["case_id"] for r in active["removed"]],
                                "changed": active["changed"]},
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


# -- reading the feed's tables (PostgreSQL) ----------------------------------------------------------

CREATE_SNAPSHOTS = """
    CREATE TABLE IF NOT EXISTS {schema}.sipia_export_snapshots (
        digest       text PRIMARY KEY,
        unit_id      text NOT NULL,
        period_start date NOT NULL,
        period_end   date NOT NULL,
        body         jsonb NOT NULL,
        written_at   timestamptz NOT NULL DEFAULT now()
    )"""


class NotFed(LookupError):
    """The feed has no tables (never run) or does not know the unit."""


def _select(cur, schema: str, table: str, where: str = "", params: tuple = ()) -> list[dict[str, Any]]:
    import psycopg2
    from psycopg2 import sql

    try:
        cur.execute(sql.SQL("SELECT * FROM {t} " + where).format(t=sql.Identifier(schema, table)), params)
    except psycopg2.errors.UndefinedTable:
        cur.connection.rollback()
        raise NotFed(f"the SIPIA feed has no tables in schema {schema}") from None
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def find_unit(cur, schema: str, unit: str) -> dict[str, Any]:
    """The unit by id or code; NotFed listing the codes known."""
    rows = _select(cur, schema, "sipia_units", "WHERE unit_id = %s OR unit_code = %s", (unit, unit))
    if not rows:
        known = sorted(r["unit_code"] or r["unit_id"] for r in _select(cur, schema, "sipia_units"))
        raise NotFed(f"no unit {unit!r} in the SIPIA feed; units known: {', '.join(known) or 'none yet'}")
    return rows[0]


def report_of(tables: Mapping[str, Iterable[Mapping[str, Any]]], unit: Mapping[str, Any], start: dt.date,
              end: dt.date) -> dict:
    """`build_report` over the feed's rows (`tables`: table name → rows, as read or as MemoryTables holds them)."""
    movements = [m for m in tables["sipia_movements"] if m["unit_id"] == unit["unit_id"]]
    ids = {m["case_id"] for m in movements}
    youths = {r["case_id"]: r for r in tables["sipia_youths"] if r["case_id"] in ids}
    corrections = [c for c in tables["sipia_corrections"] if c["case_id"] in ids]
    return build_report(unit, start, end, movements, youths, corrections)


def reconcile(tables: Mapping[str, Iterable[Mapping[str, Any]]], unit: Mapping[str, Any], start: dt.date,
              end: dt.date, exported_body: Callable[[str], Mapping[str, Any] | None] = lambda _: None) -> dict:
    """The report with `digest` and `differences` from the last export of the unit (`exported_body(digest)`
    gives the body of a report sent, if kept)."""
    tables = {k: list(v) for k, v in tables.items()}
    report = report_of(tables, unit, start, end)
    exports = sorted((e for e in tables["sipia_exports"] if e["unit_id"] == unit["unit_id"]),
                     key=lambda e: e["sequence"])
    last = exports[-1] if exports else None
    exported = exported_body(last["report_digest"]) if last and last.get("report_digest") else None
    then_now = report_of(tables, unit, last["period_start"], last["period_end"]) if last else None
    report["digest"] = digest(report)
    report["differences"] = differences(last, exported, then_now, report)
    return report


def read_tables(cur, schema: str, unit_id: str) -> dict[str, list[dict[str, Any]]]:
    """The feed's rows a unit's report needs."""
    movements = _select(cur, schema, "sipia_movements", "WHERE unit_id = %s", (unit_id,))
    ids = sorted({m["case_id"] for m in movements})
    return {"sipia_movements": movements,
            "sipia_youths": _select(cur, schema, "sipia_youths", "WHERE case_id = ANY(%s)", (ids,)),
            "sipia_corrections": _select(cur, schema, "sipia_corrections", "WHERE case_id = ANY(%s)", (ids,)),
            "sipia_exports": _select(cur, schema, "sipia_exports", "WHERE unit_id = %s", (unit_id,))}


def keep_snapshot(cur, schema: str, report: Mapping[str, Any]) -> str:
    """Keep the report's body under its digest (what `submit_sipia_export --report-digest` names)."""
    from psycopg2 import sql

    cur.execute(sql.SQL(CREATE_SNAPSHOTS.replace("{schema}", "{s}")).format(s=sql.Identifier(schema)))
    key = digest(report)
    body = {k: report[k] for k in ("format", "unit", "period", "counts", "active", "entries", "exits")}
    cur.execute(sql.SQL("INSERT INTO {s}.sipia_export_snapshots (digest, unit_id, period_start, period_end, body) "
                        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (digest) DO NOTHING").format(s=sql.Identifier(schema)),
                (key, report["unit"]["unit_id"], report["period"]["from"], report["period"]["to"], json.dumps(body)))
    return key


def snapshot(cur, schema: str, key: str | None) -> dict[str, Any] | None:
    if not key:
        return None
    cur.execute("SELECT to_regclass(%s)", (f'"{schema}".sipia_export_snapshots',))
    if cur.fetchone()[0] is None:
        return None
    from psycopg2 import sql

    cur.execute(sql.SQL("SELECT body FROM {s}.sipia_export_snapshots WHERE digest = %s").format(
        s=sql.Identifier(schema)), (key,))
    row = cur.fetchone()
    return row[0] if row else None


def reconciliation(cur, schema: str, unit: str, start: dt.date, end: dt.date) -> dict:
    """The report of UNIT for the period, with what differs from the last export; its body kept by digest."""
    found = find_unit(cur, schema, unit)
    report = reconcile(read_tables(cur, schema, found["unit_id"]), found, start, end,
                       lambda key: snapshot(cur, schema, key))
    keep_snapshot(cur, schema, report)
    return report
