"""Sealed personal fields: what the contract says about them, independent of any cipher.

A field the domain marks personal (ECA art. 143; LGPD art. 14, children's data) is written
as a `Sealed` record — key id, nonce, ciphertext — in place of its value, so the stored
bytes, and so the bytes Kafka carries, hold no personal data in clear, and any Avro reader
still decodes every event from the .avsc alone. The field keeps `"personal": true` and gains
`"plaintext"`: the Avro schema of the value. The ciphertext is the AES-256-GCM encryption
of the value's Avro binary encoding under that schema, with associated data
`stream_id ‖ 0x00 ‖ sequence ‖ 0x00 ‖ field path` (path with array indexes, e.g.
`exceptions[0].justification`), so a ciphertext moved to another event or field fails.

An optional field is `["null", Sealed]` (a missing value stays null); an array of personal
values is an array of `Sealed`, one per item (path `needs[2]`).

This module knows the format only; the keys and the cipher are the key service's
(`infra.persistence.keys`), reached through the `Sealer` protocol.
"""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from schemas.events import TYPES_NAMESPACE

PLAINTEXT_ATTR = "plaintext"
SEALED_NAME = f"{TYPES_NAMESPACE}.Sealed"
SEALED_FIELDS = ("key_id", "nonce", "ciphertext")
SEALED_SCHEMA = {
    "type": "record",
    "name": "Sealed",
    "namespace": TYPES_NAMESPACE,
    "doc": "A personal value, encrypted under the data key of its subject (the adolescent of the case): "
           "AES-256-GCM of the value's Avro binary encoding under the field's 'plaintext' schema, associated "
           "data = stream_id, 0x00, sequence (decimal), 0x00, field path (with array indexes). Without the "
           "key it reveals nothing but its length; once the key is destroyed (erasure) it cannot be read.",
    "fields": [
        {"name": "key_id", "type": "string",
         "doc": "Id of the data key: the subject's id (the case id) and the key version, 'CASE_ID/1'."},
        {"name": "nonce", "type": "bytes", "doc": "The 12-byte AES-GCM nonce, random per value."},
        {"name": "ciphertext", "type": "bytes", "doc": "The ciphertext followed by the 16-byte GCM tag."},
    ],
}

# What an open() gives for a value whose key was destroyed (LGPD art. 16: erased).
ERASED = "(erased)"


