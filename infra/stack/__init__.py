"""The local stack: a real Kafka broker and a real PostgreSQL server on loopback, no Docker."""

from __future__ import annotations

import time

from infra.settings import Settings
from infra.stack.kafka import KafkaServer, round_trip
from infra.stack.postgres import PostgresServer
from infra.stack.process import StackError

__all__ = ["StackError", "KafkaServer", "PostgresServer", "up", "down", "status", "round_trip"]


def up(settings: Settings, echo=print) -> dict[str, float]:
    """Start PostgreSQL and Kafka if they are not running; wait until both really serve.

    Idempotent: a server already running (started by us) is left alone.
    Returns the seconds each start took (0 when it was already up).
    """
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    servers = (PostgresServer(settings), KafkaServer(settings))
    # Say everything that is missing before starting anything.
    problems = []
    for server in servers:
        if not server.running_pid():
            try:
                server.check_tools()
            except StackError as exc:
                problems.append(str(exc))
    if problems:
        raise StackError("\n".join(problems))
    timings: dict[str, float] = {}
    for server in servers:
        name = type(server).__name__.removesuffix("Server").lower()
        if server.running_pid():
            timings[name] = 0.0
            continue
        started = time.monotonic()
        server.start()
        timings[name] = time.monotonic() - started
    return timings


def down(settings: Settings) -> dict[str, bool]:
    """Stop the servers this stack started (by pid). Returns which were running."""
    # Kafka first: it holds no state in PostgreSQL, but clients stop cleanly in this order.
    return {"kafka": KafkaServer(settings).stop(), "postgres": PostgresServer(settings).stop()}


def status(settings: Settings) -> list[dict]:
    """Where each server listens and whether it is up. Never blocks on a dead server."""
    return [PostgresServer(settings).status(), KafkaServer(settings).status()]
