"""Acknowledging an alert (D-18): the unit's direction, naming the alert and why, once."""

from __future__ import annotations

import pytest

from tests.unit.domain.builders import AGENTE, GERENTE, LIDER, a_unit, an_admitted_youth, last_event, on_day


@pytest.fixture
def case_id(ledger, unit):
    return an_admitted_youth(ledger, unit)


def acknowledge(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, alert="K-ACOLH3", reason="Acolhimento concluído; equipe reforçada",
                  occurred_at=on_day(8), actor=GERENTE)
    kwargs.update(overrides)
    ledger.acknowledge_alert(**kwargs)


def test_the_gerente_acknowledges_a_deadline_met_late_with_the_reason_D18(ledger, case_id):
    acknowledge(ledger, case_id)
    event = last_event(ledger, "AlertAcknowledged")
    assert (event.alert, event.target_version, event.actor) == ("K-ACOLH3", None, GERENTE)


def test_the_lider_acknowledges_a_recorded_exception_by_its_entry_D18(ledger, case_id):
    acknowledge(ledger, case_id, alert="R-12", target_version=2, actor=LIDER)
    assert last_event(ledger, "AlertAcknowledged").target_version == 2


def test_an_agent_cannot_acknowledge_an_alert_D18(ledger, case_id, refused):
    with refused("D-18"):
        acknowledge(ledger, case_id, actor=AGENTE)


def test_an_acknowledgement_without_a_reason_is_refused_D18(ledger, case_id, refused):
    with refused("D-18"):
        acknowledge(ledger, case_id, reason="  ")


def test_an_exception_is_named_by_its_entry_and_a_clock_by_its_code_alone_D18(ledger, case_id, refused):
    with refused("D-18"):
        acknowledge(ledger, case_id, alert="R-12")
    with refused("D-18"):
        acknowledge(ledger, case_id, target_version=2)
    with refused("D-18"):
        acknowledge(ledger, case_id, alert="K-NOPE")
    with refused("D-04"):
        acknowledge(ledger, case_id, alert="R-12", target_version=99)


def test_an_alert_is_acknowledged_once_D02(ledger, case_id, refused):
    acknowledge(ledger, case_id)
    with refused("D-02"):
        acknowledge(ledger, case_id, occurred_at=on_day(9))
