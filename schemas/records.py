"""Domain event ⇄ Avro datum, checked field by field against the schema.

`to_record(event)` turns a domain event into the datum of its latest schema
version: the library and envelope fields go into the nested `envelope` record,
the payload fields stay at the top level. Each value is checked against the
schema as it is converted, so a bad value fails with its field path in domain
terms (`source_document.number: expected string, got None`), never with a
fastavro internals error. Messages give types, never values (personal data).

`from_record(event_type, datum)` goes the other way: from a datum read with the
current schema to the domain event, with enums, dataclasses and tuples rebuilt.
"""

from __future__ import annotations

import functools

import dataclasses
import datetime as dt
import enum

import uuid
from typing import Any

from schemas.errors import EventValidationError
from schemas.events import DomainEvents, EventType
from schemas.generate import enum_symbol, field_hints, optional_inner, tuple_item, unwrap

_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
# Envelope field → the attribute of the domain event it comes from.
_ENVELOPE_SOURCES = {
    "stream_id": "originator_id",
    "sequence": "originator_version",
    "recorded_at": "timestamp",
}


def event_id(originator_id: uuid.UUID, originator_version: int) -> uuid.UUID:
    """The deterministic event id: uuid5(stream id, decimal sequence)."""
    return uuid.uuid5(originator_id, str(originator_version))


class _Invalid(Exception):
    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason


