"""The unit's places: capacity redefined by a new Portaria, vacancies released and filled, and
the exceptions an admission over capacity records (E02, E62; Reg. art. 10, 14)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4


from domain.calendar import local_date, require_aware
from domain.rules import refuse
from domain.unit.core import UnitCore, _check_age_range, _check_capacity
from domain.values import Actor, IntakeDocument, PersonalText, RecordedException, Role, SourceDocument, UnitType


class CapacityStage(UnitCore):
    """Capacity: the events of this stage beside the commands that trigger them."""

    def release_vacancy(
        self,
        *,
        vacancy_id: UUID | None = None,
        requesting_process: str,
        valid_until: date,
        occurred_at: datetime,
        actor: Actor,
        oficio: SourceDocument,
    ) -> UUID:
        """Reserve a place for a court referral (*ofício de liberação de vaga*, E02)."""
        vacancy_id = uuid4() if vacancy_id is None else vacancy_id
        on = local_date(occurred_at)
        # Reg. art. 14 IX, 24: the gerente controls vacancies and signs the ofício.
        if actor.role is not Role.GERENTE:
            refuse("R-04", "The gerente releases vacancies (Reg. art. 14 IX).")
        if vacancy_id in self.vacancies:
            refuse("D-02", "This vacancy is already released.")
        if valid_until < on:
            refuse("D-04", "The vacancy must be valid on or after the day it is released.")
        # Occupancy plus reserved places never exceed the Portaria's capacity (HC 143.988).
        if self.occupancy + self.reserved_places(on) >= self.capacity:
            refuse(
                "R-04",
                f"Unit {self.unit_code} has no free place ({self.occupancy} inside, {self.reserved_places(on)} reserved, "
                f"capacity {self.capacity}); do not release a vacancy.",
            )
        self._record(
            self.VacancyReleased,
            occurred_at=occurred_at,
            actor=actor,
            source_document=oficio,
            vacancy_id=vacancy_id,
            requesting_process=requesting_process,
            valid_until=valid_until,
        )
        return vacancy_id

    class VacancyReleased(UnitCore.Event):
        """*Ofício de liberação de vaga*: the gerente reserves a place for a court referral (E02; Reg. art. 14 IX, 24)."""

        vacancy_id: UUID
        requesting_process: PersonalText  # a process number identifies the youth
        valid_until: date

        def apply(self, unit: UnitCore) -> None:
            unit.vacancies[self.vacancy_id] = self.valid_until
            super().apply(unit)

    def check_vacancy(self, vacancy_id: UUID, on: date) -> None:
        """Refuse an intake on an unknown, used or expired vacancy (E03: a valid E02 vacancy)."""
        until = self.vacancies.get(vacancy_id)
        if until is None:
            refuse("R-04", "This vacancy ofício was not released by this unit or is already filled; ask the gerente.")
        if until < on:
            refuse("R-04", f"The vacancy expired on {until.isoformat()}; ask the gerente for a new ofício.")

    def fill_vacancy(self, *, vacancy_id: UUID, case_id: UUID, occurred_at: datetime, actor: Actor) -> None:
        """Mark a reserved place as taken (called by ``Case.record_intake`` in the same save)."""
        self.check_vacancy(vacancy_id, local_date(occurred_at))
        self._record(
            self.VacancyFilled,
            occurred_at=occurred_at,
            actor=actor,
            vacancy_id=vacancy_id,
            case_id=case_id,
        )

    class VacancyFilled(UnitCore.Event):
        """A reserved place is taken by the youth it was released for (E02 → E03)."""

        vacancy_id: UUID
        case_id: UUID

        def apply(self, unit: UnitCore) -> None:
            unit.vacancies.pop(self.vacancy_id, None)
            super().apply(unit)

    def admission_exceptions(
        self,
        *,
        court_ordered_over_capacity: bool,
        justification: str | None,
        on: date | None = None,
        vacancy_id: UUID | None = None,
    ) -> tuple[RecordedException, ...]:
        """Check there is a place; return the exceptions to record when the unit is full.

        Semiliberdade (R-04, HARD): over capacity only with a court order that says so,
        recorded as an exception. Internação (R-05, ALERT): the fact is always recorded,
        with an exception and an alert (HC 143.988 numerus clausus).
        """
        # A youth arriving on a reserved place uses it; other reservations stay counted.
        if vacancy_id is not None:
            return ()
        reserved = self.reserved_places(on) if on is not None else 0
        if self.occupancy + reserved < self.capacity:
            return ()
        if self.unit_type is UnitType.SEMILIBERDADE:
            if not court_ordered_over_capacity or not (justification or "").strip():
                refuse(
                    "R-04",
                    f"Unit {self.unit_code} is full ({self.occupancy}/{self.capacity}). Admit only with a court "
                    "order for admission over capacity and its justification, or ask the Central de Vagas for a place.",
                )
            return (RecordedException("R-04", justification or "", True),)
        return (
            RecordedException(
                "R-05",
                justification or "over capacity; no justification given at recording",
                True,
            ),
        )

    def redefine_capacity(
        self,
        *,
        capacity: int,
        occurred_at: datetime,
        actor: Actor,
        portaria: SourceDocument,
        min_age: int | None = None,
        max_age: int | None = None,
        required_intake_documents: tuple[IntakeDocument, ...] | None = None,
    ) -> None:
        """Apply a new Portaria (*nova portaria de capacidade*, Reg. art. 10)."""
        require_aware(occurred_at)
        _check_capacity(self.unit_type, capacity)
        _check_age_range(self.min_age if min_age is None else min_age, self.max_age if max_age is None else max_age)
        self._record(
            self.UnitCapacityRedefined,
            occurred_at=occurred_at,
            actor=actor,
            source_document=portaria,
            capacity=capacity,
            min_age=self.min_age if min_age is None else min_age,
            max_age=self.max_age if max_age is None else max_age,
            required_intake_documents=tuple(
                self.required_intake_documents if required_intake_documents is None else required_intake_documents
            ),
        )

    class UnitCapacityRedefined(UnitCore.Event):
        """A new Portaria changes capacity or profile (E62)."""

        capacity: int
        min_age: int
        max_age: int
        required_intake_documents: tuple[IntakeDocument, ...]

        def apply(self, unit: UnitCore) -> None:
            unit.capacity = self.capacity
            unit.min_age = self.min_age
            unit.max_age = self.max_age
            unit.required_intake_documents = tuple(self.required_intake_documents)
            super().apply(unit)
