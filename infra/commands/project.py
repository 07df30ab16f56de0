"""`caseledger project`: run the projection runners that keep the read models up to date."""

from __future__ import annotations

import argparse
import threading

from infra.commands.common import SCHEMA_HELP, START_STACK, CommandError, add_parser, chosen_read_models, fail, \
    pg_unreachable, schema_of
from infra.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "project", "run projection runners (all read models, or named ones)",
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
    p.set_defaults(func=fail(cmd_project), component="projection-runner")


def cmd_project(args, settings: Settings) -> int:
    """Run the projection runners."""
    from projections import registry

    if args.list:
        for name in registry.names():
            print(name)
        return 0
    return run_projections(settings, args.names, schema_of(args, settings), args.until_caught_up)


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
    from infra.bootstrap import projection_runner
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
                   for p, d, topics in chosen_read_models(settings, list(names)))
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


def _preflight(settings: Settings) -> None:
    """Fail fast, with the way out, when a server is not there at start (runners retry later outages)."""
    import psycopg2
    from kafka.errors import KafkaError

    try:
        _check_servers(settings)
    except psycopg2.OperationalError as exc:
        raise pg_unreachable(settings, exc) from None
    except KafkaError as exc:
        raise CommandError(f"Kafka at {settings.kafka_bootstrap_servers} is unreachable ({type(exc).__name__}).\n"
                           f"{START_STACK}") from None


def _check_servers(settings: Settings) -> None:
    """Raise the driver's own error if PostgreSQL or Kafka cannot be reached now."""
    from kafka import KafkaConsumer

    from infra.bootstrap import pg_connector

    pg_connector(settings, "caseledger-projection-check")().close()
    KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=5000,
                  bootstrap_timeout_ms=5000).close()
