"""Who may read what: a youth's record only to those who act on it; aggregates to those who oversee.

ECA arts. 143–144 and SINASE art. 59 (R-61, R-62): information about a youth in a socio-educational
measure is confidential. The SISPETI profiles the users already know (seed 002) give the shape:
units manage — and read — their own; the MP, the Defensoria and the court read the cases of their
comarca; state and federal managers and the councils read aggregates and inspection reports, never a
youth's record. The recording policy is `application.policy`; this is its reading half, asked by
every query of the HTTP service and the web app before any personal row is returned.
"""

from __future__ import annotations

from typing import Any, Iterable

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

# Who may list the reads of a record (the access log): those who oversee it (the MP, the
# Defensoria, the court), the unit's manager, the administrator, and state-wide services.
READERS_OF_THE_LOG = frozenset({Role.MINISTERIO_PUBLICO, Role.DEFENSOR, Consulting.JUIZ, Role.GERENTE,
                                Consulting.ADMINISTRADOR, Service.TRANSCRICAO})

# What each query reads — THE reading table; every query of the CLI, the HTTP API and the web app
# is one of these kinds, and asks the function of its kind below.
RECORD, ALL_RECORDS, AGGREGATES, READS_LOG = "record", "all records", "aggregates", "access log"
QUERIES: dict[str, tuple[str, str]] = {
    "case view": (RECORD, "`case show`, GET /api/cases/ID, the case page"),
    "history": (RECORD, "`history`, GET /api/cases/ID/history"),
    "case list": (RECORD, "`case list`, GET /api/cases (only the cases in scope are listed)"),
    "legal clocks": (RECORD, "`clocks`, GET /api/clocks (only the cases in scope)"),
    "audit bundle": (RECORD, "`audit bundle CASE`: the case's events as stored, with their proofs"),
    "live feed": (RECORD, "GET /api/events (only the events of units in scope)"),
    "audit export": (ALL_RECORDS, "`audit export`, GET /api/audit: every youth's record"),
    "occupancy": (AGGREGATES, "`unit occupancy`, GET /api/units/U/occupancy, the unit pages"),
    "inspection report": (AGGREGATES, "`inspection`, GET /api/units/U/inspection"),
    "access log": (READS_LOG, "`access-log CASE`: who read a record, when and why"),
}


# Health entries (E48–E52, domain/case/health.py): clinical detail is sensitive (LGPD art. 11) and sealed, so no
# read model holds it; what the entries keep in clear (the kind of service — a CAPSad says drugs —, whether the
# youth is in a health facility) is still health data. Their fields are shown only to the technical team's
# health professionals: the psychologist (Reg. art. 93 II, VI: psychological care, mental health) and the
# social worker, who refer the youth to the SUS network (Reg. art. 53 VI; both health professions, CNS Res.
# 218/1997). Everyone else who reads the record sees the entry — its date, who recorded it, its summary —
# and the counts of the inspection report, not its fields (DOMAIN.md §5.2 V5: others read summaries/aggregates).
# The unit has no role of its own for doctors or nurses: the Role enum is in every event's envelope and a new
# symbol breaks the contract for readers of v1 (schemas/compatibility.py), so that waits for its own change.
HEALTH_READERS = frozenset({Role.PSICOLOGO, Role.ASSISTENTE_SOCIAL})
HEALTH_EVENTS = frozenset({"HealthReferralMade", "HealthAppointmentAttended", "HospitalizationStarted",
                           "HospitalizationEnded", "MedicationAdministered", "SevereMentalDisorderFlagged",
                           "NotifiableDiseaseReported"})
HEALTH_RESTRICTED = "(health: shown to health staff only — LGPD art. 11)"


def may_read_health(principal: Principal) -> bool:
    """Whether the principal reads the fields of the health entries of the records it may read."""
    return principal.role in HEALTH_READERS


def health_filtered(principal: Principal, event_type: str, data: Any) -> Any:
    """The payload of an entry as this principal may see it: a health entry's fields replaced for
    principals outside ``HEALTH_READERS``; any other entry unchanged."""
    if event_type.rsplit(".", 1)[-1] not in HEALTH_EVENTS or may_read_health(principal):
        return data
    if isinstance(data, str):  # the audit export's payload column is JSON text
        return HEALTH_RESTRICTED
    # The recorded exceptions stay: an alert (R-72, family not told) reaches the unit's direction.
    return {key: value if key == "exceptions" else HEALTH_RESTRICTED for key, value in (data or {}).items()}


