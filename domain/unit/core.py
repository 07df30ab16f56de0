"""What every stage of the Unit shares: the event envelope, the unit's state types, its queries
and the checks of its Portaria."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5


from domain.calendar import DEFAULT_CALENDAR, BusinessCalendar
from domain.corrections import Correctable
from domain.rules import refuse
from domain.values import UnitType

UNIT_NAMESPACE = uuid5(NAMESPACE_URL, "https://caseledger.mt.gov.br/unit")

# Reg. art. 14 IX; CNMP67 Annex II: the SINASE reference module for semiliberdade is 20.
SEMILIBERDADE_MAX_CAPACITY = 20


def unit_id_for(unit_code: str) -> UUID:
    """Opaque unit id from the unit's official code (CNES/Portaria code)."""
    return uuid5(UNIT_NAMESPACE, unit_code.strip().upper())


@dataclass(frozen=True)
class Resident:
    """A youth inside the unit (state only, never an event field)."""

    case_id: UUID
    room: str | None
    admitted_at: datetime | None = None  # when this stay began: a backdated entry does not end a later stay


def _check_capacity(unit_type: UnitType, capacity: int) -> None:
    if capacity < 1:
        refuse("R-04", "Capacity must be at least 1 place, as set by the unit's Portaria (Reg. art. 10).")
    if unit_type is UnitType.SEMILIBERDADE and capacity > SEMILIBERDADE_MAX_CAPACITY:
        refuse(
            "R-04",
            f"A semiliberdade unit holds at most {SEMILIBERDADE_MAX_CAPACITY} places (Reg. art. 14 IX); "
            "check the Portaria.",
        )


# ECA 2: socio-educational measures apply from 12; ECA 121 §5: release at 21, so the oldest
# youth a unit can hold is 20 in completed years (ages are compared as completed years).
YOUNGEST_AGE, OLDEST_AGE = 12, 20


def _check_age_range(min_age: int, max_age: int) -> None:
    if not YOUNGEST_AGE <= min_age <= OLDEST_AGE or not YOUNGEST_AGE <= max_age <= OLDEST_AGE:
        refuse("D-16", f"The age range {min_age}–{max_age} is outside {YOUNGEST_AGE}–{OLDEST_AGE}: measures start "
                       "at 12 (ECA 2) and end at 21 (ECA 121 §5); check the Portaria.")
    if min_age > max_age:
        refuse("D-16", f"The minimum age {min_age} is above the maximum {max_age}; check the Portaria.")


def inspection_report_due_on(inspected_on: date, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> date:
    """Last day for the inspection report: the 15th of the following month, rolled to the next
    business day when it falls on a weekend or holiday (CNMP67 art. 2 §2–3)."""
    following = date(inspected_on.year + inspected_on.month // 12, inspected_on.month % 12 + 1, 15)
    return calendar.on_or_after(following)


class UnitCore(Correctable):
    """The base of the Unit's stage classes: the envelope of every unit event, and queries."""

    class Event(Correctable.Event):
        """Envelope of every unit event: business time, who recorded it, the unit concerned, the source document."""

    class EntryCorrected(Correctable.EntryCorrected):
        """*Retificação* of an earlier unit entry (E67)."""

    class EntryVoided(Correctable.EntryVoided):
        """*Anulação* of an entry recorded by mistake (E68)."""

    def _envelope_unit_id(self) -> str:
        return str(self.id)

    # --- queries ---------------------------------------------------------------------

    @property
    def occupancy(self) -> int:
        """How many youths have an active stay here (*lotação*)."""
        return len(self.residents)

    def room_of(self, case_id: UUID) -> str | None:
        """The room of a resident, if assigned."""
        resident = self.residents.get(case_id)
        return resident.room if resident else None

    def roommates(self, room: str, *, excluding: UUID | None = None) -> tuple[UUID, ...]:
        """Case ids of residents in ``room``."""
        return tuple(r.case_id for r in self.residents.values() if r.room == room and r.case_id != excluding)

    def is_visitor_suspended(self, visitor_id: UUID, on: date) -> bool:
        """True while the unit's Reg. art. 61 suspension of this visitor lasts."""
        until = self.visitor_suspensions.get(visitor_id)
        return until is not None and on <= until

    def reserved_places(self, on: date, *, excluding: UUID | None = None) -> int:
        """Places reserved by vacancy ofícios still valid on ``on`` and not yet filled."""
        return sum(1 for vid, until in self.vacancies.items() if until >= on and vid != excluding)
