"""The ledger on three brokers (RF 3, min ISR 2, as in production) while one broker is SIGKILLed.

The real ledger records a simulated year continuously; `caseledger relay` publishes it and
`caseledger project` runs every read model, each as its own process, as in production. One node
at a time is SIGKILLed mid-stream — first the leader of the relay's position partition, then the
node coordinating the relay's transactions, then the consumer groups' coordinator — kept down
while recording goes on, and restarted. The relay must keep publishing on the two nodes left (min
ISR 2), and afterwards every stored event is on Kafka exactly once (read_committed), in per-stream
order, bytes identical, and every read model equals the fold of the event store.

Printed: how long publishing stalled after each kill, how long the restarted node took to serve
and to be back in the ISR of every partition the ledger uses.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import psycopg2
import pytest
from kafka import KafkaAdminClient

from infra import bootstrap
from infra.stack import KafkaCluster
from infra.stack.process import tail
from infra.topics import relay_position_topic
from tests.integration.relay_support import assert_topic_equals_store, read_topic, wait_position

pytestmark = pytest.mark.fault

# One round in the suite (about 2 min: each kill of the transaction coordinator stalls the relay for
# its delivery timeout, see docs/RELIABILITY.md); more with CASELEDGER_TEST_CLUSTER_KILLS=3.
KILLS = int(os.environ.get("CASELEDGER_TEST_CLUSTER_KILLS", "1"))
DOWN_AT_LEAST_S = 3.0  # the node stays down this long after publishing resumed: recording goes on without it
COMMANDS_PER_S = 60  # the load: about the demo's recording pace slowed down, so it lasts the whole test


class Recorder:
    """Records the simulated year's commands, in order, on its own thread until stopped."""

    def __init__(self, settings) -> None:
        from infra.simulation import generate

        self._settings = settings
        self._plan = generate(seed=2025, scale=1.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self.commands = 0
        self.error: BaseException | None = None

    def _run(self) -> None:
        from infra.command_input import RawCommand
        from infra.recording import apply_command

        ledger = bootstrap.recording_ledger(self._settings)
        try:
            for i, planned in enumerate(self._plan, start=1):
                if self._stop.is_set():
                    break
                apply_command(ledger, RawCommand(i, planned.command))
                self.commands += 1
                time.sleep(1 / COMMANDS_PER_S)
        except BaseException as exc:  # reported by the test, not lost in a thread
            self.error = exc
        finally:
            ledger.close()

    def __enter__(self) -> "Recorder":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def ledger_settings(cluster_settings):
    """Fresh topics and schemas for this test on the cluster."""
    tag = uuid.uuid4().hex[:10]
    return dataclasses.replace(
        cluster_settings,
        case_events_topic=f"cl-{tag}.case-events", unit_events_topic=f"cl-{tag}.unit-events",
        dead_letter_topic=f"cl-{tag}.dead-letter", projection_schema=f"t_{tag}_views",
        eventsourcing_overrides={**cluster_settings.eventsourcing_overrides, "POSTGRES_SCHEMA": f"t_{tag}_store"},
    )


def cli_env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "CASELEDGER_STATE_DIR": str(settings.state_dir),
        "CASELEDGER_KEY_FILE": str(settings.data_key_path),
        "CASELEDGER_KAFKA_BROKERS": str(settings.kafka_brokers),
        "CASELEDGER_KAFKA_BOOTSTRAP": settings.kafka_bootstrap_servers,
        "CASELEDGER_KAFKA_CONTROLLER_PORT": str(settings.kafka_controller_port),
        "CASELEDGER_PG_PORT": str(settings.pg_port),
        "CASELEDGER_PG_PASSWORD": settings.pg_password_for(settings.pg_user),
        "CASELEDGER_CASE_EVENTS_TOPIC": settings.case_events_topic,
        "CASELEDGER_UNIT_EVENTS_TOPIC": settings.unit_events_topic,
        "CASELEDGER_DLQ_TOPIC": settings.dead_letter_topic,
        "CASELEDGER_PROJECTION_SCHEMA": settings.projection_schema,
        "POSTGRES_SCHEMA": settings.eventsourcing_overrides["POSTGRES_SCHEMA"],
        "CASELEDGER_LOG_FORMAT": "json",
    })
    return env


def start_cli(settings, *args: str, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "infra.cli", *args], env=cli_env(settings),
                            stdout=open(log, "ab"), stderr=subprocess.STDOUT)


def partitions(settings, topics: list[str]) -> list[dict]:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=5000,
                             client_id="caseledger-test-cluster")
    try:
        return [dict(p, topic=t["name"]) for t in admin.describe_topics(topics) for p in t["partitions"]]
    finally:
        admin.close()


def leader(settings, topic: str) -> int | None:
    """The leader of partition 0 (None while the topic does not exist yet)."""
    return next((p["leader_id"] for p in partitions(settings, [topic]) if p["partition_index"] == 0), None)


def roles(settings) -> dict[str, int]:
    """The node holding each role the relay and the runners depend on."""
    held = {
        "relay-position leader": leader(settings, relay_position_topic(settings)),
        # One partition each (the stack's broker config): its leader is the coordinator.
        "transaction coordinator": leader(settings, "__transaction_state"),
        "group coordinator": leader(settings, "__consumer_offsets"),
    }
    return {role: node for role, node in held.items() if node is not None}