def _got(value: Any) -> str:
    if value is None:
        return "None"
    return type(value).__name__


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Converter:
    """Walks an Avro schema (fastavro-parsed) and a Python value together."""

    def __init__(self, parsed: Any) -> None:
        self.named = parsed.get("__named_schemas", {}) if isinstance(parsed, dict) else {}

    def deref(self, schema: Any) -> Any:
        while isinstance(schema, str) and schema in self.named:
            schema = self.named[schema]
        return schema

    def convert(self, schema: Any, value: Any, path: str) -> Any:
        schema = self.deref(schema)
        if isinstance(schema, list):
            return self._union(schema, value, path)
        if isinstance(schema, dict):
            kind = schema["type"]
            if isinstance(kind, (dict, list)):
                return self.convert(kind, value, path)
            logical = schema.get("logicalType")
            if kind == "record":
                return self._record(schema, value, path)
            if kind == "enum":
                return self._enum(schema, value, path)
            if kind == "array":
                if not isinstance(value, (tuple, list)):
                    raise _Invalid(path, f"expected a tuple, got {_got(value)}")
                return [self.convert(schema["items"], item, f"{path}[{i}]") for i, item in enumerate(value)]
            if logical == "timestamp-micros":
                if not isinstance(value, dt.datetime):
                    raise _Invalid(path, f"expected a timezone-aware datetime, got {_got(value)}")
                if value.tzinfo is None or value.utcoffset() is None:
                    raise _Invalid(path, "expected a timezone-aware datetime, got naive datetime (no time zone)")
                return value
            if logical == "date":
                if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
                    raise _Invalid(path, f"expected a date, got {_got(value)}")
                return value
            if logical == "uuid":
                if not isinstance(value, uuid.UUID):
                    raise _Invalid(path, f"expected a UUID, got {_got(value)}")
                return value
            return self._primitive(kind, value, path)
        return self._primitive(schema, value, path)

    def _primitive(self, kind: str, value: Any, path: str) -> Any:
        if kind == "null":
            if value is not None:
                raise _Invalid(path, f"expected None, got {_got(value)}")
            return None
        if kind == "string":
            if not isinstance(value, str):
                raise _Invalid(path, f"expected string, got {_got(value)}")
            return str(value)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise _Invalid(path, f"expected bool, got {_got(value)}")
            return value
        if kind in _INT_RANGE:
            if not isinstance(value, int) or isinstance(value, bool):
                raise _Invalid(path, f"expected int, got {_got(value)}")
            low, high = _INT_RANGE[kind]
            if not low <= value <= high:
                raise _Invalid(path, f"integer out of the range of Avro {kind}")
            return value
        if kind in ("float", "double"):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise _Invalid(path, f"expected float, got {_got(value)}")
            return float(value)
        raise _Invalid(path, f"Avro type {kind!r} is not used by the contract")

    def _union(self, branches: list, value: Any, path: str) -> Any:
        if value is None:
            if "null" in branches:
                return None
            raise _Invalid(path, "expected a value, got None")
        others = [b for b in branches if b != "null"]
        first_error: _Invalid | None = None
        for branch in others:
            try:
                return self.convert(branch, value, path)
            except _Invalid as exc:
                first_error = first_error or exc
        assert first_error is not None
        raise first_error

    def _enum(self, schema: dict, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise _Invalid(path, f"expected {schema['name'].rsplit('.', 1)[-1]}, got {_got(value)}")
        symbol = enum_symbol(str(value.value) if isinstance(value, enum.Enum) else value)
        if symbol not in schema["symbols"]:
            raise _Invalid(path, f"{str(value)!r} is not one of {', '.join(schema['symbols'])}")
        return symbol

    def _record(self, schema: dict, value: Any, path: str) -> dict:
        if value is None or isinstance(value, (str, int, float, bool)):
            raise _Invalid(path, f"expected {schema['name'].rsplit('.', 1)[-1]}, got {_got(value)}")
        out = {}
        for f in schema["fields"]:
            name = f["name"]
            if isinstance(value, dict):
                present, item = name in value, value.get(name)
            else:
                present, item = hasattr(value, name), getattr(value, name, None)
            if not present:
                if "default" in f:
                    continue
                raise _Invalid(_join(path, name), "missing")
            out[name] = self.convert(f["type"], item, _join(path, name))
        return out


def to_record(event: Any, *, events: DomainEvents | None = None, store: Any = None) -> dict:
    """The Avro datum of `event` for the latest schema of its type.

    Raises EventValidationError (field path and reason) if a value does not fit,
    UnknownEventTypeError if the event type has no schema.
    """
    events, store = _defaults(events, store)
    et = events.of(event)
    version = store.latest(et.name)
    return datum_for(et, version.parsed, event)


def datum_for(et: EventType, parsed: Any, event: Any) -> dict:
    """The datum of `event` for the fastavro-parsed schema `parsed` (validating as it goes)."""
    converter = _Converter(parsed)
    record: dict[str, Any] = {}
    try:
        for field in parsed["fields"]:
            name = field["name"]
            if name == "envelope":
                record[name] = _envelope(converter, field["type"], et, event)
            elif hasattr(event, name):
                record[name] = converter.convert(field["type"], getattr(event, name), name)
            elif "default" not in field:
                raise _Invalid(name, "missing")
    except _Invalid as exc:
        raise EventValidationError(et.name, exc.path, exc.reason) from None
    return record


def _envelope(converter: _Converter, schema: Any, et: EventType, event: Any) -> dict:
    schema = converter.deref(schema)
    out: dict[str, Any] = {}
    for field in schema["fields"]:
        name = field["name"]
        source = _ENVELOPE_SOURCES.get(name, name)
        if name == "event_id":
            stream, sequence = getattr(event, "originator_id", None), getattr(event, "originator_version", None)
            if not isinstance(stream, uuid.UUID) or not isinstance(sequence, int):
                out[name] = converter.convert(field["type"], None, "originator_id")
                continue
            value = event_id(stream, sequence)
        elif name == "event_type":
            value = et.name
        elif hasattr(event, source):
            value = getattr(event, source)
        elif "default" in field:
            continue
        else:
            raise _Invalid(source, "missing")
        out[name] = converter.convert(field["type"], value, source)
    return out


# -- Avro datum → domain ----------------------------------------------------


def _identity(value: Any) -> Any:
    return value


def _as_uuid(value: Any) -> Any:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _as_aware(value: Any) -> Any:
    # Avro timestamp-micros is UTC; a reader that returns naive datetimes gets UTC put back.
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _decoder(hint: Any) -> Any:
    """A function from an Avro value to the domain value of type `hint` (built once per type)."""
    bare, _ = unwrap(hint)
    inner = optional_inner(bare)
    if inner is not None:
        decode_inner = _decoder(inner)
        return lambda value: None if value is None else decode_inner(value)
    item = tuple_item(bare)
    if item is not None:
        decode_item = _decoder(item)
        return lambda value: tuple(map(decode_item, value))
    if isinstance(bare, type) and issubclass(bare, enum.Enum):
        return _enum_decoder(bare)
    if isinstance(bare, type) and dataclasses.is_dataclass(bare):
        return _dataclass_decoder(bare)
    if bare is uuid.UUID:
        return _as_uuid
    if bare is dt.datetime:
        return _as_aware
    return _identity


@functools.lru_cache(maxsize=None)
def _enum_decoder(cls: type[enum.Enum]) -> Any:
    return {enum_symbol(str(m.value)): m for m in cls}.__getitem__


@functools.lru_cache(maxsize=None)
def _dataclass_decoder(cls: type) -> Any:
    hints = field_hints(cls)
    plan = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(cls)]

    def decode(value: dict) -> Any:
        return cls(**{name: convert(value[name]) for name, convert in plan if name in value})

    return decode


