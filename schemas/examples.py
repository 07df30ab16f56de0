"""Deterministic example events built from the type hints of an event class.

Used for the golden vectors (one example of every event type) and by tests that
must cover every event type of the domain without a hand-written builder each.
The values are obviously fictitious; no real person's data ever goes here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from typing import Any

from eventsourcing.domain import CanInitAggregate
from eventsourcing.utils import get_topic

from schemas.events import EventType
from schemas.generate import field_hints, optional_inner, tuple_item, unwrap

EXAMPLE_STREAM = uuid.UUID("00000000-0000-4000-8000-00000000c0de")
EXAMPLE_TIME = dt.datetime(2025, 3, 10, 14, 30, 5, 123456, tzinfo=dt.timezone.utc)
EXAMPLE_DATE = dt.date(2025, 3, 7)


def example_value(hint: Any, name: str, *, fill_optional: bool = True) -> Any:
    """A plausible fictitious value for a field of type `hint` named `name`."""
    bare, _ = unwrap(hint)
    inner = optional_inner(bare)
    if inner is not None:
        return example_value(inner, name) if fill_optional else None
    item = tuple_item(bare)
    if item is not None:
        return (example_value(item, name),)
    if bare is bool:
        return True
    if bare is int:
        return 3
    if bare is float:
        return 1.5
    if bare is str:
        return f"example-{name}"
    if bare is dt.datetime:
        return EXAMPLE_TIME
    if bare is dt.date:
        return EXAMPLE_DATE
    if bare is uuid.UUID:
        return uuid.uuid5(EXAMPLE_STREAM, name)
    if isinstance(bare, type) and issubclass(bare, enum.Enum):
        return list(bare)[0]
    if isinstance(bare, type) and dataclasses.is_dataclass(bare):
        hints = field_hints(bare)
        return bare(**{f.name: example_value(hints[f.name], f.name, fill_optional=fill_optional)
                       for f in dataclasses.fields(bare)})
    raise TypeError(f"no example for {hint!r}")


def example_event(et: EventType, *, sequence: int = 1, fill_optional: bool = True) -> Any:
    """An example event of type `et`: every field set (optional ones too, unless told not to)."""
    hints = field_hints(et.cls)
    kwargs: dict[str, Any] = {
        "originator_id": EXAMPLE_STREAM,
        "originator_version": sequence,
        "timestamp": EXAMPLE_TIME,
    }
    if issubclass(et.cls, CanInitAggregate):
        kwargs["originator_topic"] = get_topic(et.aggregate)
    for f in dataclasses.fields(et.cls):
        if f.name in kwargs:
            continue
        kwargs[f.name] = example_value(hints[f.name], f.name, fill_optional=fill_optional)
    return et.cls(**kwargs)
