"""Offline verifier of a CaseLedger audit bundle: the standard library and `cryptography`, nothing else.

    python verifier.py BUNDLE.json

Copy this one file anywhere; it imports nothing of the project, reaches no database and no
Kafka. It proves, from the bundle alone (docs/TAMPER-EVIDENCE.md):

1. every checkpoint note is signed by the log's Ed25519 key (extra signatures, e.g. a
   witness's, are accepted and reported if their key is in the bundle; unknown ones ignored);
2. the checkpoints are consistent with each other (RFC 9162 §2.1.4 consistency proofs):
   the log only grew, no history was rewritten between them;
3. every event's stored bytes hash to the SHA-256 its leaf commits to, and every leaf is in
   the tree of the checkpoint (RFC 9162 §2.1.3 inclusion proofs);
4. the case is complete at the checkpoint: its leaves have sequences 1..k, each names the
   previous one's hash, and (stream, k, last leaf hash) is in the checkpoint's stream map.

Exit status 0 when all hold; 1 with the first failure named (event, sequence or checkpoint).
Hashing is RFC 6962's: leaf = SHA-256(0x00 ‖ data), node = SHA-256(0x01 ‖ left ‖ right).
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

LEAF_FORMAT = "caseledger-leaf-v1"
MAP_FORMAT = "caseledger-map-v1"
MAP_LINE = "caseledger-stream-map "  # the checkpoint's extension line carrying the map root
ZERO = bytes(32)  # the "previous leaf" of a stream's first event
ALG_ED25519 = 0x01


class VerificationError(Exception):
    """A proof that does not hold; the message names what failed."""


# -- RFC 6962 hashing -----------------------------------------------------------------------------

def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_of(hashes: list[bytes]) -> bytes:
    """MTH of a list of leaf hashes (RFC 9162 §2.1.1): the empty tree is SHA-256 of nothing."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    level = list(hashes)
    # Pairing left to right and carrying the odd one up gives the same root as the recursive split.
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2; raises VerificationError. Every proof hash must be used, none missing."""
    if not 0 <= index < size:
        raise VerificationError(f"leaf index {index} is outside a tree of size {size}")
    if len(leaf) != 32 or len(root) != 32 or any(len(p) != 32 for p in proof):
        raise VerificationError("a hash of the inclusion proof is not 32 bytes")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("inclusion proof is longer than the tree allows (trailing hashes)")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is shorter than the tree needs (truncated)")
    if r != root:
        raise VerificationError("inclusion proof does not lead to the checkpoint's root")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]) -> None:
    """RFC 9162 §2.1.4.2: the tree of size2 extends the tree of size1; raises VerificationError."""
    if any(len(p) != 32 for p in proof):
        raise VerificationError("a hash of the consistency proof is not 32 bytes")
    if not 0 <= size1 <= size2:
        raise VerificationError(f"tree size {size1} is larger than {size2}: the log shrank")
    if size1 == 0:  # every tree extends the empty one: such a "proof" proves nothing, refuse it
        raise VerificationError("a consistency proof from the empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise VerificationError("consistency proof between equal sizes must be empty")
        if root1 != root2:
            raise VerificationError(f"two different roots for one tree size {size1}")
        return
    if not proof:
        raise VerificationError("consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # size1 a power of two: its root is the first node of the path
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is longer than the sizes allow (trailing hashes)")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency proof is shorter than the sizes need (truncated)")
    if fr != root1:
        raise VerificationError(f"consistency proof does not lead to the root of tree size {size1}")
    if sr != root2:
        raise VerificationError(f"consistency proof does not lead to the root of tree size {size2}")


# -- leaves and the stream map --------------------------------------------------------------------

def leaf_data(fields: dict) -> bytes:
    """The bytes a leaf commits to: one line per field, fixed order, no personal data."""
    lines = [
        LEAF_FORMAT,
        str(int(fields["notification_id"])),
        fields["stream_id"],
        str(int(fields["sequence"])),
        fields["event_type"],
        fields["recorded_at"],
        fields["stored_sha256"],
        fields["previous_leaf"],
    ]
    for line in lines:
        if "\n" in line:
            raise VerificationError("a leaf field holds a line break")
    return ("\n".join(lines) + "\n").encode()


def map_entry(stream_id: str, version: int, head: str) -> bytes:
    """One entry of the stream map (streams sorted by id): the stream's last sequence and leaf hash."""
    return f"{MAP_FORMAT}\n{stream_id}\n{int(version)}\n{head}\n".encode()


