"""Costs of the tamper evidence (docs/BENCHMARKS.md, "Tamper evidence"): pure CPU, no servers.

    .venv/bin/python -m benchmarks.tamper [--leaves N]

Measures: leaves built per second (SHA-256 of a stored event's bytes + the leaf + the compact
range, i.e. the log builder's work per event, outside the append path), Ed25519 checkpoint
signing, proof sizes, and offline verification of a whole log (re-hash every leaf, root) and of
one case's bundle (standalone verifier).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.tamper.log import CompactRange, checkpoint_text, consistency_proof, inclusion_proof, sign_note, verifier_key
from infra.tamper.verifier import ZERO, leaf_data, leaf_hash, map_entry, open_note, root_of, verify_bundle


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leaves", type=int, default=200_000)
    n = ap.parse_args().leaves
    stored = os.urandom(600)  # a typical stored Avro event is a few hundred bytes
    streams = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(n // 20 or 1)]
    heads: dict[str, tuple[int, bytes]] = {}
    tree, hashes = CompactRange(), []
    t0 = time.perf_counter()
    for i in range(n):
        s = streams[i % len(streams)]
        version, prev = heads.get(s, (0, ZERO))
        h = leaf_hash(leaf_data({"notification_id": i + 1, "stream_id": s, "sequence": version + 1,
                                 "event_type": "Case.VisitReceived", "recorded_at": "2025-06-30T12:00:00+00:00",
                                 "stored_sha256": hashlib.sha256(stored).hexdigest(), "previous_leaf": prev.hex()}))
        heads[s] = (version + 1, h)
        tree.append(h)
        hashes.append(h)
    build = time.perf_counter() - t0
    print(f"leaves built (hash stored bytes + leaf + tree): {n:,} in {build:.2f} s = {n / build:,.0f}/s")

    key = Ed25519PrivateKey.generate()
    t0 = time.perf_counter()
    entries = sorted(heads.items())
    map_root = root_of([leaf_hash(map_entry(s, v, h.hex())) for s, (v, h) in entries])
    map_took = time.perf_counter() - t0
    k = 1000
    t0 = time.perf_counter()
    for _ in range(k):
        note = sign_note(checkpoint_text("caseledger.local/log", n, tree.root(), map_root), "caseledger.local/log", key)
    sign = (time.perf_counter() - t0) / k
    vkey = verifier_key("caseledger.local/log", key)
    t0 = time.perf_counter()
    for _ in range(k):
        open_note(note, [vkey])
    check = (time.perf_counter() - t0) / k
    print(f"stream map root over {len(entries):,} streams: {map_took * 1000:.0f} ms")
    print(f"checkpoint: sign {sign * 1e6:.0f} µs, verify {check * 1e6:.0f} µs; note {len(note)} bytes")

    inc = inclusion_proof(hashes, n // 3)
    con = consistency_proof(hashes, n // 2)
    print(f"inclusion proof at {n:,} leaves: {len(inc)} hashes = {32 * len(inc)} bytes; "
          f"consistency {n // 2:,}→{n:,}: {len(con)} hashes = {32 * len(con)} bytes")

    t0 = time.perf_counter()
    assert root_of(hashes) == tree.root()
    whole = time.perf_counter() - t0
    print(f"offline: root of the whole log re-computed from {n:,} leaf hashes in {whole:.2f} s "
          f"(x{1_000_000 / n:.0f} ≈ {whole * 1_000_000 / n:.1f} s for 1 M leaves; plus leaf re-hashing at the build rate)")

    # One case's bundle: 40 events of one stream in a log of n leaves.
    s = "case-0000"
    case_hashes, prev, events = list(hashes), ZERO.hex(), []
    positions = [i * (n // 40) for i in range(40)]
    for seq, pos in enumerate(positions, start=1):
        leaf = {"notification_id": pos + 1, "stream_id": s, "sequence": seq, "event_type": "Case.VisitReceived",
                "recorded_at": "2025-06-30T12:00:00+00:00", "stored_sha256": hashlib.sha256(stored).hexdigest(),
                "previous_leaf": prev}
        h = leaf_hash(leaf_data(leaf))
        case_hashes[pos] = h
        prev = h.hex()
        events.append({"index": pos, "leaf": leaf, "stored": base64.b64encode(stored).decode()})
    root = root_of(case_hashes)
    for e in events:
        e["inclusion"] = [base64.b64encode(p).decode() for p in inclusion_proof(case_hashes, e["index"])]
    map_hashes = [leaf_hash(map_entry(s, 40, prev))]
    note = sign_note(checkpoint_text("caseledger.local/log", n, root, root_of(map_hashes)), "caseledger.local/log", key)
    bundle = {"origin": "caseledger.local/log", "log_key": vkey, "checkpoint": n, "stream_id": s, "events": events,
              "checkpoints": [{"size": n, "note": note}],
              "map": {"index": 0, "size": 1, "version": 40, "head": prev, "proof": []}}
    t0 = time.perf_counter()
    for _ in range(20):
        verify_bundle(bundle)
    per = (time.perf_counter() - t0) / 20
    import json
    print(f"offline: one case (40 events) verified in {per * 1000:.1f} ms; bundle {len(json.dumps(bundle)):,} bytes")


if __name__ == "__main__":
    main()
