"""The application service: one save per command, ids from natural keys, persistence from env."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import IntegrityError

from domain.case import Case, case_id_for
from domain.rules import RuleViolation
from domain.unit import unit_id_for
from tests.unit.domain.builders import ADMIN, a_registration, an_admitted_youth, at, event_count, INTAKE_DAY
from domain.values import Sex


def test_case_id_comes_from_the_process_number_not_the_name(ledger, unit):
    case_id = a_registration(ledger, unit, process_number="0001234-56.2026.8.11.0041", name="Qualquer Nome")
    assert case_id == case_id_for("0001234-56.2026.8.11.0041")
    assert case_id == case_id_for("00012345620268110041")


def test_a_duplicate_registration_collides_on_the_store_key(ledger, unit):
    a_registration(ledger, unit, process_number="EXEC-DUP")
    duplicate = Case.register(
        process_number="EXEC-DUP", name="Outro", birth_date=INTAKE_DAY.replace(year=2010), sex=Sex.MASCULINO,
        civil_document="x", filiation="x", family_address="x", family_comarca="Cuiabá", occurred_at=at(INTAKE_DAY),
        actor=ADMIN, unit_id=str(unit),
    )
    with pytest.raises(IntegrityError):
        ledger.save(duplicate)


def test_intake_saves_case_and_unit_events_in_one_transaction(ledger, unit):
    before = event_count(ledger)
    an_admitted_youth(ledger, unit, oriented=False, registration=dict(process_number="EXEC-ONE"))
    notifications = ledger.recorder.select_notifications(start=before + 1, limit=10)
    topics = [n.topic.rsplit(":", 1)[-1] for n in notifications]
    assert topics == ["Case.AdolescentRegistered", "Case.IntakeRecorded", "Unit.ResidentAdmitted"]


def test_unknown_case_or_unit_is_a_rule_violation_D04(ledger):
    with pytest.raises(RuleViolation) as info:
        ledger.case(case_id_for("nope"))
    assert info.value.code == "D-04"
    with pytest.raises(RuleViolation):
        ledger.unit(unit_id_for("nope"))


def test_refusal_exposes_code_message_and_source_R31(ledger, unit):
    from tests.unit.domain.test_execution_rules import _leave

    case_id = an_admitted_youth(ledger, unit)
    with pytest.raises(RuleViolation) as info:
        _leave(ledger, case_id, 30)
    assert info.value.code == "R-31"
    assert info.value.source == "Reg. art. 55 III, 63, 75, 77, 78"
    assert "day 45" in info.value.message and str(info.value).startswith("R-31: ")
