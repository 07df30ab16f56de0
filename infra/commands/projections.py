"""Read-model commands: run and replay projections; query cases, history, occupancy, clocks, audit.

`caseledger project | replay | history | case show | case list | unit occupancy | clocks | audit export`.
Output is a table for people by default and JSON with `--json`. No command
prints personal data: cases are shown by their opaque id, people by staff id
and role, and ages rather than birth dates.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

from infra.settings import Settings
from infra.tables import printable, render_table

SCHEMA_HELP = "schema of the read models (default: CASELEDGER_PROJECTION_SCHEMA, else projections)"
NOT_RUN_YET = "the read models have no tables yet in schema {schema}; run: caseledger project --until-caught-up"
LIST_CASES = "list the cases with: caseledger case list"


class CommandError(Exception):
    """A message for the user and the exit code (2 unless said)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _fail(func):
    """Print a CommandError as `error: …` and return its code."""

    def run(args, settings):
        try:
            return func(args, settings)
        except CommandError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.code

    run.__doc__ = func.__doc__
    return run


def _schema(args, settings: Settings) -> str:
    return getattr(args, "schema", None) or settings.projection_schema


@contextmanager
def _cursor(settings: Settings, schema: str) -> Iterator[Any]:
    """A read cursor on the projection database; unreachable -> how to start the stack."""
    import psycopg2

    from infra.read_side import pg_connector
    from projections.queries import NotProjectedYet

    try:
        conn = pg_connector(settings, "caseledger-query")()
    except psycopg2.OperationalError as exc:
        raise CommandError(f"PostgreSQL at {settings.pg_host}:{settings.pg_port} is unreachable "
                           f"({type(exc).__name__}).\nStart the local stack with: caseledger stack up") from None
    try:
        with conn.cursor() as cur:
            try:
                yield cur
            except NotProjectedYet:
                raise CommandError(NOT_RUN_YET.format(schema=schema)) from None
    finally:
        conn.close()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD (e.g. 2026-03-31)") from None


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


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


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


def _print_json(value: Any) -> None:
    print(json.dumps(_jsonable(value), indent=2, ensure_ascii=False))


# -- register -----------------------------------------------------------------------------------


