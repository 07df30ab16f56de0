"""The events the deterministic demo year records, as a fingerprint that survives refactoring.

A structural change (moving the aggregate, the ledger or the mapper) must not change what is
recorded: the same event types, streams and sequences, and the same payload bytes — recorded
times aside, which are the clock's. This records the simulated year in memory through the same
path as `caseledger record`, decodes each stored event and drops the envelope's recorded-at.

    python -m tests.demo_events            compare with tests/golden/demo_events.json
    python -m tests.demo_events --update   write it (only when a change of the events is intended)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

GOLDEN = Path(__file__).with_name("golden") / "demo_events.json"
SCALE = 0.2
SEED = 2025


def _canonical(value):
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in sorted(value.items()) if k != "recorded_at"}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def fingerprint(scale: float = SCALE, seed: int = SEED) -> dict:
    """Per event type: how many events; and one SHA-256 over every event in notification order."""
    from infra.command_input import RawCommand
    from infra.recording import apply_command
    from infra.simulation import generate
    from schemas.codec import Codec, default_codec

    from infra import bootstrap
    from infra.settings import Settings

    ledger = bootstrap.recording_ledger(Settings(), env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    for i, planned in enumerate(generate(seed=seed, scale=scale), start=1):
        apply_command(ledger, RawCommand(i, planned.command))
    # Personal values are sealed under this run's keys: the fingerprint is over the opened datum.
    shared = default_codec()
    codec = Codec(shared.store, shared.events, sealer=ledger.mapper.key_service)
    digest = hashlib.sha256()
    types: Counter = Counter()
    for n in ledger.recorder.select_notifications(start=None, limit=10**9):
        decoded = codec.opened(codec.decode(bytes(n.state)))
        line = json.dumps([n.topic, str(n.originator_id), n.originator_version, decoded.event_type,
                           _canonical(decoded.datum)], sort_keys=True, ensure_ascii=False)
        digest.update(line.encode() + b"\n")
        types[decoded.event_type] += 1
    ledger.close()
    return {"scale": scale, "seed": seed, "events": sum(types.values()), "sha256": digest.hexdigest(),
            "types": dict(sorted(types.items()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="write the golden file from this checkout")
    args = parser.parse_args(argv)
    now = fingerprint()
    if args.update:
        GOLDEN.write_text(json.dumps(now, indent=2) + "\n")
        print(f"wrote {GOLDEN}: {now['events']} events, sha256 {now['sha256'][:16]}…")
        return 0
    golden = json.loads(GOLDEN.read_text())
    if now == golden:
        print(f"same events as {GOLDEN.name}: {now['events']} events, sha256 {now['sha256'][:16]}…")
        return 0
    print(f"the demo's events differ from {GOLDEN.name}:", file=sys.stderr)
    for key in sorted(set(now["types"]) | set(golden["types"])):
        a, b = golden["types"].get(key, 0), now["types"].get(key, 0)
        if a != b:
            print(f"  {key}: {a} before, {b} now", file=sys.stderr)
    print(f"  sha256 {golden['sha256'][:16]}… before, {now['sha256'][:16]}… now", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
