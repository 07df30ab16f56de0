"""A command whose event does not fit its published schema is refused with the field path."""

from __future__ import annotations

import pytest

from schemas.errors import EventValidationError
from tests.unit.domain.builders import AGENTE, a_unit, an_admitted_youth, event_count, new_ledger, on_day


def test_an_event_that_does_not_fit_its_schema_is_refused_with_the_field_path_and_nothing_is_written():
    ledger = new_ledger()
    case_id = an_admitted_youth(ledger, a_unit(ledger))
    before = event_count(ledger)
    with pytest.raises(EventValidationError) as info:
        # An Avro long holds at most 2**63 - 1: the domain accepts any int, the contract does not.
        ledger.hold_family_acolhimento(case_id=case_id, members_present=2**70, rights_and_visits_explained=True,
                                       occurred_at=on_day(2, 14), actor=AGENTE)
    assert "members_present" in str(info.value)
    assert event_count(ledger) == before


def test_an_event_that_fits_its_schema_is_saved():
    ledger = new_ledger()
    case_id = an_admitted_youth(ledger, a_unit(ledger))
    before = event_count(ledger)
    ledger.hold_family_acolhimento(case_id=case_id, members_present=2, rights_and_visits_explained=True,
                                   occurred_at=on_day(2, 14), actor=AGENTE)
    assert event_count(ledger) == before + 1
