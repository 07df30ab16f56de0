"""Builders of hand-made LedgerEvents for the read-model tests (defaults overridable).

`a_case()` and `a_unit()` give a stream that numbers its own entries, so a test
reads like the story it tells::

    case = a_case()
    case.registered(birth_date=date(2009, 5, 1))
    case.intake(on="2026-03-02")
    room = case.room("B2", on="2026-03-03")
    case.corrected(room, room="B3", on="2026-03-04")
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from domain.calendar import CUIABA
from projections.decoding import LedgerEvent, SourceDoc

UNIT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "test-unit-1"))
OTHER_UNIT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "test-unit-2"))


def at(day: str | dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in Cuiabá on `day` (ISO text or a date)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CUIABA)


def an_event(event_type: str, /, *, stream_id: str | None = None, sequence: int = 1, occurred_at: dt.datetime | None = None,
             recorded_at: dt.datetime | None = None, actor_id: str = "staff-007", actor_role: str = "agente_socioeducativo",
             unit_id: str = UNIT_ID, source_document: SourceDoc | None = None,
             personal: frozenset[str] = frozenset(), **data: Any) -> LedgerEvent:
    occurred_at = occurred_at or at("2026-03-02")
    return LedgerEvent(
        event_type=event_type, stream_id=stream_id or str(uuid.uuid4()), sequence=sequence,
        occurred_at=occurred_at, recorded_at=recorded_at or occurred_at + dt.timedelta(minutes=5),
        actor_id=actor_id, actor_role=actor_role, unit_id=unit_id, source_document=source_document,
        event_id=str(uuid.uuid5(uuid.NAMESPACE_OID, f"{stream_id}:{sequence}")), data=data, personal=personal)


class _Stream:
    aggregate = ""

    def __init__(self, stream_id: str | None = None, unit_id: str = UNIT_ID) -> None:
        self.id = stream_id or str(uuid.uuid4())
        self.unit_id = unit_id
        self.events: list[LedgerEvent] = []

    def add(self, event_name: str, /, on: str | dt.date = "2026-03-02", hour: int = 10,
            recorded: dt.datetime | None = None, **kw: Any) -> LedgerEvent:
        """Append an event; returns it (its `.sequence` is what corrections name)."""
        kw.setdefault("unit_id", self.unit_id)
        event = an_event(f"{self.aggregate}.{event_name}", stream_id=self.id, sequence=len(self.events) + 1,
                         occurred_at=at(on, hour), recorded_at=recorded, **kw)
        self.events.append(event)
        return event

    def corrected(self, target: LedgerEvent, on: str = "2026-03-20", recorded: dt.datetime | None = None,
                  **fields: Any) -> LedgerEvent:
        """An EntryCorrected of `target` (field=new value), authorised by a gerente."""
        return self.add("EntryCorrected", on=on, recorded=recorded, actor_role="lider_de_equipe",
                        personal=frozenset({"corrections[].value", "reason"}),
                        target_version=target.sequence, reason="typed the wrong value",
                        corrections=[{"field": k, "value": str(v)} for k, v in fields.items()],
                        authorised_by={"id": "staff-100", "role": "gerente"})

    def voided(self, target: LedgerEvent, on: str = "2026-03-20", recorded: dt.datetime | None = None) -> LedgerEvent:
        return self.add("EntryVoided", on=on, recorded=recorded, actor_role="lider_de_equipe",
                        personal=frozenset({"reason"}), target_version=target.sequence,
                        reason="recorded by mistake", authorised_by={"id": "staff-100", "role": "gerente"})


class CaseStream(_Stream):
    aggregate = "Case"

    def registered(self, birth_date: dt.date = dt.date(2009, 5, 1), sex: str = "masculino", on: str = "2026-03-02",
                   **kw: Any) -> LedgerEvent:
        return self.add("AdolescentRegistered", on=on, hour=8, birth_date=birth_date, sex=sex,
                        name="Fulano de Tal", civil_document="RG 123", family_comarca="Cuiabá",
                        personal=frozenset({"name", "civil_document", "filiation", "family_address", "social_name"}),
                        **kw)

    def intake(self, modality: str = "semiliberdade", on: str = "2026-03-02", origin: str = "delegacia",
               apprehended_on: dt.date | None = None, exceptions: list | None = None, **kw: Any) -> LedgerEvent:
        return self.add("IntakeRecorded", on=on, modality=modality, origin=origin, apprehended_on=apprehended_on,
                        days_in_police_custody=1, escort_name="Policial X", exceptions=exceptions or [],
                        personal=frozenset({"escort_name", "escort_document", "exceptions[].justification"}), **kw)

    def room(self, room: str, on: str = "2026-03-03", **kw: Any) -> LedgerEvent:
        return self.add("RoomAssigned", on=on, room=room, reason="alocacao_inicial", exceptions=[], **kw)

    def decision(self, decision: str = "manutencao", effective_on: dt.date = dt.date(2026, 6, 1),
                 new_modality: str | None = None, on: str | None = None) -> LedgerEvent:
        return self.add("MeasureDecisionRecorded", on=on or effective_on.isoformat(), decision=decision,
                        new_modality=new_modality, effective_on=effective_on, raw_text="decisão",
                        personal=frozenset({"raw_text"}))

    def transfer(self, destination: str = OTHER_UNIT_ID, on: str = "2026-04-01") -> LedgerEvent:
        return self.add("TransferCompleted", on=on, origin_unit_id=self.unit_id, destination_unit_id=destination,
                        pia_and_history_sent=True, vehicle="van", exceptions=[])

    def released(self, on: str = "2026-09-01", basis: str = "extincao_por_cumprimento", hour: int = 10) -> LedgerEvent:
        return self.add("Released", on=on, hour=hour, basis=basis, documents_delivered=True, belongings_returned=True,
                        termo_de_desligamento_signed=True, family_present=True, exceptions=[])


class UnitStream(_Stream):
    aggregate = "Unit"

    def __init__(self, stream_id: str = UNIT_ID) -> None:
        super().__init__(stream_id, unit_id=stream_id)

    def defined(self, capacity: int = 20, unit_type: str = "semiliberdade", on: str = "2026-01-05") -> LedgerEvent:
        return self.add("UnitCapacityDefined", on=on, unit_code="SL-CBA", name="Semiliberdade Cuiabá",
                        unit_type=unit_type, capacity=capacity, sex="masculino", min_age=12, max_age=20,
                        comarca="Cuiabá", required_intake_documents=[])

    def admitted(self, case_id: str, on: str = "2026-03-02", reason: str = "nova_admissao") -> LedgerEvent:
        return self.add("ResidentAdmitted", on=on, case_id=case_id, reason=reason, exceptions=[])

    def departed(self, case_id: str, on: str, reason: str = "desligamento") -> LedgerEvent:
        return self.add("ResidentDeparted", on=on, case_id=case_id, reason=reason)

    def moved(self, case_id: str, room: str, on: str = "2026-03-03") -> LedgerEvent:
        return self.add("ResidentMoved", on=on, case_id=case_id, room=room)


def a_case(**kw: Any) -> CaseStream:
    return CaseStream(**kw)


def a_unit(**kw: Any) -> UnitStream:
    return UnitStream(**kw)
