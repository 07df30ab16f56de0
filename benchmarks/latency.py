"""End-to-end latency: from a command being accepted to its effect being visible in the case view.

The real continuous processes run as subprocesses, as an operator runs them —
`caseledger relay` and `caseledger project case_view` — on a fresh event-store
schema, fresh topics and a fresh read-model schema. This process records the
simulated year's commands into that store at a steady rate, through the same
path as `caseledger record`, and a watcher thread polls the case view on its
own connection.

"Visible" is what a reader of the case view would see: every row the command's
events write into the case view is there — each fact row `(case_id, fact,
version)` of the event's stream version, each void with the version that voided
it, each correction with its corrected value. The rows expected are computed
with the projection itself from the stored event bytes (the very bytes the relay
publishes). The runner writes rows and offsets in one transaction, so this is
the same moment as the projection's position passing the event. Commands whose
events change nothing in the case view (unit-only commands, entries the view
does not show) are counted, not timed.

Latency = the moment a poll saw the last expected row (the start of that
query) minus the moment the command returned accepted (its transaction
committed); its resolution is the poll interval plus one query.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.memory import CliProcess, drop_schema, mib, reap, start, vm_hwm_kib
from infra.settings import Settings

SEED = 2025

FACT_ROWS = """
    SELECT case_id, fact, version, value, corrected FROM {facts}
    WHERE (case_id, fact, version) IN (SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[]))"""

VOID_ROWS = """
    SELECT case_id, version, voided_by FROM {voids}
    WHERE (case_id, version) IN (SELECT * FROM unnest(%s::text[], %s::bigint[]))"""


@dataclass
class Expected:
    """The case-view rows one accepted command must produce, and when it was accepted."""

    accepted_at: float
    facts: dict[tuple[str, str, int], tuple[str, bool] | None] = field(default_factory=dict)  # None: any value
    voids: dict[tuple[str, int], int] = field(default_factory=dict)  # -> voided_by

    def __bool__(self) -> bool:
        return bool(self.facts or self.voids)


def expected_rows(recordings, accepted_at: float, projection, decode) -> Expected:
    """What the case view will hold once these stored events are projected."""
    out = Expected(accepted_at)
    for recording in recordings:
        event = decode(bytes(recording.notification.state))
        for change in projection.apply(event):
            if change.table == "case_facts":
                key = (change.key["case_id"], change.key["fact"], int(change.key["version"]))
                # A correction rewrites the row of an earlier version: only its new value shows it.
                corrected = change.values.get("corrected", False)
                out.facts[key] = (change.values["value"], True) if corrected else None
            elif change.table == "case_voids":
                out.voids[(change.key["case_id"], int(change.key["version"]))] = int(change.values["voided_by"])
    return out


class VisibilityWatch(threading.Thread):
    """Polls the case view for the rows of pending commands; records when each became visible."""

    def __init__(self, connect, schema: str, interval: float) -> None:
        super().__init__(name="visibility-watch", daemon=True)
        from psycopg2 import sql

        self.connect = connect
        self.interval = interval
        self.facts_sql = sql.SQL(FACT_ROWS).format(facts=sql.Identifier(schema, "case_facts"))
        self.voids_sql = sql.SQL(VOID_ROWS).format(voids=sql.Identifier(schema, "case_voids"))
        self.pending: dict[int, Expected] = {}
        self.latencies: dict[int, float] = {}
        self.polls = 0
        self._lock = threading.Lock()
        self._halt = threading.Event()

    def expect(self, command: int, expected: Expected) -> None:
        with self._lock:
            self.pending[command] = expected

    def outstanding(self) -> int:
        with self._lock:
            return len(self.pending)

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        import psycopg2

        conn = self.connect()
        conn.autocommit = True  # each poll its own snapshot
        try:
            while not self._halt.wait(self.interval):
                with self._lock:
                    pending = list(self.pending.items())
                if not pending:
                    continue
                seen_at = time.perf_counter()
                try:
                    facts, voids = self._read(conn, pending)
                except psycopg2.Error:  # the runner has not created the case view yet
                    continue
                self.polls += 1
                done = [command for command, exp in pending if _visible(exp, facts, voids)]
                with self._lock:
                    for command in done:
                        self.latencies[command] = seen_at - self.pending.pop(command).accepted_at
        finally:
            conn.close()

    def _read(self, conn, pending):
        fact_keys = sorted({k for _, exp in pending for k in exp.facts})
        void_keys = sorted({k for _, exp in pending for k in exp.voids})
        facts, voids = {}, {}
        with conn.cursor() as cur:
            if fact_keys:
                cur.execute(self.facts_sql, ([k[0] for k in fact_keys], [k[1] for k in fact_keys],
                                             [k[2] for k in fact_keys]))
                facts = {(c, f, v): (value, corrected) for c, f, v, value, corrected in cur.fetchall()}
            if void_keys:
                cur.execute(self.voids_sql, ([k[0] for k in void_keys], [k[1] for k in void_keys]))
                voids = {(c, v): by for c, v, by in cur.fetchall()}
        return facts, voids


def _visible(exp: Expected, facts: dict, voids: dict) -> bool:
    return (all(key in facts and (want is None or facts[key] == want) for key, want in exp.facts.items())
            and all(voids.get(key) == by for key, by in exp.voids.items()))


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (so p50 <= p99 <= max always holds)."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fresh(settings: Settings) -> Settings:
    """An empty store, topics and read-model schema of this run alone."""
    suffix = uuid.uuid4().hex[:6]
    return dataclasses.replace(
        settings,
        case_events_topic=f"caseledger.benchrun.latency-{suffix}.case",
        unit_events_topic=f"caseledger.benchrun.latency-{suffix}.unit",
        dead_letter_topic=f"caseledger.benchrun.latency-{suffix}.dead-letter",
        projection_schema=f"benchrun_latency_{suffix}_projections",
        eventsourcing_overrides={**settings.eventsourcing_overrides, "POSTGRES_SCHEMA": f"benchrun_latency_{suffix}"},
    )


def wait_ready(procs: dict[str, tuple[CliProcess, str]], timeout: float = 90.0) -> None:
    """Wait until each process has logged the event that says it is serving."""
    deadline = time.monotonic() + timeout
    waiting = dict(procs)
    while waiting:
        for name, (proc, event) in list(waiting.items()):
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{name} exited {proc.popen.returncode} before it was ready\n{proc.tail()}")
            if proc.logged(event):
                del waiting[name]
        if time.monotonic() > deadline:
            raise TimeoutError(f"not ready within {timeout:.0f} s: "
                               + "\n".join(p.tail() for p, _ in waiting.values()))
        time.sleep(0.1)


def defaults(cls, *names: str) -> dict:
    parameters = inspect.signature(cls).parameters
    return {name: parameters[name].default for name in names}


def run(settings: Settings, rate: float = 20.0, seconds: float = 60.0, relay_batch: int = 1000,
        poll_interval: float = 0.01, drain_timeout: float = 60.0, keep: bool = False) -> dict:
    """Record `rate` × `seconds` commands at a steady rate with the relay and the case-view runner running."""
    from consumers.runner import ProjectionRunner, pg_connector
    from infra import bootstrap
    from infra.command_input import RawCommand
    from infra.recording import apply_command
    from infra.relay import Relay
    from infra.simulation import generate
    from infra.topics import ensure_topics
    from projections import registry

    target = fresh(settings)
    plan = generate(seed=SEED)
    count = int(rate * seconds)
    if count > len(plan):
        raise ValueError(f"{count} commands asked; the simulated year has {len(plan)}: lower --rate or the duration")
    projection, decoder = registry.build("case_view", target)
    ensure_topics(target)
    ledger = bootstrap.recording_ledger(target)  # creates the store's tables before the relay reads them
    watch = VisibilityWatch(pg_connector(target, "caseledger-bench-latency"), target.projection_schema, poll_interval)
    procs: list[CliProcess] = []
    accepted = refused = without_effect = 0
    try:
        with tempfile.TemporaryDirectory(prefix="caseledger-bench-latency-") as tmp:
            relay = start(target, "relay", "relay", "--batch", str(relay_batch), folder=Path(tmp))
            runner = start(target, "project", "project", "case_view", folder=Path(tmp))
            procs = [relay, runner]
            wait_ready({"relay": (relay, "relay_connected"), "runner": (runner, "projection_partitions_positioned")})
            watch.start()
            t0 = time.perf_counter()
            for i, planned in enumerate(plan[:count]):
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                before = len(ledger.recordings)
                outcome = apply_command(ledger, RawCommand(i + 1, planned.command))
                accepted_at = time.perf_counter()
                if not outcome.accepted:
                    refused += 1
                    continue
                accepted += 1
                expected = expected_rows(ledger.recordings[before:], accepted_at, projection, decoder.decode_value)
                if expected:
                    watch.expect(i, expected)
                else:
                    without_effect += 1
            elapsed = time.perf_counter() - t0
            deadline = time.monotonic() + drain_timeout
            while watch.outstanding() and time.monotonic() < deadline:
                time.sleep(0.05)
            watch.stop()
            watch.join()
            steady = {p.name: mib(vm_hwm_kib(p.pid)) for p in procs}
            exits = {}
            for p in procs:
                p.popen.send_signal(signal.SIGTERM)
            for p in procs:
                code, peak = reap(p, timeout=60)
                exits[p.name] = {"exit_code": code, "peak_mib": mib(peak)}
            procs = []
    finally:
        watch.stop()
        for p in procs:  # only after a failure: never leave them running
            if p.popen.poll() is None:
                p.popen.kill()
                p.popen.wait()
        ledger.close()
        if not keep:
            drop_schema(settings, target.projection_schema)
            drop_schema(settings, target.eventsourcing_overrides["POSTGRES_SCHEMA"])
    ordered = sorted(watch.latencies.values())
    ms = [x * 1000 for x in ordered]
    return {
        "commands": count,
        "accepted": accepted,
        "refused": refused,
        "timed": accepted - without_effect,
        "visible": len(ms),
        "not_visible": watch.outstanding(),
        "without_case_view_effect": without_effect,
        "target_rate_per_s": rate,
        "achieved_rate_per_s": count / elapsed,
        "seconds": elapsed,
        "p50_ms": percentile(ms, 50) if ms else None,
        "p95_ms": percentile(ms, 95) if ms else None,
        "p99_ms": percentile(ms, 99) if ms else None,
        "max_ms": ms[-1] if ms else None,
        "mean_ms": sum(ms) / len(ms) if ms else None,
        "poll_interval_ms": poll_interval * 1000,
        "relay": {"batch": relay_batch, **defaults(Relay, "idle_sleep"), "steady_vmhwm_mib": steady["relay"],
                  **exits["relay"]},
        "runner": {**defaults(ProjectionRunner, "batch_size", "poll_timeout_ms"),
                   "steady_vmhwm_mib": steady["project"], **exits["project"]},
    }


def stage(ctx) -> dict:
    return run(ctx.settings)


def row(result: dict) -> str:
    return (f"| latency | {result['visible']:,} commands at {result['achieved_rate_per_s']:.1f}/s (target "
            f"{result['target_rate_per_s']:g}/s) | accepted → visible in the case view | p50 "
            f"{result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, max "
            f"{result['max_ms']:.0f} ms (relay batch {result['relay']['batch']}, runner batch "
            f"{result['runner']['batch_size']}) | — |")