def _from_avro(hint: Any, value: Any) -> Any:
    return _decoder(hint)(value)


@dataclasses.dataclass(frozen=True)
class _EventPlan:
    envelope: tuple[tuple[str, Any], ...]
    payload: tuple[tuple[str, Any], ...]


@functools.lru_cache(maxsize=None)
def _event_plan(et: EventType) -> _EventPlan:
    # Type hints are resolved once per event type: decoding runs for every stored event read.
    hints = field_hints(et.cls)
    return _EventPlan(
        envelope=tuple((name, _decoder(hints[name])) for name in ("occurred_at", "actor", "unit_id", "source_document")),
        payload=tuple((f.name, _decoder(hints[f.name])) for f in et.payload_fields()),
    )


@functools.lru_cache(maxsize=None)
def _created_topic(et: EventType) -> Any:
    from eventsourcing.domain import CanInitAggregate
    from eventsourcing.utils import get_topic

    return issubclass(et.cls, CanInitAggregate) and get_topic(et.aggregate)


def from_record(
    event_type: str, datum: dict, *, events: DomainEvents | None = None
) -> Any:
    """The domain event for a datum read with the current schema of `event_type`."""
    events = events or _defaults(None, None)[0]
    return from_record_of(events.get(event_type), datum)


def from_record_of(et: EventType, datum: dict) -> Any:
    """The domain event of type `et` for a datum read with the current schema of that type."""
    return et.cls(**from_record_kwargs(et, datum, with_topic=_created_topic(et)))


def from_record_kwargs(et: EventType, datum: dict, with_topic: Any = None) -> dict:
    """The keyword arguments of the event class for `datum` (library fields included)."""
    plan = _event_plan(et)
    envelope = datum["envelope"]
    kwargs: dict[str, Any] = {
        "originator_id": _as_uuid(envelope["stream_id"]),
        "originator_version": envelope["sequence"],
        "timestamp": _as_aware(envelope["recorded_at"]),
    }
    for name, convert in plan.envelope:
        kwargs[name] = convert(envelope[name])
    for name, convert in plan.payload:
        if name in datum:
            kwargs[name] = convert(datum[name])
    if with_topic:
        kwargs["originator_topic"] = with_topic
    return kwargs


@functools.lru_cache(maxsize=1)
def _shipped_store() -> Any:
    # Read once per process: validation runs on every save, and the shipped files do not change.
    from schemas.store import default_store

    return default_store()


def _defaults(events: DomainEvents | None, store: Any) -> tuple[DomainEvents, Any]:
    from schemas.events import domain_events

    return events or domain_events(), store or _shipped_store()


