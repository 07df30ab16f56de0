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
from typing import Any, Callable

from schemas.errors import EventValidationError
from schemas.events import DomainEvents, EventType
from fastavro import parse_schema

from schemas.generate import enum_symbol, field_hints, optional_inner, tuple_item, unwrap
from schemas.sealing import PLAINTEXT_ATTR, ToSeal, plaintext_bytes, seal_datum

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


_MISSING = object()


def _within(head: str, path: str) -> str:
    """`path` (relative) below the field or item `head`: `a` + `b[0]` → `a.b[0]`, `a` + `[0]` → `a[0]`."""
    if not path:
        return head
    return f"{head}{path}" if path.startswith("[") else f"{head}.{path}"


# Raw enum values seen → their Avro symbols (the sanitising regex would otherwise run per value).
_symbol = functools.lru_cache(maxsize=4096)(enum_symbol)


class _Compiler:
    """Turns a fastavro-parsed schema into functions value → datum that check as they convert.

    Encoding runs for every event saved, so each schema is read once, here, rather than for
    every value. A function raises _Invalid with the path below it; each record field and
    array item puts its name or index in front on the way out.
    """

    def __init__(self, parsed: Any) -> None:
        self.named = parsed.get("__named_schemas", {}) if isinstance(parsed, dict) else {}
        self._named_done: dict[str, Any] = {}
        self.has_personal = False

    def deref(self, schema: Any) -> Any:
        while isinstance(schema, str) and schema in self.named:
            schema = self.named[schema]
        return schema

    def compile(self, schema: Any) -> Any:
        if isinstance(schema, str) and schema in self.named:
            if schema not in self._named_done:
                self._named_done[schema] = None  # a record that refers to itself finds itself at call time
                self._named_done[schema] = self.compile(self.deref(schema))
            done = self._named_done[schema]
            return done if done is not None else (lambda value, name=schema: self._named_done[name](value))
        if isinstance(schema, list):
            return self._union(schema)
        if isinstance(schema, dict):
            kind = schema["type"]
            if isinstance(kind, (dict, list)):
                return self.compile(kind)
            logical = schema.get("logicalType")
            if kind == "record":
                return self._record(schema)
            if kind == "enum":
                return self._enum(schema)
            if kind == "array":
                return self._array(schema)
            if logical == "timestamp-micros":
                return _timestamp
            if logical == "date":
                return _date
            if logical == "uuid":
                return _uuid
            return _primitive(kind)
        return _primitive(schema)

    def _union(self, branches: list) -> Any:
        nullable = "null" in branches
        others = [self.compile(b) for b in branches if b != "null"]
        if nullable and len(others) == 1:
            only = others[0]
            return lambda value: None if value is None else only(value)

        def union(value: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise _Invalid("", "expected a value, got None")
            first_error: _Invalid | None = None
            for convert in others:
                try:
                    return convert(value)
                except _Invalid as exc:
                    first_error = first_error or exc
            assert first_error is not None
            raise first_error

        return union

    def field(self, f: dict) -> Any:
        if f.get("personal") and PLAINTEXT_ATTR in f:
            return self._personal(f["type"], f[PLAINTEXT_ATTR])
        return self.compile(f["type"])

    def _personal(self, field_type: Any, plaintext: Any) -> Any:
        """A personal field: each value checked against its plaintext schema, Avro-encoded, left to seal."""
        self.has_personal = True
        plain = parse_schema(plaintext, named_schemas={})
        convert = _Compiler(plain).compile(plain)

        def one(value: Any) -> ToSeal:
            return ToSeal(plaintext_bytes(plain, convert(value)))

        if isinstance(field_type, list):  # ["null", Sealed]: a missing value stays null
            return lambda value: None if value is None else one(value)
        if isinstance(field_type, dict) and field_type.get("type") == "array":
            def array(value: Any) -> list:
                if not isinstance(value, (tuple, list)):
                    raise _Invalid("", f"expected a tuple, got {_got(value)}")
                out = []
                for i, item in enumerate(value):
                    try:
                        out.append(one(item))
                    except _Invalid as exc:
                        exc.path = _within(f"[{i}]", exc.path)
                        raise
                return out
            return array
        return one

    def _enum(self, schema: dict) -> Any:
        short, listed = schema["name"].rsplit(".", 1)[-1], ", ".join(schema["symbols"])
        symbols = frozenset(schema["symbols"])

        def enum_(value: Any) -> str:
            if not isinstance(value, str):
                raise _Invalid("", f"expected {short}, got {_got(value)}")
            symbol = _symbol(str(value.value) if isinstance(value, enum.Enum) else str(value))
            if symbol not in symbols:
                raise _Invalid("", f"{str(value)!r} is not one of {listed}")
            return symbol

        return enum_

    def _array(self, schema: dict) -> Any:
        convert_item = self.compile(schema["items"])

        def array(value: Any) -> list:
            if not isinstance(value, (tuple, list)):
                raise _Invalid("", f"expected a tuple, got {_got(value)}")
            out = []
            for i, item in enumerate(value):
                try:
                    out.append(convert_item(item))
                except _Invalid as exc:
                    exc.path = _within(f"[{i}]", exc.path)
                    raise
            return out

        return array

    def _record(self, schema: dict) -> Any:
        short = schema["name"].rsplit(".", 1)[-1]
        fields = [(f["name"], "default" in f, self.field(f)) for f in schema["fields"]]

        def record(value: Any) -> dict:
            if value is None or isinstance(value, (str, int, float, bool)):
                raise _Invalid("", f"expected {short}, got {_got(value)}")
            is_dict = isinstance(value, dict)
            out = {}
            for name, has_default, convert in fields:
                item = value.get(name, _MISSING) if is_dict else getattr(value, name, _MISSING)
                if item is _MISSING:
                    if has_default:
                        continue
                    raise _Invalid(name, "missing")
                try:
                    out[name] = convert(item)
                except _Invalid as exc:
                    exc.path = _within(name, exc.path)
                    raise
            return out

        return record


def _timestamp(value: Any) -> Any:
    if not isinstance(value, dt.datetime):
        raise _Invalid("", f"expected a timezone-aware datetime, got {_got(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Invalid("", "expected a timezone-aware datetime, got naive datetime (no time zone)")
    return value


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise _Invalid("", f"expected a date, got {_got(value)}")
    return value


def _uuid(value: Any) -> Any:
    if not isinstance(value, uuid.UUID):
        raise _Invalid("", f"expected a UUID, got {_got(value)}")
    return value


def _primitive(kind: Any) -> Any:
    if kind == "null":
        def null(value: Any) -> None:
            if value is not None:
                raise _Invalid("", f"expected None, got {_got(value)}")
            return None
        return null
    if kind == "string":
        def string(value: Any) -> str:
            if not isinstance(value, str):
                raise _Invalid("", f"expected string, got {_got(value)}")
            return str(value)
        return string
    if kind == "boolean":
        def boolean(value: Any) -> bool:
            if not isinstance(value, bool):
                raise _Invalid("", f"expected bool, got {_got(value)}")
            return value
        return boolean
    if kind in _INT_RANGE:
        low, high = _INT_RANGE[kind]

        def integer(value: Any) -> int:
            if not isinstance(value, int) or isinstance(value, bool):
                raise _Invalid("", f"expected int, got {_got(value)}")
            if not low <= value <= high:
                raise _Invalid("", f"integer out of the range of Avro {kind}")
            return value
        return integer
    if kind in ("float", "double"):
        def real(value: Any) -> float:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise _Invalid("", f"expected float, got {_got(value)}")
            return float(value)
        return real

    def unused(value: Any) -> Any:
        raise _Invalid("", f"Avro type {kind!r} is not used by the contract")
    return unused


@dataclasses.dataclass(frozen=True)
class _DatumPlan:
    """An event schema compiled: top-level fields, and the envelope's with the event attribute each comes from."""

    fields: tuple[tuple[str, bool, Any], ...]  # name, has a default, convert (None: the envelope)
    envelope: tuple[tuple[str, str, bool, Any], ...]  # name, source attribute, has a default, convert
    personal: bool = False  # some field is sealed: the datum holds ToSeal values until sealed


# Plans by id of the parsed schema, kept with the schema itself so that the id stays its own.
_plans: dict[int, tuple[Any, _DatumPlan]] = {}


def _plan_for(parsed: Any) -> _DatumPlan:
    kept = _plans.get(id(parsed))
    if kept is not None and kept[0] is parsed:
        return kept[1]
    compiler = _Compiler(parsed)
    fields, envelope = [], []
    for field in parsed["fields"]:
        if field["name"] == "envelope":
            fields.append(("envelope", False, None))
            for f in compiler.deref(field["type"])["fields"]:
                name = f["name"]
                envelope.append((name, _ENVELOPE_SOURCES.get(name, name), "default" in f, compiler.field(f)))
        else:
            fields.append((field["name"], "default" in field, compiler.field(field)))
    plan = _DatumPlan(tuple(fields), tuple(envelope), compiler.has_personal)
    _plans[id(parsed)] = (parsed, plan)
    return plan


def to_record(event: Any, *, events: DomainEvents | None = None, store: Any = None,
              seal: Callable[[str, bytes], dict] | None = None) -> dict:
    """The Avro datum of `event` for the latest schema of its type.

    Raises EventValidationError (field path and reason) if a value does not fit,
    UnknownEventTypeError if the event type has no schema.
    """
    events, store = _defaults(events, store)
    et = events.of(event)
    version = store.latest(et.name)
    return datum_for(et, version.parsed, event, seal)


def datum_for(et: EventType, parsed: Any, event: Any, seal: Callable[[str, bytes], dict] | None = None) -> dict:
    """The datum of `event` for the fastavro-parsed schema `parsed` (validating as it goes).

    Personal values are sealed with `seal(path, plaintext)` (`schemas.sealing`); without it an
    event holding a personal value is refused (EventValidationError): never written in clear.
    """
    plan = _plan_for(parsed)
    record = _datum(plan, et, event)
    if plan.personal:
        seal_datum(record, seal or _no_key_service(et.name))
    return record


def _no_key_service(event_type: str) -> Callable[[str, bytes], dict]:
    def refuse(path: str, plaintext: bytes) -> dict:
        raise EventValidationError(event_type, path, "a personal value, and no key service to seal it")
    return refuse


def _datum(plan: _DatumPlan, et: EventType, event: Any) -> dict:
    record: dict[str, Any] = {}
    try:
        for name, has_default, convert in plan.fields:
            if convert is None:
                record[name] = _envelope(plan, et, event)
                continue
            value = getattr(event, name, _MISSING)
            if value is _MISSING:
                if has_default:
                    continue
                raise _Invalid(name, "missing")
            try:
                record[name] = convert(value)
            except _Invalid as exc:
                exc.path = _within(name, exc.path)
                raise
    except _Invalid as exc:
        raise EventValidationError(et.name, exc.path, exc.reason) from None
    return record


def _envelope(plan: _DatumPlan, et: EventType, event: Any) -> dict:
    out: dict[str, Any] = {}
    for name, source, has_default, convert in plan.envelope:
        if name == "event_id":
            stream, sequence = getattr(event, "originator_id", None), getattr(event, "originator_version", None)
            if not isinstance(stream, uuid.UUID) or not isinstance(sequence, int):
                value, source = None, "originator_id"
            else:
                value = event_id(stream, sequence)
        elif name == "event_type":
            value = et.name
        else:
            value = getattr(event, source, _MISSING)
            if value is _MISSING:
                if has_default:
                    continue
                raise _Invalid(source, "missing")
        try:
            out[name] = convert(value)
        except _Invalid as exc:
            exc.path = _within(source, exc.path)
            raise
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
    members = {enum_symbol(str(m.value)): m for m in cls}
    # None: a personal value whose key was destroyed (schemas.sealing.erased_value) is unknown.
    return lambda symbol: None if symbol is None else members[symbol]


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


