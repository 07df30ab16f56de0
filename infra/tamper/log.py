"""The transparency log: one leaf per stored event, a Merkle tree over them, signed checkpoints.

Design (docs/TAMPER-EVIDENCE.md):

* **A component of its own, following the notification log** — not inside the relay's loop.
  The relay's exactly-once protocol (Kafka transactions, parking, fencing) is correct only
  whole; the log's state is PostgreSQL's (leaves and checkpoints in their own schema, written
  in one PostgreSQL transaction with its position), so each side stays simple and restartable,
  and hashing stays out of the append path (a write costs what it did). Like the relay it reads
  notification ids in order after its position: ids can have gaps (failed inserts), never
  reorder (the library locks the event table on insert), so a gap is skipped, never waited for.
* **Leaves** hash the *stored* bytes (whatever they carry: plain Avro today, ciphertext after an
  erasure) and the event's coordinates; no personal data. Each names the previous leaf of its
  stream, so a case's events form a chain.
* **Checkpoints** are C2SP signed notes (tlog-checkpoint) with one extension line: the root of
  the *stream map*, a second Merkle tree over the sorted entries (stream, last version, last
  leaf hash) at that size — what proves a case complete. Before signing, the builder re-derives
  every stored checkpoint's root from the stored leaves: it never signs a tree that does not
  extend what it signed before.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg2 import sql

from infra.tamper.verifier import (
    MAP_LINE, ZERO, key_id, leaf_data, leaf_hash, map_entry, node_hash, root_of,
)

log = structlog.get_logger("caseledger.tlog")


class LogIntegrityError(Exception):
    """The stored log does not reproduce what was signed: nothing more is signed."""


# -- proofs (RFC 9162 §2.1.3.1 and §2.1.4.1), over a list of leaf hashes ----------------------------

def _split(n: int) -> int:
    """The largest power of two smaller than n."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def inclusion_proof(hashes: list[bytes], index: int) -> list[bytes]:
    n = len(hashes)
    if n <= 1:
        return []
    k = _split(n)
    if index < k:
        return inclusion_proof(hashes[:k], index) + [root_of(hashes[k:])]
    return inclusion_proof(hashes[k:], index - k) + [root_of(hashes[:k])]