# -- C2SP signed notes and checkpoints ------------------------------------------------------------

def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public).digest()[:4]


def parse_verifier_key(vkey: str) -> tuple[str, bytes, bytes]:
    """A note verifier key `name+hexid+base64(0x01 ‖ key)` → (name, key id, raw public key)."""
    try:
        name, hexid, b64 = vkey.strip().split("+", 2)
        raw = base64.b64decode(b64, validate=True)
    except ValueError as exc:
        raise VerificationError(f"verifier key {vkey!r} is not name+id+key") from exc
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise VerificationError(f"verifier key {name!r} is not an Ed25519 key")
    if key_id(name, raw[1:]).hex() != hexid:
        raise VerificationError(f"verifier key {name!r}: its id does not match its key")
    return name, bytes.fromhex(hexid), raw[1:]


def open_note(note: str, vkeys: list[str]) -> tuple[str, list[str]]:
    """Verify a signed note; returns (its text, names of the known keys that signed it).

    Signatures by keys not given are ignored (a witness unknown to this verifier); a signature by
    a known key that does not verify is an error.
    """
    text, sep, sigs = note.rpartition("\n\n")
    if not sep:
        raise VerificationError("note has no signature block")
    text += "\n"
    known = {}
    for v in vkeys:
        name, kid, pub = parse_verifier_key(v)
        known[(name, kid)] = pub
    signed_by = []
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            raise VerificationError(f"note signature line {line!r} does not start with an em dash")
        try:
            name, b64 = line[2:].rsplit(" ", 1)
            raw = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise VerificationError(f"note signature line {line!r} is malformed") from exc
        pub = known.get((name, raw[:4]))
        if pub is None:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(pub).verify(raw[4:], text.encode())
        except InvalidSignature as exc:
            raise VerificationError(f"signature of {name!r} does not verify") from exc
        signed_by.append(name)
    return text, signed_by


def parse_checkpoint(text: str) -> dict:
    """tlog-checkpoint body: origin, tree size, base64 root, then extension lines (ours: the map root)."""
    lines = text.split("\n")[:-1]
    if len(lines) < 3:
        raise VerificationError("checkpoint has fewer than three lines")
    try:
        size = int(lines[1])
        root = base64.b64decode(lines[2], validate=True)
    except ValueError as exc:
        raise VerificationError("checkpoint size or root is malformed") from exc
    if str(size) != lines[1] or size < 0 or len(root) != 32:
        raise VerificationError("checkpoint size or root is malformed")
    cp = {"origin": lines[0], "size": size, "root": root, "map_root": None}
    for extra in lines[3:]:
        if extra.startswith(MAP_LINE):
            cp["map_root"] = base64.b64decode(extra[len(MAP_LINE):], validate=True)
    return cp


# -- the bundle -----------------------------------------------------------------------------------

def _b64list(items) -> list[bytes]:
    return [base64.b64decode(x, validate=True) for x in items]


