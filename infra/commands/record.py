"""`caseledger record`: record commands given as JSON, with the law applied as they are recorded."""

from __future__ import annotations

import argparse
import json
import sys

from infra.command_input import CommandInputError, parse_commands
from infra.settings import Settings

EPILOG = """\
A command is one JSON object: {"command": NAME, ARGUMENT: VALUE, ...}. A file holds one
object, a JSON array, or JSON lines. Date-times carry their UTC offset (Cuiabá: -04:00).

examples:
  caseledger record --list                      the commands
  caseledger record --example record_intake     a complete example of one command
  caseledger record commands.jsonl              record every command in the file, in order
  echo '{"command": ...}' | caseledger record -

Each command is recorded whole or refused with nothing written; a refusal names the rule
(R-nn), what to do, and the legal source. The exit code is 1 when any command was refused.
A command that another process beat to the same case is checked again and retried; it is
refused CONFLICT if that keeps happening, STORE if PostgreSQL was busy or unreachable.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("record", help="record commands given as JSON (file or -)",
                       description="Validate and apply commands in order: JSON, argument types, the "
                       "rules of the Regimento/ECA/SINASE, and the event schemas.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", help="file of commands, or - for standard input")
    p.add_argument("--example", metavar="COMMAND", help="print an example of COMMAND and exit")
    p.add_argument("--list", action="store_true", help="list the commands and exit")
    p.add_argument("--stop-on-refusal", action="store_true",
                   help="stop at the first refused command (later ones may depend on it)")
    p.add_argument("--json", action="store_true", help="print one JSON result per command")
    p.set_defaults(func=cmd_record)


def cmd_record(args, settings: Settings) -> int:
    from infra.ledger import CaseLedger
    from infra.recording import command_example, command_names

    if args.list:
        for name in command_names(CaseLedger):
            doc = (getattr(CaseLedger, name).__doc__ or "").strip().splitlines()
            print(f"{name:<34} {doc[0] if doc else ''}")
        return 0
    if args.example:
        if args.example not in command_names(CaseLedger):
            print(f"error: unknown command {args.example!r}; see `caseledger record --list`", file=sys.stderr)
            return 2
        print(json.dumps(command_example(CaseLedger, args.example), indent=2, ensure_ascii=False))
        return 0
    if not args.file:
        print("error: give a FILE of commands, or - for standard input (see --help)", file=sys.stderr)
        return 2
    text = sys.stdin.read() if args.file == "-" else _read(args.file)
    if text is None:
        return 2
    try:
        commands = parse_commands(text)
    except CommandInputError as exc:
        print(f"error: {exc.where}: {exc.message}. Nothing was recorded.", file=sys.stderr)
        return 2
    return run_commands(settings, commands, as_json=args.json, stop_on_refusal=args.stop_on_refusal)


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return None


def run_commands(settings: Settings, commands, as_json: bool = False, stop_on_refusal: bool = False) -> int:
    from infra import bootstrap
    from infra.recording import apply_command

    ledger = bootstrap.recording_ledger(settings)
    refused = processed = 0
    why_stopped = "--stop-on-refusal"
    try:
        for raw in commands:
            processed += 1
            outcome = apply_command(ledger, raw, attempts=settings.write_attempts)
            if as_json:
                print(json.dumps(outcome.as_dict(), ensure_ascii=False))
            else:
                print(_human(outcome))
            if not outcome.accepted:
                refused += 1
                if outcome.halts:  # PostgreSQL is gone: the next commands would wait and fail too
                    why_stopped = "the event store is unreachable"
                    break
                if stop_on_refusal:
                    break
    finally:
        ledger.close()
    if not as_json:
        skipped = len(commands) - processed
        print(f"{processed - refused} recorded, {refused} refused"
              + (f", {skipped} not tried ({why_stopped})" if skipped else ""), file=sys.stderr)
    return 1 if refused else 0


def _human(o) -> str:
    if o.accepted:
        events = ", ".join(f"{e['event']} v{e['version']} (#{e['notification_id']})" for e in o.events)
        return f"✓ line {o.line} {o.command}: {events}"
    where = f" [{o.where}]" if o.where else ""
    source = f" — {o.source}" if o.source else ""
    return f"✗ line {o.line} {o.command} refused {o.code}{where}: {o.message}{source}"
