"""The auditors' queries of the read models: history, case show | list, unit occupancy, clocks, audit export.

`caseledger history | case show | case list | unit occupancy | unit frequency | clocks | audit export`.
Output is a table for people by default and JSON with `--json`. No command
prints personal data: cases are shown by their opaque id, people by staff id
and role, and ages rather than birth dates.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import uuid
from contextlib import contextmanager
from typing import Any

from infra.commands.tamper import register_audit
from infra.commands.common import SCHEMA_HELP, CommandError, add_parser, date_arg, fail, jsonable, known_unit, \
    print_json, read_cursor, schema_of
from application.read_policy import authorise_aggregates, entry_filtered
from infra.commands.users import add_reader_args, authenticate, purpose_of, refused
from infra.settings import Settings
from infra.tables import printable, render_table

LIST_CASES = "list the cases with: caseledger case list"


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time; write e.g. 2026-03-31T18:00-04:00 (no offset = Cuiabá time)") from None
    if moment.tzinfo is None:
        from domain.calendar import CUIABA

        moment = moment.replace(tzinfo=CUIABA)
    return moment


def _today() -> dt.date:
    from domain.calendar import CUIABA

    return dt.datetime.now(CUIABA).date()


def _case_id(text: str) -> str:
    """A case id, or the execution process number it is derived from (never a name)."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        from domain.case import case_id_for

        return str(case_id_for(text))


def _for_people(row: dict[str, Any]) -> dict[str, Any]:
    """Times in Cuiabá local time to the minute; nested dicts as `key=value` lists (JSON keeps ISO)."""
    from domain.calendar import CUIABA

    out = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime):
            value = value.astimezone(CUIABA).strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={_for_people({'v': v})['v']}" for k, v in value.items() if v not in (None, ""))
        elif isinstance(value, (list, tuple)):
            value = "; ".join(map(str, value))
        out[key] = value
    return out



@contextmanager
def _as_reader(args, settings: Settings, schema: str, *, purpose: bool):
    """The principal of --as / CASELEDGER_TOKEN, its purpose and the read door; R-61 refusals said as such."""
    from domain.rules import RuleViolation
    from infra.reading import Reading

    principal = authenticate(settings, args.token)
    why = purpose_of(args) if purpose else None
    try:
        yield principal, why, Reading(settings, "caseledger-query", schema)
    except RuleViolation as exc:
        raise refused(exc) from None


# -- register --------------------------------------------------------------------------------------


AS_RECORDED_HELP = "judge on what the ledger held at TIME (later entries and corrections not applied)"


