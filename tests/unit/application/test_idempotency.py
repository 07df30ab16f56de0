"""Commands safe to retry (D-17): a command id names one command, recorded once, in memory here
(the PostgreSQL store keeps the id in the events' transaction: tests/e2e/test_cli_idempotency.py)."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.commands import execute
from domain.rules import RuleViolation
from infra.command_input import RawCommand
from infra.recording import apply_command, command_example, with_command_ids
from tests.unit.domain.builders import GERENTE, a_portaria, at, event_count, new_ledger
from datetime import date

from domain.values import Sex, UnitType


def unit_arguments(code: str = "SL-IDEM") -> dict:
    return dict(unit_code=code, name="Unidade de Semiliberdade de Teste", unit_type=UnitType.SEMILIBERDADE,
                capacity=20, sex=Sex.MASCULINO, comarca="Cuiabá", occurred_at=at(date(2026, 1, 5)),
                actor=GERENTE, portaria=a_portaria())


def test_a_command_retried_with_its_id_is_answered_with_its_first_result_and_records_nothing_D17():
    ledger = new_ledger()
    first = execute(ledger, "define_unit", unit_arguments(), command_id="desk-1/0001")
    stored = event_count(ledger)
    again = execute(ledger, "define_unit", unit_arguments(), command_id="desk-1/0001")
    assert isinstance(first, UUID) and again == first
    assert event_count(ledger) == stored
    assert ledger.last_replay.events == ((str(first), 1),)


def test_a_command_id_reused_for_other_content_is_refused_and_records_nothing_D17():
    ledger = new_ledger()
    execute(ledger, "define_unit", unit_arguments(), command_id="desk-1/0001")
    stored = event_count(ledger)
    with pytest.raises(RuleViolation) as refused:
        execute(ledger, "define_unit", unit_arguments("SL-OTHER"), command_id="desk-1/0001")
    assert refused.value.code == "D-17" and "other content" in refused.value.message
    assert event_count(ledger) == stored


def test_without_a_command_id_a_repeated_command_is_checked_by_the_rules_as_before():
    ledger = new_ledger()
    execute(ledger, "define_unit", unit_arguments())
    with pytest.raises(RuleViolation) as refused:
        execute(ledger, "define_unit", unit_arguments())
    assert refused.value.code == "D-02"


def test_a_refused_command_keeps_its_id_free_so_the_fixed_command_can_use_it():
    ledger = new_ledger()
    with pytest.raises(RuleViolation):
        execute(ledger, "define_unit", unit_arguments() | {"min_age": 11}, command_id="c-1")
    assert ledger.recorded_command("c-1") is None
    assert isinstance(execute(ledger, "define_unit", unit_arguments(), command_id="c-1"), UUID)


def test_record_gives_each_command_an_id_from_the_file_its_content_and_rank_and_the_same_file_the_same_ids():
    example = command_example("define_unit")
    other = example | {"unit_code": "MT-OTHER"}
    commands = [RawCommand(1, example), RawCommand(2, other), RawCommand(3, dict(example))]
    ids = [c.payload["command_id"] for c in with_command_ids(commands, "/data/day-1.jsonl")]
    assert ids == [c.payload["command_id"] for c in with_command_ids(commands, "/data/day-1.jsonl")]
    assert len(set(ids)) == 3  # two identical commands in one file are two commands
    # A line inserted before them changes no id: the id follows content and rank, not the line.
    shifted = with_command_ids([RawCommand(1, other | {"unit_code": "X"}), *[RawCommand(c.line + 1, c.payload)
                                                                         for c in commands]], "/data/day-1.jsonl")
    assert [c.payload["command_id"] for c in shifted[1:]] == ids
    assert with_command_ids(commands, "/data/day-2.jsonl")[0].payload["command_id"] != ids[0]
    given = with_command_ids([RawCommand(1, example | {"command_id": "mine"})], "-")
    assert given[0].payload["command_id"] == "mine"


def cli_ledger():
    from infra.bootstrap import recording_ledger
    from infra.settings import Settings

    return recording_ledger(Settings(), env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_apply_command_reports_the_id_its_result_and_a_replay():
    ledger = cli_ledger()
    unit = {k: v for k, v in command_example("define_unit").items() if k not in ("min_age", "max_age")}
    raw = RawCommand(1, unit | {"command_id": "c-7"})
    first, again = apply_command(ledger, raw), apply_command(ledger, raw)
    assert first.accepted and not first.replayed and first.command_id == "c-7"
    assert again.accepted and again.replayed and again.result == first.result
    assert again.as_dict()["replayed"] is True and again.as_dict()["result"] == str(first.result)


@pytest.mark.parametrize("bad", ["", "   ", 7, "x" * 201, "line\nbreak"])
def test_a_command_id_that_is_not_short_printable_text_is_refused_as_input(bad):
    raw = RawCommand(1, command_example("define_unit") | {"command_id": bad})
    outcome = apply_command(cli_ledger(), raw)
    assert not outcome.accepted and (outcome.code, outcome.where) == ("INPUT", "command_id")
