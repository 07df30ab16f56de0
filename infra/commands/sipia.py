"""`caseledger sipia run | report | submit`: the SIPIA/SINASE feed, its reconciliation report, the export record.

The feed is `consumers/sipia.py` (docs/SIPIA.md). `run` keeps its tables up to date (like
`caseledger project`, its own group and schema); `report` writes a unit's reconciliation report as
CSV and JSON, as a principal allowed to read the unit's records, opening the three identifiers
(SIPIA id, process and guia numbers) in the ledger; `submit` records in the ledger that the report
was sent (`submit_sipia_export`, with its period, counts, the receipt and the report's digest).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from infra.commands.common import CommandError, add_parser, date_arg, fail, jsonable, pg_unreachable
from infra.commands.users import add_reader_args, authenticate, purpose_of, refused
from infra.settings import Settings

SCHEMA_HELP = "schema of the SIPIA feed (default: CASELEDGER_SIPIA_SCHEMA, else sipia)"
NOT_FED = "run the feed first: caseledger sipia run --until-caught-up"
CSV_COLUMNS = ["section", "case_id", "sipia_id", "process_number", "guia_number", "day", "in_unit_since",
               "movement", "movement_label", "direction", "detail", "detail_label", "measure", "modality",
               "measure_decision", "pia_status", "movement_raw", "detail_raw", "measure_raw", "pia_status_raw",
               "corrected_fields"]
IDENTIFIERS = ("sipia_id", "process_number", "guia_number")


def _period(text: str) -> tuple[dt.date, dt.date]:
    start, sep, end = text.partition("..")
    if not sep:
        raise argparse.ArgumentTypeError(f"{text!r}: write the period as FROM..TO, e.g. 2026-03-01..2026-03-31")
    return date_arg(start), date_arg(end)


def _add_period(p) -> None:
    p.add_argument("unit", metavar="UNIT", help="the unit's code (e.g. SL-CBA) or id")
    p.add_argument("--period", type=_period, metavar="FROM..TO", help="first and last day, e.g. 2026-03-01..2026-03-31")
    p.add_argument("--from", dest="start", type=date_arg, metavar="DATE", help="first day (instead of --period)")
    p.add_argument("--to", dest="end", type=date_arg, metavar="DATE", help="last day (instead of --period)")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)


def register(sub: argparse._SubParsersAction) -> None:
    top = add_parser(sub, "sipia", "the SIPIA/SINASE feed: run it, write a unit's report, record an export",
                     "The SIPIA/SINASE reconciliation feed (docs/SIPIA.md): a downstream consumer of the Case and "
                     "Unit topics with its own consumer group and PostgreSQL schema, reading only the fields it "
                     "is granted and no personal value (it runs without the key file).",
                     "  caseledger sipia run --until-caught-up\n"
                     "  caseledger sipia report SL-CBA --period 2026-03-01..2026-03-31 --purpose 'envio SIPIA'\n"
                     "  caseledger sipia submit SL-CBA --period 2026-03-01..2026-03-31 --receipt SIPIA-2026-0415\n")
    ss = top.add_subparsers(dest="sipia_command", metavar="ACTION", required=True)

    p = add_parser(ss, "run", "run the feed (until stopped, or until caught up)",
                   "Keep the feed's tables up to date from the Kafka topics. Rows and offsets are written in one "
                   "PostgreSQL transaction per batch: stopping it (Ctrl-C, SIGTERM, even kill -9) and starting "
                   "again neither loses nor repeats an event. Events it cannot decode go to the dead-letter topic.",
                   "  caseledger sipia run                     until stopped\n"
                   "  caseledger sipia run --until-caught-up   read to the end of the topics, then stop\n")
    p.add_argument("--until-caught-up", action="store_true", help="stop when every partition is read to its end")
    p.add_argument("--schema", default=None, help=SCHEMA_HELP)
    p.set_defaults(func=fail(cmd_run), component="sipia-feed")

    p = add_parser(ss, "report", "write a unit's reconciliation report (CSV and JSON)",
                   "The reconciliation report of UNIT for a period (days in Cuiabá): the youths active at its end, "
                   "the entries (entrada, transferência, retorno) and exits (desligamento with the release "
                   "reason, transferência, evasão) in it, each with the SIPIA id, process and guia numbers, "
                   "measure, modality and PIA status in the registry's terms with the ledger's raw codes; and "
                   "what differs from the last export recorded (submit_sipia_export). Writes "
                   "sipia-<unit>-<from>-<to>.csv and .json into --output-dir and prints a summary and the "
                   "report's digest. The files hold personal identifiers (ECA art. 143): the read is logged "
                   "with your purpose (ECA arts. 143–144) and allowed only within your scope (R-61).",
                   "  caseledger sipia report SL-CBA --period 2026-03-01..2026-03-31 --purpose 'envio SIPIA'\n"
                   "  caseledger sipia report SL-CBA --from 2026-03-01 --to 2026-03-31 --output-dir out/ --json\n")
    _add_period(p)
    p.add_argument("--output-dir", default=".", metavar="DIR", help="where the CSV and JSON go (default: here)")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON instead of a summary")
    add_reader_args(p, personal=True)
    p.set_defaults(func=fail(cmd_report))

    p = add_parser(ss, "submit", "record in the ledger that a unit's report was sent (submit_sipia_export)",
                   "Record the SIPIA export of UNIT for the period as an event of the unit (E66): the period, the "
                   "counts and the digest of the report as `sipia report` computes it now, and the receipt number "
                   "the registry returned. The next report says what differs from this one. Recording the same "
                   "export twice records it once. Only the administrative sector or the gerente submits it (D-05).",
                   "  caseledger sipia submit SL-CBA --period 2026-03-01..2026-03-31 --receipt SIPIA-2026-0415\n")
    _add_period(p)
    p.add_argument("--receipt", required=True, metavar="NUMBER", help="the receipt number SIPIA returned")
    p.add_argument("--at", dest="occurred_at", metavar="TIME",
                   help="when it was sent, with offset (default: now), e.g. 2026-04-02T10:00-04:00")
    p.add_argument("--as", dest="token", metavar="TOKEN", help="record as the principal of TOKEN "
                   "(default: CASELEDGER_TOKEN)")
    p.set_defaults(func=fail(cmd_submit))


def _dates(args) -> tuple[dt.date, dt.date]:
    if args.period and (args.start or args.end):
        raise CommandError("give --period FROM..TO, or --from and --to, not both")
    start, end = args.period or (args.start, args.end)
    if start is None or end is None:
        raise CommandError("give the period: --period 2026-03-01..2026-03-31 (or --from and --to)")
    if start > end:
        raise CommandError(f"the period starts ({start}) after it ends ({end})")
    return start, end


def _schema(args, settings: Settings) -> str:
    return args.schema or settings.sipia_schema


# -- run -----------------------------------------------------------------------------------------


def feed_runner(settings: Settings, schema: str | None = None, decode=None, **kwargs):
    """The feed on the projection runner: its own group and schema, the settings' Kafka and PostgreSQL."""
    from consumers.sipia import GROUP_ID, make_feed
    from infra.bootstrap import projection_runner
    from projections.registry import topics_for

    feed, own_decode = make_feed()
    kwargs.setdefault("group_id", GROUP_ID)
    runner = projection_runner(settings, feed, decode or own_decode, topics_for(feed, settings),
                               schema=schema or settings.sipia_schema, **kwargs)
    runner.make_consumer = _with_metadata(runner.make_consumer)
    return runner