def _views(cur, schema: str, args) -> dict:
    """The case views to judge on: as they were (only what occurred by the end of --as-of and/or was
    recorded by --as-recorded-at), or the current case view when neither is given."""
    from projections import queries

    if args.as_of is None and getattr(args, "as_recorded_at", None) is None:
        return queries.cases(cur, schema)
    return queries.cases_at(cur, schema, as_of=args.as_of, as_recorded_at=args.as_recorded_at)


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "history", "a case's history as of a date, or as recorded at a time",
                   "The history of CASE from the audit trail, on one of the two axes of the ledger:\n"
                   "  --as-of DATE            what was true on DATE, with every correction applied\n"
                   "  --as-recorded-at TIME   what the ledger said at TIME (later corrections not applied)\n"
                   "Corrected entries are marked `corrected` with the entries that amend them; voided ones "
                   "`voided`. CASE is the case id or the execution process number.",
                   "  caseledger history 3f2c…-… --as-of 2026-03-31\n"
                   "  caseledger history 0001234-56.2026.8.11.0041 --as-recorded-at 2026-03-31T18:00\n")
    p.add_argument("case", metavar="CASE")
    # Both together are the bitemporal point: what the ledger said at TIME about DATE.
    p.add_argument("--as-of", type=date_arg, metavar="DATE", help="valid time: what was true on DATE")
    p.add_argument("--as-recorded-at", type=_moment, metavar="TIME",
                   help="transaction time: what the ledger said at TIME (with --as-of: about DATE)")
    p.add_argument("--hide-voided", action="store_true", help="leave voided entries out")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_reader_args(p, personal=True)
    p.set_defaults(func=fail(cmd_history))

    case = add_parser(sub, "case", "show one case or list cases (the case view)",
                      "Query the case view: status, unit and room, measure and modality, key dates, PIA and "
                      "reassessment, entitlements, open procedures and pending exceptions.",
                      "  caseledger case list --unit SL-CBA --status ativo\n"
                      "  caseledger case list --alert                 cases with a clock breached or due soon\n"
                      "  caseledger case show 3f2c…-… --json\n")
    cs = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    p = add_parser(cs, "show", "one case, with its clocks", "One case of the case view and its legal clocks as of a "
                   "day. CASE is the case id or the execution process number.",
                   "  caseledger case show 3f2c…-…\n  caseledger case show 3f2c…-… --as-of 2026-05-01 --json\n")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--as-of", type=date_arg, metavar="DATE", help="day for ages, day counts and clocks (default: today)")
    p.add_argument("--as-recorded-at", type=_moment, metavar="TIME", help=AS_RECORDED_HELP)
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_reader_args(p, personal=True)
    p.set_defaults(func=fail(cmd_case_show))
    p = add_parser(cs, "list", "cases, filtered", "List the cases of the case view, filtered.",
                   "  caseledger case list\n  caseledger case list --unit SL-CBA --modality semiliberdade --json\n")
    p.add_argument("--unit", help="unit id or unit code")
    p.add_argument("--status", help="registrado, ativo, evadido or desligado")
    p.add_argument("--modality", help="e.g. semiliberdade, internacao, internacao_provisoria")
    p.add_argument("--alert", action="store_true", help="only cases with a clock breached, due soon or a right due, "
                   "or a deadline met late or a recorded exception not yet acknowledged (record acknowledge_alert)")
    p.add_argument("--as-of", type=date_arg, metavar="DATE", help="day for day counts and clocks (default: today)")
    p.add_argument("--as-recorded-at", type=_moment, metavar="TIME", help=AS_RECORDED_HELP)
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_reader_args(p, personal=True)
    p.set_defaults(func=fail(cmd_case_list))

    unit = add_parser(sub, "unit", "unit read models (occupancy, frequency)", "Unit read models.",
                      "  caseledger unit occupancy SL-CBA\n")
    us = unit.add_subparsers(dest="unit_command", metavar="ACTION", required=True)
    p = add_parser(us, "occupancy", "population against capacity, by modality × age band × sex",
                   "Population of UNIT against its capacity on a day, broken down as the CNMP tables ask "
                   "(modality × age band in completed years × sex), and the daily series of a period with its "
                   "peak and days over capacity. UNIT is the unit id or its code.",
                   "  caseledger unit occupancy SL-CBA\n"
                   "  caseledger unit occupancy SL-CBA --from 2026-03-01 --to 2026-04-30 --json\n"
                   "  caseledger unit occupancy SL-CBA --as-of 2026-03-02 --as-recorded-at 2026-03-20T18:00\n"
                   "  caseledger unit occupancy SL-CBA --from 2026-01-01 --plot occupancy.png\n")
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("--as-of", type=date_arg, metavar="DATE", help="the day of the breakdown (default: today)")
    # With --as-of, the bitemporal point: what the ledger said at TIME about the day.
    p.add_argument("--as-recorded-at", type=_moment, metavar="TIME", help=AS_RECORDED_HELP)
    p.add_argument("--from", dest="start", type=date_arg, metavar="DATE", help="first day of the series (default: 30 days before)")
    p.add_argument("--to", dest="end", type=date_arg, metavar="DATE", help="last day of the series (default: --as-of)")
    p.add_argument("--plot", metavar="FILE.png", help="draw the series as a PNG image")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    add_reader_args(p, personal=False)
    p.set_defaults(func=fail(cmd_unit_occupancy))
    p = add_parser(us, "frequency", "the monthly frequency of schooling and activities, per youth (E54)",
                   "The monthly frequency table of UNIT: each youth's attendance of each activity (school, "
                   "vocational course, work, sport, culture) in MONTH — days expected, present, justified — and the "
                   "frequency, present / (expected − justified); below SISPETI's 85 % minimum is flagged. A month the "
                   "unit closed shows the figure as closed beside the current one, and is flagged TO REISSUE when a "
                   "correction came after the closing (R-66). In semiliberdade, the youths inside at the end of the "
                   "month with no school after the 8 days of triage are listed (ECA art. 120 §1). Youths by case id "
                   "only. UNIT is the unit id or its code.",
                   "  caseledger unit frequency MT-CGB-SL --month 2025-06\n"
                   "  caseledger unit frequency MT-CGB-SL --month 2025-06 --json\n")
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("--month", type=_month, metavar="YYYY-MM", help="the reference month (default: last month)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    add_reader_args(p, personal=False)
    p.set_defaults(func=fail(cmd_unit_frequency))

    p = add_parser(sub, "clocks", "legal deadlines of the cases, with breach state as of a day",
                   "Every legal clock of the cases in custody (PIA 45 days, reassessment 6 months, acolhimento "
                   "3 business days, provisória 45 days, petitions 15 days, isolation 24 h notice, 15 days "
                   "without visits, 3 years, age 21, release order) as of a day.",
                   "  caseledger clocks\n  caseledger clocks --unit SL-CBA --as-of 2026-04-30\n"
                   "  caseledger clocks --alert --json\n")
    p.add_argument("--unit", help="unit id or unit code")
    p.add_argument("--as-of", type=date_arg, metavar="DATE", help="the day to judge breaches on (default: today)")
    p.add_argument("--as-recorded-at", type=_moment, metavar="TIME", help=AS_RECORDED_HELP)
    p.add_argument("--alert", action="store_true", help="only clocks breached, due soon or with a right due, and "
                   "deadlines met late and recorded exceptions (EXC R-nn) until acknowledged (record acknowledge_alert)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_reader_args(p, personal=False)
    p.set_defaults(func=fail(cmd_clocks))

    audit = add_parser(sub, "audit", "the audit trail", "The audit trail of every event.",
                       "  caseledger audit export --format csv > audit.csv\n")
    au = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = add_parser(au, "export", "every event: who, when, what, source document, corrections",
                   "Export the audit trail in recorded order: stream, sequence, event type, occurred and "
                   "recorded times, actor id and role, unit, source document, summary, and for corrections "
                   "the entry they amend. Personal data is not in the trail.",
                   "  caseledger audit export --format csv --output audit.csv\n"
                   "  caseledger audit export --format jsonl | jq .summary\n")
    p.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    p.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    add_reader_args(p, personal=True)
    p.set_defaults(func=fail(cmd_audit_export))
    register_audit(au)  # `audit bundle`, in the tamper-evidence commands' module


# -- queries ---------------------------------------------------------------------------------------


def cmd_history(args, settings: Settings) -> int:
    """A case's history on one of the two time axes."""
    from projections import queries

    if args.as_of is None and args.as_recorded_at is None:
        raise CommandError("give --as-of DATE, --as-recorded-at TIME, or both")
    schema = schema_of(args, settings)
    case_id = _case_id(args.case)
    with _as_reader(args, settings, schema, purpose=True) as (principal, purpose, reading), \
            read_cursor(settings, schema) as cur:
        try:
            reading.authorise_case(cur, principal, case_id, queries.case(cur, schema, case_id))
            reading.log(principal, [case_id], "history", purpose, "cli")
            h = queries.case_history(cur, schema, case_id, as_of=args.as_of, as_recorded_at=args.as_recorded_at,
                                     show_voided=not args.hide_voided)
        except KeyError:
            raise CommandError(f"no case {case_id} in the audit trail; {LIST_CASES}") from None
    rows = [e.as_row() for e in h.entries]
    from domain.calendar import local_date

    state = h.state.as_row(args.as_of or local_date(h.at)) if h.state else None
    if args.json:
        print_json({"case_id": case_id, "axis": h.axis, "at": h.at, "entries": rows, "state": state})
        return 0
    at = " ".join(x for x in (args.as_of and f"as of {args.as_of.isoformat()}",
                              args.as_recorded_at and f"as recorded at {args.as_recorded_at.isoformat()}") if x)
    print(f"case {case_id} — {at} (times in Cuiabá)")
    if not rows:
        print("(no entries" + (" recorded by then)" if h.axis == "as_recorded_at" else " occurred by then)"))
        return 0
    print(render_table([_for_people(r) for r in rows], ["seq", "occurred_at", "recorded_at", "event", "who", "summary", "status",
                              "amended_by", "corrected_fields", "source"]))
    if state:
        print("\nstate then: " + ", ".join(f"{k}={printable(v)}" for k, v in state.items()
                                           if k in ("status", "unit_id", "room", "modality", "pia_state") and v))
    return 0


def cmd_case_show(args, settings: Settings) -> int:
    """One case and its clocks."""
    from projections import queries
    from projections.legal_clocks import clocks_for

    schema = schema_of(args, settings)
    case_id = _case_id(args.case)
    on = args.as_of or _today()
    with _as_reader(args, settings, schema, purpose=True) as (principal, purpose, reading), \
            read_cursor(settings, schema) as cur:
        try:
            view = queries.case(cur, schema, case_id)
            reading.authorise_case(cur, principal, case_id, view)
            reading.log(principal, [case_id], "case view", purpose, "cli")
            if args.as_of is not None or args.as_recorded_at is not None:
                then = queries.case_history(cur, schema, case_id, as_of=args.as_of,
                                            as_recorded_at=args.as_recorded_at).state
                if then is None:
                    raise KeyError(case_id)
                view = queries.with_withheld(then, view)
        except KeyError:
            raise CommandError(f"no case {case_id} in the case view; {LIST_CASES}") from None
    row = view.as_row(on)
    row.update(leave=view.leave_entitlements(on), visits=view.visit_entitlements(on),
               open_procedure_list=list(view.open_procedures), pending_exception_rules=list(view.pending_exceptions))
    clocks = [c.as_row() for c in clocks_for(view, on)]
    if args.json:
        print_json({"case": row, "clocks": clocks, "as_of": on})
        return 0
    print(render_table([{"field": k, "value": v} for k, v in _for_people(row).items()], ["field", "value"]))
    print()
    print(render_table([_for_people(c) for c in clocks], ["clock", "state", "started_on", "due_on", "eligible_on", "stopped_on", "days_left",
                                "source", "detail"]))
    return 0


def _resolve_unit(cur, schema: str, unit: str | None) -> str | None:
    from projections import queries

    if unit is None:
        return None
    try:
        return queries.find_unit(cur, schema, unit)
    except KeyError:
        return unit  # a unit the occupancy model has not seen may still appear in the case view


def cmd_case_list(args, settings: Settings) -> int:
    """Cases of the case view, filtered."""
    from projections import queries
    from projections.legal_clocks import clocks_for

    schema = schema_of(args, settings)
    on = args.as_of or _today()
    with _as_reader(args, settings, schema, purpose=True) as (principal, purpose, reading), \
            read_cursor(settings, schema) as cur:
        views = reading.readable(cur, principal, _views(cur, schema, args))
        unit_id = _resolve_unit(cur, schema, args.unit) if args.unit else None
    rows = []
    for view in sorted(views, key=lambda v: (v.unit_id or "", v.case_id)):
        if unit_id and (view.unit_id or view.released_from_unit_id) != unit_id:
            continue
        if args.status and view.status != args.status:
            continue
        if args.modality and view.modality != args.modality:
            continue
        alerts = [c.clock for c in clocks_for(view, on) if c.alert]
        if args.alert and not alerts:
            continue
        row = view.as_row(on)
        row["alerts"] = ", ".join(alerts)
        rows.append(row)
    reading.log(principal, [r["case_id"] for r in rows], "case list", purpose, "cli")
    if args.json:
        print_json(rows)
    elif not rows:
        print("no cases match")
    else:
        print(render_table(rows, ["case_id", "status", "unit_id", "room", "modality", "days_in_measure", "pia_state",
                                  "open_procedures", "pending_exceptions", "alerts"]))
    return 0


def cmd_unit_occupancy(args, settings: Settings) -> int:
    """Population of a unit against capacity, CNMP breakdown and daily series."""
    from projections import queries
    from projections.unit_occupancy import summarise

    schema = schema_of(args, settings)
    on = args.as_of or _today()
    end = args.end or on
    start = args.start or end - dt.timedelta(days=30)
    if start > end:
        raise CommandError("--from is after --to")
    with _as_reader(args, settings, schema, purpose=False) as (principal, _, _reading), \
            read_cursor(settings, schema) as cur:
        authorise_aggregates(principal)
        unit_id = known_unit(cur, schema, args.unit)
        data = queries.occupancy(cur, schema, unit_id, as_recorded_at=args.as_recorded_at)
    today = data.on(on)
    series = data.series(start, end)
    profile = data.profile()
    breakdown = [{"modality": m, "age_band": a, "sex": s, "count": n} for (m, a, s), n in today.breakdown().items()]
    daily = [{"day": d.day, "population": d.population, "reserved": d.reserved, "capacity": d.capacity,
              "occupancy_rate": d.occupancy_rate, "over_capacity": d.over_capacity} for d in series]
    if args.json:  # each day's breakdown by modality, age band and sex too; people see today's only
        for row, d in zip(daily, series):
            row["breakdown"] = [{"modality": m, "age_band": a, "sex": x, "count": n}
                                for (m, a, x), n in d.breakdown().items()]
    head = {"unit_id": unit_id, "unit_code": profile.get("unit_code"), "unit_type": profile.get("unit_type"),
            "as_of": on, "population": today.population, "capacity": today.capacity,
            "occupancy_rate": today.occupancy_rate, "over_capacity": today.over_capacity,
            "reserved": today.reserved, "free_places": today.free_places, **summarise(series)}
    if args.plot:
        from infra.occupancy_plot import plot_occupancy

        plot_occupancy(args.plot, series, profile.get("unit_code") or unit_id)
    if args.json:
        print_json({"unit": head, "breakdown": breakdown, "series": daily})
        return 0
    print(render_table([head], list(head)))
    print("\npopulation by modality × age band (completed years) × sex")
    print(render_table(breakdown, ["modality", "age_band", "sex", "count"]) if breakdown else "(nobody inside)")
    print(f"\ndaily series {start} .. {end}")
    print(render_table(daily, ["day", "population", "reserved", "capacity", "occupancy_rate", "over_capacity"]))
    return 0


def _month(text: str) -> str:
    import re

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month; write it YYYY-MM, e.g. 2025-06")
    return text.strip()


def cmd_unit_frequency(args, settings: Settings) -> int:
    """The unit's monthly frequency table (E54; SISPETI 85 %), closed figure and reissue flag, schooling alerts."""
    from projections import queries
    from projections.schooling import admissions, compulsory_schooling_alerts

    schema = schema_of(args, settings)
    if args.month:
        month = args.month
    else:
        previous = _today().replace(day=1) - dt.timedelta(days=1)
        month = f"{previous.year:04d}-{previous.month:02d}"
    year, number = int(month[:4]), int(month[5:])
    last = (dt.date(year + number // 12, number % 12 + 1, 1) - dt.timedelta(days=1))
    on = min(last, _today())
    with _as_reader(args, settings, schema, purpose=False) as (principal, _, _reading), \
            read_cursor(settings, schema) as cur:
        authorise_aggregates(principal)  # case ids and counts, no personal data
        unit_id = known_unit(cur, schema, args.unit)
        occupancy = queries.occupancy(cur, schema, unit_id)
        residents = occupancy.on(on).residents
        data = queries.schooling_data(cur, schema, unit_id, [r.case_id for r in residents])
    table = data.monthly(unit_id, month)
    alerts = compulsory_schooling_alerts(data, residents, admissions(occupancy.movements, on), on)

    def pct(figure) -> float | None:
        return None if figure is None else figure.frequency

    rows = [{"case_id": r.case_id, "kind": r.kind, "institution": r.institution,
             "expected": r.figure.days_expected if r.figure else None,
             "present": r.figure.days_present if r.figure else None,
             "justified": r.figure.justified_absences if r.figure else None,
             "frequency": pct(r.figure), "below_85": r.below_minimum,
             "as_closed": pct(r.as_closed) if r.closed else None, "to_reissue": r.to_reissue,
             **({"voided": True} if r.figure is None else {})} for r in table.rows]
    head = {"unit_id": unit_id, "unit_code": occupancy.profile().get("unit_code"), "month": month,
            "closed_at": table.closed_at, "to_reissue": table.to_reissue, "youths": table.youths,
            "below_85": len(table.youths_below_minimum)}
    alert_rows = [{"case_id": a.case_id, "admitted_on": a.admitted_on, "days_in_unit": a.days_in_unit}
                  for a in alerts]
    if args.json:
        print_json({"unit": head, "rows": rows, "without_school": alert_rows, "on": on})
        return 0
    print(render_table([head], list(head)))
    if table.to_reissue:
        print("\nTO REISSUE: a figure of this closed month changed after the closing (R-66); "
              "as_closed is what was reported")
    print(f"\nattendance in {month} (frequency = present / (expected − justified); SISPETI minimum 85 %)")
    columns = ["case_id", "kind", "institution", "expected", "present", "justified", "frequency", "below_85",
               "as_closed", "to_reissue"]
    print(render_table(rows, columns) if rows else "(no attendance recorded)")
    if occupancy.profile().get("unit_type") == "semiliberdade":
        print(f"\nin the unit on {on}, past the triage, without school (ECA art. 120 §1)")
        print(render_table(alert_rows, ["case_id", "admitted_on", "days_in_unit"]) if alert_rows else "(none)")
    return 0


def cmd_clocks(args, settings: Settings) -> int:
    """Legal clocks of the cases with their state as of a day."""
    from projections import queries
    from projections.legal_clocks import clocks_for

    schema = schema_of(args, settings)
    on = args.as_of or _today()
    with _as_reader(args, settings, schema, purpose=False) as (principal, _, reading), \
            read_cursor(settings, schema) as cur:
        views = reading.readable(cur, principal, _views(cur, schema, args))  # a youth's clocks: R-61 scope
        unit_id = _resolve_unit(cur, schema, args.unit)
    rows = []
    for view in sorted(views, key=lambda v: (v.unit_id or "", v.case_id)):
        if view.status not in ("ativo", "evadido") and view.release_order_at is None:
            continue
        if unit_id and (view.unit_id or view.released_from_unit_id) != unit_id:
            continue
        for c in clocks_for(view, on):
            if args.alert and not c.alert:
                continue
            rows.append({**c.as_row(), "unit_id": view.unit_id})
    if args.json:
        print_json(rows)
    elif not rows:
        print(f"no clocks{' with alerts' if args.alert else ''} as of {on}")
    else:
        print(f"legal clocks as of {on}")
        print(render_table(rows, ["case_id", "clock", "state", "due_on", "days_left", "eligible_on", "stopped_on",
                                  "source", "detail"]))
    return 0


EXPORT_COLUMNS = ["stream_kind", "stream_id", "sequence", "event_type", "occurred_at", "recorded_at", "actor_id",
                  "actor_role", "unit_id", "source_kind", "source_number", "source_issuer", "source_issued_on",
                  "summary", "amendment", "amends_sequence", "corrected_fields", "authorised_by_id",
                  "authorised_by_role", "event_id"]


def cmd_audit_export(args, settings: Settings) -> int:
    """Export the audit trail as CSV or JSON lines."""
    from projections import queries

    schema = schema_of(args, settings)
    with _as_reader(args, settings, schema, purpose=True) as (principal, purpose, reading):
        reading.authorise_audit_export(principal)
        reading.log(principal, ["*"], "audit export", purpose, "cli")
    out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    count = 0
    try:
        with read_cursor(settings, schema) as cur:
            writer = None
            if args.format == "csv":
                writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
                writer.writeheader()
            for row in queries.all_entries(cur, schema):
                row = {k: jsonable(v) for k, v in row.items()}
                row["payload"] = entry_filtered(principal, row.get("event_type") or "", row.get("payload"))
                if writer is not None:
                    writer.writerow(row)
                else:
                    out.write(json.dumps({k: row.get(k) for k in EXPORT_COLUMNS + ["payload"]}, ensure_ascii=False) + "\n")
                count += 1
    finally:
        if args.output:
            out.close()
    if args.output:
        print(f"{count} entries written to {args.output}", file=sys.stderr)
    return 0
