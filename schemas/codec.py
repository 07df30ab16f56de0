"""Avro single-object encoding of domain events (the bytes of every Kafka value).

A message is:

    C3 01                     two marker bytes (single-object encoding, format 1)
    8 bytes                   CRC-64-AVRO fingerprint of the writer schema's
                              Parsing Canonical Form, little-endian
    Avro binary body          the datum, written with that schema

`decode` looks the writer schema up by fingerprint (in the store, then in an
optional fallback such as the Kafka schema catalogue) and resolves the body into
the *current* schema of the event type, so events written before a schema
evolved still decode. Anything it cannot do raises: UnknownSchemaError for an
unknown fingerprint, CorruptMessageError for malformed bytes. It never guesses.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from schemas.errors import CorruptMessageError, SchemaError, UnknownSchemaError
from schemas.events import DomainEvents
from schemas.store import SchemaStore, SchemaVersion

MARKER = b"\xc3\x01"
HEADER_SIZE = len(MARKER) + 8

# A fallback gets a fingerprint the store does not know and returns
# (event_type, schema JSON) or None. `schemas.catalogue.CatalogueLookup` is one.
Fallback = Callable[[bytes], "tuple[str, dict] | None"]


@dataclass(frozen=True)
class Decoded:
    """A decoded message: the datum in the current schema and where it came from."""

    event_type: str
    writer: SchemaVersion  # the version the producer wrote with
    reader: SchemaVersion  # the current version the datum was resolved into
    datum: dict


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_PEEKED = ("event_id", "event_type", "stream_id", "sequence", "occurred_at", "recorded_at")


@dataclass(frozen=True)
class Peeked:
    """The leading envelope fields of a message, as `Codec.peek` reads them."""

    writer: SchemaVersion
    event_id: str
    stream_id: str
    sequence: int
    occurred_at: datetime  # UTC
    recorded_at: datetime  # UTC

    @property
    def event_type(self) -> str:
        return self.writer.event_type


def _envelope_prefix(writer: SchemaVersion) -> dict:
    """A schema of the envelope's leading fields (through recorded-at), logical types as primitives."""
    fields = writer.schema.get("fields") or [{}]
    envelope = fields[0].get("type") if fields[0].get("name") == "envelope" else None
    names = [f["name"] for f in envelope["fields"]] if isinstance(envelope, dict) else []
    if names[:len(_PEEKED)] != list(_PEEKED):
        raise SchemaError(f"{writer.label}: the record does not open with the envelope fields {', '.join(_PEEKED)}")
    leading = []
    for f in envelope["fields"][:len(_PEEKED)]:
        kind = f["type"]
        if isinstance(kind, dict) and kind.get("logicalType") and isinstance(kind.get("type"), str):
            kind = kind["type"]  # uuid → string, timestamp-micros → long: the values as written
        leading.append({"name": f["name"], "type": kind})
    return {"type": "record", "name": writer.schema["name"], "namespace": writer.schema.get("namespace", ""),
            "fields": [{"name": "envelope", "type": {"type": "record", "name": envelope["name"],
                                                      "namespace": envelope.get("namespace", ""), "fields": leading}}]}