class Sealer(Protocol):
    """The key service as the codec sees it."""

    def seal(self, subject: uuid.UUID, associated_data: bytes, plaintext: bytes) -> dict:
        """A `Sealed` datum for `plaintext` under the subject's data key."""

    def open(self, key_id: str, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes | None:
        """The plaintext; None if the key was destroyed. Raises if the ciphertext was tampered with."""


class ToSeal:
    """A personal value converted and Avro-encoded, waiting for its path and key (see `records.datum_for`)."""

    __slots__ = ("plaintext",)

    def __init__(self, plaintext: bytes) -> None:
        self.plaintext = plaintext


@dataclass(frozen=True)
class SealedValue:
    """A personal value kept sealed (a reader without the key, or a read model)."""

    key_id: str
    nonce: bytes
    ciphertext: bytes

    def datum(self) -> dict:
        return {"key_id": self.key_id, "nonce": self.nonce, "ciphertext": self.ciphertext}


class SealingError(Exception):
    """A personal value could not be sealed or opened (no key service, tampered ciphertext)."""


def associated_data(stream_id: Any, sequence: int, path: str) -> bytes:
    return f"{stream_id}\x00{sequence}\x00{path}".encode()


def subject_of(event: Any) -> uuid.UUID:
    """The data subject of an event: the case its fields describe.

    A Case event's subject is its stream (one adolescent's case); a Unit event about one
    youth (`case_id`) is sealed under that youth's key, so erasing the case erases it too;
    other Unit events (incidents naming several youths, visitor access) under the unit's key.
    """
    case_id = getattr(event, "case_id", None)
    return case_id if isinstance(case_id, uuid.UUID) else event.originator_id


def is_sealed(value: Any) -> bool:
    return type(value) is dict and len(value) == 3 and "ciphertext" in value and "nonce" in value and "key_id" in value


def plaintext_bytes(parsed_plain: Any, datum: Any) -> bytes:
    buffer = io.BytesIO()
    schemaless_writer(buffer, parsed_plain, datum)
    return buffer.getvalue()


def plaintext_value(parsed_plain: Any, data: bytes) -> Any:
    return schemaless_reader(io.BytesIO(data), parsed_plain, None)


def seal_datum(datum: dict, seal: Callable[[str, bytes], dict]) -> dict:
    """Replace every `ToSeal` in `datum` (in place) by `seal(path, plaintext)`."""
    _seal_walk(datum, "", seal)
    return datum


def _seal_walk(value: Any, path: str, seal: Callable[[str, bytes], dict]) -> Any:
    if type(value) is dict:
        for key, inner in value.items():
            here = f"{path}.{key}" if path else key
            if type(inner) is ToSeal:
                value[key] = seal(here, inner.plaintext)
            elif type(inner) in (dict, list):
                _seal_walk(inner, here, seal)
    elif type(value) is list:
        for i, inner in enumerate(value):
            here = f"{path}[{i}]"
            if type(inner) is ToSeal:
                value[i] = seal(here, inner.plaintext)
            elif type(inner) in (dict, list):
                _seal_walk(inner, here, seal)
    return value


# -- opening ----------------------------------------------------------------------------------

_plain_cache: dict[int, tuple[Any, dict[str, Any]]] = {}


def sealed_fields(schema: Any) -> dict[str, Any]:
    """Pattern path ('exceptions[].justification', 'needs[]') → parsed plaintext schema, for a record schema.

    Patterns use `[]` for array items; `envelope.source_document.process_number` included.
    """
    kept = _plain_cache.get(id(schema))
    if kept is not None and kept[0] is schema:
        return kept[1]
    out: dict[str, Any] = {}
    named: dict[str, Any] = {}

    def walk(s: Any, path: str, seen: frozenset[str]) -> None:
        if isinstance(s, str):
            s = named.get(s, s)
        if isinstance(s, list):
            for branch in s:
                walk(branch, path, seen)
            return
        if not isinstance(s, dict):
            return
        kind = s.get("type")
        if isinstance(kind, (dict, list)):
            walk(kind, path, seen)
            return
        if kind == "record":
            full = s.get("name", "")
            if "namespace" in s and "." not in full:
                full = f"{s['namespace']}.{full}"
            named[full] = s
            if full in seen:
                return
            for f in s.get("fields", []):
                here = f"{path}.{f['name']}" if path else f["name"]
                if f.get("personal") and PLAINTEXT_ATTR in f:
                    plain = parse_schema(f[PLAINTEXT_ATTR], named_schemas={})
                    t = f["type"]
                    arrays = isinstance(t, dict) and t.get("type") == "array"
                    out[f"{here}[]" if arrays else here] = plain
                    continue
                walk(f["type"], here, seen | {full})
        elif kind == "array":
            walk(s.get("items"), f"{path}[]", seen)

    walk(schema, "", frozenset())
    _plain_cache[id(schema)] = (schema, out)
    return out


_INDEX = re.compile(r"\[\d+\]")


def open_datum(datum: dict, schema: Any, opener: Callable[[str, dict, Any], Any]) -> dict:
    """Replace (in place) each sealed value of `datum` by `opener(path, sealed, parsed_plain)`.

    `schema` is the JSON schema the datum was read with; `opener` returns the value to put
    back (the plaintext datum, a `SealedValue`, a marker).
    """
    fields = sealed_fields(schema)
    if fields:
        _open_walk(datum, "", "", fields, opener)
    return datum


def _open_walk(value: Any, path: str, pattern: str, fields: dict, opener: Callable) -> None:
    if type(value) is dict:
        for key, inner in value.items():
            here, pat = (f"{path}.{key}", f"{pattern}.{key}") if path else (key, key)
            if pat in fields and is_sealed(inner):
                value[key] = opener(here, inner, fields[pat])
            elif type(inner) in (dict, list):
                _open_walk(inner, here, pat, fields, opener)
    elif type(value) is list:
        pat = f"{pattern}[]"
        for i, inner in enumerate(value):
            here = f"{path}[{i}]"
            if pat in fields and is_sealed(inner):
                value[i] = opener(here, inner, fields[pat])
            elif type(inner) in (dict, list):
                _open_walk(inner, here, pat, fields, opener)


def pattern_of(path: str) -> str:
    """'exceptions[0].justification' → 'exceptions[].justification'."""
    return _INDEX.sub("[]", path)


def opener_with(sealer: Sealer, stream_id: Any, sequence: int, keep_sealed: Callable[[str], bool] | None = None,
                erased: Callable[[str, Any], Any] | None = None) -> Callable[[str, dict, Any], Any]:
    """An `open_datum` opener decrypting with `sealer` (values whose key is gone → `erased(path, plain)`)."""

    def opener(path: str, sealed: dict, plain: Any) -> Any:
        if keep_sealed is not None and keep_sealed(path):
            return SealedValue(sealed["key_id"], sealed["nonce"], sealed["ciphertext"])
        data = sealer.open(sealed["key_id"], sealed["nonce"], sealed["ciphertext"],
                           associated_data(stream_id, sequence, path))
        if data is None:
            return erased(path, plain) if erased else erased_value(plain)
        return plaintext_value(plain, data)

    return opener


def erased_value(plain: Any) -> Any:
    """What a value whose key was destroyed reads as: ERASED where a text fits, else None (a date, a sex:
    unknown), so an erased event still decodes into its type."""
    branches = plain if isinstance(plain, list) else [plain]
    kinds = {b if isinstance(b, str) else b.get("type") for b in branches}
    if "string" in kinds and not any(isinstance(b, dict) and b.get("logicalType") for b in branches):
        return ERASED
    return None
