"""The ledger's aggregate cache: each command gets its own copy, so a failed one leaves the cache as stored."""

from __future__ import annotations

import pytest

from application.ledger import CaseLedger
from schemas.errors import EventValidationError
from tests.unit.domain.builders import AGENTE, a_unit, a_visitor, all_acolhimento_steps, an_admitted_youth, on_day


def a_caching_ledger() -> CaseLedger:
    return CaseLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "AGGREGATE_CACHE_MAXSIZE": "100",
                           "AGGREGATE_CACHE_FASTFORWARD": "y"})


def test_a_command_refused_by_the_schema_leaves_the_cached_case_as_stored_and_the_next_one_follows_it():
    ledger = a_caching_ledger()
    case_id = an_admitted_youth(ledger, a_unit(ledger))
    stored = ledger.case(case_id).version
    with pytest.raises(EventValidationError):
        # An Avro long holds at most 2**63 - 1: the event is made, then refused when it is encoded.
        ledger.hold_family_acolhimento(case_id=case_id, members_present=2**70, rights_and_visits_explained=True,
                                       occurred_at=on_day(2, 14), actor=AGENTE)
    assert ledger.case(case_id).version == stored
    ledger.hold_family_acolhimento(case_id=case_id, members_present=2, rights_and_visits_explained=True,
                                   occurred_at=on_day(2, 15), actor=AGENTE)
    assert [e.originator_version for e in ledger.events.get(case_id)][-2:] == [stored, stored + 1]


def test_a_case_and_its_unit_from_the_cache_equal_their_rebuild_from_the_stored_events():
    ledger = a_caching_ledger()
    unit_id = a_unit(ledger)
    case_id = an_admitted_youth(ledger, unit_id)
    all_acolhimento_steps(ledger, case_id)
    a_visitor(ledger, case_id)
    for aggregate_id in (case_id, unit_id):
        cached = ledger.repository.get(aggregate_id)
        rebuilt = ledger.repository.get(aggregate_id, version=cached.version)  # bypasses the cache
        assert cached is not ledger.repository.get(aggregate_id)
        assert vars(cached) == vars(rebuilt)
