"""Golden vectors: example messages (hex) with their decoded JSON, for downstream implementers.

`schemas/golden/vectors.json` holds, for every schema version, an example event
encoded with single-object encoding and the datum it decodes to (with that
version as both writer and reader). An implementation in any language can check
itself against it: strip the 10-byte header, look the schema up by fingerprint,
decode the body, compare with `datum`.

JSON form of a datum: records as objects, enums as their symbol, unions as the
plain value (null or the value; no Avro JSON-encoding tags), timestamp-micros as
ISO 8601 UTC with microseconds (`2025-03-10T14:30:05.123456Z`), dates as
`YYYY-MM-DD`, UUIDs as canonical strings.

Regeneration (`caseledger schemas vectors`) keeps the vectors of earlier
versions and adds the missing ones, so old messages stay in the test set.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

from schemas.codec import Codec, read_body, split_message
from schemas.events import DomainEvents
from schemas.examples import example_event
from schemas.store import SchemaStore

class GoldenSealer:
    """Seals the vectors' personal fields under the published test data key `GOLDEN_DATA_KEY` (never a real one),
    with the synthetic nonce of the key service: an implementer can check decryption too."""

    def seal(self, subject: uuid.UUID, associated_data: bytes, plaintext: bytes) -> dict:
        import hashlib
        import hmac

        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = hmac.new(GOLDEN_DATA_KEY, associated_data + b"\x00" + plaintext, hashlib.sha256).digest()[:12]
        return {"key_id": f"{subject}/1", "nonce": nonce,
                "ciphertext": AESGCM(GOLDEN_DATA_KEY).encrypt(nonce, plaintext, associated_data)}

    def open(self, key_id: str, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes | None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        from cryptography.exceptions import InvalidTag

        from schemas.sealing import SealingError

        try:
            return AESGCM(GOLDEN_DATA_KEY).decrypt(nonce, ciphertext, associated_data)
        except InvalidTag:
            raise SealingError("a sealed value does not authenticate") from None


GOLDEN_DATA_KEY = bytes(range(32))  # 000102…1f: the test key of the golden vectors only
VECTORS_PATH = Path(__file__).resolve().parent / "golden" / "vectors.json"
FORMAT = "caseledger-golden-vectors/1"


def to_json(value: Any) -> Any:
    """The JSON form of a decoded Avro datum (see the module docstring)."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()  # sealed values' nonce and ciphertext
    return value


def build_vectors(store: SchemaStore, events: DomainEvents, existing: list[dict] | None = None) -> list[dict]:
    """The vectors for the latest version of every event type, plus the `existing` ones kept."""
    codec = Codec(store, events, sealer=GoldenSealer())
    kept = {(v["event_type"], v["version"], v["case"]): v for v in existing or []}
    for et in events:
        latest = store.latest(et.name)
        for case, fill in (("full", True), ("minimal", False)):
            key = (et.name, latest.version, case)
            if key in kept:
                continue
            data = codec.encode(example_event(et, fill_optional=fill))
            _, body = split_message(data)
            datum = read_body(body, latest.parsed, latest.parsed, latest.label)
            kept[key] = {
                "event_type": et.name,
                "version": latest.version,
                "case": case,
                "fingerprint": latest.fingerprint_hex,
                "schema_file": f"avsc/{et.name}/v{latest.version}.avsc",
                "hex": data.hex(),
                "datum": to_json(datum),
            }
    return [kept[k] for k in sorted(kept)]


def write_vectors(store: SchemaStore, events: DomainEvents, path: Path = VECTORS_PATH) -> int:
    """(Re)write the vectors file, keeping earlier vectors; returns how many it holds."""
    existing = read_vectors(path) if path.exists() else []
    vectors = build_vectors(store, events, existing)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": FORMAT, "doc": __doc__.split("\n\n")[0].strip(), "vectors": vectors}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(vectors)


def read_vectors(path: Path = VECTORS_PATH) -> list[dict]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if document.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown format {document.get('format')!r}, expected {FORMAT!r}")
    return document["vectors"]


def verify_vectors(store: SchemaStore, path: Path = VECTORS_PATH) -> list[str]:
    """Problems found when decoding every vector with the stored schemas (empty when all is well)."""
    problems = []
    codec = Codec(store)
    for vector in read_vectors(path):
        label = f"{vector['event_type']} v{vector['version']} ({vector['case']})"
        try:
            data = bytes.fromhex(vector["hex"])
            fp, body = split_message(data)
            writer = store.versions(vector["event_type"])[vector["version"] - 1]
            if fp.hex() != vector["fingerprint"] or writer.fingerprint != fp:
                problems.append(f"{label}: fingerprint {fp.hex()} does not match {writer.label}")
                continue
            datum = read_body(body, writer.parsed, writer.parsed, writer.label)
            if to_json(datum) != vector["datum"]:
                problems.append(f"{label}: decodes to a different datum than the one recorded")
            codec.decode(data)  # and into the current version of the event type
        except Exception as exc:  # report every vector, not just the first failure
            problems.append(f"{label}: {type(exc).__name__}: {exc}")
    return problems
