"""`caseledger dlq list | redrive`: events a projection runner could not project."""

from __future__ import annotations

import argparse
import json
import sys

from infra.commands.common import SCHEMA_HELP, schema_of
from infra.settings import Settings
from infra.tables import render_table


EXAMPLES_LIST = """\
examples:
  caseledger dlq list                          every dead letter, newest last
  caseledger dlq list --projection case_view   only one read model's
  caseledger dlq list --json                   for scripts (one object per dead letter)
"""

EXAMPLES_REDRIVE = """\
examples:
  caseledger dlq redrive --projection case_view --dry-run   try them against the fixed code, write nothing
  caseledger dlq redrive --projection case_view             apply those that now project, each once
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dlq",
        help="list and re-drive events a projection could not decode or apply",
        description="Dead letters: events a projection runner or a rebuild (replay) could not decode, "
        "project or write. Each is kept on the dead-letter topic with the reason and its origin (topic, "
        "partition, offset) in headers; the runner moved on. A letter belongs to one generation of the "
        "read model's tables; once a rebuild replaces that generation, the letter is superseded (the "
        "rebuild applied the event, or dead-lettered it again for the new generation).",
        epilog=EXAMPLES_LIST + "\n" + EXAMPLES_REDRIVE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ss = p.add_subparsers(dest="dlq_command", metavar="ACTION", required=True)

    ls = ss.add_parser(
        "list", help="show the dead letters (a table, or --json)",
        description="Read the dead-letter topic from the beginning and show each dead letter: origin, "
        "event type, reason, error class, when, and whether it was re-driven into the live tables. "
        "Keys and values are not printed (they may hold personal data); --json adds the error message.",
        epilog=EXAMPLES_LIST, formatter_class=argparse.RawDescriptionHelpFormatter)
    ls.add_argument("--projection", help="only this read model's dead letters")
    ls.add_argument("--schema", default=None, help=SCHEMA_HELP)
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.set_defaults(func=cmd_list)

    rd = ss.add_parser(
        "redrive", help="re-apply dead letters of one read model after a fix",
        description="Decode and apply each dead letter of PROJECTION to its live tables, once: a re-drive "
        "is recorded with the rows, so running it again applies nothing twice. Letters that still fail "
        "stay listed. Events are re-applied directly, not re-published (a copy on the event topic would "
        "reach every other read model a second time). Where the order of events matters, prefer a rebuild.",
        epilog=EXAMPLES_REDRIVE, formatter_class=argparse.RawDescriptionHelpFormatter)
    rd.add_argument("--projection", required=True, help="the read model whose dead letters to re-drive")
    rd.add_argument("--schema", default=None, help=SCHEMA_HELP)
    rd.add_argument("--dry-run", action="store_true", help="project them, write nothing, report")
    rd.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    rd.set_defaults(func=cmd_redrive)


def _letters(settings: Settings, projection: str | None):
    from consumers.dead_letter import read_dead_letters
    from infra.bootstrap import consumer_factory

    consumer = consumer_factory(settings, client_id="caseledger-dlq")()
    try:
        return read_dead_letters(consumer, settings.dead_letter_topic, projection)
    finally:
        consumer.close(autocommit=False)


def cmd_list(args, settings: Settings) -> int:
    import psycopg2

    from consumers.dead_letter import redriven_origins
    from infra.bootstrap import pg_connector

    letters = _letters(settings, args.projection)
    live: dict[str, tuple] = {}
    try:
        conn = pg_connector(settings, "caseledger-dlq")()
        try:
            for name in {d.projection for d in letters}:
                live[name] = redriven_origins(conn, schema_of(args, settings), name)
        finally:
            conn.close()
    except psycopg2.Error as exc:
        print(f"warning: re-drive status unknown ({type(exc).__name__})", file=sys.stderr)

    def row(d):
        generation, done = live.get(d.projection, (None, set()))
        current = generation is None or d.generation == generation
        return d.as_row(redriven=current and d.origin in done, superseded=not current)

    rows = [row(d) for d in letters]
    if args.json:
        for row, d in zip(rows, letters):
            row["error_message"] = d.error_message
        print(json.dumps(rows, indent=2))
    elif not rows:
        print(f"no dead letters on {settings.dead_letter_topic}")
    else:
        print(render_table(rows, ["dlq_offset", "projection", "generation", "origin", "event_type", "reason",
                                  "error_class", "failed_at", "redriven", "superseded"]))
    return 0


def cmd_redrive(args, settings: Settings) -> int:
    from consumers.dead_letter import redrive
    from infra.bootstrap import pg_connector
    from infra.logs import get_logger
    from projections import registry

    try:
        projection, decode = registry.build(args.projection, settings)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    letters = _letters(settings, args.projection)
    conn = pg_connector(settings, "caseledger-dlq")()
    try:
        report = redrive(conn, schema_of(args, settings), projection, decode, letters,
                         get_logger("dlq", projection=args.projection), dry_run=args.dry_run)
    finally:
        conn.close()
    if args.json:
        print(json.dumps({**report.as_dict(), "dry_run": args.dry_run}, indent=2))
    else:
        verb = "would apply" if args.dry_run else "applied"
        print(f"{args.projection}: {verb} {len(report.applied)}, already re-driven {len(report.already)}, "
              f"still failing {len(report.failed)}"
              + (f", superseded by a rebuild {len(report.superseded)}" if report.superseded else "")
              + (f", chain conflicts kept as evidence (never re-driven) {len(report.refused)}" if report.refused else ""))
        for (topic, partition, offset), error in report.failed:
            print(f"  still failing: {topic}[{partition}]@{offset}  {error}")
    return 0 if not report.failed else 1
