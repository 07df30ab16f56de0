"""`caseledger record`: record commands given as JSON, with the law applied as they are recorded."""

from __future__ import annotations

import argparse
import json
import sys

from infra.command_input import CommandInputError, InputLimits, decode_input, parse_commands
from infra.settings import Settings
from infra.tables import printable

EPILOG = """\
A command is one JSON object: {"command": NAME, ARGUMENT: VALUE, ...}. A file holds one
object, a JSON array, or JSON lines. Date-times carry their UTC offset (Cuiabá: -04:00).
A unit is named by its id or by its code ("unit_id": "MT-CGB-SL"), as the reads name it.

examples:
  caseledger record --list                      the commands
  caseledger record --example record_intake     a complete example of one command, and its fields
                                                (required or optional, allowed values) on stderr
  caseledger record --values offence_code       a catalogue: offence codes, sanctions, steps… (--values ?)
  caseledger record commands.jsonl              record every command in the file, in order
  echo '{"command": ...}' | caseledger record -
  CASELEDGER_TOKEN=<token> caseledger record commands.jsonl
  caseledger record --as <token> commands.jsonl

Commands are recorded AS the principal of the token (`caseledger users add` issues one):
the actor of every event is that principal; leave "actor" out, or give exactly yours.
What each role may record, and in which units, is docs/ACCESS.md (refusals A-01..A-03).

Every command carries a command id, so recording it again records nothing twice: give
"command_id" yourself, or `record` makes one from the file's path, the command's content and
its rank among identical commands in the file (the same file gives the same ids; each line
printed shows its id). A command id already recorded with the same content is answered with
the first result ("= … already recorded"); with other content it is refused (D-17).

Each command is recorded whole or refused with nothing written; a refusal names where it
is (line, or element and line of a JSON array), the rule (R-nn, D-nn; INPUT for a value that
does not fit, SCHEMA for an event its schema cannot carry), what to do, and the legal source.

limits (checked before anything is stored):
  the input is UTF-8, at most CASELEDGER_MAX_INPUT_BYTES (default 64 MiB)
  one command at most CASELEDGER_MAX_COMMAND_BYTES of JSON (default 64 KiB), 16 levels deep
  one text value at most CASELEDGER_MAX_TEXT_BYTES (default 8 KiB), with no control
    character other than tab and line breaks
  dates from 1900-01-01 to 10 years after today; a fact cannot have occurred more than
    a day after it is recorded (D-15)

exit codes:
  0  every command was recorded
  1  some command was refused (the others were recorded; see each line)
  2  the input could not be read (not UTF-8, invalid JSON, too large), the usage is
     wrong, or no valid token was given; nothing was recorded

A command that another process beat to the same case is checked again and retried; it is
refused CONFLICT if that keeps happening, STORE if PostgreSQL was busy or unreachable (and
when it is unreachable, the commands after it are not tried: the summary says so).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("record", help="record commands given as JSON (file or -)",
                       description="Validate and apply commands in order: JSON, argument types, the "
                       "rules of the Regimento/ECA/SINASE, and the event schemas.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", nargs="?", help="file of commands, or - for standard input")
    p.add_argument("--example", metavar="COMMAND", help="print an example of COMMAND and exit")
    p.add_argument("--list", action="store_true", help="list the commands and exit")
    p.add_argument("--values", metavar="FIELD", help="list the allowed values of FIELD (a closed list such as "
                   "step or sanction, or the offence catalogue: offence_code) and exit; --values ? lists the fields")
    p.add_argument("--stop-on-refusal", action="store_true",
                   help="stop at the first refused command (later ones may depend on it)")
    p.add_argument("--json", action="store_true", help="print one JSON result per command")
    p.add_argument("--as", dest="token", metavar="TOKEN",
                   help="record as the principal of TOKEN (default: CASELEDGER_TOKEN, which other users of the machine cannot read in the process list)")
    p.set_defaults(func=cmd_record)


def cmd_record(args, settings: Settings) -> int:
    from application.commands import COMMANDS
    from infra.recording import command_example, command_names

    if args.list:
        for name in command_names():
            print(f"{name:<34} {COMMANDS[name].summary}")
        return 0
    if getattr(args, "values", None):
        return _print_values(args.values)
    if args.example:
        if args.example not in COMMANDS:
            print(f"error: unknown command {args.example!r}; see `caseledger record --list`", file=sys.stderr)
            return 2
        print(json.dumps(command_example(args.example), indent=2, ensure_ascii=False))
        _print_fields(args.example)
        return 0
    if not args.file:
        print("error: give a FILE of commands, or - for standard input (see --help)", file=sys.stderr)
        return 2
    principal = _principal(args, settings)
    if principal is None:
        return 2
    limits = settings.input_limits
    data = _read(args.file, limits)
    if data is None:
        return 2
    try:
        commands = parse_commands(decode_input(data, limits))
    except CommandInputError as exc:
        where = f"{printable(exc.where)}: " if exc.where else ""
        print(f"error: {where}{printable(exc.message)}. Nothing was recorded.", file=sys.stderr)
        return 2
    import os

    from infra.recording import with_command_ids

    # Deterministic ids, so recording the same file again records nothing twice (D-17).
    identity = "-" if args.file == "-" else os.path.realpath(args.file)
    return run_commands(settings, with_command_ids(commands, identity), as_json=args.json,
                        stop_on_refusal=args.stop_on_refusal, principal=principal)


def _print_fields(name: str) -> None:
    """The example's legend, on standard error so that standard output stays the JSON to copy:
    each field required or optional (with its default), its kind, and a closed list's values."""
    from infra.recording import command_fields

    print(f"\n# fields of {name} (required ones first; optional ones may be left out):", file=sys.stderr)
    for row in command_fields(name):
        mark = "required" if row["required"] else "optional"
        if "default" in row:
            mark += f", default {json.dumps(row['default'], ensure_ascii=False, default=str)}"
        line = f"#   {row['field']}: {mark}; {row['kind']}"
        if row.get("note"):
            line += f" ({row['note']})"
        if row["values"]:
            line += "\n#       " + " | ".join(row["values"])
        print(line, file=sys.stderr)
    print('#   command_id: optional; a text of your own that makes a retry safe (D-17)', file=sys.stderr)