def _parser(sub, name: str, help: str, description: str, examples: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=description, epilog="examples:\n" + examples,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def register(sub: argparse._SubParsersAction) -> None:
    p = _parser(sub, "project", "run projection runners (all read models, or named ones)",
                "Keep read models up to date from the Kafka topics: rows and offsets are written in one "
                "PostgreSQL transaction per batch, so stopping (Ctrl-C, SIGTERM) and starting again neither "
                "loses nor repeats an event. Events that cannot be projected go to the dead-letter topic "
                "(see caseledger dlq list).",
                "  caseledger project                          all read models, until stopped\n"
                "  caseledger project case_view --until-caught-up\n"
                "  caseledger project --list                   the read models there are\n")
    p.add_argument("names", nargs="*", metavar="PROJECTION", help="read models to run (default: all)")
    p.add_argument("--until-caught-up", action="store_true", help="stop when every partition is read to its end")
    p.add_argument("--list", action="store_true", help="list the registered read models and exit")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.set_defaults(func=_fail(cmd_project), component="projection-runner")

    p = _parser(sub, "replay", "rebuild read models from offset 0 into new generations, then switch",
                "Rebuild each PROJECTION (default: every read model) from the beginning of its topics into "
                "a new generation of its tables while the live one keeps serving — one pass over the "
                "topics for all of them; when caught up, show how each new generation differs from the "
                "live one and switch them all in one transaction. An event a read model cannot project is "
                "dead-lettered and left out, as the running projection does (see caseledger dlq list), and "
                "the report lists it; a dry run only lists it. If a server fails, the rebuild stops and "
                "leaves the live tables as they were.",
                "  caseledger replay                              every read model, one pass\n"
                "  caseledger replay case_view\n"
                "  caseledger replay unit_occupancy --dry-run     compare only, switch nothing\n")
    p.add_argument("projections", nargs="*", metavar="PROJECTION", help="read models to rebuild (default: all)")
    p.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                   help="processes sharing the topics' partitions (default: %(default)s, one per core up to 2)")
    p.add_argument("--dry-run", action="store_true", help="rebuild and compare, then drop the new tables")
    p.add_argument("--keep", action="store_true", help="with --dry-run, keep the rebuilt tables to inspect")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_fail(cmd_replay), component="projection-replay")

    p = _parser(sub, "history", "a case's history as of a date, or as recorded at a time",
                "The history of CASE from the audit trail, on one of the two axes of the ledger:\n"
                "  --as-of DATE            what was true on DATE, with every correction applied\n"
                "  --as-recorded-at TIME   what the ledger said at TIME (later corrections not applied)\n"
                "Corrected entries are marked `corrected` with the entries that amend them; voided ones "
                "`voided`. CASE is the case id or the execution process number.",
                "  caseledger history 3f2c…-… --as-of 2026-03-31\n"
                "  caseledger history 0001234-56.2026.8.11.0041 --as-recorded-at 2026-03-31T18:00\n")
    p.add_argument("case", metavar="CASE")
    axis = p.add_mutually_exclusive_group(required=True)
    axis.add_argument("--as-of", type=_date, metavar="DATE", help="valid time: what was true on DATE")
    axis.add_argument("--as-recorded-at", type=_moment, metavar="TIME",
                      help="transaction time: what the ledger said at TIME")
    p.add_argument("--hide-voided", action="store_true", help="leave voided entries out")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_fail(cmd_history))

    case = _parser(sub, "case", "show one case or list cases (the case view)",
                   "Query the case view: status, unit and room, measure and modality, key dates, PIA and "
                   "reassessment, entitlements, open procedures and pending exceptions.",
                   "  caseledger case list --unit SL-CBA --status ativo\n"
                   "  caseledger case list --alert                 cases with a clock breached or due soon\n"
                   "  caseledger case show 3f2c…-… --json\n")
    cs = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    p = _parser(cs, "show", "one case, with its clocks", "One case of the case view and its legal clocks as of a "
                "day. CASE is the case id or the execution process number.",
                "  caseledger case show 3f2c…-…\n  caseledger case show 3f2c…-… --as-of 2026-05-01 --json\n")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="day for ages, day counts and clocks (default: today)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_fail(cmd_case_show))
    p = _parser(cs, "list", "cases, filtered", "List the cases of the case view, filtered.",
                "  caseledger case list\n  caseledger case list --unit SL-CBA --modality semiliberdade --json\n")
    p.add_argument("--unit", help="unit id or unit code")
    p.add_argument("--status", help="registrado, ativo, evadido or desligado")
    p.add_argument("--modality", help="e.g. semiliberdade, internacao, internacao_provisoria")
    p.add_argument("--alert", action="store_true", help="only cases with a clock breached, due soon or a right due")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="day for day counts and clocks (default: today)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_fail(cmd_case_list))

    unit = _parser(sub, "unit", "unit read models (occupancy)", "Unit read models.",
                   "  caseledger unit occupancy SL-CBA\n")
    us = unit.add_subparsers(dest="unit_command", metavar="ACTION", required=True)
    p = _parser(us, "occupancy", "population against capacity, by modality × age band × sex",
                "Population of UNIT against its capacity on a day, broken down as the CNMP tables ask "
                "(modality × age band in completed years × sex), and the daily series of a period with its "
                "peak and days over capacity. UNIT is the unit id or its code.",
                "  caseledger unit occupancy SL-CBA\n"
                "  caseledger unit occupancy SL-CBA --from 2026-03-01 --to 2026-04-30 --json\n"
                "  caseledger unit occupancy SL-CBA --from 2026-01-01 --plot occupancy.png\n")
    p.add_argument("unit", metavar="UNIT")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="the day of the breakdown (default: today)")
    p.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day of the series (default: 30 days before)")
    p.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day of the series (default: --as-of)")
    p.add_argument("--plot", metavar="FILE.png", help="draw the series as a PNG image")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.set_defaults(func=_fail(cmd_unit_occupancy))

    p = _parser(sub, "clocks", "legal deadlines of the cases, with breach state as of a day",
                "Every legal clock of the cases in custody (PIA 45 days, reassessment 6 months, acolhimento "
                "3 business days, provisória 45 days, petitions 15 days, isolation 24 h notice, 15 days "
                "without visits, 3 years, age 21, release order) as of a day.",
                "  caseledger clocks\n  caseledger clocks --unit SL-CBA --as-of 2026-04-30\n"
                "  caseledger clocks --alert --json\n")
    p.add_argument("--unit", help="unit id or unit code")
    p.add_argument("--as-of", type=_date, metavar="DATE", help="the day to judge breaches on (default: today)")
    p.add_argument("--alert", action="store_true", help="only clocks breached, due soon or with a right due")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_fail(cmd_clocks))

    audit = _parser(sub, "audit", "the audit trail", "The audit trail of every event.",
                    "  caseledger audit export --format csv > audit.csv\n")
    au = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = _parser(au, "export", "every event: who, when, what, source document, corrections",
                "Export the audit trail in recorded order: stream, sequence, event type, occurred and "
                "recorded times, actor id and role, unit, source document, summary, and for corrections "
                "the entry they amend. Personal data is not in the trail.",
                "  caseledger audit export --format csv --output audit.csv\n"
                "  caseledger audit export --format jsonl | jq .summary\n")
    p.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    p.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.set_defaults(func=_fail(cmd_audit_export))


