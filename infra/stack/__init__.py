"""The local stack: a real Kafka broker (or a cluster of them) and a real PostgreSQL server on loopback, no Docker."""

from __future__ import annotations

import os
import time
from pathlib import Path

from infra.settings import Settings
from infra.stack.kafka import KafkaCluster, KafkaServer, round_trip
from infra.stack.postgres import PostgresServer
from infra.stack.process import StackError

__all__ = ["StackError", "KafkaCluster", "KafkaServer", "PostgresServer", "up", "down", "status", "round_trip"]


def make_private(state_dir: Path) -> None:
    """The stack's state readable by its owner only: folders 0700, files 0600 (earlier stacks wrote Kafka
    segments and logs 0644, so any OS user could read a youth's name). PostgreSQL's own folder is the
    server's; the state folder keeps o+x when root runs the server as `postgres` (passage, no listing)."""
    os.chmod(state_dir, 0o711 if os.geteuid() == 0 else 0o700)
    me = os.geteuid()
    for folder, dirs, files in os.walk(state_dir):
        here = Path(folder)
        for name in dirs:
            sub = here / name
            if not sub.is_symlink() and me in (0, sub.stat().st_uid):  # root: the postgres user's too
                os.chmod(sub, 0o700)
        for name in files:
            f = here / name
            if not f.is_symlink() and me in (0, f.stat().st_uid):
                os.chmod(f, 0o600)


def up(settings: Settings, echo=print) -> dict[str, float]:
    """Start PostgreSQL and Kafka if they are not running; wait until both really serve.

    Idempotent: a server already running (started by us) is left alone; of a Kafka cluster,
    only the nodes that are down are started. Returns the seconds each start took (0 when it
    was already up), by server ("postgres", "kafka").
    """
    os.umask(0o077)  # every file this start writes (logs, pid files, configs) is the owner's only
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    make_private(settings.state_dir)
    from infra.persistence.keys import FileKeyEncryptionKey

    if FileKeyEncryptionKey.create(settings.data_key_path):  # the key-encryption key of personal data, 0600
        echo(f"created the key-encryption key {settings.data_key_path} (mode 0600): back it up; without it "
             "no personal value can be read")
    servers = (PostgresServer(settings), KafkaCluster(settings))
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
        name = server.name
        if server.running_pid():
            timings[name] = 0.0
            continue
        nodes = getattr(server, "nodes", [])
        down_before = {n.name for n in nodes if not n.running_pid()}
        started = time.monotonic()
        server.start()
        timings[name] = time.monotonic() - started
        if len(nodes) > 1:  # each node of a cluster: how long it took, or 0 if it was up
            timings.update({n.name: timings[name] if n.name in down_before else 0.0 for n in nodes})
    return timings


def down(settings: Settings) -> dict[str, bool]:
    """Stop the servers this stack started (by pid). Returns which were running."""
    # Kafka first: it holds no state in PostgreSQL, but clients stop cleanly in this order.
    return {"kafka": KafkaCluster(settings).stop(), "postgres": PostgresServer(settings).stop()}


def status(settings: Settings) -> list[dict]:
    """Where each server (each Kafka node) listens and whether it is up. Never blocks on a dead server."""
    return [PostgresServer(settings).status(), *KafkaCluster(settings).status()]