def split_message(data: bytes) -> tuple[bytes, bytes]:
    """(fingerprint, body) of a single-object encoded message; CorruptMessageError if malformed."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CorruptMessageError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise CorruptMessageError(
            f"message of {len(data)} bytes is shorter than the {HEADER_SIZE}-byte single-object header"
        )
    if data[:2] != MARKER:
        raise CorruptMessageError(f"bad marker {data[:2].hex()}: expected c301 (Avro single-object encoding)")
    return data[2:HEADER_SIZE], data[HEADER_SIZE:]


def encode_datum(version: SchemaVersion, datum: dict) -> bytes:
    """Single-object encode `datum` with the schema `version` (datum must already be valid)."""
    buffer = io.BytesIO()
    buffer.write(MARKER)
    buffer.write(version.fingerprint)
    schemaless_writer(buffer, version.parsed, datum)
    return buffer.getvalue()


def read_body(body: bytes, writer: Any, reader: Any, what: str) -> dict:
    """Read an Avro binary body written with `writer` into `reader`; every byte must be used."""
    buffer = io.BytesIO(body)
    try:
        datum = schemaless_reader(buffer, writer, reader)
    except SchemaError:
        raise
    except Exception as exc:  # fastavro raises EOFError, IndexError, UnicodeDecodeError, ...
        raise CorruptMessageError(f"{what}: body does not decode ({type(exc).__name__}: {exc})") from None
    left = len(body) - buffer.tell()
    if left:
        raise CorruptMessageError(f"{what}: {left} byte(s) left after the body; the message is corrupt")
    return datum


class Codec:
    """Encodes domain events and decodes messages, with the schema versions of a store."""

    def __init__(self, store: SchemaStore, events: DomainEvents | None = None, fallback: Fallback | None = None,
                 sealer: Any = None):
        self.store = store
        self._events = events
        self.fallback = fallback
        # The key service sealing personal fields (schemas.sealing.Sealer); without one, an event
        # with a personal value is refused and decoded data keeps its sealed values.
        self.sealer = sealer
        self._fetched: dict[bytes, SchemaVersion] = {}
        self._envelope_prefixes: dict[bytes, tuple[SchemaVersion, Any]] = {}

    @property
    def events(self) -> DomainEvents:
        if self._events is None:
            from schemas.events import domain_events

            self._events = domain_events()
        return self._events

    # -- encoding -------------------------------------------------------------

    def encode(self, event: Any) -> bytes:
        """The single-object encoding of a domain event with the latest schema of its type.

        Raises EventValidationError (with the field path) if the event does not fit.
        """
        from schemas.records import datum_for

        et = self.events.of(event)
        version = self.store.latest(et.name)
        return encode_datum(version, datum_for(et, version.parsed, event, self._sealing(event)))

    def _sealing(self, event: Any) -> Callable[[str, bytes], dict] | None:
        if self.sealer is None:
            return None
        from schemas.sealing import associated_data, subject_of

        sealer, subject = self.sealer, subject_of(event)
        stream, sequence = event.originator_id, event.originator_version
        return lambda path, plaintext: sealer.seal(subject, associated_data(stream, sequence, path), plaintext)

    def opened(self, decoded: Decoded, keep_sealed: Callable[[str], bool] | None = None,
               erased: Callable[[str, Any], Any] | None = None) -> Decoded:
        """`decoded` with its sealed values decrypted by the key service (in place); `keep_sealed(path)`
        keeps a value as a `SealedValue`, `erased(path, plain)` stands for a value whose key is gone."""
        from schemas.sealing import SealingError, open_datum, opener_with

        if self.sealer is None:
            raise SealingError("no key service: sealed values cannot be opened")
        envelope = decoded.datum["envelope"]
        open_datum(decoded.datum, decoded.reader.schema,
                   opener_with(self.sealer, envelope["stream_id"], envelope["sequence"], keep_sealed, erased))
        return decoded

    def fingerprint_of(self, event: Any) -> bytes:
        """The fingerprint `encode` puts on `event` (for the message headers)."""
        return self.store.latest(self.events.of(event).name).fingerprint

    # -- decoding -------------------------------------------------------------

    def writer_version(self, fp: bytes) -> SchemaVersion:
        """The schema version with fingerprint `fp`: from the store, else from the fallback."""
        try:
            return self.store.by_fingerprint(fp)
        except UnknownSchemaError:
            if fp in self._fetched:
                return self._fetched[fp]
            found = self.fallback(fp) if self.fallback else None
            if found is None:
                raise UnknownSchemaError(
                    fp,
                    "not in the local schema store"
                    + (" nor in the schema catalogue" if self.fallback else "; no catalogue lookup configured"),
                ) from None
            event_type, schema = found
            version = SchemaVersion(event_type, 0, schema)
            if version.fingerprint != fp:
                raise UnknownSchemaError(fp, f"the catalogue returned a schema with fingerprint {version.fingerprint.hex()}") from None
            self._fetched[fp] = version
            return version

    def decode(self, data: bytes) -> Decoded:
        """Decode a message into the datum of the current schema of its event type."""
        fp, body = split_message(data)
        writer = self.writer_version(fp)
        try:
            reader = self.store.latest(writer.event_type)
        except SchemaError:
            reader = writer  # an event type this consumer does not know yet: read as written
        datum = read_body(body, writer.parsed, reader.parsed, writer.label)
        return Decoded(writer.event_type, writer, reader, datum)

    def peek(self, data: bytes) -> Peeked:
        """What a message's envelope says about it, without decoding the event's own fields.

        The envelope is the first field of every record and opens with event id, event type,
        stream id, sequence, occurred-at and recorded-at, so those are the first bytes of the
        body: they are read with a schema of just those fields (per writer version, as
        written), and the rest of the message is neither read nor checked (`decode` does that).
        """
        fp, body = split_message(data)
        try:
            writer, prefix = self._envelope_prefixes[fp]
        except KeyError:
            writer = self.writer_version(fp)
            prefix = parse_schema(_envelope_prefix(writer), named_schemas={})
            self._envelope_prefixes[fp] = writer, prefix
        try:
            head = schemaless_reader(io.BytesIO(body), prefix, None)["envelope"]
        except Exception as exc:  # fastavro raises EOFError, IndexError, UnicodeDecodeError, ...
            raise CorruptMessageError(f"{writer.label}: envelope does not decode ({type(exc).__name__}: {exc})") from None
        return Peeked(writer, head["event_id"], head["stream_id"], head["sequence"],
                      _EPOCH + timedelta(microseconds=head["occurred_at"]),
                      _EPOCH + timedelta(microseconds=head["recorded_at"]))

    def decode_event(self, data: bytes) -> Any:
        """Decode a message all the way to the domain event object."""
        from schemas.records import from_record

        decoded = self.decode(data)
        if self.sealer is not None:
            self.opened(decoded)
        return from_record(decoded.event_type, decoded.datum, events=self.events)


_default: Codec | None = None
_default_sealer: Any = None


def install_default_sealer(sealer: Any) -> None:
    """The key service of this process (set by the composition root): the default codec seals and opens with it."""
    global _default_sealer
    _default_sealer = sealer
    if _default is not None:
        _default.sealer = sealer


def default_codec() -> Codec:
    """The codec over the real domain and the schemas shipped in `schemas/avsc`."""
    global _default
    if _default is None:
        from schemas.store import default_store

        _default = Codec(default_store(), sealer=_default_sealer)
    return _default


def encode(event: Any) -> bytes:
    """Single-object encode a domain event (default codec)."""
    return default_codec().encode(event)


def decode(data: bytes) -> Decoded:
    """Decode a single-object encoded message (default codec)."""
    return default_codec().decode(data)


def decode_event(data: bytes) -> Any:
    """Decode a message to the domain event (default codec)."""
    return default_codec().decode_event(data)


__all__ = ["MARKER", "Codec", "Decoded", "Peeked", "decode", "decode_event", "default_codec", "encode", "encode_datum",
           "split_message"]