# -- project and replay ---------------------------------------------------------------------------


def _build(settings: Settings, names: list[str]):
    from projections import registry

    chosen = names or registry.names()
    out = []
    for name in chosen:
        try:
            projection, decode = registry.build(name, settings)
        except KeyError as exc:
            raise CommandError(f"{exc.args[0]}\nlist them with: caseledger project --list") from None
        out.append((projection, decode, registry.topics_for(projection, settings)))
    return out


def _preflight(settings: Settings) -> None:
    """Fail fast, with the way out, when a server is not there at start (runners retry later outages)."""
    import psycopg2
    from kafka.errors import KafkaError

    try:
        _check_servers(settings)
    except psycopg2.OperationalError as exc:
        raise CommandError(f"PostgreSQL at {settings.pg_host}:{settings.pg_port} is unreachable "
                           f"({type(exc).__name__}).\nStart the local stack with: caseledger stack up") from None
    except KafkaError as exc:
        raise CommandError(f"Kafka at {settings.kafka_bootstrap_servers} is unreachable ({type(exc).__name__}).\n"
                           "Start the local stack with: caseledger stack up") from None


def _check_servers(settings: Settings) -> None:
    """Raise the driver's own error if PostgreSQL or Kafka cannot be reached now."""
    from kafka import KafkaConsumer

    from infra.read_side import pg_connector

    pg_connector(settings, "caseledger-projection-check")().close()
    KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=5000,
                  bootstrap_timeout_ms=5000).close()


