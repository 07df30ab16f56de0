"""The auditor's side: the online check (`caseledger verify`) and the offline bundle (`audit bundle`).

The online check re-derives everything from the stored bytes and compares: event store → leaves
(each event's stored bytes hash to its leaf, the chain links, no event missing or added), leaves
→ checkpoints (each checkpoint's root and stream map root re-computed at its size, its signature,
and consistency with the checkpoints published on Kafka), and Kafka → leaves (each published
record's value hashes to its leaf). It names the first event or checkpoint that differs.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Callable, Iterable

from infra.tamper.log import (
    Checkpoint, CompactRange, TransparencyLog, consistency_proof, inclusion_proof, stored_event_fields, verifier_key,
)
from infra.tamper.verifier import (
    ZERO, VerificationError, leaf_data, leaf_hash, open_note, parse_checkpoint, root_of, verify_consistency,
)

b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731


@dataclass
class Finding:
    what: str  # "event" | "checkpoint" | "kafka"
    message: str


@dataclass
class Report:
    events: int = 0
    checkpoints: int = 0
    kafka_records: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify_online(tlog: TransparencyLog, stored: Callable[[], Iterable], peek,
                  published: Iterable[str] = (), kafka: Iterable[tuple[int, bytes]] | None = None) -> Report:
    """Event store vs leaves vs checkpoints (stored and published) vs Kafka records.

    `stored()` yields the event store's notifications in id order; `published` the checkpoint
    notes read from the checkpoint topic; `kafka` (notification id, value) of the event topics.
    """
    report = Report()
    leaves = tlog.leaves()
    by_nid = {leaf["notification_id"]: leaf for leaf in leaves}
    position = leaves[-1]["notification_id"] if leaves else 0
    seen: set[int] = set()
    for n in stored():
        if n.id > position:
            break  # not in the log yet: the builder has not read it
        seen.add(n.id)
        f = stored_event_fields(n, peek)
        leaf = by_nid.get(n.id)
        where = f"event {f['sequence']} of stream {f['stream_id']} (notification {n.id})"
        if leaf is None:
            report.findings.append(Finding("event", f"{where} is in the event store but in no leaf (inserted afterwards)"))
        elif leaf["stored_sha256"] != f["stored_sha256"]:
            report.findings.append(Finding("event", f"{where}: its stored bytes differ from what its leaf committed to (altered)"))
        elif (leaf["stream_id"], leaf["sequence"]) != (f["stream_id"], f["sequence"]):
            report.findings.append(Finding("event", f"{where}: its leaf says event {leaf['sequence']} of stream {leaf['stream_id']} (moved)"))
    report.events = len(seen)
    heads: dict[str, tuple[int, bytes]] = {}
    for leaf in leaves:
        where = f"event {leaf['sequence']} of stream {leaf['stream_id']} (notification {leaf['notification_id']})"
        if leaf["notification_id"] not in seen:
            report.findings.append(Finding("event", f"{where} is gone from the event store (deleted)"))
        version, prev = heads.get(leaf["stream_id"], (0, ZERO))
        if leaf["sequence"] != version + 1:
            report.findings.append(Finding("event", f"{where}: stream {leaf['stream_id']} went from version {version} "
                                                    f"to {leaf['sequence']} (a version reused or missing)"))
        h = leaf_hash(leaf_data({**leaf, "previous_leaf": leaf["previous_leaf"]}))
        if leaf["previous_leaf"] != prev.hex() or h != leaf["leaf_hash"]:
            report.findings.append(Finding("event", f"{where}: its leaf does not chain to the previous one (the log was rewritten)"))
        heads[leaf["stream_id"]] = (leaf["sequence"], leaf["leaf_hash"])

    # Roots and stream-map roots at every signed size, in one pass over the leaves (not one
    # re-computation per checkpoint: a year holds thousands of them).
    vkey = verifier_key(tlog.key_name, tlog.key)
    notes = [(c.note, "stored") for c in tlog.checkpoints()] + [(p, "published") for p in published]
    parsed = []
    for note, source in notes:
        report.checkpoints += 1
        try:
            parsed.append((parse_checkpoint(open_note(note, [vkey])[0]), source))
        except VerificationError as exc:
            report.findings.append(Finding("checkpoint", f"{source} checkpoint: {exc}"))
    sizes = {cp["size"] for cp, _ in parsed}
    at: dict[int, tuple[bytes, bytes]] = {}
    tree, streams = CompactRange(), {}
    for leaf in leaves:
        tree.append(leaf["leaf_hash"])
        streams[leaf["stream_id"]] = (leaf["sequence"], leaf["leaf_hash"].hex())
        if tree.size in sizes:
            heads_then = sorted(((k, v, h) for k, (v, h) in streams.items()), key=lambda r: r[0].encode())
            at[tree.size] = (tree.root(), root_of(tlog.map_hashes(heads_then)))
    signed: dict[int, bytes] = {}
    for cp, source in parsed:
        name = f"{source} checkpoint {cp['size']}"
        if cp["size"] in signed and signed[cp["size"]] != cp["root"]:
            report.findings.append(Finding("checkpoint", f"{name}: two different signed roots for tree size {cp['size']} "
                                                         "(re-signed over a different history)"))
        signed.setdefault(cp["size"], cp["root"])
        if cp["size"] not in at:
            report.findings.append(Finding("checkpoint", f"{name} is larger than the log ({len(leaves)} leaves): truncated"))
        elif at[cp["size"]][0] != cp["root"]:
            report.findings.append(Finding("checkpoint", f"{name}: its root is not the root of the stored leaves at that size"))
        elif at[cp["size"]][1] != cp["map_root"]:
            report.findings.append(Finding("checkpoint", f"{name}: its stream map root does not match the stored leaves"))

    if kafka is not None:
        for nid, value in kafka:
            report.kafka_records += 1
            leaf = by_nid.get(nid)
            if leaf is None:
                if nid <= position:
                    report.findings.append(Finding("kafka", f"Kafka record of notification {nid} has no leaf"))
            elif hashlib.sha256(value).hexdigest() != leaf["stored_sha256"]:
                report.findings.append(Finding(
                    "kafka", f"Kafka record of event {leaf['sequence']} of stream {leaf['stream_id']} "
                             f"(notification {nid}) differs from what its leaf committed to"))
    return report


class BundleError(Exception):
    pass


def bundle(tlog: TransparencyLog, stored_by_id: Callable[[int], bytes | None], stream_id: str,
           checkpoint: int | None = None, published: Iterable[str] = (), witness_keys: Iterable[str] = (),
           history: int = 50) -> dict:
    """The self-contained audit bundle of one stream at a checkpoint (default: the latest).

    It carries the first checkpoint and the `history` latest up to the chosen one, each with a
    consistency proof from the one before: each proof costs a pass over the leaves, and an
    auditor who holds an older checkpoint asks for a bundle at it and compares.
    """
    cps = tlog.checkpoints()
    if not cps:
        raise BundleError("the log has no checkpoint yet: run `caseledger log --once` first")
    chosen = cps[-1] if checkpoint is None else next((c for c in cps if c.size == checkpoint), None)
    if chosen is None:
        raise BundleError(f"no checkpoint of tree size {checkpoint}; there are: {', '.join(str(c.size) for c in cps)}")
    size = chosen.size
    hashes = tlog.leaf_hashes(size)
    events = []
    for leaf in tlog.leaves(size=size, stream_id=stream_id):
        stored = stored_by_id(leaf["notification_id"])
        events.append({
            "index": leaf["idx"],
            "leaf": {k: leaf[k] for k in ("notification_id", "stream_id", "sequence", "event_type", "recorded_at",
                                          "stored_sha256", "previous_leaf")},
            "stored": b64(stored or b""),
            "inclusion": [b64(p) for p in inclusion_proof(hashes, leaf["idx"])],
        })
    if not events:
        raise BundleError(f"stream {stream_id} has no event in the log at tree size {size}")
    heads = tlog.heads_at(size)
    index = next(i for i, h in enumerate(heads) if h[0] == stream_id)
    map_hashes = tlog.map_hashes(heads)
    # Every checkpoint up to the chosen one (stored and published), each with its consistency
    # proof from the one before it, so the auditor sees the log only grew.
    notes = {c.size: c.note for c in cps if c.size <= size}
    for p in published:
        try:
            s = int(p.split("\n")[1])
        except (IndexError, ValueError):
            continue
        if s <= size and p != notes.get(s):
            notes.setdefault(-s, p)  # a second, different note for one size: kept, the verifier judges it
    entries, previous = [], None
    chosen_sizes = sorted(notes, key=abs)
    if len(chosen_sizes) > history + 1:
        chosen_sizes = chosen_sizes[:1] + chosen_sizes[-history:]
    for s in chosen_sizes:
        real = abs(s)
        entry = {"size": real, "note": notes[s]}
        if previous is not None and 0 < previous < real:
            entry["consistency"] = [b64(p) for p in consistency_proof(hashes[:real], previous)]
        entries.append(entry)
        previous = real
    return {
        "format": "caseledger-audit-bundle-v1",
        "origin": tlog.origin,
        "log_key": verifier_key(tlog.key_name, tlog.key),
        "witness_keys": list(witness_keys),
        "checkpoint": size,
        "stream_id": stream_id,
        "events": events,
        "checkpoints": entries,
        "map": {"index": index, "size": len(heads), "version": heads[index][1], "head": heads[index][2],
                "proof": [b64(p) for p in inclusion_proof(map_hashes, index)]},
    }


def check_consistent(a: Checkpoint, b: Checkpoint, hashes: list[bytes]) -> None:
    verify_consistency(a.size, b.size, a.root, b.root, consistency_proof(hashes[:b.size], a.size))
