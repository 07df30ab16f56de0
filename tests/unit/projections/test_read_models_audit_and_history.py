"""Audit trail and bitemporal history, from hand-built LedgerEvents (no infrastructure)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings, strategies as st

from projections.audit_trail import AuditTrail, summary_of
from projections.decoding import WITHHELD, personal_paths
from projections.engine import MemoryTables
from projections.history import history
from tests.unit.projections.read_models_builders import a_case, a_unit, an_event, at


def audit(events) -> MemoryTables:
    return MemoryTables(AuditTrail()).apply_events(events)


def entries_of(tables: MemoryTables, stream_id: str) -> list[dict]:
    return [r for (sid, _), r in sorted(tables.table("audit_entries").items()) if sid == stream_id]


# -- audit trail ------------------------------------------------------------------------------


def test_every_event_gets_one_row_with_who_when_and_what():
    case = a_case()
    reg = case.registered()
    intake = case.intake(on="2026-03-02")
    rows = entries_of(audit(case.events), case.id)

    assert [r["event_type"] for r in rows] == ["Case.AdolescentRegistered", "Case.IntakeRecorded"]
    row = rows[1]
    assert (row["actor_id"], row["actor_role"]) == ("staff-007", "agente_socioeducativo")
    assert row["occurred_at"] == intake.occurred_at and row["recorded_at"] == intake.recorded_at
    assert row["summary"] == "intake: semiliberdade, origin delegacia"
    assert rows[0]["summary"] == "case opened (cadastro)"
    assert reg.sequence == 1


def test_personal_data_stays_out_of_summaries_and_payloads():
    case = a_case()
    case.registered()
    case.intake()
    for row in entries_of(audit(case.events), case.id):
        assert "Fulano" not in row["summary"] and "Fulano" not in row["payload"]
        assert "Policial" not in row["payload"] and "RG 123" not in row["payload"]
    payload = json.loads(entries_of(audit(case.events), case.id)[0]["payload"])
    assert payload["name"] == WITHHELD
    assert payload["family_comarca"] == "Cuiabá"  # not personal in the contract: kept


def test_a_correction_is_linked_to_the_entry_it_amends_and_both_stay_in_the_trail():
    case = a_case()
    case.registered()
    case.intake()
    room = case.room("B2")
    fix = case.corrected(room, room="B3")
    tables = audit(case.events)
    rows = entries_of(tables, case.id)

    original = rows[room.sequence - 1]
    correction = rows[fix.sequence - 1]
    assert original["summary"] == "room B2 (alocacao_inicial)"  # the original keeps what was recorded
    assert correction["amends_sequence"] == room.sequence and correction["amendment"] == "corrected"
    assert json.loads(correction["corrected_fields"]) == [{"field": "room", "value": "B3", "withheld": False}]
    assert correction["authorised_by_role"] == "gerente"
    links = tables.table("audit_amendments")
    assert list(links) == [(case.id, room.sequence, fix.sequence)]
    assert links[(case.id, room.sequence, fix.sequence)]["amendment"] == "corrected"


def test_a_corrected_free_text_value_is_withheld_in_the_trail():
    case = a_case()
    case.registered()
    reg = case.events[0]
    fix = case.corrected(reg, name="Beltrano")
    row = entries_of(audit(case.events), case.id)[fix.sequence - 1]
    assert json.loads(row["corrected_fields"]) == [{"field": "name", "value": None, "withheld": True}]
    assert "Beltrano" not in row["corrected_fields"] + row["payload"] + row["summary"]


def test_a_void_links_to_its_target():
    unit = a_unit()
    unit.defined()
    redefined = unit.add("UnitCapacityRedefined", capacity=25, min_age=12, max_age=20, required_intake_documents=[])
    void = unit.voided(redefined)
    tables = audit(unit.events)
    assert tables.table("audit_amendments")[(unit.id, redefined.sequence, void.sequence)]["amendment"] == "voided"
    assert entries_of(tables, unit.id)[-1]["summary"] == f"voids entry #{redefined.sequence}"


def test_an_unknown_event_type_still_gets_a_generic_row():
    event = an_event("Case.SomethingNewHappened", stream_id="s-1", whatever=1)
    assert summary_of(event) == "something new happened"
    assert audit([event]).table("audit_entries")[("s-1", 1)]["event_type"] == "Case.SomethingNewHappened"


def test_applying_the_same_event_twice_leaves_the_same_rows():
    case = a_case()
    case.registered()
    fix = case.corrected(case.events[0], sex="feminino")
    once = audit(case.events).rows
    twice = audit(case.events + [fix]).rows
    assert once == twice


def test_personal_paths_follow_the_contract_flags_into_arrays_and_records():
    schema = {"type": "record", "name": "X", "fields": [
        {"name": "envelope", "type": {"type": "record", "name": "Envelope", "fields": [
            {"name": "actor", "type": "string", "personal": True}]}},
        {"name": "name", "type": "string", "personal": True},
        {"name": "corrections", "type": {"type": "array", "items": {"type": "record", "name": "FieldCorrection",
                                                                    "fields": [{"name": "field", "type": "string"},
                                                                               {"name": "value", "type": "string",
                                                                                "personal": True}]}}},
        {"name": "room", "type": "string"}]}
    assert personal_paths(schema) == {"name", "corrections[].value"}


# -- history: as of a date, as recorded at a time ------------------------------------------------


def story():
    """Room B2 assigned on 3 March; on 20 March a supervisor corrects it to B3 (recorded 20 March)."""
    case = a_case()
    case.registered(on="2026-03-02")
    case.intake(on="2026-03-02")
    room = case.room("B2", on="2026-03-03")
    visit = case.add("VisitHeld", on="2026-03-08", visitor_ids=["v1"], modality="comum", search_done=True)
    fix = case.corrected(room, room="B3", on="2026-03-20", recorded=at("2026-03-20", 16))
    return case, room, visit, fix


def test_as_of_a_date_shows_the_corrected_value_and_marks_the_entry():
    case, room, _, fix = story()
    rows = entries_of(audit(case.events), case.id)
    h = history(rows, as_of=dt.date(2026, 3, 10))
    entry = next(e for e in h.entries if e.sequence == room.sequence)
    assert entry.data["room"] == "B3" and entry.status == "corrected"
    assert entry.amended_by == (fix.sequence,) and entry.corrected_fields == ("room",)
    assert h.state.room == "B3"


def test_as_recorded_before_the_correction_shows_what_the_ledger_said_then():
    case, room, _, _ = story()
    rows = entries_of(audit(case.events), case.id)
    h = history(rows, as_recorded_at=at("2026-03-10", 12))
    entry = next(e for e in h.entries if e.sequence == room.sequence)
    assert entry.data["room"] == "B2" and entry.status == "as_recorded" and entry.amended_by == ()
    assert h.state.room == "B2"
    after = history(rows, as_recorded_at=at("2026-03-21", 12))
    assert after.state.room == "B3"


def test_as_of_leaves_out_what_had_not_yet_happened():
    case, room, visit, _ = story()
    rows = entries_of(audit(case.events), case.id)
    h = history(rows, as_of=dt.date(2026, 3, 5))
    assert [e.sequence for e in h.entries] == [1, 2, room.sequence]
    assert visit.sequence not in [e.sequence for e in h.entries]
    assert h.state.last_visit_on is None


def test_voided_entries_are_marked_or_hidden():
    case, _, visit, _ = story()
    void = case.voided(visit, on="2026-03-21")
    rows = entries_of(audit(case.events), case.id)
    shown = history(rows, as_of=dt.date(2026, 3, 31))
    assert next(e for e in shown.entries if e.sequence == visit.sequence).status == "voided"
    assert shown.state.last_visit_on is None  # a voided visit does not count
    hidden = history(rows, as_of=dt.date(2026, 3, 31), show_voided=False)
    assert visit.sequence not in [e.sequence for e in hidden.entries]
    before_void = history(rows, as_recorded_at=void.recorded_at - dt.timedelta(seconds=1))
    assert before_void.state.last_visit_on == dt.date(2026, 3, 8)


def test_a_corrected_occurrence_date_moves_the_entry_on_the_as_of_axis():
    case = a_case()
    case.registered(on="2026-03-02")
    visit = case.add("VisitHeld", on="2026-03-08", visitor_ids=["v1"], modality="comum", search_done=True)
    case.corrected(visit, occurred_at=at("2026-03-15").isoformat())
    rows = entries_of(audit(case.events), case.id)
    assert visit.sequence not in [e.sequence for e in history(rows, as_of=dt.date(2026, 3, 10)).entries]
    assert visit.sequence in [e.sequence for e in history(rows, as_of=dt.date(2026, 3, 15)).entries]


def test_history_needs_at_least_one_axis():
    # Issue 18: both axes together are now allowed (the bitemporal point); none is still an error.
    case, *_ = story()
    rows = entries_of(audit(case.events), case.id)
    with pytest.raises(ValueError):
        history(rows)


@settings(max_examples=25, deadline=None)
@given(cut_days=st.integers(min_value=0, max_value=30), fix_day=st.integers(min_value=4, max_value=25))
def test_as_recorded_applies_a_correction_exactly_when_it_was_recorded_by_then(cut_days, fix_day):
    case = a_case()
    case.registered(on="2026-03-01")
    room = case.room("B2", on="2026-03-03")
    fix_at = at(dt.date(2026, 3, fix_day), 12)
    case.corrected(room, room="B3", on=fix_at.date().isoformat(), recorded=fix_at)
    rows = entries_of(audit(case.events), case.id)
    cut = at(dt.date(2026, 3, 1) + dt.timedelta(days=cut_days), 18)
    h = history(rows, as_recorded_at=cut)
    expected = None if cut < room.recorded_at else ("B3" if fix_at <= cut else "B2")
    assert h.state.room == expected
    # the as-of axis always applies every correction the ledger holds
    assert history(rows, as_of=dt.date(2026, 3, 31)).state.room == "B3"


# -- the as-of cut and the bitemporal point (issue 18) -----------------------------------------


def _case_with_pia_submitted_on(day: str):
    case = a_case()
    case.registered()
    case.intake(modality="semiliberdade", on="2026-03-02")
    case.add("PIASubmitted", on=day, version=1, sections=[], youth_participated=True,
             family_participated=True, protocol_number="P-1", exceptions=[])
    return case


def test_clocks_as_of_d_do_not_show_a_pia_submitted_on_d_plus_1():
    # As of D = what occurred by the end of D (Cuiabá time): a PIA submitted on D+1 is pending on D.
    from projections.legal_clocks import clocks_for

    case = _case_with_pia_submitted_on("2026-04-11")
    rows = entries_of(audit(case.events), case.id)
    state = history(rows, as_of=dt.date(2026, 4, 10)).state
    (pia,) = [c for c in clocks_for(state, dt.date(2026, 4, 10)) if c.clock == "K-PIA45"]
    assert (state.pia_state, state.pia_submitted_on, pia.state, pia.detail) == (None, None, "due_soon", "PIA pending")
    later = history(rows, as_of=dt.date(2026, 4, 11)).state
    assert later.pia_submitted_on == dt.date(2026, 4, 11)


def test_history_takes_as_of_and_as_recorded_at_together():
    # The bitemporal point: what the ledger said at T about day D.
    case = _case_with_pia_submitted_on("2026-04-11")
    rows = entries_of(audit(case.events), case.id)
    recorded = max(r["recorded_at"] for r in rows)
    before = recorded - dt.timedelta(seconds=1)
    both = history(rows, as_of=dt.date(2026, 4, 30), as_recorded_at=before)
    assert "Case.PIASubmitted" not in [e.event_type for e in both.entries]
    assert both.axis == "as_of+as_recorded_at"
    assert "Case.PIASubmitted" in [e.event_type for e in history(rows, as_of=dt.date(2026, 4, 30),
                                                                  as_recorded_at=recorded).entries]