# The PIA (E13–E15, domain/case/plan.py), R-62: "o acesso ao plano individual será restrito aos servidores do
# respectivo programa de atendimento, ao adolescente e a seus pais ou responsável, ao Ministério Público e ao
# defensor, exceto expressa autorização judicial" (SINASE art. 59). The programme's staff are the unit's staff
# (a record is read only by the staff of a unit the youth is or was in); the court homologates the PIA (SINASE
# art. 41) and it is the court that authorises others. A service account transcribing paper books is none of
# these: it reads the entry — date, author, summary —, not the plan's fields. A court's authorisation for some
# other reader is not recorded by the ledger yet, so no other role reads them.
PIA_READERS = UNIT_STAFF | {Role.ADOLESCENTE, Role.FAMILIA, Role.MINISTERIO_PUBLICO, Role.DEFENSOR, Consulting.JUIZ}
PIA_EVENTS = frozenset({"PIASubmitted", "PIAHomologated", "PIAImpugned", "PIAUpdated"})
PIA_RESTRICTED = ("(PIA: shown to the programme's staff, the youth, the family, the MP, the defender and the court "
                  "only — R-62, SINASE art. 59)")


def may_read_pia(principal: Principal) -> bool:
    """Whether the principal reads the fields of the PIA entries of the records it may read (R-62)."""
    return principal.role in PIA_READERS


def pia_filtered(principal: Principal, event_type: str, data: Any) -> Any:
    """The payload of an entry as this principal may see it: a PIA entry's fields replaced for principals
    outside ``PIA_READERS`` (R-62, SINASE art. 59); any other entry unchanged."""
    if event_type.rsplit(".", 1)[-1] not in PIA_EVENTS or may_read_pia(principal):
        return data
    if isinstance(data, str):  # the audit export's payload column is JSON text
        return PIA_RESTRICTED
    # A recorded exception (a PIA sent late, R-22) is the unit's alert, not the plan's content: it stays.
    return {key: value if key == "exceptions" else PIA_RESTRICTED for key, value in (data or {}).items()}


def entry_filtered(principal: Principal, event_type: str, data: Any) -> Any:
    """The payload of an entry of a record as this principal may see it: health (LGPD art. 11) and PIA
    (R-62) fields withheld from those who may not read them. Every history and export goes through here."""
    return pia_filtered(principal, event_type, health_filtered(principal, event_type, data))


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


def authorise_access_log(principal: Principal) -> None:
    """The access log names who read a youth's record: for those who oversee the reads."""
    if principal.role not in READERS_OF_THE_LOG:
        _refuse("R-61", f"a {principal.role.value} does not list who read a youth's record; "
                "ask the MP, the Defensoria or the unit's manager")


def who_may(kind: str) -> str:
    """The readers of a query of ``kind``, and their scope, as docs/ACCESS.md says it."""
    by_unit = ", ".join(sorted(r.value for r in CASE_READERS_BY_UNIT - UNIT_STAFF))
    by_comarca = ", ".join(sorted(r.value for r in CASE_READERS_BY_COMARCA))
    if kind == RECORD:
        return f"unit staff and {by_unit}: cases of their units; {by_comarca}: cases of their comarca"
    if kind == ALL_RECORDS:
        return f"unit staff, {by_unit}, {by_comarca} — with a state-wide scope only"
    if kind == AGGREGATES:
        return f"everyone but {Role.ADOLESCENTE.value} and {Role.FAMILIA.value} (no personal data)"
    return ", ".join(sorted(r.value for r in READERS_OF_THE_LOG))


def authorise_all_records(principal: Principal) -> None:
    """The whole audit trail holds every youth's record: state-wide readers of records only."""
    if not principal.state or principal.role not in CASE_READERS_BY_UNIT | CASE_READERS_BY_COMARCA:
        _refuse("R-61", "the audit export holds every youth's record: it is for state-wide readers of records, "
                f"not {principal.role.value} ({principal.scope}); `history CASE` reads one case of your scope")