def _print_values(field: str) -> int:
    from infra.recording import field_values, fields_with_values

    found = field_values(field)
    if not found:
        print(f"{'error: no catalogue for ' + repr(field) + '; ' if field != '?' else ''}fields with a catalogue: "
              + ", ".join(fields_with_values()), file=sys.stderr if field != "?" else sys.stdout)
        return 2 if field != "?" else 0
    for commands, values in found.items():
        print(f"{field} ({commands}):")
        for value in values:
            print(f"  {value}")
    return 0


def _principal(args, settings: Settings):
    """Who records: the principal of --as or CASELEDGER_TOKEN; None (after saying why) if there is none."""
    from infra.commands.common import CommandError
    from infra.commands.users import authenticate

    try:
        return authenticate(settings, getattr(args, "token", None))
    except CommandError as exc:
        from infra.logs import get_logger

        get_logger("record").warning("authentication_refused", reason=str(exc).split(":", 1)[0])
        print(f"error: {exc}. Nothing was recorded.", file=sys.stderr)
        return None


def _read(path: str, limits: InputLimits) -> bytes | None:
    """The input's bytes; one byte more than the limit is enough to say it is too large."""
    try:
        if path == "-":
            return sys.stdin.buffer.read(limits.max_input_bytes + 1)
        with open(path, "rb") as f:
            return f.read(limits.max_input_bytes + 1)
    except OSError as exc:
        print(f"error: cannot read {printable(path)}: {exc.strerror}", file=sys.stderr)
        return None


def run_commands(settings: Settings, commands, as_json: bool = False, stop_on_refusal: bool = False,
                 principal=None) -> int:
    from infra import bootstrap
    from infra.recording import apply_command

    ledger = bootstrap.recording_ledger(settings)
    limits = settings.input_limits
    refused = processed = replayed = 0
    why_stopped = "--stop-on-refusal"
    try:
        for raw in commands:
            processed += 1
            outcome = apply_command(ledger, raw, limits, attempts=settings.write_attempts, principal=principal)
            if as_json:
                print(_json_line(outcome.as_dict()))
            else:
                print(_human(outcome))
            replayed += outcome.replayed
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
        print(f"{processed - refused - replayed} recorded, "
              + (f"{replayed} already recorded (nothing written for them), " if replayed else "")
              + f"{refused} refused"
              + (f", {skipped} not tried ({why_stopped})" if skipped else ""), file=sys.stderr)
    return 1 if refused else 0


def _json_line(d: dict) -> str:
    text = json.dumps(d, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate echoed from the input: escape it, still JSON
        text = json.dumps(d)
    return text


def _human(o) -> str:
    returned = f" → {o.result}" if o.result is not None else ""
    tag = f" [command {printable(o.command_id)}]" if o.command_id else ""
    if o.accepted and o.replayed:
        streams = ", ".join(f"{e['stream_id']} v{e['version']}" for e in o.events) or "no event"
        return (f"= {o.position} {o.command}{returned}: already recorded ({streams}); "
                f"nothing recorded again{tag}")
    if o.accepted:
        events = ", ".join(f"{e['event']} v{e['version']} (#{e['notification_id']})" for e in o.events)
        return f"✓ {o.position} {o.command}{returned}: {events}{tag}"
    where = f" [{printable(o.where)}]" if o.where else ""
    source = f" — {o.source}" if o.source else ""
    return f"✗ {o.position} {printable(o.command)} refused {o.code}{where}: {printable(o.message)}{source}{tag}"
