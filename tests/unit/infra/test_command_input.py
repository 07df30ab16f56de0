"""Commands as JSON: parsed with line and column on errors, bound by the method's type hints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import pytest

from domain.values import SourceDocument
from infra.command_input import CommandInputError, bind, example, parse_commands


class Modality(StrEnum):
    SEMILIBERDADE = "semiliberdade"
    INTERNACAO = "internacao"


@dataclass(frozen=True)
class Doc:
    kind: str
    number: str


class Toy:
    def record_intake(self, case_id: uuid.UUID, occurred_at: datetime, modality: Modality,
                      documents: tuple[str, ...], order: Doc, birth: date | None = None, note: str = "") -> None:
        pass


CASE = "5f0c6a36-0a7e-4f53-9a53-3b1f5b3f1a11"


def payload(**overrides):
    base = {"command": "record_intake", "case_id": CASE, "occurred_at": "2026-03-02T09:30:00-04:00",
            "modality": "semiliberdade", "documents": ["guia", "rg"], "order": {"kind": "mandado", "number": "12"}}
    base.update(overrides)
    return base


def test_a_valid_command_binds_to_typed_arguments():
    kwargs = bind(Toy.record_intake, payload(birth="2009-05-01"))
    assert kwargs["case_id"] == uuid.UUID(CASE)
    assert kwargs["occurred_at"].utcoffset().total_seconds() == -4 * 3600
    assert kwargs["modality"] is Modality.SEMILIBERDADE
    assert kwargs["documents"] == ("guia", "rg")
    assert kwargs["order"] == Doc("mandado", "12")
    assert kwargs["birth"] == date(2009, 5, 1)


def test_invalid_json_names_line_and_column():
    text = '{"command": "a"}\n{"command": "b", oops}\n'
    with pytest.raises(CommandInputError) as err:
        parse_commands(text)
    assert err.value.where == "line 2, column 18"


def test_a_pretty_printed_object_with_an_error_names_its_line():
    with pytest.raises(CommandInputError) as err:
        parse_commands('{\n  "command": "a",\n  "x": tru\n}')
    assert err.value.where.startswith("line 3, column")


def test_json_lines_arrays_and_single_objects_are_all_accepted():
    assert [c.line for c in parse_commands('{"command": "a"}\n\n{"command": "b"}')] == [1, 3]
    assert len(parse_commands('[{"command": "a"}, {"command": "b"}]')) == 2
    assert parse_commands('{"command": "a", "x": 1}')[0].payload == {"command": "a", "x": 1}


def test_a_command_without_its_name_is_refused():
    with pytest.raises(CommandInputError, match='missing "command"'):
        parse_commands('{"case_id": "x"}')


def test_a_wrong_type_names_the_argument_path():
    with pytest.raises(CommandInputError) as err:
        bind(Toy.record_intake, payload(order={"kind": "mandado", "number": 12}))
    assert err.value.where == "order.number"
    assert "expected text, got 12" in err.value.message


def test_a_naive_datetime_is_refused_with_the_offset_to_use():
    with pytest.raises(CommandInputError) as err:
        bind(Toy.record_intake, payload(occurred_at="2026-03-02T09:30:00"))
    assert err.value.where == "occurred_at" and "-04:00" in err.value.message


def test_an_unknown_enum_value_lists_the_allowed_ones():
    with pytest.raises(CommandInputError) as err:
        bind(Toy.record_intake, payload(modality="prisao"))
    assert "'semiliberdade', 'internacao'" in err.value.message


def test_unknown_and_missing_arguments_are_named():
    with pytest.raises(CommandInputError) as err:
        bind(Toy.record_intake, payload(colour="red"))
    assert err.value.where == "colour"
    p = payload()
    del p["order"]
    with pytest.raises(CommandInputError) as err:
        bind(Toy.record_intake, p)
    assert err.value.where == "order"


def test_the_example_of_a_command_binds_back_to_it():
    ex = example(Toy.record_intake, "record_intake")
    assert list(ex)[:6] == ["command", "case_id", "occurred_at", "modality", "documents", "order"]
    kwargs = bind(Toy.record_intake, ex)
    assert kwargs["modality"] is Modality.SEMILIBERDADE


def test_a_missing_legal_document_is_left_to_the_rule_that_requires_it_R01():
    # Issue 18: a transfer without its court order is refused by the domain under R-01 (Reg. art. 27),
    # not as an input error: a required court document that is absent binds to None.
    from application.commands import COMMANDS

    class Transfers:
        def transfer(self, case_id: uuid.UUID, court_order: SourceDocument | None) -> None: ...

    kwargs = bind(Transfers.transfer, {"command": "transfer", "case_id": str(uuid.uuid4())})
    assert kwargs["court_order"] is None
    from infra.command_input import _parameters

    hints, _ = _parameters(COMMANDS["transfer"])
    assert hints["court_order"] == SourceDocument | None  # the real transfer command's order binds alike


def test_a_suspend_visits_sanction_reaches_the_domain_and_is_refused_R33():
    # Issue 18: "suspend visits" is not a wrong value of a list but a forbidden sanction (Reg. art. 60):
    # the input passes the text on so that the domain refuses it under R-33, not as INPUT.
    from application.commands import COMMANDS
    from infra.command_input import _parameters, convert

    hints, _ = _parameters(COMMANDS["decide_disciplinary_procedure"])
    assert convert(hints["sanction"], "suspensao_de_visitas", "sanction") == "suspensao_de_visitas"