def _with_metadata(make):
    """Consumers that know every topic's partitions before they subscribe.

    A group joined before the client's metadata lists the subscribed topics was seen to be assigned
    no partition at all and to stay so (kafka-python's range assignor: "No partition metadata"):
    the feed, subscribed to two topics, then waited forever. Fetching the topics first avoids it.
    """
    def make_consumer(**kwargs):
        consumer = make(**kwargs)
        consumer.topics()
        return consumer

    return make_consumer


def cmd_run(args, settings: Settings) -> int:
    """Run the SIPIA feed."""
    from consumers.runner import supervise
    from infra.commands.project import _preflight

    if args.until_caught_up:
        _preflight(settings)
    runner = feed_runner(settings, _schema(args, settings))
    runner.install_signal_handlers()
    return supervise(runner, until_caught_up=args.until_caught_up)


# -- report ------------------------------------------------------------------------------------------


def _reconciliation(settings: Settings, schema: str, unit: str, start: dt.date, end: dt.date) -> dict:
    import psycopg2

    from consumers import sipia
    from infra.bootstrap import pg_connector

    try:
        conn = pg_connector(settings, "caseledger-sipia-report")()
    except psycopg2.OperationalError as exc:
        raise pg_unreachable(settings, exc) from None
    try:
        with conn:
            with conn.cursor() as cur:
                report = sipia.reconciliation(cur, schema, unit, start, end)
                report["unit"]["comarca"] = sipia.find_unit(cur, schema, unit).get("comarca")
                return report
    except sipia.NotFed as exc:
        raise CommandError(f"{exc}; {NOT_FED}") from None
    finally:
        conn.close()


