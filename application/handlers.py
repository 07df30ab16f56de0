"""How a command reaches its aggregates: load them, run the domain method, save them together.

Most commands touch one aggregate (``on_case``, ``on_unit``). The others are coordinated
here: the domain method decides with every aggregate it needs in hand, and everything it
changed is saved in ONE ``save()`` — one transaction, all or nothing.

A handler is ``handler(ledger, method, arguments)``: ``method`` is the command's domain
method, ``arguments`` its keyword arguments plus the ids that name the aggregates (which
the handler takes out). It returns what the command returns: the id of what it created,
or None.
"""

from __future__ import annotations

from typing import Any, Callable
from uuid import UUID

from domain.case import CaseStatus, case_id_for
from domain.rules import refuse
from domain.unit import unit_id_for

Handler = Callable[[Any, Callable[..., Any], dict[str, Any]], Any]


def on_case(ledger, method, arguments: dict[str, Any]) -> Any:
    """A command on one case."""
    case = ledger.case(arguments.pop("case_id"))
    result = method(case, **arguments)
    ledger.save(case)
    return result


def on_unit(ledger, method, arguments: dict[str, Any]) -> Any:
    """A command on one unit."""
    unit = ledger.unit(arguments.pop("unit_id"))
    result = method(unit, **arguments)
    ledger.save(unit)
    return result


def define_unit(ledger, method, arguments: dict[str, Any]) -> UUID:
    """A new unit, from its Portaria; its id comes from the unit code."""
    if ledger.exists(unit_id_for(arguments["unit_code"])):
        refuse("D-02", f"Unit {arguments['unit_code']} is already defined; "
                       "record a new Portaria with redefine_unit_capacity.")
    unit = method(**arguments)
    ledger.save(unit)
    return unit.id


def register_adolescent(ledger, method, arguments: dict[str, Any]) -> UUID:
    """A new case, in a unit that exists; its id comes from the execution process number."""
    if ledger.exists(case_id_for(arguments["process_number"])):
        refuse("R-07", "A case for this execution process already exists; one case per measure.")
    unit_id = arguments.pop("unit_id")
    ledger.unit(unit_id)  # D-04: the unit named must exist
    case = method(unit_id=str(unit_id), **arguments)
    # The store's key on (id, version 1) still rejects a concurrent duplicate.
    ledger.save(case)
    return case.id


def in_named_unit(ledger, method, arguments: dict[str, Any]) -> Any:
    """The case enters the unit named (intake, return from evasion): case and unit change."""
    case, unit = ledger.case(arguments.pop("case_id")), ledger.unit(arguments.pop("unit_id"))
    result = method(case, unit=unit, **arguments)
    ledger.save(case, unit)
    return result


def at_named_unit(ledger, method, arguments: dict[str, Any]) -> Any:
    """Something happened at the unit named (a refused intake, the intake search): only the case changes."""
    case, unit_id = ledger.case(arguments.pop("case_id")), arguments.pop("unit_id")
    ledger.unit(unit_id)  # D-04: the unit named must exist
    result = method(case, unit_id=str(unit_id), **arguments)
    ledger.save(case)
    return result


def leaving_current_unit(ledger, method, arguments: dict[str, Any]) -> Any:
    """The stay in the case's unit changes (evasion): case and unit change."""
    case = ledger.case(arguments.pop("case_id"))
    unit = ledger.current_unit(case)
    result = method(case, unit=unit, **arguments)
    ledger.save(case, unit)
    return result


def checked_against_current_unit(ledger, method, arguments: dict[str, Any]) -> Any:
    """The case's unit is read (its visitor suspensions, its offences), not changed: only the case is saved."""
    case = ledger.case(arguments.pop("case_id"))
    result = method(case, unit=ledger.current_unit(case), **arguments)
    ledger.save(case)
    return result


def assign_room(ledger, method, arguments: dict[str, Any]) -> Any:
    """A room in the case's unit, checked against the youths already in it."""
    case = ledger.case(arguments.pop("case_id"))
    unit = ledger.current_unit(case)
    roommates = [ledger.case(other) for other in unit.roommates(arguments["room"], excluding=case.id)]
    result = method(case, unit=unit, roommates=roommates, **arguments)
    ledger.save(case, unit)
    return result


def transfer(ledger, method, arguments: dict[str, Any]) -> Any:
    """From the case's unit to the destination: the case and both units in one save."""
    case = ledger.case(arguments.pop("case_id"))
    origin = ledger.current_unit(case)
    destination = ledger.unit(arguments.pop("destination_unit_id"))
    result = method(case, origin=origin, destination=destination, **arguments)
    ledger.save(case, origin, destination)
    return result


def erasing(ledger, method, arguments: dict[str, Any]) -> Any:
    """The erasure of a case's personal data, under the deployment's retention period (D-19).

    Only the event is recorded here; the data key is destroyed right after by whoever holds the
    key store's owner rights (`caseledger erase`), so a writer can never destroy keys."""
    case = ledger.case(arguments.pop("case_id"))
    result = method(case, retention_years=ledger.retention_years, **arguments)
    ledger.save(case)
    return result


def release(ledger, method, arguments: dict[str, Any]) -> Any:
    """The end of the measure: the case, and the unit if the youth is inside one, in one save."""
    case = ledger.case(arguments.pop("case_id"))
    unit = ledger.current_unit(case) if case.status is CaseStatus.ATIVO else None
    result = method(case, unit=unit, **arguments)
    ledger.save(*([case, unit] if unit is not None else [case]))
    return result


def record_inspection(ledger, method, arguments: dict[str, Any]) -> Any:
    """An MP inspection; filed with its report, the inspector's answers are checked against the catalogue
    of the forms of the unit's type first (CNMP67 Annexes I–IV): nothing is recorded if one is wrong."""
    from projections.form_items import answer_problems

    unit = ledger.unit(arguments.pop("unit_id"))
    answers = arguments.get("answers") or ()
    problems = answer_problems(answers, str(getattr(unit, "unit_type", "") or "") or None)
    if problems:
        refuse("R-63", "The inspector's answers do not fit the form (CNMP Res. 67, Annexes I–IV as worded "
                       "by Res. 84/2012): " + "; ".join(problems) + ".")
    result = method(unit, **arguments)
    ledger.save(unit)
    return result


def correcting_case_entry(ledger, method, arguments: dict[str, Any]) -> Any:
    """A correction of a case entry; when it names the unit of a stay (the youth recorded in the wrong
    unit), the stay moves in both units too: the case and both units in one save (E67)."""
    from domain.case.stay_units import correct_stay_unit, stay_unit_change

    case = ledger.case(arguments.pop("case_id"))
    change = stay_unit_change(case, arguments["target_version"], arguments.get("corrections") or ())
    if change is None:
        result = method(case, **arguments)
        ledger.save(case)
        return result
    origin, destination = ledger.unit(UUID(change.from_unit_id)), ledger.unit(UUID(change.to_unit_id))
    result = correct_stay_unit(case, origin=origin, destination=destination, change=change, correct=method,
                               **arguments)
    ledger.save(case, origin, destination)
    return result


def in_the_units_calendar(ledger, method, arguments: dict[str, Any]) -> Any:
    """A command on one case whose deadline counts business days where the youth is (Reg. arts. 32, 39:
    the acolhimento's three *dias úteis*): the case's unit's calendar, from its comarca, is supplied."""
    from domain.calendar import calendar_for

    case = ledger.case(arguments.pop("case_id"))
    comarca = ledger.current_unit(case).comarca if case.unit_id else None
    result = method(case, calendar=calendar_for(comarca), **arguments)
    ledger.save(case)
    return result
