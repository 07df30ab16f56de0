"""End-to-end latency: from a command being accepted to its effect being visible in the case view.

The real continuous processes run as subprocesses, as an operator runs them —
`caseledger relay` and `caseledger project case_view` — on a fresh event-store
schema, fresh topics and a fresh read-model schema. This process records the
simulated year's commands into that store at a steady rate, through the same
path as `caseledger record`, and a watcher thread polls the case view on its
own connection.

"Visible" is what a reader of the case view would see. For a command that
changes the case view: every row its events write is there — each fact row
`(case_id, fact, version)` of the event's stream version, each void with the
version that voided it, each correction with its corrected value. The rows
expected are computed with the projection itself from the stored event bytes
(the very bytes the relay publishes). Many Case events change no row of the
view (an acolhimento step, a registered visitor): for those commands, visible
means the runner's stored offsets have passed each of their events — the runner
stores offsets and rows in one transaction, so it is the same moment for a
reader. Their Kafka offsets come from a consumer in this process that reads the
relay's `notification_id` header (so their figure may include that consumer's
own delay). Commands with only Unit events never reach the case view: counted,
not timed.

Latency = the start of the poll that saw the command visible minus the moment
the command returned accepted (its transaction committed); the resolution is the
poll interval plus one query. Both are wall-clock times, like the Kafka record
timestamps that split the latency into the relay's part and the runner's.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import memory
from benchmarks.data import drop_schema
from benchmarks.memory import CliProcess, mib, reap, start, vm_hwm_kib
from infra.settings import Settings

SEED = 2025

FACT_ROWS = """
    SELECT case_id, fact, version, value, corrected FROM {schema}.case_facts
    WHERE (case_id, fact, version) IN (SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[]))"""

VOID_ROWS = """
    SELECT case_id, version, voided_by FROM {schema}.case_voids
    WHERE (case_id, version) IN (SELECT * FROM unnest(%s::text[], %s::bigint[]))"""

# The live generation's stored positions: what the runner has committed, rows included.
LIVE_OFFSETS = """
    SELECT o.topic, o.partition, o.next_offset
    FROM {schema}.projection_offsets o JOIN {schema}.projection_current c USING (projection, generation)
    WHERE o.projection = 'case_view'"""


@dataclass
class Expected:
    """What shows that one accepted command reached the case view, and when it was accepted."""

    accepted_at: float
    facts: dict[tuple[str, str, int], tuple[str, bool] | None] = field(default_factory=dict)  # None: any value
    voids: dict[tuple[str, int], int] = field(default_factory=dict)  # -> voided_by
    notifications: list[int] = field(default_factory=list)  # its Case events, for when it changes no row

    @property
    def changes_rows(self) -> bool:
        return bool(self.facts or self.voids)


def expected_of(recordings, accepted_at: float, projection, decode) -> Expected:
    """What the case view will show once these stored events are projected."""
    out = Expected(accepted_at)
    for recording in recordings:
        event = decode(bytes(recording.notification.state))
        if event.aggregate == "Case":
            out.notifications.append(recording.notification.id)
        for change in projection.apply(event):
            if change.table == "case_facts":
                key = (change.key["case_id"], change.key["fact"], int(change.key["version"]))
                # A correction rewrites the row of an earlier version: only its new value shows it.
                corrected = change.values.get("corrected", False)
                out.facts[key] = (change.values["value"], True) if corrected else None
            elif change.table == "case_voids":
                out.voids[(change.key["case_id"], int(change.key["version"]))] = int(change.values["voided_by"])
    return out


class OffsetIndex(threading.Thread):
    """Reads the case topic as any subscriber does: notification id -> (topic, partition, offset)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="offset-index", daemon=True)
        self.settings = settings
        # notification id -> (topic, partition, offset, sent by the relay at, read here at)
        self.records: dict[int, tuple[str, int, int, float, float]] = {}
        self._lock = threading.Lock()
        self._halt = threading.Event()

    def get(self, notification: int) -> tuple[str, int, int, float, float] | None:
        with self._lock:
            return self.records.get(notification)

    def stop(self) -> None:
        self._halt.set()

    def run(self) -> None:
        from consumers.replay import all_partitions
        from infra.bootstrap import consumer_factory

        consumer = consumer_factory(self.settings, client_id="caseledger-bench-latency")(group_id=None)
        try:
            parts = all_partitions(consumer, [self.settings.case_events_topic])
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            while not self._halt.is_set():
                for records in consumer.poll(timeout_ms=100).values():
                    read_at = time.time()
                    with self._lock:
                        for r in records:  # the record's timestamp is the relay's send time (CreateTime)
                            self.records[int(dict(r.headers)["notification_id"])] = (
                                r.topic, r.partition, r.offset, r.timestamp / 1000, read_at)
        finally:
            consumer.close()


