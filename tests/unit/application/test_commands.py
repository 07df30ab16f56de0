"""The command table: every command, its arguments read from the domain method, one door to run it."""

from __future__ import annotations

import argparse
import inspect
import typing
from uuid import UUID, uuid4

import pytest

from application.commands import COMMANDS, UnknownCommand, execute
from infra.command_input import CommandInputError, bind
from infra.commands.record import cmd_record
from infra.recording import command_example
from infra.settings import Settings
from domain.values import PetitionAddressee, PetitionSubject
from tests.unit.domain.builders import AGENTE, a_unit, an_admitted_youth, new_ledger, on_day


def test_record_list_shows_exactly_the_commands_of_the_table(capsys):
    args = argparse.Namespace(list=True, example=None, file=None)
    assert cmd_record(args, Settings()) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == sorted(COMMANDS)
    assert "clock" not in listed and "case" not in listed and "holds" not in listed


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_example_of_every_command_binds_back_to_its_arguments(name):
    example = command_example(name)
    arguments = bind(COMMANDS[name], example)
    assert set(arguments) == set(inspect.signature(COMMANDS[name]).parameters) == set(example) - {"command"}
    # Every value is converted to the domain's type: lists arrive as tuples, text as enums, dates…
    assert not any(isinstance(value, (list, dict)) for value in arguments.values())


def test_a_command_takes_the_domain_methods_parameters_after_the_ids_that_name_its_aggregates():
    command = COMMANDS["transfer"]
    parameters = list(inspect.signature(command).parameters)
    assert parameters[:2] == ["case_id", "destination_unit_id"]
    # The loaded units are the handler's, never input.
    assert "origin" not in parameters and "destination" not in parameters
    assert "pia_and_history_sent" in parameters and "court_order" in parameters


def test_an_enum_value_outside_its_list_is_refused_as_input_with_its_path():
    example = command_example("hold_phone_call") | {"reason": "por_castigo"}
    with pytest.raises(CommandInputError) as info:
        bind(COMMANDS["hold_phone_call"], example)
    assert info.value.where == "reason" and "one of" in info.value.message


def test_a_value_outside_a_closed_list_that_is_its_rule_reaches_the_domain_R48():
    # Isolation only on the grounds of Reg. art. 48 (was refused as INPUT): "por castigo" breaks R-48.
    example = command_example("apply_isolation") | {"ground": "por_castigo"}
    assert bind(COMMANDS["apply_isolation"], example)["ground"] == "por_castigo"


def test_an_unknown_command_is_refused_before_anything_is_read():
    with pytest.raises(UnknownCommand):
        execute(new_ledger(), "delete_case", {"case_id": uuid4()})


def test_the_domain_makes_the_id_of_what_a_command_creates_unless_one_is_given():
    ledger = new_ledger()
    case_id = an_admitted_youth(ledger, a_unit(ledger))
    petition = dict(case_id=case_id, addressee=PetitionAddressee.JUIZ, subject=PetitionSubject.OUTRO,
                    occurred_at=on_day(3), actor=AGENTE)
    made = ledger.file_petition(**petition)
    given = uuid4()
    assert isinstance(made, UUID)
    assert execute(ledger, "file_petition", petition | {"petition_id": given, "occurred_at": on_day(4)}) == given
    assert set(ledger.case(case_id).petitions) == {made, given}


def test_every_method_of_case_and_unit_resolves_its_hints_where_it_is_defined():
    # The table reads hints with typing.get_type_hints, in the module of the stage that defines
    # the method: a hint naming Case or Unit there would not resolve.
    from domain.case import Case
    from domain.unit import Unit

    for aggregate in (Case, Unit):
        for name in dir(aggregate):
            function = inspect.getattr_static(aggregate, name)
            function = getattr(function, "__func__", function)
            if inspect.isfunction(function) and function.__module__.startswith("domain."):
                typing.get_type_hints(function)


CREATING = {
    "release_vacancy": "vacancy_id", "report_disciplinary_incident": "incident_id", "log_access": "access_id",
    "record_inspection": "inspection_id", "start_external_exit": "exit_id", "authorise_family_leave": "leave_id",
    "open_disciplinary_procedure": "procedure_id", "apply_isolation": "isolation_id",
    "grant_incentive": "incentive_id", "register_visitor": "visitor_id", "schedule_visit": "schedule_id",
    "suspend_visits_by_court": "suspension_id", "file_petition": "petition_id",
}


@pytest.mark.parametrize("name", sorted(CREATING))
def test_a_command_that_creates_something_takes_its_id_or_leaves_it_to_the_domain_and_returns_it(name):
    parameter = inspect.signature(COMMANDS[name]).parameters[CREATING[name]]
    assert parameter.default is None
    assert typing.get_type_hints(COMMANDS[name].method)["return"] is UUID