def _case_ids(report: dict) -> list[str]:
    return sorted({r["case_id"] for section in ("active", "entries", "exits") for r in report[section]})


def open_identifiers(settings: Settings, case_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The SIPIA id, process and guia numbers of each case, opened in the ledger (registration, corrections)."""
    from infra import bootstrap

    app = bootstrap.ledger(settings)
    out: dict[str, dict[str, Any]] = {}
    try:
        for case_id in case_ids:
            ids: dict[str, Any] = {k: None for k in IDENTIFIERS}
            for event in app.events.get(uuid.UUID(case_id)):
                name = type(event).__name__
                if name == "AdolescentRegistered":
                    ids.update({k: getattr(event, k, None) for k in IDENTIFIERS})
                elif name == "EntryCorrected" and event.target_version == 1:
                    ids.update({c.field: c.value for c in event.corrections if c.field in IDENTIFIERS})
            out[case_id] = ids
    finally:
        app.close()
    return out


def _rows(report: dict, ids: dict[str, dict[str, Any]]) -> list[dict]:
    rows = []
    for section, name in (("active", "active"), ("entries", "entry"), ("exits", "exit")):
        for r in report[section]:
            rows.append({"section": name, **r, **ids.get(r["case_id"], {})})
    return rows


def write_files(report: dict, ids: dict[str, dict[str, Any]], out_dir: Path) -> tuple[Path, Path]:
    """The report as CSV (one row per youth or movement) and JSON (everything, identifiers included)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    unit = report["unit"].get("unit_code") or report["unit"]["unit_id"]
    stem = f"sipia-{unit}-{report['period']['from']}-{report['period']['to']}"
    csv_path, json_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.json"
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(_rows(report, ids))
    full = {**report}
    for section in ("active", "entries", "exits"):
        full[section] = [{**r, **ids.get(r["case_id"], {})} for r in report[section]]
    json_path.write_text(json.dumps(jsonable(full), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return csv_path, json_path


def summary_lines(report: dict) -> list[str]:
    """A few lines for people: counts, digest, what differs from the last export (no identifiers)."""
    c, u, p = report["counts"], report["unit"], report["period"]
    lines = [f"SIPIA reconciliation — unit {u.get('unit_code') or u['unit_id']}, {p['from']} .. {p['to']}",
             f"  active at the end: {c['active']}   entries: {c['entries']}   exits: {c['exits']}",
             f"  digest: {report['digest']}"]
    by_kind: dict[str, int] = {}
    for row in report["entries"] + report["exits"]:
        key = f"{row['movement']}{'' if row['movement'] != 'transferencia' else ' (' + row['direction'] + ')'}"
        by_kind[key] = by_kind.get(key, 0) + 1
    if by_kind:
        lines.append("  movements: " + ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items())))
    missing = sum(1 for y in report["active"] if not y["sipia_id_recorded"])
    lines.append(f"  active youths without a SIPIA id in the ledger: {missing}")
    d = report["differences"]
    last = d.get("last_export")
    if last is None:
        lines.append("  last export: none recorded")
    else:
        lines.append(f"  last export: {last['period_start']} .. {last['period_end']}, receipt {last['receipt_number']}")
        if "note" in d:
            lines.append(f"    {d['note']}; counts then {d['counts_then']}, now {d['counts_now']}")
        else:
            changed = {k: {s: len(v) for s, v in d['exported_period'][k].items()} for k in ("entries", "exits")}
            lines.append("    exported period " + ("unchanged" if d["exported_period_unchanged"] else
                                                     f"changed since sent: {changed}"))
            a = d["active_since_export"]
            lines.append(f"    active since the export: {len(a['joined'])} joined, {len(a['left'])} left")
    return lines


def cmd_report(args, settings: Settings) -> int:
    """Write a unit's SIPIA reconciliation report."""
    from application.read_policy import authorise_case_read
    from domain.rules import RuleViolation
    from infra.reading import Reading

    start, end = _dates(args)
    schema = _schema(args, settings)
    principal = authenticate(settings, args.token)
    purpose = purpose_of(args)
    report = _reconciliation(settings, schema, args.unit, start, end)
    unit = report["unit"]
    case_ids = _case_ids(report)
    try:
        # The files name youths: a record read, in the principal's scope, logged with why.
        authorise_case_read(principal, ", ".join(case_ids) or "(none)", [(unit["unit_id"], unit.get("comarca"))])
    except RuleViolation as exc:
        raise refused(exc) from None
    if case_ids:
        Reading(settings, "caseledger-sipia-report").log(principal, case_ids, "sipia report", purpose, "cli")
    ids = open_identifiers(settings, case_ids)
    csv_path, json_path = write_files(report, ids, Path(args.output_dir))
    if args.json:
        print(json_path.read_text(encoding="utf-8"), end="")
    else:
        print("\n".join(summary_lines(report)))
        print(f"  written: {csv_path} and {json_path}")
    return 0


# -- submit ----------------------------------------------------------------------------------------------


def cmd_submit(args, settings: Settings) -> int:
    """Record a SIPIA export with the digest of the report sent."""
    from infra.command_input import CommandInputError, decode_input, parse_commands
    from infra.commands.record import run_commands

    start, end = _dates(args)
    principal = authenticate(settings, args.token)
    report = _reconciliation(settings, _schema(args, settings), args.unit, start, end)
    command = {"command": "submit_sipia_export", "unit_id": report["unit"]["unit_id"],
               "period_start": start.isoformat(), "period_end": end.isoformat(),
               "active_count": report["counts"]["active"], "entries_count": report["counts"]["entries"],
               "exits_count": report["counts"]["exits"], "receipt_number": args.receipt,
               "occurred_at": args.occurred_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "report_digest": report["digest"],
               # The same export (unit, period, digest, receipt) recorded twice is recorded once (D-17).
               "command_id": f"sipia-export:{report['unit']['unit_id']}:{start}:{end}:{report['digest']}:{args.receipt}"}
    try:
        commands = parse_commands(decode_input(json.dumps(command).encode(), settings.input_limits))
    except CommandInputError as exc:
        raise CommandError(f"{exc.message}. Nothing was recorded.") from None
    print(f"report digest {report['digest']} (active {report['counts']['active']}, entries "
          f"{report['counts']['entries']}, exits {report['counts']['exits']})", file=sys.stderr)
    return run_commands(settings, commands, principal=principal)
