"""The ledger's commands: one table, and ``execute``, the one function every command passes.

Each row of ``COMMANDS`` names a command, the domain method that decides it, the arguments
that name its aggregates (``case_id``, ``unit_id``…) and, when it touches more than one
aggregate, the handler that loads and saves them together (``application.handlers``).

A command's arguments are the domain method's own: its parameters and type hints, read
from the method, with the ids in front and without what the handler supplies (the loaded
``unit``, the ``roommates``…) or the domain's fixed references (``calendar``, ``catalogue``).
Nothing restates a signature, so input bound with ``infra.command_input.bind`` (JSON from
the CLI) fits the domain method by construction. ``Command`` carries that signature as
``__signature__`` and ``__annotations__``, so anything that reads a function's signature
reads the command's.

Every command — from the CLI, the simulation, the tests or ``ledger.record_intake(...)`` —
runs through ``execute``. That is where the command is authorised for its principal
(role × command, unit scope: ``application.policy``) before anything is read: see ``execute``.
"""

from __future__ import annotations

import collections.abc
import enum
import inspect
import types
import typing
from typing import Any, Callable, Iterable, Mapping
from uuid import UUID

from application import handlers, idempotency
from application.handlers import Handler
from application.policy import authorise
from domain.case import Case
from domain.rules import refuse
from domain.unit import Unit
from domain.rules import RULED_CHOICES

# Parameters of domain methods that are references the domain holds, not input of a command.
FIXED = frozenset({"calendar", "catalogue"})

CASE = ("case_id",)
UNIT = ("unit_id",)


class UnknownCommand(LookupError):
    """No command of the ledger has this name."""


class Command:
    """One row of the table: ``name`` runs ``method`` on the aggregates its ``ids`` name.

    Its signature (``inspect.signature(command)``) is the command's arguments; calling it,
    ``command(ledger, **arguments)``, is ``execute(ledger, command.name, arguments)``.
    """

    def __init__(self, name: str, method: Callable[..., Any], ids: tuple[str, ...], run: Handler | None = None,
                 *, supplied: Iterable[str] = ()) -> None:
        self.name = name
        self.method = method
        self.ids = ids
        self.run = run or {CASE: handlers.on_case, UNIT: handlers.on_unit}[ids]
        doc = (inspect.getdoc(method) or "").strip().splitlines()
        self.summary = doc[0] if doc else ""
        self.__doc__ = inspect.getdoc(method)
        self.__signature__, self.__annotations__ = _input_signature(method, ids, frozenset(supplied))

    def __call__(self, ledger: Any, /, **arguments: Any) -> Any:
        return execute(ledger, self.name, arguments)

    def __repr__(self) -> str:
        return f"Command({self.name!r}, {self.method.__qualname__})"


def _input_signature(method: Callable[..., Any], ids: tuple[str, ...],
                     supplied: frozenset[str]) -> tuple[inspect.Signature, dict[str, Any]]:
    hints = typing.get_type_hints(method)
    hints.pop("return", None)
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter(name, keyword, annotation=UUID) for name in ids]
    annotations = {name: UUID for name in ids}
    for name, parameter in inspect.signature(method).parameters.items():
        if name in ("self", "cls") or name in ids or name in supplied or name in FIXED:
            continue
        hint = _input_hint(hints[name])
        parameters.append(inspect.Parameter(name, keyword, default=parameter.default, annotation=hint))
        annotations[name] = hint
    return inspect.Signature(parameters), annotations


