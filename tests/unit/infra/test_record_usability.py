"""What `caseledger record` tells a new user: the example's fields, the catalogues, unit codes."""

from __future__ import annotations

import argparse
import json

from application.commands import COMMANDS
from domain.unit import unit_id_for
from infra.command_input import bind
from infra.commands.record import cmd_record
from infra.recording import command_example, command_fields, field_values, fields_with_values
from infra.settings import Settings


def record(capsys, **args):
    namespace = argparse.Namespace(**{"list": False, "example": None, "file": None, "values": None, **args})
    code = cmd_record(namespace, Settings())
    out, err = capsys.readouterr()
    return code, out, err


def test_record_example_prints_json_to_copy_and_marks_optional_fields_and_allowed_values(capsys):
    code, out, err = record(capsys, example="define_unit")
    assert code == 0 and json.loads(out)["min_age"] == 12  # stdout stays the JSON; optional ones at their default
    assert "#   unit_type: required; one of the list below\n#       semiliberdade | internacao | internacao_provisoria" in err
    assert "#   min_age: optional, default 12; an integer" in err
    assert "#   portaria.issuer: optional; text" in err


def test_every_command_example_binds_with_its_defaults():
    for name in COMMANDS:
        bind(COMMANDS[name], command_example(name))


def test_a_nullable_argument_is_marked_as_judged_by_its_rule():
    conclusion = next(r for r in command_fields("submit_progress_report") if r["field"] == "conclusion")
    assert not conclusion["required"] and "rule that needs it" in conclusion["note"]


def test_record_values_lists_a_closed_list_and_the_offence_catalogue(capsys):
    code, out, _ = record(capsys, values="step")
    assert code == 0 and out.splitlines()[1:] == ["  prpif", "  equipe_tecnica", "  pedagogico", "  educacao_fisica"]
    assert any(line.startswith("G-01  Agressão física") for line in field_values("offence_code")["open_disciplinary_procedure"])
    code, _, err = record(capsys, values="no_such_field")
    assert code == 2 and "sanction" in err and "offence_code" in err
    assert {"sanction", "technique", "offence_code", "step"} <= set(fields_with_values())


def test_a_recording_command_takes_a_unit_code_where_it_takes_a_unit_id():
    example = command_example("register_adolescent") | {"unit_id": "MT-CGB-SL"}
    assert bind(COMMANDS["register_adolescent"], example)["unit_id"] == unit_id_for("MT-CGB-SL")
    transfer = command_example("transfer") | {"destination_unit_id": "mt-cgb-int-m"}
    assert bind(COMMANDS["transfer"], transfer)["destination_unit_id"] == unit_id_for("MT-CGB-INT-M")
