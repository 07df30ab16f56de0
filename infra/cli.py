"""The `caseledger` command line.

Each group of subcommands lives in its own module under `infra/commands/` and
exposes `register(subparsers)`; a subcommand sets `func(args, settings) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from infra import logs
from infra.settings import Settings

# Modules under infra/commands/, in the order they appear in --help.
COMMAND_MODULES = ("stack", "record", "relay", "status", "schemas", "dlq", "demo", "project", "replay", "queries",
                   "inspection", "tamper", "users", "access_log", "serve", "erase", "sipia")

EPILOG = """\
examples:
  caseledger stack up                      start Kafka and PostgreSQL on 127.0.0.1
  caseledger demo                          a simulated year of the eight MT units, end to end
  caseledger record --example record_intake
  caseledger record commands.jsonl         record commands (JSON lines); refusals name the rule
  caseledger relay --once                  publish what is recorded to Kafka, exactly once
  caseledger project --until-caught-up     bring the read models up to date
  caseledger history CASE --as-of 2025-06-30
  caseledger status                        positions and lags

Settings come from CASELEDGER_* environment variables (see infra/settings.py);
the defaults point at the local stack.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caseledger",
        description="CaseLedger: the event-sourced case ledger of the socio-educational "
        "system (SINASE), Mato Grosso.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--log-format", choices=("auto", "console", "json"), help="log output (default: auto)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        # A module that is missing fails here, loudly: a skipped one would silently drop its commands.
        importlib.import_module(f"infra.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    settings = Settings.from_env()
    if settings.holidays_file is not None:  # before anything counts business days
        from infra.holidays import HolidaysFileError, load_holidays_file

        try:
            load_holidays_file(settings.holidays_file)
        except HolidaysFileError as exc:
            print(f"error: {exc}. Fix CASELEDGER_HOLIDAYS_FILE or unset it.", file=sys.stderr)
            return 2
    logs.configure(
        args.log_format or settings.log_format,
        settings.log_level,
        component=getattr(args, "component", None) or args.command,
    )
    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`caseledger record --list | head`): not an error
        sys.stderr.close()
        return 0
    except Exception as exc:  # a server that is not there: say which, and how to start it
        from infra.persistence.event_store import timed_out

        busy = timed_out(exc)
        if busy:  # e.g. starting while another process holds the event table for too long
            print(f"error: PostgreSQL at {settings.pg_host}:{settings.pg_port} was busy ({busy}); "
                  "nothing was recorded. Try again in a moment.", file=sys.stderr)
            return 2
        where = unreachable(exc, settings)
        if where is None:
            raise
        print(f"error: {where} is unreachable ({exc}).\nStart the local stack with: caseledger stack up",
              file=sys.stderr)
        return 2


def unreachable(exc: BaseException, settings: Settings) -> str | None:
    """Which server an exception says is unreachable, or None if it says something else."""
    from infra.startup import server_away

    return {"postgres": f"PostgreSQL at {settings.pg_host}:{settings.pg_port}",
            "kafka": f"Kafka at {settings.kafka_bootstrap_servers}"}.get(server_away(exc) or "")


if __name__ == "__main__":
    sys.exit(main())