def verify_bundle(bundle: dict) -> list[str]:
    """Every proof of an audit bundle; returns the statements proved, raises at the first failure."""
    proved: list[str] = []
    log_key = bundle["log_key"]
    origin = bundle["origin"]
    vkeys = [log_key] + list(bundle.get("witness_keys", []))
    log_name = parse_verifier_key(log_key)[0]
    checkpoints = []
    for cp in bundle["checkpoints"]:
        try:
            text, signers = open_note(cp["note"], vkeys)
            parsed = parse_checkpoint(text)
        except VerificationError as exc:
            raise VerificationError(f"checkpoint {cp.get('size')}: {exc}") from exc
        if log_name not in signers:
            raise VerificationError(f"checkpoint {parsed['size']}: not signed by the log key {log_name!r}")
        if parsed["origin"] != origin:
            raise VerificationError(f"checkpoint {parsed['size']}: origin {parsed['origin']!r} is not {origin!r}")
        checkpoints.append((parsed, cp))
        extra = [s for s in signers if s != log_name]
        proved.append(f"checkpoint {parsed['size']}: signed by {', '.join(signers)}"
                      + (f" (witnessed by {', '.join(extra)})" if extra else ""))
    if not checkpoints:
        raise VerificationError("the bundle holds no checkpoint")
    checkpoints.sort(key=lambda pc: pc[0]["size"])
    for (a, _), (b, cp) in zip(checkpoints, checkpoints[1:]):
        try:
            verify_consistency(a["size"], b["size"], a["root"], b["root"], _b64list(cp.get("consistency", [])))
        except VerificationError as exc:
            raise VerificationError(f"checkpoint {b['size']} is not consistent with checkpoint {a['size']}: {exc}") from exc
        proved.append(f"checkpoint {b['size']} extends checkpoint {a['size']} (consistency proof)")
    target_size = bundle["checkpoint"]
    target = next((p for p, _ in checkpoints if p["size"] == target_size), None)
    if target is None:
        raise VerificationError(f"checkpoint {target_size} named by the bundle is not in it")

    stream = bundle["stream_id"]
    previous, events = ZERO.hex(), bundle["events"]
    for expected_seq, event in enumerate(events, start=1):
        where = f"event {event['leaf']['sequence']} of stream {stream} (notification {event['leaf']['notification_id']})"
        stored = base64.b64decode(event["stored"], validate=True)
        leaf = event["leaf"]
        if hashlib.sha256(stored).hexdigest() != leaf["stored_sha256"]:
            raise VerificationError(f"{where}: its stored bytes do not hash to what its leaf commits to (altered)")
        if leaf["stream_id"] != stream or int(leaf["sequence"]) != expected_seq:
            raise VerificationError(f"{where}: expected sequence {expected_seq} of stream {stream} (missing, swapped or foreign event)")
        if leaf["previous_leaf"] != previous:
            raise VerificationError(f"{where}: its leaf does not name the previous event's leaf (chain broken)")
        h = leaf_hash(leaf_data(leaf))
        try:
            verify_inclusion(int(event["index"]), target["size"], h, _b64list(event["inclusion"]), target["root"])
        except VerificationError as exc:
            raise VerificationError(f"{where}: not in checkpoint {target['size']}: {exc}") from exc
        previous = h.hex()
    proved.append(f"{len(events)} events of stream {stream}: stored bytes match their leaves, "
                  f"chained 1..{len(events)}, each included in checkpoint {target['size']}")

    head = bundle["map"]
    if target["map_root"] is None:
        raise VerificationError(f"checkpoint {target['size']} carries no stream map root")
    if int(head["version"]) != len(events) or head["head"] != previous:
        raise VerificationError(
            f"stream {stream}: the checkpoint's stream map says version {head['version']} "
            f"(head {head['head'][:12]}…), the bundle holds {len(events)} events (incomplete or altered)")
    try:
        verify_inclusion(int(head["index"]), int(head["size"]), leaf_hash(map_entry(stream, len(events), previous)),
                         _b64list(head["proof"]), target["map_root"])
    except VerificationError as exc:
        raise VerificationError(f"stream {stream}: head entry not in the stream map of checkpoint {target['size']}: {exc}") from exc
    proved.append(f"stream {stream} is complete at checkpoint {target['size']}: "
                  f"versions 1..{len(events)}, head in the signed stream map")
    return proved


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        with open(argv[0], encoding="utf-8") as f:
            bundle = json.load(f)
        proved = verify_bundle(bundle)
    except VerificationError as exc:
        print(f"NOT VERIFIED: {exc}")
        return 1
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"NOT VERIFIED: the bundle is unreadable or incomplete ({type(exc).__name__}: {exc})")
        return 1
    for line in proved:
        print(f"proved: {line}")
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
