"""The read models agree with the aggregates, reading only what a subscriber reads.

Stories are recorded by the real CaseLedger (in memory), every stored event is
single-object encoded and decoded again with the real codec, and the resulting
LedgerEvents are folded. The case view must say what the Case aggregate says
(status, unit, room, modality, key dates, PIA and reassessment due dates), and
the occupancy what the Unit aggregate says. No infrastructure.
"""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings, strategies as st

from domain.values import (
    DocumentKind, EvasionKind, FieldCorrection, IntakeOrigin, MeasureDecision, Modality, ReleaseBasis,
    RoomChangeReason, UnitType,
)
from projections.audit_trail import AuditTrail
from projections.case_view import CaseViewProjection, views_from_rows
from projections.decoding import make_decoder
from projections.engine import MemoryTables
from projections.legal_clocks import clocks_for
from projections.unit_occupancy import OccupancyData, UnitOccupancy
from schemas.codec import encode
from tests.unit.domain.builders import (
    AGENTE, GERENTE, LIDER, a_court_order, a_unit, an_admitted_youth, an_internacao_unit, new_ledger, on_day,
)


def subscriber_events(ledger) -> list:
    """What a subscriber decodes from the topics: every stored event, encoded and decoded."""
    decode = make_decoder()
    notifications = ledger.recorder.select_notifications(start=1, limit=1_000_000)
    return [decode.decode_value(encode(ledger.mapper.to_domain_event(n))) for n in notifications]


def case_views(events) -> dict:
    t = MemoryTables(CaseViewProjection()).apply_events(events)
    return views_from_rows(t.table("case_facts").values(), t.table("case_voids").values())


def released(ledger, youth, day: int) -> None:
    """Release order received at 09:00 and carried out at 10:00 of day `day` (Reg. art. 105, 107)."""
    ledger.receive_release_order(case_id=youth, protocol_number="LIB-1", occurred_at=on_day(day, 9), actor=GERENTE,
                                 court_order=a_court_order())
    ledger.release(case_id=youth, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True, belongings_returned=True,
                   termo_de_desligamento_signed=True, family_present=True, occurred_at=on_day(day, 10),
                   actor=GERENTE, source_document=a_court_order())


def assert_view_matches_aggregate(view, case) -> None:
    assert view.status == case.status.value
    assert view.unit_id == (case.unit_id or None)
    assert view.room == case.room
    assert view.modality == (case.modality.value if case.modality else None)
    assert view.measure_started_on == case.measure_started_on
    assert view.stay_started_on == case.stay_started_on
    assert view.definitive_since == case.definitive_since
    assert view.last_decision_on == case.last_decision_on
    assert view.quarterly_reassessment == case.quarterly_reassessment
    if view.status in ("ativo", "evadido"):
        assert view.reassessment_due_on() == case.reassessment_due_on()
        pia = [c for c in clocks_for(view, dt.date(2026, 3, 31)) if c.clock == "K-PIA45"]
        assert [c.due_on for c in pia] == ([case.pia_due_on()] if case.pia_due_on() else [])


