"""Run the benchmarks: `python -m benchmarks [STAGE ...] [--copies N] [--profile]`.

`python -m benchmarks chaos [--rounds N] [--seed S]` is the chaos run (benchmarks/chaos.py):
the pipeline under load while its parts are killed, checked after every round.

Each stage is measured against its baseline in the same run, on the same data:
the simulated year of the eight MT units, repeated `--copies` times (10 copies
≈ 110,000 events; 100 ≈ 1.1 million). The store is recorded once per size and
reused. Results are printed as Markdown table rows and saved to
benchmarks/results/<stage>.json, with the machine they ran on.

A stage is a module of this package with `stage(ctx) -> dict` (the figures) and
`row(result) -> str` (one Markdown table row), listed in STAGES.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from infra import logs
from infra.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"

# name -> (module, what it measures), in the order `all` runs them.
STAGES = {
    "append": ("benchmarks.append", "commands through the domain into PostgreSQL vs the bare library"),
    "relay": ("benchmarks.relay", "events published by the relay vs a plain kafka-python producer"),
    "replay": ("benchmarks.replay", "rebuilding every read model vs consume + Avro decode (the ceiling)"),
    "latency": ("benchmarks.latency", "command accepted -> visible in the case view, relay and runner as processes"),
    "memory": ("benchmarks.memory", "peak resident memory of relay, project and replay processes over the store"),
    "query": ("benchmarks.query", "p50/p99 of a 1,000-event case's history as of a date, and of inspection reports"),
}


@dataclass(frozen=True)
class Context:
    """What a stage gets: the development settings, the benchmark store's settings and options."""

    settings: Settings  # the local stack (a stage may create schemas and topics of its own)
    bench: Settings  # the recorded benchmark store, its topics and its read-model schema
    events: int  # events in the benchmark store
    copies: int
    commands: int  # commands for the append stage
    profile: bool


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["chaos"]:  # not a measurement against a baseline: a run of its own (benchmarks/chaos.py)
        from benchmarks import chaos

        return chaos.main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="stages:\n" + "\n".join(f"  {name:<9} {what}" for name, (_, what) in STAGES.items())
        + "\n\nchaos run (not a stage): python -m benchmarks chaos --help")
    parser.add_argument("stages", nargs="*", default=list(STAGES), metavar="STAGE",
                        help="stages to run (default: all, in the order listed below)")
    parser.add_argument("--copies", type=int, default=10, help="copies of the eight units' year (default 10)")
    parser.add_argument("--commands", type=int, default=4000, help="commands for the append stage (default 4000)")
    parser.add_argument("--profile", action="store_true", help="add a profile summary (an extra, untimed pass)")
    args = parser.parse_args(argv)
    unknown = [s for s in args.stages if s not in STAGES]
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(STAGES)}")
    logs.configure("json", "WARNING", component="bench")
    settings = Settings.from_env()

    from benchmarks.data import ensure_store

    bench, events = ensure_store(settings, args.copies, echo=lambda m: print(m, file=sys.stderr))
    ctx = Context(settings, bench, events, args.copies, args.commands, args.profile)
    RESULTS.mkdir(exist_ok=True)
    for name in args.stages:
        module = importlib.import_module(STAGES[name][0])
        print(f"== {name}: {STAGES[name][1]}", file=sys.stderr, flush=True)
        result = module.stage(ctx)
        print(module.row(result), flush=True)
        if args.profile and result.get("profile"):
            print(result["profile"])
        (RESULTS / f"{name}.json").write_text(json.dumps({"machine": machine(), "copies": args.copies, **result},
                                                         indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
