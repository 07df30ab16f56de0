"""The inspection report filed with the inspection (E64 extended): the inspector's answers checked against the
catalogue of the forms of the unit's type, and the computed snapshot with its bitemporal point, in one event."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from domain.unit.inspection_filing import FiledReport, InspectorAnswer, snapshot_digest
from domain.values import Actor, InspectionKind, Role
from tests.unit.domain.builders import a_unit, at, last_event

PROMOTOR = Actor("mp-0042", Role.MINISTERIO_PUBLICO)
SNAPSHOT = '{"figures":1}'


def _report(**overrides):
    kwargs = dict(facts_on=date(2026, 3, 10), period_start=date(2026, 1, 11),
                  recorded_as_of=datetime(2026, 3, 10, 16, tzinfo=timezone.utc), snapshot=SNAPSHOT,
                  snapshot_sha256=snapshot_digest(SNAPSHOT))
    kwargs.update(overrides)
    return FiledReport(**kwargs)


def _file(ledger, unit, answers=(), **overrides):
    kwargs = dict(unit_id=unit, kind=InspectionKind.BIMESTRAL, inspected_at=at(date(2026, 3, 10), 9),
                  promotor_id="mp-0042", occurred_at=at(date(2026, 3, 10), 13), actor=PROMOTOR,
                  answers=tuple(answers), report=_report())
    kwargs.update(overrides)
    return ledger.record_inspection(**kwargs)


@pytest.fixture
def semiliberdade(ledger):
    return a_unit(ledger)  # the builders' default unit is a semiliberdade: Anexos II and IV


def test_a_filed_report_is_one_inspection_event_with_the_answers_and_the_snapshot(ledger, semiliberdade):
    answers = (InspectorAnswer("II 3.12 #1", ("Sim",)), InspectorAnswer("IV 3.2.1", (), "CREAS Cuiabá"))
    _file(ledger, semiliberdade, answers)
    event = last_event(ledger, "InspectionRecorded")
    assert event.answers == answers
    assert event.report.snapshot == SNAPSHOT and event.report.snapshot_sha256 == snapshot_digest(SNAPSHOT)
    assert event.report.facts_on == date(2026, 3, 10)


def test_an_inspection_recorded_without_its_report_has_no_answers(ledger, semiliberdade):
    _file(ledger, semiliberdade, report=None)
    event = last_event(ledger, "InspectionRecorded")
    assert (event.answers, event.report) == ((), None)


def test_answers_without_the_computed_report_are_refused_R63(ledger, semiliberdade, refused):
    with refused("R-63"):
        _file(ledger, semiliberdade, [InspectorAnswer("II 3.12 #1", ("Sim",))], report=None)


def test_an_unknown_item_number_is_refused_naming_it_R63(ledger, semiliberdade, refused):
    with refused("R-63") as info:
        _file(ledger, semiliberdade, [InspectorAnswer("II 9.99", ("Sim",))])
    assert "'II 9.99' is not an item of the CNMP 67 forms" in str(info.value)


def test_an_item_of_the_other_unit_types_form_is_refused_R63(ledger, semiliberdade, refused):
    with refused("R-63") as info:
        _file(ledger, semiliberdade, [InspectorAnswer("I 3.13 #1", ("Sim",))])
    assert "item I 3.13 #1 is of Anexo I (internação); this unit answers Anexo II and Anexo IV" in str(info.value)


def test_an_item_the_ledger_computes_is_not_the_inspectors_to_answer_R63(ledger, semiliberdade, refused):
    with refused("R-63") as info:
        _file(ledger, semiliberdade, [InspectorAnswer("II H.1", (), "10/03/2026")])
    assert "item II H.1 is not the inspector's judgement (the report computes it)" in str(info.value)


def test_a_choice_outside_the_items_options_is_refused_R63(ledger, semiliberdade, refused):
    with refused("R-63") as info:
        _file(ledger, semiliberdade, [InspectorAnswer("II 3.12 #1", ("Talvez",))])
    assert "'Talvez' not among its options (Sim | Não)" in str(info.value)


def test_sim_and_nao_together_are_refused_R63(ledger, semiliberdade, refused):
    with refused("R-63"):
        _file(ledger, semiliberdade, [InspectorAnswer("II 3.12 #1", ("Sim", "Não"))])


def test_an_item_answered_twice_is_refused_D04(ledger, semiliberdade, refused):
    with refused("D-04"):
        _file(ledger, semiliberdade, [InspectorAnswer("II 3.12 #1", ("Sim",)), InspectorAnswer("II 3.12 #1", ("Não",))])


def test_a_snapshot_that_is_not_the_one_its_digest_names_is_refused_D04(ledger, semiliberdade, refused):
    with refused("D-04"):
        _file(ledger, semiliberdade, report=_report(snapshot='{"figures":2}'))


def test_a_report_of_facts_after_the_visit_is_refused_R63(ledger, semiliberdade, refused):
    with refused("R-63"):
        _file(ledger, semiliberdade, report=_report(facts_on=date(2026, 3, 11)))


def test_a_report_computed_as_recorded_after_its_filing_is_refused_D04(ledger, semiliberdade, refused):
    with refused("D-04"):
        _file(ledger, semiliberdade, report=_report(recorded_as_of=datetime(2026, 3, 11, tzinfo=timezone.utc)))