def test_the_case_view_of_a_life_in_custody_agrees_with_the_case_aggregate():
    ledger = new_ledger()
    unit = an_internacao_unit(ledger, unit_type=UnitType.INTERNACAO_PROVISORIA)
    other = an_internacao_unit(ledger)
    youth = an_admitted_youth(ledger, unit, modality=Modality.PROVISORIA, origin=IntakeOrigin.DELEGACIA)
    ledger.assign_room(case_id=youth, room="A1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(2), actor=GERENTE)
    ledger.record_measure_decision(case_id=youth, decision=MeasureDecision.CONVERSAO_PROVISORIA_EM_DEFINITIVA,
                                   effective_on=on_day(10).date(), raw_text="sentença", occurred_at=on_day(10),
                                   actor=GERENTE, court_document=a_court_order(), new_modality=Modality.INTERNACAO)
    ledger.transfer(case_id=youth, destination_unit_id=other, pia_and_history_sent=True, vehicle="van",
                    occurred_at=on_day(12), actor=GERENTE, court_order=a_court_order(DocumentKind.DECISAO_JUDICIAL))
    events = subscriber_events(ledger)
    assert_view_matches_aggregate(case_views(events)[str(youth)], ledger.case(youth))


def test_evasion_return_and_release_agree_with_the_case_aggregate():
    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = an_admitted_youth(ledger, unit)
    ledger.assign_room(case_id=youth, room="B1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(2), actor=GERENTE)
    ledger.record_evasion(case_id=youth, kind=list(EvasionKind)[0], court_notified=True,
                          superintendencia_notified=True, occurred_at=on_day(5), actor=LIDER)
    views = case_views(subscriber_events(ledger))
    assert_view_matches_aggregate(views[str(youth)], ledger.case(youth))
    ledger.return_from_evasion(case_id=youth, unit_id=unit, occurred_at=on_day(9), actor=AGENTE,
                               court_order=a_court_order())
    assert_view_matches_aggregate(case_views(subscriber_events(ledger))[str(youth)], ledger.case(youth))
    released(ledger, youth, 60)
    assert_view_matches_aggregate(case_views(subscriber_events(ledger))[str(youth)], ledger.case(youth))


def test_a_recorded_correction_changes_the_view_and_the_trail_keeps_both_entries():
    ledger = new_ledger()
    unit = a_unit(ledger)
    youth = an_admitted_youth(ledger, unit)
    ledger.assign_room(case_id=youth, room="B1", reason=RoomChangeReason.ROTINA, occurred_at=on_day(2), actor=GERENTE)
    target = ledger.case(youth).version
    ledger.correct_case_entry(case_id=youth, target_version=target, corrections=(FieldCorrection("room", "B2"),),
                              reason="typo", authorised_by=GERENTE, occurred_at=on_day(3), actor=LIDER)
    events = subscriber_events(ledger)
    assert case_views(events)[str(youth)].room == "B2"
    trail = MemoryTables(AuditTrail()).apply_events(events)
    assert trail.table("audit_entries")[(str(youth), target)]["summary"].startswith("room B1")
    assert (str(youth), target, target + 1) in trail.table("audit_amendments")


def test_occupancy_agrees_with_the_unit_aggregate():
    ledger = new_ledger()
    unit = a_unit(ledger, capacity=3)
    youths = [an_admitted_youth(ledger, unit) for _ in range(3)]
    released(ledger, youths[0], 30)
    t = MemoryTables(UnitOccupancy()).apply_events(subscriber_events(ledger))
    data = OccupancyData.from_rows(str(unit), *(t.table(n).values() for n in (
        "unit_capacity", "unit_movements", "occupancy_profiles", "occupancy_modalities", "unit_vacancies")))
    today = data.on(on_day(31).date())
    aggregate = ledger.unit(unit)
    assert (today.population, today.capacity) == (aggregate.occupancy, aggregate.capacity)
    assert {r.case_id for r in today.residents} == {str(c) for c in aggregate.residents}
    assert data.on(on_day(29).date()).population == 3


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_tables_do_not_depend_on_how_partitions_interleave(seed):
    """Kafka keeps order per stream only: any interleaving of the streams gives the same rows."""
    ledger = new_ledger()
    unit = a_unit(ledger, capacity=5)
    for i in range(2):
        youth = an_admitted_youth(ledger, unit)
        ledger.assign_room(case_id=youth, room=f"R{i}", reason=RoomChangeReason.ROTINA, occurred_at=on_day(2),
                           actor=GERENTE)
    events = subscriber_events(ledger)
    streams: dict[str, list] = {}
    for e in events:
        streams.setdefault(e.stream_id, []).append(e)
    rng = random.Random(seed)
    queues = [list(s) for s in streams.values()]
    shuffled = []
    while any(queues):
        q = rng.choice([q for q in queues if q])
        shuffled.append(q.pop(0))
    for projection in (AuditTrail(), CaseViewProjection(), UnitOccupancy()):
        assert MemoryTables(projection).apply_events(events).rows == MemoryTables(projection).apply_events(shuffled).rows