def run_projections(settings: Settings, names: list[str] | tuple[str, ...] = (), schema: str | None = None,
                    until_caught_up: bool = False) -> int:
    """Run the runners of the named read models (all when none are named); the worst exit code.

    With `until_caught_up`, one after the other until each has read its topics to the end;
    otherwise one thread each. SIGTERM or SIGINT stop them all after their batch in flight. Also for
    other commands (the demo) that need the read models up to date.

    A runner that crashes on an unforeseen error is restarted with backoff (`consumers.runner.supervise`);
    if it keeps crashing, every runner is stopped after its batch in flight and the exit code is 1 —
    a process that runs on with one read model stuck would hide the failure.
    """
    import signal

    from consumers.runner import EXIT_CRASHED, supervise
    from infra import logs
    from infra.read_side import projection_runner
    from infra.startup import wait_until_available

    schema = schema or settings.projection_schema
    stopping = threading.Event()
    runners: list = []

    def stop(*_):
        stopping.set()
        for r in runners:
            r.request_stop()

    # SIGTERM/SIGINT: every runner finishes its batch in flight and commits; none starts after.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if until_caught_up:
        _preflight(settings)  # a person (or the demo) waits for the answer: fail at once, with the fix
    elif wait_until_available(lambda: _check_servers(settings) or True, logs.get_logger("project"),
                              stopping, "project") is None:
        return 0  # stopped while waiting for the servers
    runners.extend(projection_runner(settings, p, d, topics, schema=schema)
                   for p, d, topics in _build(settings, list(names)))
    if until_caught_up:
        codes = []
        for r in runners:
            if stopping.is_set():
                break
            codes.append(supervise(r, until_caught_up=True))
            if codes[-1] == EXIT_CRASHED:
                break
        return max(codes or [0])
    codes: list[int] = []

    def run(r) -> None:
        code = supervise(r)
        codes.append(code)
        if code == EXIT_CRASHED:
            stop()

    threads = [threading.Thread(target=run, args=(r,), name=r.projection.name) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.5)
    return max(codes or [0])


def cmd_project(args, settings: Settings) -> int:
    """Run the projection runners."""
    from projections import registry

    if args.list:
        for name in registry.names():
            print(name)
        return 0
    return run_projections(settings, args.names, _schema(args, settings), args.until_caught_up)


def cmd_replay(args, settings: Settings) -> int:
    """Rebuild read models into new generations, in one pass over the topics, and switch."""
    import psycopg2
    from kafka.errors import KafkaError

    from consumers.rebuild import rebuild
    from infra.read_side import consumer_factory, pg_connector, producer_factory
    from infra.progress import Progress

    built = _build(settings, args.projections)
    decode = built[0][1]  # every read model reads the same decoded events
    bar = Progress("rebuild " + ", ".join(p.name for p, _, _ in built))
    try:
        reports = rebuild([(projection, topics) for projection, _, topics in built], decode,
                          schema=_schema(args, settings), connect_pg=pg_connector(settings, "caseledger-replay"),
                          make_consumer=consumer_factory(settings, client_id="caseledger-replay"),
                          make_producer=producer_factory(settings, client_id="caseledger-replay-dead-letter"),
                          dead_letter_topic=settings.dead_letter_topic,
                          dry_run=args.dry_run, keep=args.keep, workers=max(1, args.workers), progress=bar)
    except psycopg2.OperationalError as exc:
        bar.close()
        raise CommandError(f"PostgreSQL at {settings.pg_host}:{settings.pg_port} is unreachable "
                           f"({type(exc).__name__}).\nStart the local stack with: caseledger stack up") from None
    except (KafkaError, LookupError) as exc:
        bar.close()
        raise CommandError(f"Kafka at {settings.kafka_bootstrap_servers}: {exc}.\n"
                           "Start the local stack with: caseledger stack up") from None
    bar.close()
    if args.json:
        _print_json([{"projection": r.projection, "generation": r.generation, "previous": r.previous,
                      "events": r.events, "elapsed_s": round(r.elapsed_s, 3), "switched": r.switched,
                      "identical": r.identical,
                      "dead_lettered": [{"origin": "{}[{}]@{}".format(*f.origin), "reason": f.reason,
                                         "error_class": f.error_class} for f in r.dead_lettered],
                      "tables": [{"table": d.table, "live_rows": d.live_rows, "rebuilt_rows": d.rebuilt_rows,
                                  "only_live": d.only_live, "only_rebuilt": d.only_rebuilt, "changed": d.changed}
                                 for d in r.diffs]} for r in reports])
    else:
        print("\n\n".join(render_replay_report(r) for r in reports))
    return 0


