"""Run the benchmarks: `python -m benchmarks [relay ...] [--copies N] [--profile]`.

Each stage is measured against its baseline in the same run, on the same data:
the simulated year of the eight MT units, repeated `--copies` times (10 copies
≈ 110,000 events; 100 ≈ 1.1 million). Results are printed as a Markdown table
and saved to benchmarks/results/<stage>.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import os
import sys
import time
from pathlib import Path

from infra import logs
from infra.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
STAGES = ("append", "relay", "replay")


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stages", nargs="*", default=list(STAGES), help=f"stages to run (default: all of {STAGES})")
    parser.add_argument("--copies", type=int, default=10, help="copies of the eight units' year (default 10)")
    parser.add_argument("--commands", type=int, default=4000, help="commands for the append stage (default 4000)")
    parser.add_argument("--profile", action="store_true", help="add a profile summary (an extra, untimed pass)")
    args = parser.parse_args(argv)
    logs.configure("json", "WARNING", component="bench")
    settings = Settings.from_env()

    from benchmarks.data import ensure_store

    bench, events = ensure_store(settings, args.copies, echo=lambda m: print(m, file=sys.stderr))
    RESULTS.mkdir(exist_ok=True)
    for stage in args.stages:
        if stage == "relay":
            from benchmarks import relay

            result = relay.run(bench, profile=args.profile)
            print(f"| relay | {result['events']:,} events | baseline (plain producer, pre-encoded) "
                  f"{result['baseline_events_per_s']:,.0f}/s | relay {result['relay_events_per_s']:,.0f}/s "
                  f"| ratio {result['ratio']:.2f} |")
            if args.profile:
                print(result["profile"])
        elif stage == "replay":
            from benchmarks import replay

            result = replay.run(bench)
            models = ", ".join(f"{k} {v:,.0f}/s" for k, v in result["per_model_events_per_s"].items())
            print(f"| replay | {result['events']:,} events × {result['read_models']} read models | ceiling (consume + "
                  f"Avro decode) {result['ceiling_events_per_s']:,.0f}/s | rebuild {result['rebuild_events_per_s']:,.0f}"
                  f"/s in {result['rebuild_seconds']:.0f} s ({models}) | ratio {result['ratio']:.2f} |")
        elif stage == "append":
            from benchmarks import append

            result = append.run(settings, commands=args.commands)
            print(f"| append | {result['commands']:,} commands, {result['events']:,} events | baseline (bare "
                  f"library, same events) {result['baseline_events_per_s']:,.0f} events/s | ledger "
                  f"{result['ledger_events_per_s']:,.0f} events/s ({result['ledger_commands_per_s']:,.0f} "
                  f"commands/s) | ratio {result['ratio']:.2f} |")
        else:
            parser.error(f"unknown stage {stage!r}")
        (RESULTS / f"{stage}.json").write_text(json.dumps({"machine": machine(), "copies": args.copies,
                                                           **result}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
