"""Who may record what: ONE policy table, role × command, with unit scoping; and ``authorise``.

``authorise(principal, command, arguments, ledger)`` is called once, at the top of
``application.commands.execute`` (the one door), before the command's handler loads or
saves anything. A refusal raises ``domain.rules.RuleViolation`` with an ``A-`` code of
``ACCESS_RULES`` (its legal source included), so every caller reports it like any rule.

``principal=None`` is an in-process caller trusted by construction (the tests, the
simulation, the benchmarks, ``caseledger demo``): it records the actor its input names.
The CLI never passes None: ``caseledger record`` authenticates a token first
(``infra.commands.users.authenticate``) and refuses without one.

Where the table comes from: the roles of the Regimento (arts. 13–22; DOMAIN.md §5.1) and
who records what in ``infra.simulation`` (the unit's staff record the unit's operations,
the admin enters the court's documents: Reg. art. 27); the SISPETI profiles (seed 002:
units manage their own, state and federal managers read only, councils consult); and
confidentiality (ECA arts. 143–144; SINASE art. 59: a youth's information is seen and
written by those who work on the case). Which member of staff may decide what (only the
gerente decides a disciplinary procedure…) stays with the domain's own rules, which read
the actor — the principal — this table lets through.

``python -m application.access > docs/ACCESS.md`` renders the table; a test keeps it current.
"""

from __future__ import annotations

from typing import Any, Mapping
from uuid import UUID

from application.principals import Principal, Service
from domain.case import Case
from domain.rules import RuleViolation
from domain.unit import unit_id_for
from domain.values import TECHNICAL_ROLES, Actor, Role

#: The access rules' codes, what they say, and where they come from.
ACCESS_RULES: dict[str, tuple[str, str]] = {
    "A-01": ("The actor of a recorded fact is the authenticated principal; input naming another actor is refused",
             "ECA 143–144; SINASE 59 (who wrote a youth's record is known); docs/EVENT-CONTRACT.md (envelope actor)"),
    "A-02": ("A role records only the commands of its row in the policy (unit staff their unit's operations; "
             "MP and Defensoria their own acts; judges, managers and councils consult only)",
             "Reg. arts. 13–22; ECA 143–144; SINASE 59; SISPETI profiles [seed 002]"),
    "A-03": ("Unit staff act only on cases currently in — or transferring to — their units; MP and Defensoria "
             "on those of their comarca",
             "Reg. art. 14; SISPETI profiles [seed 002]: units manage their own; ECA 143–144; SINASE 59"),
}

# The people of a unit (Reg. arts. 13–22): who the unit's operations are recorded by.
UNIT_STAFF = frozenset({Role.GERENTE, *TECHNICAL_ROLES, Role.AGENTE, Role.LIDER, Role.ADMINISTRATIVO, Role.COMISSAO})
# A service account transcribing paper books or SIPIA records names the staff member who acted.
TRANSCRIBED = frozenset({Service.TRANSCRICAO})
MP, DEFENSORIA = Role.MINISTERIO_PUBLICO, Role.DEFENSOR

# Commands that a role outside the unit records as its own act, with why (DOMAIN.md §5.1).
OWN_ACTS: dict[str, tuple[frozenset, str]] = {
    "record_inspection": (frozenset({MP}), "the MP inspects the unit (ECA 95, 201 XI; CNMP 67)"),
    "hold_private_interview": (frozenset({MP, DEFENSORIA}),
                               "the youth's private interview with the promotor or defender (ECA 124 III; SINASE 49)"),
    "request_reassessment": (frozenset({MP, DEFENSORIA}), "reassessment asked by the MP or the defence (SINASE 43)"),
    "record_pia_challenge": (frozenset({MP, DEFENSORIA}), "the PIA challenged by the MP or the defence (SINASE 41 §2)"),
    "file_disciplinary_appeal": (frozenset({DEFENSORIA}), "the defence appeals a sanction (SINASE 48–49; Reg. art. 97)"),
}
# Acts of the gerente in person, never transcribed from paper: an erasure destroys data now.
IN_PERSON: dict[str, str] = {
    "erase_personal_data": "the gerente keeps the unit's records and acts on them on a documented, authorised "
                           "request (Reg. art. 14 XV); the erasure follows the controller's decision (LGPD arts. "
                           "16, 18 VI; D-19)",
}
# Operations of the unit that only its gerente records (Reg. art. 10, 14: the unit from its Portaria).
GERENTE_ONLY: dict[str, str] = {
    "define_unit": "the unit is defined from its Portaria by its gerente (Reg. arts. 10, 14)",
    "redefine_unit_capacity": "capacity follows a new Portaria, kept by the gerente (Reg. art. 14 IX)",
    "close_attendance_month": "the gerente closes the unit's month of attendance, as its monthly report "
                              "(Reg. art. 14 VI; SISPETI closed months [seed 002])",
    "record_death": "the gerente records a youth's death and informs the family (Reg. art. 14 XXII; R-68)",
    "inform_family_of_death": "the gerente informs the family of a youth's death (Reg. art. 14 XXII; R-68)",
}

