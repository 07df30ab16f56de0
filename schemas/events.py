"""Which domain event classes make up the contract, and their stable names.

Domain events are `eventsourcing` event classes nested in the aggregates of
`domain/` (`domain.case.Case`, `domain.unit.Unit`, ...). Their payload is
declared as class annotations; this module finds them and gives each a stable
*event type* name, `<Aggregate>.<EventClass>` (`Case.IntakeRecorded`).

The name is always qualified by the aggregate, so two aggregates may both define
`EntryCorrected` and adding one later never renames the other. The Avro record
keeps the class's own name (`IntakeRecorded`) in the aggregate's namespace
(`br.gov.mt.caseledger.events.case`).
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterable, Iterator

from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate

from schemas.errors import UnknownEventTypeError

NAMESPACE = "br.gov.mt.caseledger.events"
TYPES_NAMESPACE = f"{NAMESPACE}.types"

# Fields the eventsourcing library puts on every event: they become envelope
# fields (stream id, sequence, recorded-at) or are rebuilt on decode (topic).
LIBRARY_FIELDS = ("originator_id", "originator_version", "timestamp", "originator_topic")
# Fields every CaseLedger event declares (domain contract, docs/DOMAIN-DECISIONS.md section 2).
ENVELOPE_FIELDS = ("occurred_at", "actor", "unit_id", "source_document")


@dataclass(frozen=True)
class EventType:
    """One event class of the domain and the names it goes by in the contract."""

    name: str  # stable event type, "Case.IntakeRecorded"
    cls: type
    aggregate: type

    @property
    def record_name(self) -> str:
        return self.cls.__name__

    @property
    def namespace(self) -> str:
        return f"{NAMESPACE}.{self.aggregate.__name__.lower()}"

    @property
    def full_name(self) -> str:
        return f"{self.namespace}.{self.record_name}"

    def payload_fields(self) -> list[dataclasses.Field]:
        """The event's own fields: neither library nor envelope fields, in declaration order."""
        skip = set(LIBRARY_FIELDS) | set(ENVELOPE_FIELDS)
        return [f for f in dataclasses.fields(self.cls) if f.name not in skip]


def _is_created_placeholder(aggregate: type, cls: type) -> bool:
    """True for the `Created` class the library defines when an aggregate names its own.

    The library redefines `Aggregate.Created` on every aggregate; when `__init__`
    triggers another class (`IntakeRecorded`), that `Created` is never triggered
    and is not part of the contract.
    """
    if not issubclass(cls, CanInitAggregate):
        return False
    from eventsourcing import domain as es_domain

    created = getattr(es_domain, "_created_event_classes", {}).get(aggregate)
    if created:
        return cls not in created
    return cls.__name__ == "Created" and not cls.__dict__.get("__annotations__")


def event_classes_of(aggregate: type) -> list[type]:
    """The concrete event classes nested in `aggregate`, in definition order.

    Skipped: the aggregate's base `Event` class, intermediate base classes that
    other nested events extend, and the library's untriggered `Created`.
    """
    nested = [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, CanMutateAggregate) and name != "Event"
    ]
    bases = {b for cls in nested for b in cls.__mro__[1:]}
    return [cls for cls in nested if cls not in bases and not _is_created_placeholder(aggregate, cls)]


class DomainEvents:
    """The set of event types of a domain, looked up by name or by class."""

    def __init__(self, aggregates: Iterable[type], personal_marker: Any = None) -> None:
        self.aggregates = tuple(aggregates)
        self.personal_marker = personal_marker
        types: dict[str, EventType] = {}
        for aggregate in self.aggregates:
            for cls in event_classes_of(aggregate):
                et = EventType(f"{aggregate.__name__}.{cls.__name__}", cls, aggregate)
                types[et.name] = et
        self._by_name = dict(sorted(types.items()))
        self._by_class = {et.cls: et for et in self._by_name.values()}

    def __iter__(self) -> Iterator[EventType]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> list[str]:
        return list(self._by_name)

    def get(self, name: str) -> EventType:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownEventTypeError(
                f"no domain event type {name!r}; known: {', '.join(self._by_name) or 'none'}"
            ) from None

    def of(self, event_or_cls: Any) -> EventType:
        cls = event_or_cls if isinstance(event_or_cls, type) else type(event_or_cls)
        try:
            return self._by_class[cls]
        except KeyError:
            raise UnknownEventTypeError(
                f"{cls.__qualname__} is not an event of the contract's aggregates "
                f"({', '.join(a.__name__ for a in self.aggregates)})"
            ) from None


def _can_be_created(aggregate: type) -> bool:
    """True for an aggregate with its own "created" event; not for the stage classes it is composed of."""
    from eventsourcing import domain as es_domain

    created = getattr(es_domain, "_created_event_classes", {}).get(aggregate, [])
    return any(cls.__name__ != "Created" or cls.__dict__.get("__annotations__") for cls in created)


def _domain_aggregates() -> list[type]:
    """Every aggregate class defined in a module of the `domain` package."""
    import domain

    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(domain.__path__, prefix="domain."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseAggregate)
                and value.__module__ == module.__name__
                and value.__dict__.get("Event") is not None
                and _can_be_created(value)
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[k] for k in sorted(found)]


class _LazyDomain:
    @cached_property
    def events(self) -> DomainEvents:
        try:
            from domain.values import PERSONAL
        except ImportError:  # the domain has not declared personal data yet
            PERSONAL = None
        return DomainEvents(_domain_aggregates(), personal_marker=PERSONAL)


_DOMAIN = _LazyDomain()


def domain_events() -> DomainEvents:
    """The event types of the real `domain/` package (imported on first call)."""
    return _DOMAIN.events
