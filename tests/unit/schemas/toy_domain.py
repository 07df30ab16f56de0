"""A small domain that follows the event-field contract, for testing `schemas` alone.

It exercises every mapping the contract allows (enum with accented values and a
fallback, frozen dataclasses, optional fields, tuples, date, UUID, float, bool,
personal data) and two aggregates that share an event name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Annotated, Any

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic


class _Personal:
    def __repr__(self) -> str:
        return "TOY_PERSONAL"


TOY_PERSONAL = _Personal()


class Role(StrEnum):
    """Role of the person recording."""

    GERENTE = "gerente"
    AGENTE = "agente-socioeducativo"
    TECNICO = "equipe técnica"


class Origin(StrEnum):
    """Where the youth comes from."""

    __fallback__ = "outra"

    DELEGACIA = "delegacia"
    OUTRA = "outra"


@dataclass(frozen=True)
class Actor:
    """Who records."""

    id: Annotated[str, "Staff id."]
    role: Annotated[Role, "Role held."]


@dataclass(frozen=True)
class SourceDocument:
    """Document behind the fact."""

    number: Annotated[str, "Document number."]
    issued_on: Annotated[date | None, "Issue date."] = None


@dataclass(frozen=True)
class Visitor:
    """A visitor."""

    name: Annotated[str, TOY_PERSONAL, "Visitor's name."]
    relationship: Annotated[str, "Relationship to the youth."]


class Case(Aggregate):
    """Toy case."""

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: Actor
        unit_id: str
        source_document: SourceDocument | None

    class IntakeRecorded(Aggregate.Created, Event):
        """The youth entered the unit."""

        name: Annotated[str, TOY_PERSONAL, "Youth's name."]
        birth_date: Annotated[date, TOY_PERSONAL, "Date of birth."]
        origin: Annotated[Origin, "Origin."]
        days_in_police_custody: Annotated[int, "Days in police custody before intake."]
        height_m: Annotated[float, "Height in metres."]
        documents_complete: Annotated[bool, "All documents present."]
        nickname: Annotated[str | None, TOY_PERSONAL, "Nickname, if any."] = None

    class VisitRecorded(Event):
        """Visitors came."""

        visit_id: Annotated[uuid.UUID, "Visit id."]
        visitors: Annotated[tuple[Visitor, ...], "Who came."]
        notes: Annotated[tuple[str, ...], "Notes."] = ()

    class EntryCorrected(Event):
        """Correction of a case entry."""

        target_version: Annotated[int, "Corrected entry."]


class Unit(Aggregate):
    """Toy unit."""

    class Event(Aggregate.Event):
        occurred_at: datetime
        actor: Actor
        unit_id: str
        source_document: SourceDocument | None

    class UnitOpened(Aggregate.Created, Event):
        """A unit opened."""

        capacity: Annotated[int, "Places."]

    class EntryCorrected(Event):
        """Correction of a unit entry."""

        target_version: Annotated[int, "Corrected entry."]


AT = datetime(2025, 3, 10, 14, 30, 5, 123456, tzinfo=timezone.utc)


def envelope(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        occurred_at=AT,
        actor=Actor("staff-17", Role.TECNICO),
        unit_id="SL-CUIABA-01",
        source_document=SourceDocument("GE-2025-0042", date(2025, 3, 7)),
    )
    values.update(overrides)
    return values


STREAM = uuid.UUID("0b9a3c52-5f0e-4a55-8a2b-3d7f6f1e2c11")


def an_intake(**overrides: Any) -> Case.IntakeRecorded:
    """A toy IntakeRecorded event (sequence 1); any field can be overridden, even with a wrong type."""
    fields: dict[str, Any] = dict(
        originator_id=STREAM,
        originator_version=1,
        timestamp=AT,
        originator_topic=get_topic(Case),
        name="Fulano de Tal",
        birth_date=date(2008, 5, 1),
        origin=Origin.DELEGACIA,
        days_in_police_custody=2,
        height_m=1.72,
        documents_complete=True,
        nickname=None,
    )
    fields.update(envelope())
    fields.update(overrides)
    return Case.IntakeRecorded(**fields)


def a_visit(**overrides: Any) -> Case.VisitRecorded:
    """A toy VisitRecorded event (sequence 2 of the same stream)."""
    fields: dict[str, Any] = dict(
        originator_id=STREAM,
        originator_version=2,
        timestamp=AT,
        visit_id=uuid.UUID("6f1c1d7e-8c55-4d1b-9a0e-2f1c7a3b9d10"),
        visitors=(Visitor("Maria", "mae"), Visitor("João", "avo")),
        notes=("trouxe roupas",),
    )
    fields.update(envelope())
    fields.update(overrides)
    return Case.VisitRecorded(**fields)