def victim(settings, round_: int) -> tuple[str, int]:
    """Which node to kill in this round, and every role it holds."""
    held = roles(settings)
    node_id = list(held.values())[round_ % len(held)]
    return " + ".join(role for role, node in held.items() if node == node_id), node_id


def ledger_topics(settings) -> list[str]:
    return [settings.case_events_topic, settings.unit_events_topic, settings.dead_letter_topic,
            relay_position_topic(settings), "__transaction_state", "__consumer_offsets"]


def wait_in_every_isr(settings, node_id: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if all(node_id in p["isr_nodes"] for p in partitions(settings, ledger_topics(settings))):
                return
        except Exception:  # metadata briefly unavailable
            pass
        time.sleep(0.2)
    raise AssertionError(f"node {node_id} was not back in every ISR within {timeout} s")


def wait_projections_caught_up(settings, timeout: float = 120.0) -> list[dict]:
    from infra.commands.status import projection_rows

    deadline = time.monotonic() + timeout
    rows: list[dict] = []
    while time.monotonic() < deadline:
        rows = projection_rows(settings)
        if all(r["lag"] == 0 for r in rows if r["stage"].startswith("projection")):
            return rows
        time.sleep(0.5)
    raise AssertionError(f"the read models did not catch up within {timeout} s: {rows}")


def store_events(settings) -> list:
    app = bootstrap.ledger(settings)
    try:
        return list(app.recorder.select_notifications(start=None, limit=10**9))
    finally:
        app.close()


def store_head(settings) -> int:
    app = bootstrap.ledger(settings)
    try:
        return app.recorder.max_notification_id() or 0
    finally:
        app.close()


def drop_schemas(settings) -> None:
    conn = psycopg2.connect(settings.pg_dsn)
    conn.autocommit = True
    with conn.cursor() as cur:
        for schema in (settings.projection_schema, settings.eventsourcing_overrides["POSTGRES_SCHEMA"]):
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    conn.close()


def test_relay_and_projections_lose_nothing_when_one_of_three_brokers_is_killed_mid_stream(
        cluster_settings, tmp_path):
    from infra.verify import verify_projections

    settings = ledger_settings(cluster_settings)
    cluster = KafkaCluster(settings)
    relay_log, runners_log = tmp_path / "relay.log", tmp_path / "project.log"
    relay = runners = None
    figures = []
    try:
        with Recorder(settings) as recorder:
            # The store's schema and tables exist before another process opens it.
            deadline = time.monotonic() + 60
            while not recorder.commands and recorder.error is None and time.monotonic() < deadline:
                time.sleep(0.1)
            relay = start_cli(settings, "relay", "--batch", "200", log=relay_log)
            wait_position(settings, lambda p: p > 0, timeout=60)
            runners = start_cli(settings, "project", log=runners_log)
            for round_ in range(KILLS):
                why, node_id = victim(settings, round_)
                node = cluster.nodes[node_id - 1]
                head = store_head(settings)
                killed = time.monotonic()
                os.kill(node.running_pid(), signal.SIGKILL)
                # On the two nodes left (min ISR 2) the relay must go on, not wait for the third:
                # the stall ends when everything recorded before the kill is published.
                wait_position(settings, lambda p: p >= head, timeout=120)
                stall = time.monotonic() - killed
                time.sleep(DOWN_AT_LEAST_S)
                restarted = time.monotonic()
                cluster.start()
                serving = time.monotonic() - restarted
                wait_in_every_isr(settings, node_id)
                figures.append({"killed": f"node {node_id} ({why})", "stall_s": round(stall, 1),
                                "down_s": round(restarted - killed, 1), "serving_after_s": round(serving, 1),
                                "in_every_isr_after_s": round(time.monotonic() - restarted, 1)})
            assert recorder.error is None, f"recording failed: {recorder.error!r}"
            assert recorder.commands > 0
        head = store_head(settings)
        caught_up = time.monotonic()
        wait_position(settings, lambda p: p >= head, timeout=120)
        rows = wait_projections_caught_up(settings)
        catch_up = time.monotonic() - caught_up
    finally:
        for proc in (relay, runners):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=60) if proc is not None else 0 for proc in (relay, runners)]
        print(f"relay log (tail):\n{tail(relay_log, 8)}\nrunners log (tail):\n{tail(runners_log, 8)}")
    assert codes == [0, 0], "SIGTERM should finish the batch in flight and exit cleanly"

    # The topics really are replicated as in production.
    for p in partitions(settings, [settings.case_events_topic, settings.unit_events_topic,
                                   relay_position_topic(settings)]):
        assert len(p["replica_nodes"]) == 3 and len(p["isr_nodes"]) == 3, p
    stored = store_events(settings)
    published = (read_topic(settings, settings.case_events_topic)
                 + read_topic(settings, settings.unit_events_topic))
    assert_topic_equals_store(published, stored, derived_event_ids=False)
    assert next(r for r in rows if r["stage"] == "dead letters")["position"] == 0
    checks = verify_projections(settings)
    assert checks and all(c.equal for c in checks), [(c.name, c.missing, c.extra, c.different) for c in checks]
    print(f"\n{recorder.commands} commands recorded as {len(stored)} events during {KILLS} broker kill(s); "
          f"all published once and projected into {', '.join(c.name for c in checks)}")
    for f in figures:
        print(f"  {f}")
    print(f"  relay and read models caught up {catch_up:.1f} s after recording stopped")
    drop_schemas(settings)
