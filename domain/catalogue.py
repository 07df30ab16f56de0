"""Generates docs/RULES.md: which rule codes are enforced where, which are tested, and which
catalogue events (E01–E68 of docs/DOMAIN-DECISIONS.md) are modelled.

Run ``python -m domain.catalogue > docs/RULES.md``; a test fails when the checked-in file is
stale. The facts are read from the source itself (``ast``), so the list cannot drift from
the code.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from domain.rules import RULED_CHOICES, RULES

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_DIR = ROOT / "domain"
TESTS_DIR = ROOT / "tests" / "unit" / "domain"
CODE = re.compile(r"^[RD]-\d\d$")
TEST_CODE = re.compile(r"_([RD])(\d\d)$")

# docs/DOMAIN-DECISIONS.md §2: catalogue entry → the event classes that model it ("Aggregate.Event").
EVENT_CATALOGUE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("E01", "AdolescentRegistered", ("Case.AdolescentRegistered",)),
    ("E02", "VacancyReleased", ("Unit.VacancyReleased", "Unit.VacancyFilled")),
    ("E03", "IntakeRecorded", ("Case.IntakeRecorded", "Unit.ResidentAdmitted")),
    ("E04", "IntakeRefused", ("Case.IntakeRefused",)),
    ("E05", "IntakeFindingReported", ("Case.IntakeFindingReported",)),
    ("E06", "BelongingsDeposited / BelongingsReturned", ("Case.IntakeRecorded", "Case.Released")),
    ("E07", "OrientationAcknowledged", ("Case.OrientationAcknowledged",)),
    ("E08", "AcolhimentoStepCompleted / AcolhimentoCompleted", ("Case.AcolhimentoStepCompleted", "Case.AcolhimentoCompleted")),
    ("E09", "FamilyAcolhimentoHeld", ("Case.FamilyAcolhimentoHeld",)),
    ("E10", "RoomAssigned / InternalRoomChange", ("Case.RoomAssigned", "Unit.ResidentMoved")),
    ("E11", "CaseStudyHeld", ("Case.CaseStudyHeld",)),
    ("E12", "ContractAgreed", ("Case.ContractAgreed",)),
    ("E13", "PIASubmitted", ("Case.PIASubmitted",)),
    ("E14", "PIAImpugned / PIAHomologated", ("Case.PIAImpugned", "Case.PIAHomologated")),
    ("E15", "PIAUpdated", ("Case.PIAUpdated",)),
    ("E16", "ProgressReportSubmitted", ("Case.ProgressReportSubmitted",)),
    ("E17", "ReassessmentRequested", ("Case.ReassessmentRequested",)),
    ("E18", "ReassessmentHearingScheduled / Held", ("Case.ReassessmentHearingHeld",)),
    ("E19", "MeasureDecisionRecorded", ("Case.MeasureDecisionRecorded",)),
    ("E20", "JudicialOrderReceived", ("Case.JudicialOrderReceived",)),
    ("E21", "TransferOrdered → TransferDeparted → TransferCompleted", ("Case.TransferCompleted", "Unit.ResidentDeparted", "Unit.ResidentAdmitted")),
    ("E22", "ExternalExitStarted / Ended", ("Case.ExternalExitStarted", "Case.ExternalExitEnded")),
    ("E23", "FamilyLeaveAuthorized / Started / Returned / ReturnedLate", ("Case.FamilyLeaveAuthorized", "Case.FamilyLeaveStarted", "Case.FamilyLeaveReturned")),
    ("E24", "EvasionRecorded", ("Case.EvasionRecorded", "Unit.ResidentDeparted")),
    ("E25", "ReturnedFromEvasion", ("Case.ReturnedFromEvasion", "Unit.ResidentAdmitted")),
    ("E26", "ApprehendedByPoliceInUnit", ("Case.ApprehendedByPoliceInUnit",)),
    ("E27", "DisciplinaryIncidentReported", ("Unit.DisciplinaryIncidentReported",)),
    ("E28", "DisciplinaryProcedureOpened", ("Case.DisciplinaryProcedureOpened",)),
    ("E29", "IsolationApplied / IsolationEnded", ("Case.IsolationApplied", "Case.IsolationNoticesSent", "Case.IsolationEnded")),
    ("E30", "DisciplinaryHearingHeld", ("Case.DisciplinaryHearingHeld",)),
    ("E31", "DisciplinaryDecisionIssued", ("Case.DisciplinaryDecisionIssued",)),
    ("E32", "DisciplinarySanctionStarted / Ended", ("Case.DisciplinaryDecisionIssued",)),
    ("E33", "AppealFiled / AppealDecided", ("Case.AppealFiled", "Case.AppealDecided")),
    ("E34", "SanctionReviewRequested / SanctionSuspendedByCourt / SanctionReviewDecided", ("Case.SanctionSuspendedByCourt",)),
    ("E35", "DamageRepairAssessed", ("Case.DamageRepairAssessed",)),
    ("E36", "IncentiveGranted / Suspended / Restricted", ("Case.IncentiveGranted", "Case.IncentiveSuspended")),
    ("E37", "UseOfForceRecorded", ("Case.UseOfForceRecorded",)),
    ("E38", "SearchPerformed", ("Case.SearchPerformed",)),
    ("E39", "VisitorRegistered / VisitorDeactivated", ("Case.VisitorRegistered", "Case.VisitorDeactivated")),
    ("E40", "VisitScheduled", ("Case.VisitScheduled",)),
    ("E41", "VisitHeld", ("Case.VisitHeld",)),
    ("E42", "VisitRefused", ("Case.VisitRefused",)),
    ("E43", "VisitorTemporarilySuspended", ("Unit.VisitorTemporarilySuspended",)),
    ("E44", "VisitsSuspendedByCourt / Lifted", ("Case.VisitsSuspendedByCourt", "Case.VisitsSuspensionLifted")),
    ("E45", "PhoneCallHeld / CorrespondenceLogged", ("Case.PhoneCallHeld",)),
    ("E46", "PrivateInterviewHeld", ("Case.PrivateInterviewHeld",)),
    ("E47", "AuthorityOrVisitorAccessLogged", ("Unit.AuthorityOrVisitorAccessLogged",)),
    ("E48", "HealthReferralMade / HealthAppointmentAttended", ("Case.HealthReferralMade", "Case.HealthAppointmentAttended")),
    ("E49", "HospitalizationStarted / Ended", ("Case.HospitalizationStarted", "Case.HospitalizationEnded")),
    ("E50", "MedicationAdministered", ("Case.MedicationAdministered",)),
    ("E51", "SevereMentalDisorderFlagged", ("Case.SevereMentalDisorderFlagged",)),
    ("E52", "NotifiableDiseaseReported", ("Case.NotifiableDiseaseReported",)),
    ("E53", "DeathRecorded", ("Case.DeathRecorded", "Case.FamilyInformedOfDeath", "Case.YouthInformedOfRelativeDeath", "Unit.ResidentDeparted")),
    ("E54", "EnrollmentRecorded / ActivityAttendance", ("Case.EnrollmentRecorded", "Case.EnrollmentEnded",
                                                        "Case.AttendanceRecorded", "Unit.AttendanceMonthClosed")),
    ("E55", "OccurrenceLogged / ShiftHandover / PoliceReportFiled / RebellionRecorded", ("Unit.OccurrenceLogged", "Unit.ShiftHandedOver", "Unit.PoliceReportFiled", "Unit.RebellionRecorded")),
    ("E56", "PetitionFiled", ("Case.PetitionFiled",)),
    ("E57", "PetitionForwarded / PetitionAnswered", ("Case.PetitionAnswered",)),
    ("E58", "ReleaseOrderReceived", ("Case.ReleaseOrderReceived",)),
    ("E59", "Released", ("Case.Released", "Unit.ResidentDeparted")),
    ("E60", "ReintegrationReportedToCourt", ("Case.ReintegrationReportedToCourt",)),
    ("E61", "EgressFollowUpRecorded", ("Case.EgressFollowUpRecorded",)),
    ("E62", "UnitCapacityDefined", ("Unit.UnitCapacityDefined", "Unit.UnitCapacityRedefined")),
    ("E63", "StaffRosterChanged", ("Unit.StaffRosterChanged",)),
    ("E64", "InspectionRecorded", ("Unit.InspectionRecorded",)),
    ("E65", "MonthlyReportSubmitted", ("Unit.MonthlyReportSubmitted",)),
    ("E66", "SIPIAExportSubmitted", ("Unit.SIPIAExportSubmitted",)),
    ("E67", "EntryCorrected", ("Case.EntryCorrected", "Unit.EntryCorrected")),
    ("E68", "EntryVoided", ("Case.EntryVoided", "Unit.EntryVoided")),
    ("E69", "AlertAcknowledged", ("Case.AlertAcknowledged",)),
    ("E70", "SubjectDataErased", ("Case.SubjectDataErased",)),
)

# Partial models, said plainly.
NOTES: dict[str, str] = {
    "E02": "a vacancy id on intake is optional; places reserved and still valid count against capacity",
    "E06": "receipt id required at intake; belongings returned is a release checklist item; no own event",
    "E18": "hearing held only; scheduling not modelled",
    "E21": "one-step transfer; ordered/departed steps not modelled",
    "E23": "a late return is FamilyLeaveReturned with late=true and an R-32 exception",
    "E32": "fixed start and end dates carried by the decision; no separate start/end events",
    "E34": "court suspension only; review request and decision not modelled",
    "E36": "restriction not modelled",
    "E45": "calls only; correspondence not modelled",
    "E57": "forwarding not modelled",
    "E53": "the stay ends (desligamento: the measure is extinguished, SINASE 46 I); R-68 alert until the gerente records the family informed; a relative's death told to the youth (Reg. 51 XXIV) is its own entry",
    "E55": "the shift is named by its start; the líder's handover validates its records (R-59); the 'shift not closed' alert is Unit.unvalidated_occurrences",
    "E26": "recorded as a fact; the stay ends only by a court order (transfer, decision, release)",
    "E40": "exceptional visits only; a booking counts against the fortnight (K-EXC15) until the visit is held",
    "E47": "logged at exit with entry and exit times",
    "E64": "references only (access log entry, source document); the frozen InspectionSnapshot is not modelled",
    "E65": "a month=null report is the annual report",
    "E54": "monthly attendance per activity; a month closed by the unit takes no new record, and a correction "
           "of it flags the month's report for reissue (projections/schooling.py)",
    "E48": "the reason and the result are sealed (LGPD art. 11); the kind of service is counted",
    "E50": "medicine, dose and prescription sealed; refused without a prescription (R-52)",
    "E69": "the ledger's own, not in §2: the unit's direction acknowledges a recorded exception or a deadline met late (D-18)",
    "E70": "the ledger's own, not in §2: the gerente records the erasure of a released youth's personal data, decided by the controller, after the retention period; the data key is destroyed (D-19)",
}


@dataclass(frozen=True)
class Use:
    """Where a rule code appears in the domain: module, function, and how it is applied."""

    module: str
    function: str
    kind: str  # "refuses", "records exception" or "closed list"


# Where rule codes are applied: the domain, and the application's handlers and command door
# (a duplicate unit or case, an aggregate that does not exist, a command id reused: D-17).
SCANNED = ((DOMAIN_DIR, ""), (ROOT / "application", "application."))


# Rules the domain does not refuse or flag at record time but the read side computes, and where:
# a deadline clock, or an inspection item (each place names the rule's code or its clock).
COMPUTED_BY_READ_MODELS: dict[str, tuple[str, str]] = {
    "R-10": ("projections/legal_clocks.py", "K-PROV45"),
    "R-30": ("projections/legal_clocks.py", "K-MAX3Y, K-SANCAO3M"),
    "R-64": ("projections/inspection_safety.py", "R-64: its no-rebellion-in-6-months part"),
    "R-62": ("application/read_policy.py", "PIA_READERS, pia_filtered: the PIA's fields withheld from other readers"),
    "R-65": ("projections/inspection_unit_reports.py",
             "months_missing, annual_sent: the reports to the Superintendência; the staff meeting is not recorded"),
}


def _kind(node: ast.Call) -> str:
    # ``coerce_choice`` reads a closed list: JSON input outside the list is refused INPUT before the
    # domain, and only an in-process caller giving plain text reaches the code — unless the list is
    # the rule itself (``RULED_CHOICES``), whose values outside it reach the domain and its rule.
    call = getattr(node.func, "id", getattr(node.func, "attr", ""))
    if call == "coerce_choice":
        listed = getattr(node.args[0], "id", "") if node.args else ""
        return "refuses" if listed in RULED_CHOICES else "closed list"
    return "records exception" if call == "RecordedException" else "refuses"


def rule_uses() -> dict[str, list[Use]]:
    """Every place in ``domain/`` (and ``application/``) that refuses or records an exception under a rule code."""
    uses: dict[str, set[Use]] = defaultdict(set)
    for path, prefix in ((p, prefix) for folder, prefix in SCANNED for p in sorted(folder.rglob("*.py"))):
        if path.name in ("rules.py", "catalogue.py"):
            continue
        folder = DOMAIN_DIR if not prefix else ROOT / "application"
        module = prefix + ".".join(path.relative_to(folder).with_suffix("").parts).removesuffix(".__init__")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if not isinstance(node, ast.Call):
                    continue
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and CODE.match(arg.value):
                        uses[arg.value].add(Use(module, function.name, _kind(node)))
    return {code: sorted(found, key=lambda u: (u.module, u.function, u.kind)) for code, found in uses.items()}


def rule_tests() -> dict[str, list[str]]:
    """Test functions named after a rule code (``test_…_R31``)."""
    tests: dict[str, list[str]] = defaultdict(list)
    for path in sorted(TESTS_DIR.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                match = TEST_CODE.search(node.name)
                if match:
                    tests[f"{match.group(1)}-{match.group(2)}"].append(node.name)
    return tests


def render() -> str:
    """The Markdown text of docs/RULES.md."""
    uses, tests = rule_uses(), rule_tests()
    out = [
        "# Rules and events: what the domain enforces",
        "",
        "GENERATED by `python -m domain.catalogue > docs/RULES.md` — do not edit by hand;",
        "`tests/unit/domain/test_catalogue.py` fails when this file is stale.",
        "",
        "Check kinds (docs/DOMAIN-DECISIONS.md §3): **HARD** refuses the command, nothing written; **ALERT** records the",
        "fact with an explicit exception (`RecordedException`: rule code, justification, alert flag);",
        "**IND** is an indicator for projections. *Enforced in* lists `module.function` of the domain",
        "(the aggregate command or the helper it calls) or `application.…` (handlers, the command door), and",
        "whether it refuses, records an exception, or reads a closed list (a value outside it is refused INPUT",
        "at the JSON boundary). Every code that *refuses* is proven by a violating command refused under that",
        "very code: `tests/unit/application/test_rules_proven_by_refusals.py`.",
        "*Tests* counts the unit tests named after the code (one where the rule holds, one where it is broken).",
        "",
        "## Rules",
        "",
        "| Code | Check | Source | Enforced in | Tests | Rule |",
        "|---|---|---|---|---|---|",
    ]
    for code, rule in RULES.items():
        where = "<br>".join(
            f"`{u.module}.{u.function}` ({u.kind})" for u in uses.get(code, [])
        ) or (f"— computed by `{COMPUTED_BY_READ_MODELS[code][0]}` ({COMPUTED_BY_READ_MODELS[code][1]})"
              if code in COMPUTED_BY_READ_MODELS else "— not enforced by the domain")
        n = len(tests.get(code, []))
        out.append(
            f"| {code} | {'/'.join(rule.checks)} | {rule.source} | {where} | {n or '—'} | {rule.summary} |"
        )
    enforced = [c for c in RULES if c in uses]
    hard_untested = [c for c in enforced if len(tests.get(c, [])) < 2]
    out += [
        "",
        f"{len(enforced)} of {len(RULES)} codes are enforced in the domain; "
        f"{sum(1 for c in enforced if len(tests.get(c, [])) >= 2)} of them have at least two tests.",
    ]
    if hard_untested:
        out.append("Enforced with fewer than two tests: " + ", ".join(hard_untested) + ".")
    out += [
        "",
        "Not enforced by the domain (deadline alerts computed by projections, access control, ",
        "inspection and reporting rules, or not yet modelled): "
        + ", ".join(c for c in RULES if c not in uses)
        + ".",
        "",
        "## Catalogue events (docs/DOMAIN-DECISIONS.md §2)",
        "",
        "| Entry | Catalogue name | Modelled by | Note |",
        "|---|---|---|---|",
    ]
    for entry, name, modelled in EVENT_CATALOGUE:
        by = ", ".join(f"`{m}`" for m in modelled) or "**not modelled**"
        out.append(f"| {entry} | {name} | {by} | {NOTES.get(entry, '')} |")
    missing = [entry for entry, _, modelled in EVENT_CATALOGUE if not modelled]
    out += ["", f"Not yet modelled ({len(missing)}): " + ", ".join(missing) + ".", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
