"""Erasure of a youth's personal data (D-19; LGPD arts. 16, 18 VI; Lei 8.159/1991 art. 9; Reg. art. 14 XV).

Public records are kept for their retention period and only then eliminated; the youth's data key is
destroyed and every sealed value of the case reads as erased, while nothing else changes.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from application.ledger import CaseLedger
from domain.calendar import CUIABA
from domain.rules import RuleViolation
from domain.values import DocumentKind, EgressContactKind, ReleaseBasis
from schemas.sealing import ERASED
from tests.unit.domain.builders import (
    AGENTE,
    GERENTE,
    a_court_order,
    a_unit,
    an_admitted_youth,
    events_named,
    on_day,
)

# The builders' intake is on 2026-03-02; released on day 200 (2026-09-17), kept 5 years: until 2031-09-17.
AFTER_RETENTION = datetime(2031, 9, 17, 9, 0, tzinfo=CUIABA)


@pytest.fixture
def ledger() -> CaseLedger:
    ledger = CaseLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "CASELEDGER_RETENTION_YEARS": "5"})
    ledger.clock = lambda: datetime(2032, 1, 1, 12, 0, tzinfo=CUIABA)
    return ledger


def released(ledger, unit) -> str:
    case_id = an_admitted_youth(ledger, unit)
    ledger.receive_release_order(case_id=case_id, protocol_number="ML-1", occurred_at=on_day(199), actor=GERENTE,
                                 court_order=a_court_order(DocumentKind.MANDADO_LIBERACAO, "ML-1"))
    ledger.release(case_id=case_id, basis=ReleaseBasis.CUMPRIMENTO, documents_delivered=True, belongings_returned=True,
                   termo_de_desligamento_signed=True, family_present=True, occurred_at=on_day(200), actor=GERENTE)
    return case_id


def erase(ledger, case_id, **overrides):
    kwargs = dict(case_id=case_id, basis="LGPD art. 16; prazo de guarda cumprido", decision_protocol="SEJUS-2031-77",
                  occurred_at=AFTER_RETENTION, actor=GERENTE)
    kwargs.update(overrides)
    return ledger.erase_personal_data(**kwargs)


def refused(code: str, fragment: str = ""):
    class Check:
        def __enter__(self):
            return self

        def __exit__(self, kind, exc, tb):
            assert kind is RuleViolation, f"expected a refusal {code}, got {kind}"
            assert exc.code == code, exc
            assert fragment in exc.message, exc.message
            return True

    return Check()


def test_personal_data_of_a_youth_still_in_the_unit_are_not_erased(ledger):
    case_id = an_admitted_youth(ledger, a_unit(ledger))
    with refused("D-19", "ativo"):
        erase(ledger, case_id)
    assert events_named(ledger, "SubjectDataErased") == []


def test_erasure_waits_for_the_retention_period_counted_from_the_release(ledger):
    case_id = released(ledger, a_unit(ledger))
    with refused("D-19", "until 2031-09-17"):
        erase(ledger, case_id, occurred_at=datetime(2031, 9, 16, 17, 0, tzinfo=CUIABA))
    erase(ledger, case_id)  # the first day after the period
    assert len(events_named(ledger, "SubjectDataErased")) == 1


def test_the_retention_period_is_the_deployments_setting():
    ledger = CaseLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "CASELEDGER_RETENTION_YEARS": "1"})
    ledger.clock = lambda: datetime(2032, 1, 1, 12, 0, tzinfo=CUIABA)
    case_id = released(ledger, a_unit(ledger))
    erase(ledger, case_id, occurred_at=datetime(2027, 9, 17, 9, 0, tzinfo=CUIABA))
    assert events_named(ledger, "SubjectDataErased")[0].retention_years == 1


def test_an_erasure_is_recorded_by_the_gerente_with_its_basis_and_the_controllers_decision(ledger):
    case_id = released(ledger, a_unit(ledger))
    with refused("D-19", "gerente"):
        erase(ledger, case_id, actor=AGENTE)
    with refused("D-19", "legal basis"):
        erase(ledger, case_id, basis="  ")
    with refused("D-19", "protocol"):
        erase(ledger, case_id, decision_protocol="")
    erase(ledger, case_id)
    event = events_named(ledger, "SubjectDataErased")[0]
    assert (event.basis, event.decision_protocol) == ("LGPD art. 16; prazo de guarda cumprido", "SEJUS-2031-77")


def test_an_erased_case_accepts_no_entry_not_even_a_second_erasure(ledger):
    case_id = released(ledger, a_unit(ledger))
    erase(ledger, case_id)
    with refused("D-19", "erased on 2031-09-17"):
        ledger.record_egress_follow_up(case_id=case_id, contact=EgressContactKind.CONTATO_TELEFONICO, referred_to_network=False,
                                       occurred_at=AFTER_RETENTION, actor=GERENTE)
    with refused("D-19", "erased"):
        erase(ledger, case_id)


def test_destroying_the_key_erases_that_youth_only_and_leaves_the_stored_bytes_unchanged(ledger):
    unit = a_unit(ledger)
    erased_case, other_case = released(ledger, unit), released(ledger, unit)
    stored_before = [bytes(n.state) for n in ledger.recorder.select_notifications(start=1, limit=10_000)]
    erase(ledger, erased_case)
    assert ledger.mapper.key_service.destroy(erased_case)

    registrations = {e.originator_id: e for e in events_named(ledger, "AdolescentRegistered")}
    assert registrations[erased_case].name == ERASED
    assert registrations[erased_case].civil_document == ERASED
    assert registrations[other_case].name == "Adolescente Fictício"
    stored_after = [bytes(n.state) for n in ledger.recorder.select_notifications(start=1, limit=10_000)]
    assert stored_after[:len(stored_before)] == stored_before  # only the erasure event was added
    assert len(stored_after) == len(stored_before) + 1
