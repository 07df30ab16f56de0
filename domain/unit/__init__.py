"""The Unit aggregate (*unidade socioeducativa*): capacity and profile from its Portaria,
who is inside and in which room, the unit's disciplinary incidents and its visitor
suspensions (Reg. art. 61).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calendar import require_aware
from domain.corrections import EntryRef
from domain.unit.capacity import CapacityStage
from domain.unit.core import (
    Resident,
    UnitCore,
    _check_age_range,
    _check_capacity,
    inspection_report_due_on,
    unit_id_for,
)
from domain.unit.occurrences import OccurrencesStage
from domain.unit.oversight import OversightStage
from domain.unit.residents import ResidentsStage
from domain.unit.schooling import SchoolingMonthsStage
from domain.unit.security import SecurityStage
from domain.values import (
    DEFAULT_INTAKE_DOCUMENTS,
    AccessCategory,
    Actor,
    IntakeDocument,
    Sex,
    SourceDocument,
    StaffCategory,
    StaffStatus,
    UnitType,
    require_name,
)

__all__ = ["Resident", "Unit", "inspection_report_due_on", "unit_id_for"]


class Unit(CapacityStage, ResidentsStage, SecurityStage, OversightStage, SchoolingMonthsStage, OccurrencesStage):
    """A socio-educational unit, with the capacity and profile its Portaria sets (Reg. art. 10)."""

    class UnitCapacityDefined(Aggregate.Created, UnitCore.Event):
        """*Portaria de capacidade*: type, capacity and profile of a new unit (E62)."""

        unit_code: str
        name: str
        unit_type: UnitType
        capacity: int
        sex: Sex
        min_age: int
        max_age: int
        comarca: str
        required_intake_documents: tuple[IntakeDocument, ...]

    @staticmethod
    def create_id(unit_code: str, **_: Any) -> UUID:
        """The unit id: uuid5 of the unit's official code."""
        return unit_id_for(unit_code)

    @classmethod
    def define(
        cls,
        *,
        unit_code: str,
        name: str,
        unit_type: UnitType,
        capacity: int,
        sex: Sex,
        comarca: str,
        occurred_at: datetime,
        actor: Actor,
        portaria: SourceDocument,
        min_age: int = 12,
        max_age: int = 20,
        required_intake_documents: tuple[IntakeDocument, ...] = DEFAULT_INTAKE_DOCUMENTS,
    ) -> Unit:
        """Register a unit from its Portaria (*definição de capacidade*)."""
        require_aware(occurred_at)
        require_name(unit_code, "the unit's official code")
        require_name(name, "the unit's name, as in its Portaria")
        _check_capacity(unit_type, capacity)
        _check_age_range(min_age, max_age)
        return cls(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=str(unit_id_for(unit_code)),
            source_document=portaria,
            unit_code=unit_code,
            name=name,
            unit_type=unit_type,
            capacity=capacity,
            sex=sex,
            min_age=min_age,
            max_age=max_age,
            comarca=comarca,
            required_intake_documents=tuple(required_intake_documents),
        )

    @event(UnitCapacityDefined)
    def __init__(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        unit_code: str,
        name: str,
        unit_type: UnitType,
        capacity: int,
        sex: Sex,
        min_age: int,
        max_age: int,
        comarca: str,
        required_intake_documents: tuple[IntakeDocument, ...],
    ) -> None:
        self.unit_code = unit_code
        self.name = name
        self.unit_type = unit_type
        self.capacity = capacity
        self.sex = sex
        self.min_age = min_age
        self.max_age = max_age
        self.comarca = comarca
        self.required_intake_documents = tuple(required_intake_documents)
        self.residents: dict[UUID, Resident] = {}
        self.incidents: dict[UUID, tuple[UUID, ...]] = {}
        self.visitor_suspensions: dict[UUID, date] = {}
        self.vacancies: dict[UUID, date] = {}
        self.accesses: dict[UUID, AccessCategory] = {}
        self.roster: dict[str, tuple[StaffCategory, StaffStatus, int]] = {}
        self.inspections: dict[UUID, date] = {}
        self.reports: set[tuple[int, int | None]] = set()
        self.sipia_exports: list[tuple[date, date]] = []
        self._entries: dict[int, EntryRef] = {1: EntryRef("UnitCapacityDefined", False)}
        self.voided: set[int] = set()