def render_replay_report(report) -> str:
    """A replay's outcome for people: what was switched, the differences per table, the events left out."""
    what = ("switched to" if report.switched else "kept (dry run)" if report.kept else "dropped (dry run)")
    head = (f"{report.projection}: rebuilt generation {report.generation} from {report.events:,} events in "
            f"{report.elapsed_s:.1f} s; {what} generation {report.generation}"
            f"{'' if report.previous is None else f' (live was {report.previous})'}")
    rows = [{"table": d.table, "live rows": d.live_rows, "rebuilt rows": d.rebuilt_rows,
             "only live": d.only_live, "only rebuilt": d.only_rebuilt, "changed": d.changed,
             "sample keys": ", ".join("/".join(map(str, k)) for k in d.sample_keys)} for d in report.diffs]
    cols = ["table", "live rows", "rebuilt rows", "only live", "only rebuilt", "changed", "sample keys"]
    out = head + "\n" + render_table(rows, cols)
    if report.dead_lettered:
        letters = [{"origin": f"{t}[{p}]@{o}", "reason": f.reason, "error class": f.error_class}
                   for f in report.dead_lettered for t, p, o in [f.origin]]
        out += (f"\n{len(report.dead_lettered)} event(s) could not be projected and were left out"
                f"{' (dead-lettered: caseledger dlq list)' if report.switched else ' (dry run: not dead-lettered)'}:\n"
                + render_table(letters, ["origin", "reason", "error class"]))
    return out


# -- queries ------------------------------------------------------------------------------------------


def cmd_history(args, settings: Settings) -> int:
    """A case's history on one of the two time axes."""
    from projections import queries

    schema = _schema(args, settings)
    case_id = _case_id(args.case)
    with _cursor(settings, schema) as cur:
        try:
            h = queries.case_history(cur, schema, case_id, as_of=args.as_of, as_recorded_at=args.as_recorded_at,
                                     show_voided=not args.hide_voided)
        except KeyError:
            raise CommandError(f"no case {case_id} in the audit trail; {LIST_CASES}") from None
    rows = [e.as_row() for e in h.entries]
    from domain.calendar import local_date

    state = _case_row(h.state, args.as_of or local_date(h.at)) if h.state else None
    if args.json:
        _print_json({"case_id": case_id, "axis": h.axis, "at": h.at, "entries": rows, "state": state})
        return 0
    print(f"case {case_id} — {'as of' if h.axis == 'as_of' else 'as recorded at'} {h.at.isoformat()} "
          f"(times in Cuiabá)")
    if not rows:
        print("(no entries" + (" occurred by then)" if h.axis == "as_of" else " recorded by then)"))
        return 0
    print(render_table([_for_people(r) for r in rows], ["seq", "occurred_at", "recorded_at", "event", "who", "summary", "status",
                              "amended_by", "corrected_fields", "source"]))
    if state:
        print("\nstate then: " + ", ".join(f"{k}={printable(v)}" for k, v in state.items()
                                           if k in ("status", "unit_id", "room", "modality", "pia_state") and v))
    return 0


def _case_row(view, on: dt.date) -> dict[str, Any]:
    return view.as_row(on)