def consistency_proof(hashes: list[bytes], m: int) -> list[bytes]:
    """Proof that the tree of the first m leaves is a prefix of the tree of all of them."""
    def subproof(m: int, d: list[bytes], complete: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if complete else [root_of(d)]
        k = _split(n)
        if m <= k:
            return subproof(m, d[:k], complete) + [root_of(d[k:])]
        return subproof(m - k, d[k:], False) + [root_of(d[:k])]

    if not 0 < m <= len(hashes):
        raise ValueError(f"no consistency proof from size {m} to {len(hashes)}")
    return subproof(m, hashes, True)


class CompactRange:
    """The roots of the perfect subtrees covering the leaves so far: the root at any size, O(log n)."""

    def __init__(self) -> None:
        self.size = 0
        self._nodes: list[tuple[int, bytes]] = []  # (leaf count, hash), decreasing counts

    def append(self, h: bytes) -> None:
        count = 1
        while self._nodes and self._nodes[-1][0] == count:
            left = self._nodes.pop()[1]
            h, count = node_hash(left, h), count * 2
        self._nodes.append((count, h))
        self.size += 1

    def root(self) -> bytes:
        if not self._nodes:
            return hashlib.sha256(b"").digest()
        r = self._nodes[-1][1]
        for _, h in reversed(self._nodes[:-1]):
            r = node_hash(h, r)
        return r


# -- keys and notes -------------------------------------------------------------------------------

def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The log's signing key file (PKCS#8 PEM, mode 0600), created on first use."""
    path = Path(path)
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key


def public_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verifier_key(name: str, key: Ed25519PrivateKey) -> str:
    """The note verifier key `name+hexid+base64(0x01 ‖ key)` that auditors pin."""
    pub = public_raw(key)
    encoded = base64.b64encode(b"\x01" + pub).decode()
    return f"{name}+{key_id(name, pub).hex()}+{encoded}"


def sign_note(text: str, name: str, key: Ed25519PrivateKey) -> str:
    sig = key.sign(text.encode())
    return text + "\n\u2014 " + name + " " + base64.b64encode(key_id(name, public_raw(key)) + sig).decode() + "\n"


def checkpoint_text(origin: str, size: int, root: bytes, map_root: bytes) -> str:
    return (f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
            f"{MAP_LINE}{base64.b64encode(map_root).decode()}\n")


# -- the log in PostgreSQL ------------------------------------------------------------------------

def stored_event_fields(notification, peek) -> dict:
    """What a leaf commits to, from a stored notification (the stored bytes as they are)."""
    state = bytes(notification.state)
    try:
        head = peek(state)
        event_type, recorded_at = head.event_type, head.recorded_at.isoformat()
    except Exception:  # not Avro (a row from before the store held Avro, or altered bytes)
        event_type, recorded_at = str(notification.topic), ""
    return {
        "notification_id": int(notification.id),
        "stream_id": str(notification.originator_id),
        "sequence": int(notification.originator_version),
        "event_type": event_type,
        "recorded_at": recorded_at,
        "stored_sha256": hashlib.sha256(state).hexdigest(),
    }


@dataclass
class Checkpoint:
    size: int
    root: bytes
    map_root: bytes
    note: str


class TransparencyLog:
    """Leaves, tree and checkpoints in PostgreSQL schema `schema`; one builder at a time."""

    def __init__(self, connect: Callable, schema: str, origin: str, key: Ed25519PrivateKey,
                 key_name: str | None = None) -> None:
        self.connect, self.schema, self.origin, self.key = connect, schema, origin, key
        self.key_name = key_name or origin
        self.tree = CompactRange()
        self.heads: dict[str, tuple[int, str]] = {}  # stream → (version, leaf hash hex)
        self.position = 0
        self._loaded = False

    def _t(self, table: str) -> sql.Composed:
        return sql.Identifier(self.schema, table)

    def ensure(self) -> None:
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"caseledger.tlog.create.{self.schema}",))
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            cur.execute(sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (idx bigint PRIMARY KEY, notification_id bigint UNIQUE NOT NULL,"
                " stream_id text NOT NULL, sequence bigint NOT NULL, event_type text NOT NULL,"
                " recorded_at text NOT NULL, stored_sha256 text NOT NULL, previous_leaf text NOT NULL,"
                " leaf_hash bytea NOT NULL)").format(self._t("leaves")))
            cur.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (stream_id, sequence)").format(
                sql.Identifier("leaves_stream"), self._t("leaves")))
            cur.execute(sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (size bigint PRIMARY KEY, root bytea NOT NULL,"
                " map_root bytea NOT NULL, note text NOT NULL, signed_at timestamptz NOT NULL DEFAULT now())"
            ).format(self._t("checkpoints")))

    # reading -----------------------------------------------------------------------------------

    def leaves(self, size: int | None = None, stream_id: str | None = None) -> list[dict]:
        cols = "idx, notification_id, stream_id, sequence, event_type, recorded_at, stored_sha256, previous_leaf, leaf_hash"
        where, args = [], []
        if size is not None:
            where.append("idx < %s")
            args.append(size)
        if stream_id is not None:
            where.append("stream_id = %s")
            args.append(stream_id)
        q = sql.SQL("SELECT " + cols + " FROM {}" + (" WHERE " + " AND ".join(where) if where else "")
                    + " ORDER BY idx").format(self._t("leaves"))
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(q, args)
            names = cols.split(", ")
            return [dict(zip(names, (bytes(v) if isinstance(v, memoryview) else v for v in row)))
                    for row in cur.fetchall()]

    def leaf_hashes(self, size: int | None = None) -> list[bytes]:
        q = sql.SQL("SELECT leaf_hash FROM {}" + (" WHERE idx < %s" if size is not None else "")
                    + " ORDER BY idx").format(self._t("leaves"))
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(q, [size] if size is not None else [])
            return [bytes(r[0]) for r in cur.fetchall()]

    def checkpoints(self) -> list[Checkpoint]:
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT size, root, map_root, note FROM {} ORDER BY size").format(self._t("checkpoints")))
            return [Checkpoint(s, bytes(r), bytes(m), n) for s, r, m, n in cur.fetchall()]

    def heads_at(self, size: int) -> list[tuple[str, int, str]]:
        """The stream map at a tree size: (stream, last version, last leaf hash hex), sorted by stream."""
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(sql.SQL(
                "SELECT DISTINCT ON (stream_id) stream_id, sequence, leaf_hash FROM {} WHERE idx < %s"
                " ORDER BY stream_id, idx DESC").format(self._t("leaves")), (size,))
            rows = [(s, v, bytes(h).hex()) for s, v, h in cur.fetchall()]
        return sorted(rows, key=lambda r: r[0].encode())

    @staticmethod
    def map_hashes(heads: Iterable[tuple[str, int, str]]) -> list[bytes]:
        return [leaf_hash(map_entry(s, v, h)) for s, v, h in heads]

    # building ----------------------------------------------------------------------------------

    def load(self) -> None:
        """Rebuild the tree and heads from the stored leaves; check every stored checkpoint on the way."""
        self.ensure()
        checkpoints = {c.size: c for c in self.checkpoints()}
        self.tree, self.heads, self.position = CompactRange(), {}, 0
        for leaf in self.leaves():
            self.tree.append(leaf["leaf_hash"])
            self.heads[leaf["stream_id"]] = (leaf["sequence"], leaf["leaf_hash"].hex())
            self.position = leaf["notification_id"]
            c = checkpoints.get(self.tree.size)
            if c is not None and c.root != self.tree.root():
                raise LogIntegrityError(
                    f"checkpoint {c.size} does not match the stored leaves: the log was altered; refusing to sign")
        if checkpoints and max(checkpoints) > self.tree.size:
            raise LogIntegrityError(
                f"checkpoint {max(checkpoints)} is larger than the stored log ({self.tree.size} leaves): "
                "the log was truncated; refusing to sign")
        self._loaded = True

    def append(self, notifications: Iterable, peek) -> int:
        """Add a leaf for each notification after the position (one PostgreSQL transaction)."""
        if not self._loaded:
            self.load()
        rows = []
        for n in notifications:
            if n.id <= self.position:
                continue
            fields = stored_event_fields(n, peek)
            version, prev = self.heads.get(fields["stream_id"], (0, ZERO.hex()))
            if fields["sequence"] != version + 1:
                # Recorded as stored: the chain and the verifier name it (a reused or missing version).
                log.warning("tlog_sequence_gap", stream_id=fields["stream_id"], sequence=fields["sequence"],
                            expected=version + 1, notification_id=fields["notification_id"])
            fields["previous_leaf"] = prev
            h = leaf_hash(leaf_data(fields))
            rows.append((self.tree.size + len(rows), fields, h))
            self.heads[fields["stream_id"]] = (fields["sequence"], h.hex())
            self.position = fields["notification_id"]
        if not rows:
            return 0
        with self.connect() as conn, conn.cursor() as cur:
            cur.executemany(sql.SQL(
                "INSERT INTO {} (idx, notification_id, stream_id, sequence, event_type, recorded_at,"
                " stored_sha256, previous_leaf, leaf_hash) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)").format(self._t("leaves")),
                [(i, f["notification_id"], f["stream_id"], f["sequence"], f["event_type"], f["recorded_at"],
                  f["stored_sha256"], f["previous_leaf"], h) for i, f, h in rows])
        for _, _, h in rows:
            self.tree.append(h)
        return len(rows)

    def checkpoint(self) -> Checkpoint | None:
        """Sign the current tree if it grew since the last checkpoint."""
        if not self._loaded:
            self.load()
        size = self.tree.size
        last = self.checkpoints()
        if size == 0 or (last and last[-1].size >= size):
            return None
        heads = sorted(((s, v, h) for s, (v, h) in self.heads.items()), key=lambda r: r[0].encode())
        map_root = root_of(self.map_hashes(heads))
        root = self.tree.root()
        note = sign_note(checkpoint_text(self.origin, size, root, map_root), self.key_name, self.key)
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("INSERT INTO {} (size, root, map_root, note) VALUES (%s,%s,%s,%s)").format(
                self._t("checkpoints")), (size, root, map_root, note))
        log.info("tlog_checkpoint_signed", size=size, root=root.hex())
        return Checkpoint(size, root, map_root, note)


def follow(tlog: TransparencyLog, source, peek, *, batch: int = 1000, every_events: int = 1000,
           every_s: float = 60.0, once: bool = False, publish: Callable[[Checkpoint], None] | None = None,
           stop: Callable[[], bool] = lambda: False) -> int:
    """Follow the notification log: leaves for new events; a checkpoint every N events or S seconds.

    With `once`, catch up, sign a checkpoint of what was read, and return the number of leaves added.
    """
    tlog.load()
    added, since, last_sign = 0, 0, time.monotonic()
    while not stop():
        notes = list(source.select_notifications(tlog.position + 1, batch))
        n = tlog.append(notes, peek)
        added, since = added + n, since + n
        if since and (since >= every_events or time.monotonic() - last_sign >= every_s or (once and not notes)):
            cp = tlog.checkpoint()
            if cp is not None and publish is not None:
                publish(cp)
            since, last_sign = 0, time.monotonic()
        if not notes:
            if once:
                break
            time.sleep(0.5)
    return added
