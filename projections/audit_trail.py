"""The audit trail: every event of the ledger, who recorded it, when, on what document.

One row per event (Case and Unit streams alike), keyed by stream and sequence:

- **who**: the actor's opaque staff id and role (never a name);
- **when**: `occurred_at` (valid time) and `recorded_at` (transaction time) — the
  two axes of the bitemporal ledger that `projections/history.py` queries;
- **what**: the event type, a one-line summary with no personal data, and the
  payload with the values the contract marks personal withheld;
- **on what document**: kind, number, issuer and date of the source document
  (the youth's process number is left out: it identifies the case);
- **corrections**: an `EntryCorrected` / `EntryVoided` row names its target
  (`amends_sequence`, `amendment`), the corrected field names, and the new
  values of fields known to carry no personal data; `audit_amendments` links
  each amended entry to the entries that amend it, so the link reads both ways.
  Nothing is updated away: the original row keeps what was first recorded
  (R-66: append-only; docs/DOMAIN-DECISIONS.md E67–E68).

Generic over event types: an event type this code has never heard of still
gets its row, with a generic summary.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from projections.decoding import WITHHELD, LedgerEvent
from projections.engine import Change, Table, Upsert

CREATE_AUDIT_ENTRIES = """
    CREATE TABLE {table} (
        stream_id          text        NOT NULL,
        sequence           bigint      NOT NULL,
        event_id           text,
        stream_kind        text,
        event_type         text,
        occurred_at        timestamptz,
        recorded_at        timestamptz,
        actor_id           text,
        actor_role         text,
        unit_id            text,
        source_kind        text,
        source_number      text,
        source_issuer      text,
        source_issued_on   date,
        summary            text,
        payload            text,
        amends_sequence    bigint,
        amendment          text        CHECK (amendment IN ('corrected', 'voided')),
        corrected_fields   text,
        authorised_by_id   text,
        authorised_by_role text,
        PRIMARY KEY (stream_id, sequence)
    )"""

# The link seen from the amended entry: which later entries correct or void it.
CREATE_AUDIT_AMENDMENTS = """
    CREATE TABLE {table} (
        stream_id         text        NOT NULL,
        target_sequence   bigint      NOT NULL,
        amending_sequence bigint      NOT NULL,
        amendment         text        NOT NULL CHECK (amendment IN ('corrected', 'voided')),
        recorded_at       timestamptz NOT NULL,
        PRIMARY KEY (stream_id, target_sequence, amending_sequence)
    )"""

INDEX_AUDIT_BY_RECORDED = "CREATE INDEX ON {table} (recorded_at)"
INDEX_AUDIT_BY_UNIT = "CREATE INDEX ON {table} (unit_id, occurred_at)"

# Reads (used by the commands and by history); {table} is the read view.
SELECT_STREAM_ENTRIES = "SELECT * FROM {table} WHERE stream_id = %s ORDER BY sequence"
SELECT_ALL_ENTRIES = "SELECT * FROM {table} ORDER BY recorded_at, stream_id, sequence"
SELECT_STREAM_AMENDMENTS = "SELECT * FROM {table} WHERE stream_id = %s ORDER BY target_sequence, amending_sequence"
STREAM_EXISTS = "SELECT 1 FROM {table} WHERE stream_id = %s LIMIT 1"

# Fields whose corrected values may be shown and applied by read models: dates, codes and
# closed-list values. Any other field's new value (names, documents, free text) is withheld,
# because FieldCorrection.value is personal in the contract (default deny). A test checks that
# no event schema marks any of these names personal.
SHOWN_CORRECTION_FIELDS = frozenset({
    "occurred_at", "sex", "modality", "new_modality", "room", "effective_on", "decision",
    "origin", "apprehended_on", "days_in_police_custody", "destination_unit_id", "origin_unit_id", "basis",
    "leave_date", "kind", "starts_on", "ends_on", "new_ends_on", "hearing_on", "outcome", "sanction",
    "severity", "offence_code", "capacity", "min_age", "max_age", "purpose", "addressee", "subject",
    "seriousness", "build", "late", "search_done", "protocol_number", "expected_return_at", "unit_type",
})

AMENDMENTS = {"EntryCorrected": "corrected", "EntryVoided": "voided"}


def _human(name: str) -> str:
    """`IntakeRecorded` -> `intake recorded`."""
    out = []
    for ch in name:
        if ch.isupper() and out:
            out.append(" ")
        out.append(ch.lower())
    return "".join(out).replace("p i a", "PIA")


def _short(value: Any) -> str:
    return str(value)[:8] if value else "?"


def _exc(d: dict) -> str:
    codes = [e.get("rule_code") for e in d.get("exceptions") or [] if isinstance(e, dict)]
    return f"; exceptions {', '.join(c for c in codes if c)}" if codes else ""


# One line per event type, from non-personal fields only. Ids are shortened (they are opaque).
_SUMMARIES = {
    "AdolescentRegistered": lambda d: "case opened (cadastro)",
    "IntakeRecorded": lambda d: f"intake: {d.get('modality')}, origin {d.get('origin')}" + _exc(d),
    "IntakeRefused": lambda d: f"intake refused: {', '.join(map(str, d.get('reasons') or []))}",
    "RoomAssigned": lambda d: f"room {d.get('room')} ({d.get('reason')})" + _exc(d),
    "PIASubmitted": lambda d: f"PIA v{d.get('version')} submitted" + _exc(d),
    "PIAHomologated": lambda d: "PIA homologated" + (" (tacitly)" if d.get("tacit") else ""),
    "InspectionRecorded": lambda d: f"MP inspection ({d.get('kind')})" + (
        f"; report filed: facts of {(d['report'] or {}).get('facts_on')}, {len(d.get('answers') or [])} answer(s), "
        f"sha256 {str((d['report'] or {}).get('snapshot_sha256'))[:12]}" if d.get("report") else "") + _exc(d),
    "PIAImpugned": lambda d: f"PIA challenged by {d.get('challenged_by')}",
    "ProgressReportSubmitted": lambda d: f"{d.get('kind')} report: {d.get('conclusion')}" + _exc(d),
    "ReassessmentRequested": lambda d: f"reassessment requested by {d.get('requester')}",
    "ReassessmentHearingHeld": lambda d: f"reassessment hearing on {d.get('hearing_on')}",
    "MeasureDecisionRecorded": lambda d: f"measure decision: {d.get('decision')}"
    + (f" -> {d.get('new_modality')}" if d.get("new_modality") else "") + f", effective {d.get('effective_on')}",
    "JudicialOrderReceived": lambda d: f"judicial order received: {d.get('kind')}",
    "TransferCompleted": lambda d: f"transfer {_short(d.get('origin_unit_id'))} -> {_short(d.get('destination_unit_id'))}"
    + _exc(d),
    "ExternalExitStarted": lambda d: f"external exit started: {d.get('purpose')}",
    "ExternalExitEnded": lambda d: "external exit ended" + _exc(d),
    "FamilyLeaveAuthorized": lambda d: f"family leave authorised: {d.get('kind')} on {d.get('leave_date')} "
    f"(day {d.get('day_of_measure')})" + _exc(d),
    "FamilyLeaveStarted": lambda d: "family leave started",
    "FamilyLeaveReturned": lambda d: "returned from family leave" + (" late" if d.get("late") else "") + _exc(d),
    "EvasionRecorded": lambda d: f"evasion: {d.get('kind')}" + _exc(d),
    "ReturnedFromEvasion": lambda d: "returned from evasion" + _exc(d),
    "DisciplinaryProcedureOpened": lambda d: f"disciplinary procedure {_short(d.get('procedure_id'))} opened: "
    f"{d.get('offence_code')} ({d.get('severity')})",
    "DisciplinaryHearingHeld": lambda d: f"disciplinary hearing, procedure {_short(d.get('procedure_id'))}",
    "DisciplinaryDecisionIssued": lambda d: f"disciplinary decision, procedure {_short(d.get('procedure_id'))}: "
    f"{d.get('outcome')}" + (f", {d.get('sanction')} {d.get('starts_on')}..{d.get('ends_on')}" if d.get("sanction") else ""),
    "AppealFiled": lambda d: f"appeal filed by {d.get('filed_by')}, procedure {_short(d.get('procedure_id'))}",
    "AppealDecided": lambda d: f"appeal decided: {d.get('outcome')}",
    "IsolationApplied": lambda d: f"isolation {_short(d.get('isolation_id'))} applied: {d.get('ground')}",
    "IsolationNoticesSent": lambda d: f"isolation {_short(d.get('isolation_id'))}: notices sent" + _exc(d),
    "IsolationEnded": lambda d: f"isolation {_short(d.get('isolation_id'))} ended" + _exc(d),
    "IncentiveGranted": lambda d: f"incentive granted: {d.get('kind')}",
    "IncentiveSuspended": lambda d: f"incentive suspended: {d.get('motive')}",
    "VisitorRegistered": lambda d: f"visitor {_short(d.get('visitor_id'))} registered ({d.get('relationship')})",
    "VisitorDeactivated": lambda d: f"visitor {_short(d.get('visitor_id'))} deactivated",
    "VisitHeld": lambda d: f"{d.get('modality')} visit, {len(d.get('visitor_ids') or [])} visitor(s)",
    "VisitRefused": lambda d: f"visit refused: {d.get('reason')}",
    "VisitsSuspendedByCourt": lambda d: f"visits suspended by court from {d.get('starts_on')}",
    "VisitsSuspensionLifted": lambda d: "court visit suspension lifted",
    "PetitionFiled": lambda d: f"petition {_short(d.get('petition_id'))} to {d.get('addressee')}"
    + (" (sealed)" if d.get("sealed") else f": {d.get('subject')}"),
    "PetitionAnswered": lambda d: f"petition {_short(d.get('petition_id'))} answered" + _exc(d),
    "ReleaseOrderReceived": lambda d: "release order received",
    "Released": lambda d: f"released: {d.get('basis')}" + _exc(d),
    "SubjectDataErased": lambda d: f"personal data erased ({d.get('basis')}; decision {d.get('decision_protocol')}; "
                                   f"kept {d.get('retention_years')} year(s) after the release)",
    "AcolhimentoStepCompleted": lambda d: f"acolhimento step: {d.get('step')}",
    "AcolhimentoCompleted": lambda d: "acolhimento completed" + _exc(d),
    "FamilyAcolhimentoHeld": lambda d: f"family acolhimento ({d.get('members_present')} present)",
    "OrientationAcknowledged": lambda d: f"rules acknowledged (version {d.get('document_version')})",
    "UnitCapacityDefined": lambda d: f"unit {d.get('unit_code')} defined: {d.get('unit_type')}, capacity "
    f"{d.get('capacity')}, {d.get('sex')}, ages {d.get('min_age')}-{d.get('max_age')}",
    "UnitCapacityRedefined": lambda d: f"capacity {d.get('capacity')}, ages {d.get('min_age')}-{d.get('max_age')}",
    "ResidentAdmitted": lambda d: f"resident {_short(d.get('case_id'))} admitted ({d.get('reason')})" + _exc(d),
    "ResidentDeparted": lambda d: f"resident {_short(d.get('case_id'))} departed ({d.get('reason')})",
    "ResidentMoved": lambda d: f"resident {_short(d.get('case_id'))} moved to room {d.get('room')}",
    "DisciplinaryIncidentReported": lambda d: f"incident {_short(d.get('incident_id'))} reported at "
    f"{d.get('location')}, {len(d.get('involved_case_ids') or [])} youth(s)",
    "VisitorTemporarilySuspended": lambda d: f"visitor {_short(d.get('visitor_id'))} suspended until {d.get('until')}",
    "IntakeFindingReported": lambda d: f"intake findings: {', '.join(map(str, d.get('findings') or []))}"
    + (" (referred to police station)" if d.get("referred_to_police_station") else "") + _exc(d),
    "UseOfForceRecorded": lambda d: f"use of force: {d.get('technique')}, {len(d.get('staff') or [])} staff"
    + (", injuries" if d.get("injuries") else "") + _exc(d),
    "SanctionSuspendedByCourt": lambda d: f"sanction of procedure {_short(d.get('procedure_id'))} suspended by court",
    "PhoneCallHeld": lambda d: f"phone call ({d.get('reason')}), {d.get('duration_minutes')} min",
    "ReintegrationReportedToCourt": lambda d: "reintegration reported to the court",
    "VacancyReleased": lambda d: f"vacancy {_short(d.get('vacancy_id'))} reserved until {d.get('valid_until')}",
    "VacancyFilled": lambda d: f"vacancy {_short(d.get('vacancy_id'))} filled by {_short(d.get('case_id'))}",
    "EntryCorrected": lambda d: f"corrects entry #{d.get('target_version')}: "
    + ", ".join(str(c.get("field")) for c in d.get("corrections") or []),
    "EntryVoided": lambda d: f"voids entry #{d.get('target_version')}",
}


def summary_of(event: LedgerEvent) -> str:
    """A one-line description of the event from its non-personal fields."""
    data = event.public_data()
    make = _SUMMARIES.get(event.name)
    if make is None:
        return _human(event.name)
    try:
        return make(data).replace(WITHHELD, "(withheld)")
    except Exception:  # a field renamed in a later schema must not make the event unprojectable
        return _human(event.name)


def shown_corrections(event: LedgerEvent) -> list[dict[str, Any]]:
    """The fields an EntryCorrected amends, with the new value where it may be shown."""
    out = []
    for c in event.data.get("corrections") or []:
        name = str(c.get("field"))
        shown = name in SHOWN_CORRECTION_FIELDS
        out.append({"field": name, "value": c.get("value") if shown else None, "withheld": not shown})
    return out


def _json(value: Any) -> str:
    """Canonical JSON text (sorted keys; dates as ISO strings), equal in memory and in SQL."""
    return json.dumps(value, sort_keys=True, default=_iso, ensure_ascii=False)


def _iso(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return str(value)


class AuditTrail:
    """Projection `audit_trail`: one row per event, corrections linked both ways."""

    name = "audit_trail"
    version = 1
    streams = ("Case", "Unit")
    tables = (
        Table("audit_entries", key=("stream_id", "sequence"),
              ddl=(CREATE_AUDIT_ENTRIES, INDEX_AUDIT_BY_RECORDED, INDEX_AUDIT_BY_UNIT)),
        Table("audit_amendments", key=("stream_id", "target_sequence", "amending_sequence"),
              ddl=(CREATE_AUDIT_AMENDMENTS,)),
    )

    def apply(self, event: LedgerEvent) -> list[Change]:
        doc = event.source_document
        row: dict[str, Any] = {
            "event_id": event.event_id,
            "stream_kind": event.aggregate,
            "event_type": event.event_type,
            "occurred_at": event.occurred_at,
            "recorded_at": event.recorded_at,
            "actor_id": event.actor_id,
            "actor_role": event.actor_role,
            "unit_id": event.unit_id,
            "source_kind": doc.kind if doc else None,
            "source_number": doc.number if doc else None,
            "source_issuer": doc.issuer if doc else None,
            "source_issued_on": doc.issued_on if doc else None,
            "summary": summary_of(event),
            "payload": _json(event.public_data()),
        }
        changes: list[Change] = []
        amendment = AMENDMENTS.get(event.name)
        if amendment is not None:
            authorised = event.data.get("authorised_by") or {}
            target = int(event.data["target_version"])
            row.update({
                "amends_sequence": target,
                "amendment": amendment,
                "corrected_fields": _json(shown_corrections(event)) if amendment == "corrected" else None,
                "authorised_by_id": authorised.get("id"),
                "authorised_by_role": authorised.get("role"),
            })
            changes.append(Upsert("audit_amendments", {"stream_id": event.stream_id, "target_sequence": target,
                                                        "amending_sequence": event.sequence},
                                  {"amendment": amendment, "recorded_at": event.recorded_at}))
        # Upserts keyed by stream position: the same event delivered twice gives the same rows.
        changes.insert(0, Upsert("audit_entries", {"stream_id": event.stream_id, "sequence": event.sequence}, row))
        return changes
