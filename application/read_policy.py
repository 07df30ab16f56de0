"""Who may read what: a youth's record only to those who act on it; aggregates to those who oversee.

ECA arts. 143–144 and SINASE art. 59 (R-61, R-62): information about a youth in a socio-educational
measure is confidential. The SISPETI profiles the users already know (seed 002) give the shape:
units manage — and read — their own; the MP, the Defensoria and the court read the cases of their
comarca; state and federal managers and the councils read aggregates and inspection reports, never a
youth's record. The recording policy is `application.policy`; this is its reading half, asked by
every query of the HTTP service and the web app before any personal row is returned.
"""

from __future__ import annotations

from typing import Iterable

from application.policy import UNIT_STAFF
from application.principals import Consulting, Principal, Service
from domain.rules import RuleViolation
from domain.values import Role

# Who reads a youth's record (case view, history, audit export), and within which scope.
CASE_READERS_BY_UNIT = UNIT_STAFF | {Service.TRANSCRICAO}
CASE_READERS_BY_COMARCA = frozenset({Role.MINISTERIO_PUBLICO, Role.DEFENSOR, Consulting.JUIZ})
AGGREGATES_ONLY = frozenset({Consulting.GESTOR_ESTADUAL, Consulting.GESTOR_FEDERAL, Consulting.CONSELHO})
NO_READING = frozenset({Consulting.ADMINISTRADOR, Role.ADOLESCENTE, Role.FAMILIA})

SOURCE = "ECA arts. 143–144; SINASE art. 59; SISPETI profiles [seed 002]"


def _refuse(code: str, message: str) -> None:
    raise RuleViolation(code, message, SOURCE)


def may_read_case(principal: Principal, units: Iterable[tuple[str, str | None]]) -> bool:
    """Whether the principal may read the record of a case that is or was in these (unit id, comarca)."""
    role = principal.role
    if role in CASE_READERS_BY_UNIT or role in CASE_READERS_BY_COMARCA:
        return any(principal.covers(unit_id, comarca) for unit_id, comarca in units)
    return False


def authorise_case_read(principal: Principal, case_id: str, units: Iterable[tuple[str, str | None]]) -> None:
    """Refuse (R-61) a read of a youth's record outside the principal's role or scope."""
    units = list(units)
    if principal.role in AGGREGATES_ONLY or principal.role in NO_READING:
        _refuse("R-61", f"a {principal.role.value} does not read a youth's record: the occupancy, the clocks' "
                "counts and the inspection reports are there for oversight")
    if not may_read_case(principal, units):
        _refuse("R-61", f"case {case_id} is not in a unit or comarca of {principal.id} ({principal.scope}); "
                "ask the unit, or the administrator for a wider scope with its legal basis")


def authorise_aggregates(principal: Principal) -> None:
    """Occupancy, units and inspection reports carry no personal data; everyone but the youth and family."""
    if principal.role in (Role.ADOLESCENTE, Role.FAMILIA):
        _refuse("R-61", "the unit's figures are for its staff and oversight; ask the unit for the youth's own record")