def _input_hint(hint: Any) -> Any:
    """The domain's hint as input: any iterable arrives as a tuple; where the domain also takes
    an enum's plain text (and refuses a wrong one by its rule), input takes only the enum —
    except a sanction, whose forbidden kinds (visit suspension R-33, incommunicado R-40) the
    domain refuses under their own rules (``domain.discipline.coerce_sanction``), and every closed
    list that is its rule (``domain.rules.RULED_CHOICES``: chemical restraint is refused under R-52,
    CONANDA 252 art. 68; a neighbour requesting a reassessment under R-27, SINASE 43)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is collections.abc.Iterable:
        return tuple[args[0], ...]
    if origin in (typing.Union, types.UnionType):
        if str in args and any(isinstance(a, type) and issubclass(a, enum.Enum) and a.__name__ not in RULED_CHOICES
                               for a in args):
            args = tuple(a for a in args if a is not str)
        return typing.Union[tuple(_input_hint(a) for a in args)]
    return hint


def execute(ledger: Any, name: str, arguments: Mapping[str, Any], *, principal: Any = None,
            command_id: str | None = None) -> Any:
    """Run the command ``name`` on the ledger: the one function every command passes.

    ``arguments`` are the command's keyword arguments as Python values (JSON input is bound
    to them first by ``infra.command_input.bind``). The command's handler loads the
    aggregates, the domain method checks every rule before any event, and everything it
    changed is saved at once; a refusal raises ``domain.rules.RuleViolation`` and writes
    nothing. Returns the id of what the command created (case, unit, vacancy, visitor…) or None.

    ``principal`` is who asks, authenticated by the caller (``application.principals``): it is
    authorised here, first, by the one policy (``application.policy.authorise``: role ×
    command, unit scope, the actor taken from the principal). ``None`` is a trusted
    in-process caller (tests, simulation, benchmarks); the CLI never passes None.

    ``command_id`` makes the command safe to retry (``application.idempotency``): recorded once,
    with its id, digest and result in the transaction of its events; the same id again with
    the same content returns the first result and records nothing (``ledger.last_replay`` then
    holds the first recording); with other content it is refused (D-17).
    """
    command = COMMANDS.get(name)
    if command is None:
        raise UnknownCommand(name)
    arguments = dict(arguments)
    authorise(principal, command, arguments, ledger)
    if command_id is None:
        return command.run(ledger, command.method, arguments)
    return _once(ledger, command, arguments, command_id)


def _once(ledger: Any, command: Command, arguments: dict[str, Any], command_id: str) -> Any:
    """Run ``command`` under ``command_id`` unless that id is recorded (see ``execute``)."""
    problem = idempotency.valid_command_id(command_id)
    if problem:
        refuse("D-17", f"{problem}; give each command its own id, or none.")
    content = idempotency.digest(command.name, arguments)
    prior = ledger.recorded_command(command_id)
    if prior is not None:
        if (prior.command, prior.digest) != (command.name, content):
            refuse("D-17", f"command id {command_id!r} was already recorded for {prior.command} with other "
                           "content; nothing was recorded. Give a new command its own id (or none); to retry "
                           "the first command, send it unchanged.")
        ledger.last_replay = prior
        return idempotency.decode_result(prior.result)
    returned: dict[str, Any] = {}

    def method(*args: Any, **kwargs: Any) -> Any:
        # The domain method's result is known before the handler saves: the save stores it with the events.
        returned["result"] = command.method(*args, **kwargs)
        return returned["result"]

    ledger.command_in_progress = (command_id, command.name, content, returned)
    try:
        return command.run(ledger, method, arguments)
    finally:
        ledger.command_in_progress = None


def _table(*rows: Command) -> dict[str, Command]:
    return {row.name: row for row in rows}


#: Every command of the ledger, by name: the domain method, the ids that name its aggregates, its handler.
COMMANDS: dict[str, Command] = _table(
    # K. units
    Command("define_unit", Unit.define, (), handlers.define_unit),
    Command("redefine_unit_capacity", Unit.redefine_capacity, UNIT),
    Command("release_vacancy", Unit.release_vacancy, UNIT),
    Command("report_disciplinary_incident", Unit.report_incident, UNIT),
    Command("suspend_visitor", Unit.suspend_visitor, UNIT),
    Command("correct_unit_entry", Unit.correct_entry, UNIT),
    Command("void_unit_entry", Unit.void_entry, UNIT),
    Command("log_access", Unit.log_access, UNIT),
    Command("change_staff_roster", Unit.change_staff_roster, UNIT),
    Command("record_inspection", Unit.record_inspection, UNIT, handlers.record_inspection),
    Command("submit_monthly_report", Unit.submit_monthly_report, UNIT),
    Command("submit_sipia_export", Unit.submit_sipia_export, UNIT),
    # H. occurrence book and safety (E55)
    Command("log_occurrence", Unit.log_occurrence, UNIT),
    Command("hand_over_shift", Unit.hand_over_shift, UNIT),
    Command("file_police_report", Unit.file_police_report, UNIT),
    Command("record_rebellion", Unit.record_rebellion, UNIT),
    # A. registration and intake
    Command("register_adolescent", Case.register, UNIT, handlers.register_adolescent),
    Command("record_intake", Case.record_intake, ("case_id", "unit_id"), handlers.in_named_unit,
            supplied={"unit"}),
    Command("refuse_intake", Case.refuse_intake, ("case_id", "unit_id"), handlers.at_named_unit),
    Command("report_intake_finding", Case.report_intake_finding, ("case_id", "unit_id"), handlers.at_named_unit),
    Command("acknowledge_orientation", Case.acknowledge_orientation, CASE),
    Command("complete_acolhimento_step", Case.complete_acolhimento_step, CASE),
    Command("complete_acolhimento", Case.complete_acolhimento, CASE, handlers.in_the_units_calendar),
    Command("hold_family_acolhimento", Case.hold_family_acolhimento, CASE),
    Command("assign_room", Case.assign_room, CASE, handlers.assign_room, supplied={"unit", "roommates"}),
    # B. PIA and judicial execution
    Command("hold_case_study", Case.hold_case_study, CASE),
    Command("agree_contract", Case.agree_contract, CASE),
    Command("submit_pia", Case.submit_pia, CASE),
    Command("record_pia_homologation", Case.record_pia_homologation, CASE),
    Command("record_pia_challenge", Case.record_pia_challenge, CASE),
    Command("update_pia", Case.update_pia, CASE),
    Command("submit_progress_report", Case.submit_progress_report, CASE),
    Command("request_reassessment", Case.request_reassessment, CASE),
    Command("record_reassessment_hearing", Case.record_reassessment_hearing, CASE),
    Command("record_measure_decision", Case.record_measure_decision, CASE),
    Command("receive_judicial_order", Case.receive_judicial_order, CASE),
    # C. movement
    Command("transfer", Case.transfer, ("case_id", "destination_unit_id"), handlers.transfer,
            supplied={"origin", "destination"}),
    Command("start_external_exit", Case.start_external_exit, CASE),
    Command("end_external_exit", Case.end_external_exit, CASE),
    Command("authorise_family_leave", Case.authorise_family_leave, CASE),
    Command("start_family_leave", Case.start_family_leave, CASE),
    Command("return_from_family_leave", Case.return_from_family_leave, CASE),
    Command("record_evasion", Case.record_evasion, CASE, handlers.leaving_current_unit, supplied={"unit"}),
    Command("return_from_evasion", Case.return_from_evasion, ("case_id", "unit_id"), handlers.in_named_unit,
            supplied={"unit"}),
    Command("record_police_apprehension", Case.record_police_apprehension, CASE),
    # D. discipline
    Command("open_disciplinary_procedure", Case.open_disciplinary_procedure, CASE,
            handlers.checked_against_current_unit, supplied={"unit"}),
    Command("hold_disciplinary_hearing", Case.hold_disciplinary_hearing, CASE),
    Command("decide_disciplinary_procedure", Case.decide_disciplinary_procedure, CASE),
    Command("file_disciplinary_appeal", Case.file_disciplinary_appeal, CASE),
    Command("decide_disciplinary_appeal", Case.decide_disciplinary_appeal, CASE),
    Command("record_court_sanction_suspension", Case.record_court_sanction_suspension, CASE),
    Command("record_use_of_force", Case.record_use_of_force, CASE),
    Command("assess_damage_repair", Case.assess_damage_repair, CASE),
    Command("record_search", Case.record_search, CASE),
    Command("apply_isolation", Case.apply_isolation, CASE),
    Command("record_isolation_notices", Case.record_isolation_notices, CASE),
    Command("end_isolation", Case.end_isolation, CASE),
    Command("grant_incentive", Case.grant_incentive, CASE),
    Command("suspend_incentive", Case.suspend_incentive, CASE),
    # E. visits
    Command("register_visitor", Case.register_visitor, CASE),
    Command("deactivate_visitor", Case.deactivate_visitor, CASE),
    Command("schedule_visit", Case.schedule_visit, CASE, handlers.checked_against_current_unit,
            supplied={"unit"}),
    Command("hold_visit", Case.hold_visit, CASE, handlers.checked_against_current_unit, supplied={"unit"}),
    Command("refuse_visit", Case.refuse_visit, CASE),
    Command("suspend_visits_by_court", Case.suspend_visits_by_court, CASE),
    Command("lift_court_visit_suspension", Case.lift_court_visit_suspension, CASE),
    Command("hold_phone_call", Case.hold_phone_call, CASE),
    Command("hold_private_interview", Case.hold_private_interview, CASE),
    # F. health (E48–E52)
    Command("refer_to_health_network", Case.refer_to_health_network, CASE),
    Command("record_health_appointment", Case.record_health_appointment, CASE),
    Command("start_hospitalisation", Case.start_hospitalisation, CASE),
    Command("end_hospitalisation", Case.end_hospitalisation, CASE),
    Command("record_medication", Case.record_medication, CASE),
    Command("flag_severe_mental_disorder", Case.flag_severe_mental_disorder, CASE),
    Command("report_notifiable_disease", Case.report_notifiable_disease, CASE),
    # I. petitions
    Command("file_petition", Case.file_petition, CASE),
    Command("answer_petition", Case.answer_petition, CASE),
    # J. release
    Command("receive_release_order", Case.receive_release_order, CASE),
    Command("release", Case.release, CASE, handlers.release, supplied={"unit"}),
    Command("report_reintegration", Case.report_reintegration, CASE),
    Command("record_egress_follow_up", Case.record_egress_follow_up, CASE),
    # G. schooling and activities (E54)
    Command("record_enrolment", Case.record_enrolment, CASE),
    Command("end_enrolment", Case.end_enrolment, CASE),
    Command("record_attendance", Case.record_attendance, CASE, handlers.checked_against_current_unit,
            supplied={"unit"}),
    Command("close_attendance_month", Unit.close_attendance_month, UNIT),
    # F. death (E53) and deaths in the family; a death ends the stay like a release
    Command("record_death", Case.record_death, CASE, handlers.release, supplied={"unit"}),
    Command("inform_family_of_death", Case.inform_family_of_death, CASE),
    Command("inform_of_relative_death", Case.inform_of_relative_death, CASE),
    # M. alerts
    Command("acknowledge_alert", Case.acknowledge_alert, CASE),
    # N. data protection
    Command("erase_personal_data", Case.erase_personal_data, CASE, handlers.erasing, supplied={"retention_years"}),
    # L. corrections
    Command("correct_case_entry", Case.correct_entry, CASE, handlers.correcting_case_entry),
    Command("void_case_entry", Case.void_entry, CASE),
)