def cmd_case_show(args, settings: Settings) -> int:
    """One case and its clocks."""
    from projections import queries
    from projections.legal_clocks import clocks_for

    schema = _schema(args, settings)
    case_id = _case_id(args.case)
    on = args.as_of or _today()
    with _cursor(settings, schema) as cur:
        try:
            view = queries.case(cur, schema, case_id)
        except KeyError:
            raise CommandError(f"no case {case_id} in the case view; {LIST_CASES}") from None
    row = view.as_row(on)
    row.update(leave=view.leave_entitlements(on), visits=view.visit_entitlements(on),
               open_procedure_list=list(view.open_procedures), pending_exception_rules=list(view.pending_exceptions))
    clocks = [c.as_row() for c in clocks_for(view, on)]
    if args.json:
        _print_json({"case": row, "clocks": clocks, "as_of": on})
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

    schema = _schema(args, settings)
    on = args.as_of or _today()
    with _cursor(settings, schema) as cur:
        views = queries.cases(cur, schema)
        unit_id = _resolve_unit(cur, schema, args.unit) if args.unit else None
    rows = []
    for view in sorted(views.values(), key=lambda v: (v.unit_id or "", v.case_id)):
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
    if args.json:
        _print_json(rows)
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

    schema = _schema(args, settings)
    on = args.as_of or _today()
    end = args.end or on
    start = args.start or end - dt.timedelta(days=30)
    if start > end:
        raise CommandError("--from is after --to")
    with _cursor(settings, schema) as cur:
        try:
            unit_id = queries.find_unit(cur, schema, args.unit)
        except KeyError:
            raise CommandError(f"no unit {args.unit!r} in the occupancy read model; units known: "
                               f"{', '.join(queries.unit_ids(cur, schema)) or 'none yet'}") from None
        data = queries.occupancy(cur, schema, unit_id)
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
        _plot(args.plot, series, profile.get("unit_code") or unit_id)
    if args.json:
        _print_json({"unit": head, "breakdown": breakdown, "series": daily})
        return 0
    print(render_table([head], list(head)))
    print("\npopulation by modality × age band (completed years) × sex")
    print(render_table(breakdown, ["modality", "age_band", "sex", "count"]) if breakdown else "(nobody inside)")
    print(f"\ndaily series {start} .. {end}")
    print(render_table(daily, ["day", "population", "reserved", "capacity", "occupancy_rate", "over_capacity"]))
    return 0


def _plot(path: str, series, label: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    days = [d.day for d in series]
    population = [d.population for d in series]
    # A day with no capacity defined is a gap in the line, not a capacity of 0.
    capacity = [float("nan") if d.capacity is None else d.capacity for d in series]
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.step(days, population, where="post", label="population (end of day)", color="tab:blue")
    ax.step(days, capacity, where="post", label="capacity", color="tab:red", linestyle="--")
    over = [d.over_capacity for d in series]
    if any(over):
        ax.fill_between(days, population, capacity, where=over, step="post", color="tab:red", alpha=0.2,
                        label="over capacity")
    ax.set_title(f"Occupancy of {label}, {series[0].day} to {series[-1].day}" if series else f"Occupancy of {label}")
    ax.set_xlabel("day")
    ax.set_ylabel("youths in the unit")
    ax.set_ylim(bottom=0, top=max([*population, *(d.capacity or 0 for d in series), 1]) * 1.1)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    fig.autofmt_xdate()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"plot written to {path}", file=sys.stderr)


def cmd_clocks(args, settings: Settings) -> int:
    """Legal clocks of the cases with their state as of a day."""
    from projections import queries
    from projections.legal_clocks import clocks_for

    schema = _schema(args, settings)
    on = args.as_of or _today()
    with _cursor(settings, schema) as cur:
        views = queries.cases(cur, schema)
        unit_id = _resolve_unit(cur, schema, args.unit)
    rows = []
    for view in sorted(views.values(), key=lambda v: (v.unit_id or "", v.case_id)):
        if view.status not in ("ativo", "evadido") and view.release_order_at is None:
            continue
        if unit_id and (view.unit_id or view.released_from_unit_id) != unit_id:
            continue
        for c in clocks_for(view, on):
            if args.alert and not c.alert:
                continue
            rows.append({**c.as_row(), "unit_id": view.unit_id})
    if args.json:
        _print_json(rows)
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

    schema = _schema(args, settings)
    out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    count = 0
    try:
        with _cursor(settings, schema) as cur:
            writer = None
            if args.format == "csv":
                writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
                writer.writeheader()
            for row in queries.all_entries(cur, schema):
                row = {k: _jsonable(v) for k, v in row.items()}
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