# Health (E48–E52): recorded by who cares for the youth — the gerente, the technical team, the agents and the
# líder who escort and give prescribed medication (Reg. arts. 12, 20 III and §2, 53 VI, 93) — not by the
# administrative staff nor the disciplinary commission: health data is sensitive (LGPD art. 11), need-to-know.
HEALTH_CARERS = frozenset({Role.GERENTE, *TECHNICAL_ROLES, Role.AGENTE, Role.LIDER})
HEALTH_ACTS: dict[str, str] = {
    name: "those who care for the youth's health (Reg. arts. 12, 20, 53 VI, 93; LGPD art. 11: need-to-know)"
    for name in ("refer_to_health_network", "record_health_appointment", "start_hospitalisation",
                 "end_hospitalisation", "record_medication", "flag_severe_mental_disorder",
                 "report_notifiable_disease")
}
# Operations of the shift that only its líder de equipe records (Reg. art. 21).
LIDER_ONLY: dict[str, str] = {
    "hand_over_shift": "the líder gives faith to the shift's occurrence records and hands over (Reg. art. 21 XII, XXI; R-59)",
}


def row(name: str) -> tuple[frozenset, str]:
    """THE table's row of command ``name``: (the roles that may record it, why).

    Every command not named above is a unit operation, recorded by the unit's staff.
    """
    if name in IN_PERSON:
        return frozenset({Role.GERENTE}), IN_PERSON[name]
    if name in GERENTE_ONLY:
        return frozenset({Role.GERENTE}) | TRANSCRIBED, GERENTE_ONLY[name]
    if name in HEALTH_ACTS:
        return HEALTH_CARERS | TRANSCRIBED, HEALTH_ACTS[name]
    if name in LIDER_ONLY:
        return frozenset({Role.LIDER}) | TRANSCRIBED, LIDER_ONLY[name]
    if name in OWN_ACTS:
        roles, why = OWN_ACTS[name]
        return UNIT_STAFF | roles | TRANSCRIBED, "the unit's staff; " + why
    return UNIT_STAFF | TRANSCRIBED, "the unit's staff (Reg. arts. 13–22)"


def _refuse(code: str, message: str) -> None:
    raise RuleViolation(code, message, ACCESS_RULES[code][1])


def authorise(principal: Principal | None, command: Any, arguments: dict[str, Any], ledger: Any) -> None:
    """Let ``principal`` record ``command`` with ``arguments``, or refuse (A-01…A-03); fills an absent actor.

    ``principal=None``: a trusted in-process caller (see the module's note); nothing is checked.
    """
    if principal is None:
        return
    check_role(principal, command.name)
    _actor_from(principal, arguments)
    units = _units_touched(command, arguments, ledger)
    if not principal.state and not any(principal.covers(unit, _comarca(ledger, unit, command, arguments))
                                       for unit in units):
        where = ", ".join(units) or "no unit yet"
        _refuse("A-03", f"{command.name} concerns {where}, outside the scope of {principal.id} ({principal.scope}); "
                        "it is recorded by the staff of the case's unit.")


def check_role(principal: Principal, name: str) -> None:
    """Refuse (A-02) a principal no longer valid, or whose role does not record command ``name``.

    Part of ``authorise``; the CLI also asks it before binding the input, so that a role that
    records nothing hears so rather than that its input lacks an actor.
    """
    if not principal.valid_at():
        _refuse("A-02", f"principal {principal.id} is revoked or expired; ask an administrator for a new token.")
    roles, _ = row(name)
    if principal.role not in roles:
        _refuse("A-02", f"role {principal.role.value} does not record {name}; it is recorded by: "
                        f"{', '.join(sorted(r.value for r in roles))} (see docs/ACCESS.md).")


def _actor_from(principal: Principal, arguments: dict[str, Any]) -> None:
    """The actor is the principal: filled when absent, refused when it names someone else."""
    given = arguments.get("actor")
    own = principal.actor
    if own is None:  # a transcription service names the staff member who acted
        if not isinstance(given, Actor):
            _refuse("A-01", f"{principal.id} transcribes: name the actor (id and role) the fact was recorded by.")
        return
    if given is None:
        arguments["actor"] = own
    elif not isinstance(given, Actor) or (given.id, Role(given.role)) != (own.id, own.role):
        _refuse("A-01", f"the input names actor {getattr(given, 'id', given)!r} "
                        f"({getattr(given, 'role', '?')}), but you are {own.id} ({own.role.value}); "
                        "leave the actor out: it is taken from your token.")


def _units_touched(command: Any, arguments: Mapping[str, Any], ledger: Any) -> list[str]:
    """The units the command acts in: those it names, and the unit the case is in (or last was)."""
    units = [str(arguments[k]) for k in command.ids if k != "case_id" and arguments.get(k) is not None]
    if command.name == "define_unit":
        units.append(str(unit_id_for(arguments["unit_code"])))
    if "case_id" in command.ids:
        case: Case = ledger.case(arguments["case_id"])
        current = case.unit_id or (case.stays[-1].unit_id if case.stays else None)
        if current is not None:
            units.append(str(current))
    return list(dict.fromkeys(units))


def _comarca(ledger: Any, unit: str, command: Any, arguments: Mapping[str, Any]) -> str | None:
    if command.name == "define_unit":
        return arguments.get("comarca")
    try:
        return ledger.unit(UUID(unit)).comarca
    except RuleViolation:  # not defined yet: no comarca to match
        return None