class VisibilityWatch(threading.Thread):
    """Polls the case view for pending commands; records when each became visible."""

    def __init__(self, connect, schema: str, index: OffsetIndex, interval: float) -> None:
        super().__init__(name="visibility-watch", daemon=True)
        from psycopg2 import sql

        self.connect = connect
        self.index = index
        self.interval = interval
        self.facts_sql, self.voids_sql, self.offsets_sql = (sql.SQL(q).format(schema=sql.Identifier(schema))
                                                            for q in (FACT_ROWS, VOID_ROWS, LIVE_OFFSETS))
        self.pending: dict[int, Expected] = {}
        self.visible: dict[int, tuple[float, Expected]] = {}  # command -> (seconds, what was expected)
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
                seen_at = time.time()
                try:
                    facts, voids, positions = self._read(conn, pending)
                except psycopg2.Error:  # the runner has not created the case view yet
                    continue
                done = [command for command, exp in pending if self._visible(exp, facts, voids, positions)]
                with self._lock:
                    for command in done:
                        exp = self.pending.pop(command)
                        self.visible[command] = (seen_at - exp.accepted_at, exp)
        finally:
            conn.close()

    def _read(self, conn, pending):
        fact_keys = sorted({k for _, exp in pending for k in exp.facts})
        void_keys = sorted({k for _, exp in pending for k in exp.voids})
        facts, voids, positions = {}, {}, {}
        with conn.cursor() as cur:
            if fact_keys:
                cur.execute(self.facts_sql, ([k[0] for k in fact_keys], [k[1] for k in fact_keys],
                                             [k[2] for k in fact_keys]))
                facts = {(c, f, v): (value, corrected) for c, f, v, value, corrected in cur.fetchall()}
            if void_keys:
                cur.execute(self.voids_sql, ([k[0] for k in void_keys], [k[1] for k in void_keys]))
                voids = {(c, v): by for c, v, by in cur.fetchall()}
            if any(not exp.changes_rows for _, exp in pending):
                cur.execute(self.offsets_sql)
                positions = {(t, p): o for t, p, o in cur.fetchall()}
        return facts, voids, positions

    def _visible(self, exp: Expected, facts: dict, voids: dict, positions: dict) -> bool:
        if exp.changes_rows:
            return (all(key in facts and (want is None or facts[key] == want) for key, want in exp.facts.items())
                    and all(voids.get(key) == by for key, by in exp.voids.items()))
        for notification in exp.notifications:
            where = self.index.get(notification)
            if where is None or positions.get((where[0], where[1]), 0) <= where[2]:
                return False
        return True


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (so p50 <= p99 <= max always holds)."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def fresh(settings: Settings) -> Settings:
    """An empty store beside the topics and read-model schema of this run alone."""
    target = memory.fresh(settings, "latency")
    return dataclasses.replace(target, eventsourcing_overrides={**settings.eventsourcing_overrides,
                                                                "POSTGRES_SCHEMA": f"{target.projection_schema}_store"})


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
    from consumers.runner import ProjectionRunner
    from infra.bootstrap import pg_connector
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
    # The year opens with the units and their staff rosters (unit-only commands): recorded untimed first,
    # so the timed commands are the youths' (what the case view shows).
    opening = next(i for i, p in enumerate(plan) if p.command["command"] not in ("define_unit", "change_staff_roster"))
    for i, planned in enumerate(plan[:opening]):
        apply_command(ledger, RawCommand(i + 1, planned.command))
    plan = plan[opening:]
    index = OffsetIndex(target)
    watch = VisibilityWatch(pg_connector(target, "caseledger-bench-latency"), target.projection_schema, index,
                            poll_interval)
    procs: list[CliProcess] = []
    accepted = refused = unit_only = 0
    try:
        with tempfile.TemporaryDirectory(prefix="caseledger-bench-latency-") as tmp:
            relay = start(target, "relay", "relay", "--batch", str(relay_batch), folder=Path(tmp))
            runner = start(target, "project", "project", "case_view", folder=Path(tmp))
            procs = [relay, runner]
            wait_ready({"relay": (relay, "relay_connected"), "runner": (runner, "projection_partitions_positioned")})
            index.start()
            watch.start()
            t0 = time.perf_counter()
            for i, planned in enumerate(plan[:count]):
                delay = t0 + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                before = len(ledger.recordings)
                outcome = apply_command(ledger, RawCommand(i + 1, planned.command))
                accepted_at = time.time()  # wall clock, as the Kafka timestamps
                if not outcome.accepted:
                    refused += 1
                    continue
                accepted += 1
                expected = expected_of(ledger.recordings[before:], accepted_at, projection, decoder.decode_value)
                if expected.changes_rows or expected.notifications:
                    watch.expect(i, expected)
                else:
                    unit_only += 1
            elapsed = time.perf_counter() - t0
            deadline = time.monotonic() + drain_timeout
            while watch.outstanding() and time.monotonic() < deadline:
                time.sleep(0.05)
            steady = {p.name: mib(vm_hwm_kib(p.pid)) for p in procs}
            exits = {}
            for p in procs:
                p.popen.send_signal(signal.SIGTERM)
            for p in procs:
                code, peak = reap(p, timeout=60)
                exits[p.name] = {"exit_code": code, "peak_mib": mib(peak)}
            procs = []
    finally:
        for thread in (watch, index):
            thread.stop()
            if thread.is_alive():
                thread.join()
        for p in procs:  # only after a failure: never leave them running
            if p.popen.poll() is None:
                p.popen.kill()
                p.popen.wait()
        ledger.close()
        if not keep:
            drop_schema(settings, target.projection_schema)
            drop_schema(settings, target.eventsourcing_overrides["POSTGRES_SCHEMA"])
    return {
        "commands": count,
        "accepted": accepted,
        "refused": refused,
        "unit_only": unit_only,  # never read by the case view
        "timed": accepted - unit_only,
        "visible": len(watch.visible),
        "not_visible": watch.outstanding(),
        "target_rate_per_s": rate,
        "achieved_rate_per_s": count / elapsed,
        "seconds": elapsed,
        **spread([s for s, _ in watch.visible.values()]),
        "changing_rows": spread([s for s, exp in watch.visible.values() if exp.changes_rows]),
        "changing_no_row": spread([s for s, exp in watch.visible.values() if not exp.changes_rows]),
        "stages": stages(watch.visible.values(), index),
        "poll_interval_ms": poll_interval * 1000,
        "relay": {"batch": relay_batch, **defaults(Relay, "idle_sleep"), "steady_vmhwm_mib": steady["relay"],
                  **exits["relay"]},
        "runner": {**defaults(ProjectionRunner, "batch_size", "poll_timeout_ms"),
                   "steady_vmhwm_mib": steady["project"], **exits["project"]},
    }


