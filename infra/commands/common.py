"""What the read-model commands share: the error they stop with, arguments, the read cursor, JSON output.

Used by `project`, `replay`, the queries (`queries.py`), `inspection` and `dlq`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from contextlib import contextmanager
from typing import Any, Iterator

from infra.settings import Settings

SCHEMA_HELP = "schema of the read models (default: CASELEDGER_PROJECTION_SCHEMA, else projections)"
NOT_RUN_YET = "the read models have no tables yet in schema {schema}; run: caseledger project --until-caught-up"
START_STACK = "Start the local stack with: caseledger stack up"


class CommandError(Exception):
    """A message for the user and the exit code (2 unless said)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def pg_unreachable(settings: Settings, exc: BaseException) -> CommandError:
    """PostgreSQL is not there: which server, and how to start it."""
    return CommandError(f"PostgreSQL at {settings.pg_host}:{settings.pg_port} is unreachable "
                        f"({type(exc).__name__}).\n{START_STACK}")


def fail(func):
    """Print a CommandError as `error: …` and return its code."""

    def run(args, settings):
        try:
            return func(args, settings)
        except CommandError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.code

    run.__doc__ = func.__doc__
    return run


def add_parser(sub, name: str, help: str, description: str, examples: str) -> argparse.ArgumentParser:
    """A subcommand with its description and examples laid out as written."""
    return sub.add_parser(name, help=help, description=description, epilog="examples:\n" + examples,
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def schema_of(args, settings: Settings) -> str:
    """The read models' schema: `--schema`, else the settings'."""
    return getattr(args, "schema", None) or settings.projection_schema


@contextmanager
def read_cursor(settings: Settings, schema: str) -> Iterator[Any]:
    """A read cursor on the projection database; unreachable -> how to start the stack."""
    import psycopg2

    from infra.bootstrap import pg_connector
    from projections.queries import NotProjectedYet

    try:
        conn = pg_connector(settings, "caseledger-query")()
    except psycopg2.OperationalError as exc:
        raise pg_unreachable(settings, exc) from None
    try:
        with conn.cursor() as cur:
            try:
                yield cur
            except NotProjectedYet:
                raise CommandError(NOT_RUN_YET.format(schema=schema)) from None
    finally:
        conn.close()


def known_unit(cur, schema: str, unit: str) -> str:
    """The id of UNIT (its id or code) in the occupancy read model; unknown -> the units there are."""
    from projections import queries

    try:
        return queries.find_unit(cur, schema, unit)
    except KeyError:
        raise CommandError(f"no unit {unit!r} in the occupancy read model; units known: "
                           f"{', '.join(queries.unit_ids(cur, schema)) or 'none yet'}") from None


def date_arg(text: str) -> dt.date:
    """An argument `YYYY-MM-DD`."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD (e.g. 2026-03-31)") from None


def chosen_read_models(settings: Settings, names: list[str]):
    """(projection, decode, topics) of each named read model, or of all of them when none are named."""
    from projections import registry

    out = []
    for name in names or registry.names():
        try:
            projection, decode = registry.build(name, settings)
        except KeyError as exc:
            raise CommandError(f"{exc.args[0]}\nlist them with: caseledger project --list") from None
        out.append((projection, decode, registry.topics_for(projection, settings)))
    return out


def jsonable(value: Any) -> Any:
    """Dates and times as ISO text, recursively."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    print(json.dumps(jsonable(value), indent=2, ensure_ascii=False))
