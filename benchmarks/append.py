"""Append throughput: commands through the domain into PostgreSQL vs the bare library.

ledger:   the first N commands of the simulated year through `caseledger record`'s
          path (JSON binding, rules, schema validation, one save per command);
baseline: the bare eventsourcing library doing the same storage work — for each
          event the ledger stored, in the same order, load that stream's
          aggregate (or create it), trigger one event carrying a payload of the
          same size, save — on a fresh schema of the same PostgreSQL.

Both start from empty schemas in the same run and advance in lockstep: each command
through the ledger, then the bare library storing the events it made. A change in the
load of the (shared) machine then slows both arms alike instead of whichever ran
during it. The ratio ledger/baseline is the figure. Each arm's CPU time in this process
is given too, per event: the client's share of the work, steadier than wall time when
the database waits on a busy machine. With `profile`, the ledger's arm runs once more,
untimed, under cProfile, into a schema of its own.
"""

from __future__ import annotations

import cProfile
import time

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from benchmarks.data import drop_schema
from benchmarks.relay import top_functions
from infra import bootstrap
from infra.command_input import RawCommand
from infra.recording import apply_command
from infra.settings import Settings
from infra.simulation import generate


class Stream(Aggregate):
    """A stand-in aggregate: one event type with an opaque payload."""

    def __init__(self, payload: str):
        self.events = 1

    @event("Happened")
    def happen(self, payload: str) -> None:
        self.events += 1


def _fresh_schema(settings: Settings, name: str) -> dict:
    drop_schema(settings, name, recreate=True)
    return settings.eventsourcing_env(POSTGRES_SCHEMA=name)


def _store_bare(bare: Application, ids: dict, stream, version: int, size: int) -> None:
    """What the ledger's store did for one event, with the bare library and a payload of the same size."""
    if version == 1:
        agg = Stream(payload="x" * size)
        ids[stream] = agg.id
    else:
        agg = bare.repository.get(ids[stream])
        agg.happen(payload="x" * size)
    bare.save(agg)


def run(settings: Settings, commands: int = 4000, profile: bool = False) -> dict:
    plan = generate(seed=2025)[:commands]
    ledger = bootstrap.recording_ledger(settings, env=_fresh_schema(settings, "bench_append_ledger"))
    bare = Application(env=_fresh_schema(settings, "bench_append_bare"))
    ids: dict = {}
    ledger_s = bare_s = 0.0
    ledger_cpu = bare_cpu = 0.0  # this process's CPU: what the arm costs here, whatever the database waits
    events = 0
    for i, planned in enumerate(plan, start=1):
        made = len(ledger.recordings)
        t0, c0 = time.perf_counter(), time.process_time()
        apply_command(ledger, RawCommand(i, planned.command))
        ledger_s += time.perf_counter() - t0
        ledger_cpu += time.process_time() - c0
        # The same streams, events and payload sizes, for the bare library.
        shape = [(r.domain_event.originator_id, r.domain_event.originator_version, len(r.notification.state))
                 for r in ledger.recordings[made:]]
        t0, c0 = time.perf_counter(), time.process_time()
        for stream, version, size in shape:
            _store_bare(bare, ids, stream, version, size)
        bare_s += time.perf_counter() - t0
        bare_cpu += time.process_time() - c0
        events += len(shape)
    ledger.close()
    bare.close()
    result = {
        "commands": len(plan),
        "events": events,
        "ledger_commands_per_s": len(plan) / ledger_s,
        "ledger_events_per_s": events / ledger_s,
        "baseline_events_per_s": events / bare_s,
        "ratio": bare_s / ledger_s,
        "ledger_cpu_ms_per_event": 1000 * ledger_cpu / events,
        "baseline_cpu_ms_per_event": 1000 * bare_cpu / events,
    }
    if profile:
        # A separate pass: the profiler's overhead must not touch the timed figures.
        result["profile"] = _profile(settings, plan)
    return result


def _profile(settings: Settings, plan: list) -> str:
    ledger = bootstrap.recording_ledger(settings, env=_fresh_schema(settings, "bench_append_profile"))
    profiler = cProfile.Profile()
    profiler.enable()
    for i, planned in enumerate(plan, start=1):
        apply_command(ledger, RawCommand(i, planned.command))
    profiler.disable()
    ledger.close()
    return top_functions(profiler, n=25)


def stage(ctx) -> dict:
    return run(ctx.settings, commands=ctx.commands, profile=ctx.profile)


def row(result: dict) -> str:
    return (f"| append | {result['commands']:,} commands, {result['events']:,} events | baseline (bare library, "
            f"same events) {result['baseline_events_per_s']:,.0f} events/s | ledger {result['ledger_events_per_s']:,.0f}"
            f" events/s ({result['ledger_commands_per_s']:,.0f} commands/s) | ratio {result['ratio']:.2f} "
            f"(CPU here per event: ledger {result['ledger_cpu_ms_per_event']:.2f} ms, "
            f"baseline {result['baseline_cpu_ms_per_event']:.2f} ms) |")