def stages(visible, index: OffsetIndex) -> dict:
    """Where the time goes: accepted -> sent by the relay -> readable by a subscriber (committed) -> visible.

    Per command, its last Case event to be sent and read; medians and p99 of each cumulative step.
    """
    sent, read = [], []
    for _, exp in visible:
        records = [index.get(n) for n in exp.notifications]
        if records and all(records):
            sent.append(max(r[3] for r in records) - exp.accepted_at)
            read.append(max(r[4] for r in records) - exp.accepted_at)
    return {"sent_by_relay": spread(sent), "read_by_subscriber": spread(read)}


def spread(seconds: list[float]) -> dict:
    """count, p50, p95, p99, max and mean in milliseconds."""
    ms = sorted(x * 1000 for x in seconds)
    if not ms:
        return {"count": 0}
    return {"count": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99), "max_ms": ms[-1], "mean_ms": sum(ms) / len(ms)}


def stage(ctx) -> dict:
    return run(ctx.settings)


def row(result: dict) -> str:
    rows, steps = result["changing_rows"], result["stages"]
    return (f"| latency | {result['visible']:,} commands at {result['achieved_rate_per_s']:.1f}/s (target "
            f"{result['target_rate_per_s']:g}/s) | accepted → visible in the case view | p50 "
            f"{result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, max "
            f"{result['max_ms']:.0f} ms; the {rows['count']:,} that change rows: p50 {rows.get('p50_ms', 0):.0f} ms, "
            f"p99 {rows.get('p99_ms', 0):.0f} ms; p50 sent by the relay {steps['sent_by_relay'].get('p50_ms', 0):.0f}"
            f" ms, readable {steps['read_by_subscriber'].get('p50_ms', 0):.0f} ms (relay batch "
            f"{result['relay']['batch']}, runner batch {result['runner']['batch_size']}) | — |")


def main(argv=None) -> int:
    """`python -m benchmarks.latency [--rate R] [--seconds S]`: the stage with another rate or duration."""
    import argparse
    import json

    from benchmarks.__main__ import RESULTS, machine
    from infra import logs

    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second (default 20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to record (default 60)")
    parser.add_argument("--relay-batch", type=int, default=1000, help="the relay's --batch (default 1000)")
    parser.add_argument("--poll-ms", type=float, default=10.0, help="case-view poll interval (default 10 ms)")
    args = parser.parse_args(argv)
    logs.configure("json", "WARNING", component="bench")
    result = run(Settings.from_env(), rate=args.rate, seconds=args.seconds, relay_batch=args.relay_batch,
                 poll_interval=args.poll_ms / 1000)
    print(row(result), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latency.json").write_text(json.dumps({"machine": machine(), **result}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
