"""The case view: where a youth's case stands, with corrections applied.

Stored as *facts*: each Case event says what it makes true (`status =
ativo`, `room = B2`, `procedure:<id> = open`), and each fact is kept with the
stream version that stated it, in `case_facts (case_id, fact, version)`. The
view of a case is then the latest non-voided version of every fact (a few facts,
like the start of the measure, take the first instead).

Why facts by version rather than one row per case: corrections name their
target by stream version (`EntryCorrected(target_version=5, room=B3)`), and a
projection may not read its rows (projections/engine.py). Keyed by version, a
correction is a plain upsert of the facts of *that* version, marked
`corrected`, and it changes the view only if no later entry has superseded the
fact — exactly as if the entry had been right from the start. A void
(`EntryVoided`) adds the version to `case_voids`, and every fact it stated drops
out of the view. The original values stay in the audit trail (R-66).

Facts hold text (dates in ISO form); `CaseView` turns them back into values.
Personal data is kept to what the views need: the case id is opaque, and the
only facts about the person are the sex and the birth date (which the contract
marks personal) for the CNMP age bands and the age-21 clock (CNMP67 Annex I 1.5;
ECA 121 §5). Names, documents and free text never reach these tables; the
commands show an age, never the birth date.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from domain.calendar import CUIABA, age_on, day_of_measure
from domain.clocks import family_leave_from_day, reassessment_due_on
from domain.corrections import corrected_values
from domain.values import LeaveKind
from projections.decoding import LedgerEvent
from projections.engine import Change, Delete, Table, Upsert

CREATE_CASE_FACTS = """
    CREATE TABLE {table} (
        case_id      text        NOT NULL,
        fact         text        NOT NULL,
        version      bigint      NOT NULL,
        value        text        NOT NULL,
        corrected    boolean     NOT NULL DEFAULT false,
        recorded_at  timestamptz,
        PRIMARY KEY (case_id, fact, version)
    )"""

CREATE_CASE_VOIDS = """
    CREATE TABLE {table} (
        case_id      text        NOT NULL,
        version      bigint      NOT NULL,
        voided_by    bigint      NOT NULL,
        recorded_at  timestamptz,
        PRIMARY KEY (case_id, version)
    )"""

# Reads; {facts} and {voids} are the read views.
SELECT_CASE_FACTS = """
    SELECT f.case_id, f.fact, f.version, f.value, f.corrected
    FROM {facts} f
    WHERE f.case_id = %s
      AND NOT EXISTS (SELECT 1 FROM {voids} v WHERE v.case_id = f.case_id AND v.version = f.version)
      AND (f.fact <> '_entry' OR EXISTS (SELECT 1 FROM {facts} c WHERE c.case_id = f.case_id
                                         AND c.version = f.version AND left(c.fact, 12) = '_correction:'))"""

SELECT_ALL_CASE_FACTS = """
    SELECT f.case_id, f.fact, f.version, f.value, f.corrected
    FROM {facts} f
    WHERE NOT EXISTS (SELECT 1 FROM {voids} v WHERE v.case_id = f.case_id AND v.version = f.version)
      AND (f.fact <> '_entry' OR EXISTS (SELECT 1 FROM {facts} c WHERE c.case_id = f.case_id
                                         AND c.version = f.version AND left(c.fact, 12) = '_correction:'))
    ORDER BY f.case_id"""

# A fact cleared by a later entry (room after a transfer, an answered petition).
CLEARED = ""

# Facts where the first non-voided statement wins (the start of the measure does not move
# on a transfer: SINASE 45 §1, measure clocks continue).
FIRST_FACTS = frozenset({"registered_on", "measure_started_on"})

# Corrected event field -> the facts that field states.
CORRECTED_FIELD_FACTS = {
    "room": ("room",),
    "modality": ("modality",),
    "new_modality": ("modality",),
    "birth_date": ("birth_date",),
    "sex": ("sex",),
    "destination_unit_id": ("unit_id",),
    "basis": ("release_basis",),
    "effective_on": ("last_decision_on", "modality_since"),
    "apprehended_on": ("apprehended_on",),
    "hearing_on": ("last_hearing_on",),
}

DEFINITIVE = frozenset({"internacao", "internacao_sancao", "semiliberdade"})


def _text(value: Any) -> str:
    if value is None:
        return CLEARED
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(CUIABA).date().isoformat()


def facts_of(name: str, data: Mapping[str, Any], occurred_at: dt.datetime, unit_id: str = "",
             sequence: int = 0) -> dict[str, str]:
    """What a Case event (by class name) makes true about the case, as fact -> text.

    Pure and shared with `projections/history.py`, which folds corrected
    payloads of the audit trail with it.
    """
    day = _day(occurred_at)
    f: dict[str, str] = {}
    if name == "AdolescentRegistered":
        f.update(status="registrado", registered_on=day, birth_date=_text(data.get("birth_date")),
                 sex=_text(data.get("sex")))
    elif name == "IntakeRecorded":
        modality = _text(data.get("modality"))
        f.update(status="ativo", unit_id=unit_id, modality=modality, modality_since=day, stay_started_on=day,
                 measure_started_on=day, apprehended_on=_text(data.get("apprehended_on")),
                 origin=_text(data.get("origin")), room=CLEARED, away=CLEARED)
    elif name == "TransferCompleted":
        # Reg. art. 75: leave deadlines count from the start in this unit; measure clocks continue.
        f.update(unit_id=_text(data.get("destination_unit_id")), stay_started_on=day, room=CLEARED)
    elif name == "RoomAssigned":
        f["room"] = _text(data.get("room"))
    elif name == "MeasureDecisionRecorded":
        f["last_decision_on"] = _text(data.get("effective_on"))
        if data.get("new_modality"):
            # The modality history (by version) gives the start of the definitive measure.
            f.update(modality=_text(data.get("new_modality")), modality_since=_text(data.get("effective_on")))
    elif name == "JudicialOrderReceived":
        kind = data.get("kind")
        if kind == "reavaliacao_trimestral":
            f["quarterly_reassessment"] = "yes"
        elif kind in ("proibicao_de_atividades_externas", "liberacao_de_atividades_externas"):
            f["external_activities_banned"] = "yes" if kind == "proibicao_de_atividades_externas" else CLEARED
    elif name == "ReassessmentRequested":
        f["reassessment_requested_on"] = day
    elif name == "ReassessmentHearingHeld":
        f["last_hearing_on"] = _text(data.get("hearing_on"))
    elif name == "ProgressReportSubmitted":
        f["last_report_on"] = day
    elif name == "PIASubmitted":
        f.update(pia_state="submitted", pia_version=_text(data.get("version")), pia_submitted_on=day)
    elif name == "PIAHomologated":
        f["pia_state"] = "homologated"
    elif name == "PIAImpugned":
        f["pia_state"] = "impugned"
    elif name == "AcolhimentoCompleted":
        f["acolhimento_completed_on"] = day
    elif name == "EvasionRecorded":
        f.update(status="evadido", evaded_on=day, away=CLEARED, room=CLEARED)
    elif name == "ReturnedFromEvasion":
        # Back in the unit of the entry (the envelope's unit); leave deadlines count from here again.
        f.update(status="ativo", evaded_on=CLEARED, unit_id=unit_id, stay_started_on=day)
    elif name == "ExternalExitStarted":
        f["away"] = f"exit:{data.get('purpose')}"
    elif name == "ExternalExitEnded":
        f["away"] = CLEARED
    elif name == "FamilyLeaveReturned":
        f.update(away=CLEARED)
        f[f"leave_out:{data.get('leave_id')}"] = CLEARED
    elif name == "FamilyLeaveStarted":
        f["away"] = "family_leave"
        f[f"leave_out:{data.get('leave_id')}"] = _text(occurred_at)
    elif name == "FamilyLeaveAuthorized":
        f[f"leave:{data.get('leave_id')}"] = f"{data.get('kind')} {_text(data.get('leave_date'))}"
    elif name == "DisciplinaryProcedureOpened":
        f[f"procedure:{data.get('procedure_id')}"] = f"open {data.get('severity')} {data.get('offence_code')} {day}"
    elif name == "DisciplinaryDecisionIssued":
        pid = data.get("procedure_id")
        f[f"procedure:{pid}"] = CLEARED
        if data.get("sanction"):
            f[f"sanction:{pid}"] = f"{data.get('sanction')} {_text(data.get('starts_on'))} {_text(data.get('ends_on'))}"
    elif name == "AppealDecided":
        if data.get("new_ends_on"):
            f[f"sanction_end:{data.get('procedure_id')}"] = _text(data.get("new_ends_on"))
    elif name == "IsolationApplied":
        f[f"isolation:{data.get('isolation_id')}"] = _text(occurred_at)
    elif name == "IsolationNoticesSent":
        sent = [data.get(k) for k in ("defender_notified_at", "prosecutor_notified_at", "judge_notified_at")]
        last = max((s for s in sent if s), default=None, key=str)
        f[f"isolation_notified:{data.get('isolation_id')}"] = _text(last)
    elif name == "IsolationEnded":
        f[f"isolation:{data.get('isolation_id')}"] = CLEARED
    elif name == "VisitHeld":
        f["last_visit_on"] = day
    elif name == "PhoneCallHeld":
        f["last_phone_call_on"] = day
    elif name == "SanctionSuspendedByCourt":
        # SINASE art. 48 caput: the judge may suspend the sanction until the incident is decided.
        f[f"sanction_suspended:{data.get('procedure_id')}"] = day
    elif name == "ReintegrationReportedToCourt":
        f["reintegration_reported_on"] = day
    elif name == "VisitsSuspendedByCourt":
        f[f"visit_suspension:{data.get('suspension_id')}"] = (
            f"{_text(data.get('starts_on'))} {_text(data.get('ends_on'))}".strip())
    elif name == "VisitsSuspensionLifted":
        f[f"visit_suspension:{data.get('suspension_id')}"] = CLEARED
    elif name == "PetitionFiled":
        f[f"petition:{data.get('petition_id')}"] = day
    elif name == "PetitionAnswered":
        f[f"petition:{data.get('petition_id')}"] = CLEARED
        f[f"petition_answered:{data.get('petition_id')}"] = day
    elif name == "ReleaseOrderReceived":
        f["release_order_at"] = _text(occurred_at)
    elif name == "Released":
        f.update(status="desligado", released_at=_text(occurred_at), release_basis=_text(data.get("basis")),
                 room=CLEARED, away=CLEARED, unit_id=CLEARED, released_from_unit_id=unit_id)
    elif name == "SubjectDataErased":
        f["erased_on"] = day
    elif name == "DeathRecorded":
        # E53; SINASE art. 46 I: the measure is extinguished and the stay ends; no clock runs after it.
        f.update(status="falecido", died_at=_text(data.get("died_at") or occurred_at), room=CLEARED, away=CLEARED,
                 unit_id=CLEARED, released_from_unit_id=unit_id)
    elif name == "FamilyInformedOfDeath":
        # Reg. art. 14 XXII: the family informed by the gerente answers the death's R-68 alert.
        f[f"acknowledged:R-68@{data.get('death_version')}"] = day
    elif name == "AlertAcknowledged":
        # Keyed like the alert it answers: "<rule>@<entry version>" or "<clock>@".
        f[f"acknowledged:{_text(data.get('alert'))}@{data.get('target_version') or ''}"] = day
    for i, exc in enumerate(data.get("exceptions") or []):
        if isinstance(exc, Mapping) and exc.get("alert", True):
            # Keyed per entry so that each entry's alerts stay its own.
            f[f"exception:{sequence}.{i}"] = _text(exc.get("rule_code"))
    return f


class CaseViewProjection:
    """Projection `case_view`: the facts of every case, by stream version, and the voided versions."""

    name = "case_view"
    version = 2  # 2: entries kept (ENTRY) and corrections recorded (CORRECTION) for re-derivation
    streams = ("Case",)
    tables = (
        Table("case_facts", key=("case_id", "fact", "version"), ddl=(CREATE_CASE_FACTS,)),
        Table("case_voids", key=("case_id", "version"), ddl=(CREATE_CASE_VOIDS,)),
    )

    def apply(self, event: LedgerEvent) -> list[Change]:
        if event.aggregate != "Case":
            return []
        case = event.stream_id
        if event.name == "EntryCorrected":
            target = int(event.data["target_version"])
            kept = [[str(c.get("field")), _text(c.get("value"))] for c in event.data.get("corrections") or []
                    if str(c.get("field")) in CORRECTABLE_INPUTS]
            out: list[Change] = [Upsert("case_facts", {"case_id": case, "fact": f"{CORRECTION}{event.sequence}",
                                                       "version": target},
                                        {"value": json.dumps(kept), "recorded_at": event.recorded_at})]
            for c in event.data.get("corrections") or []:
                for fact in CORRECTED_FIELD_FACTS.get(str(c.get("field")), ()):
                    out.append(Upsert("case_facts", {"case_id": case, "fact": fact, "version": target},
                                      {"value": _text(c.get("value")), "corrected": True}))
            return out
        if event.name == "EntryVoided":
            return [Upsert("case_voids", {"case_id": case, "version": int(event.data["target_version"])},
                           {"voided_by": event.sequence, "recorded_at": event.recorded_at})]
        if event.name == "SubjectDataErased":
            return self._erased(event)
        facts = facts_of(event.name, event.data, event.occurred_at, event.unit_id, event.sequence)
        if facts:
            facts[ENTRY] = json.dumps(entry_inputs(event.name, event.data, event.occurred_at, event.unit_id))
        return [Upsert("case_facts", {"case_id": case, "fact": fact, "version": event.sequence},
                       {"value": value, "recorded_at": event.recorded_at})
                for fact, value in facts.items()]


    def _erased(self, event: LedgerEvent) -> list[Change]:
        """D-19: the registration's personal facts (always version 1, the stream's first event) are
        cleared with the key, and the erasure itself becomes a fact of the case."""
        case, cleared = event.stream_id, {"value": CLEARED, "recorded_at": event.recorded_at}
        return [Upsert("case_facts", {"case_id": case, "fact": "birth_date", "version": 1}, cleared),
                Upsert("case_facts", {"case_id": case, "fact": "sex", "version": 1}, cleared),
                # The registration's kept inputs hold them too (read only to re-derive a correction).
                Delete("case_facts", {"case_id": case, "fact": ENTRY, "version": 1}),
                Upsert("case_facts", {"case_id": case, "fact": "erased_on", "version": event.sequence},
                       {"value": _day(event.occurred_at), "recorded_at": event.recorded_at})]


# What an entry's facts are derived from, kept beside them so that a correction recorded later
# re-derives every fact of the entry (a corrected intake date moves the stay start, the day counts
# and every clock that starts there, E67), without the projection reading its rows.
ENTRY = "_entry"
CORRECTION = "_correction:"  # + the correcting entry's sequence: the link to the correction
ENTRY_FIELDS = frozenset({
    "birth_date", "sex", "modality", "origin", "apprehended_on", "destination_unit_id", "room", "effective_on",
    "new_modality", "kind", "hearing_on", "version", "purpose", "leave_id", "leave_date", "procedure_id",
    "severity", "offence_code", "sanction", "starts_on", "ends_on", "new_ends_on", "isolation_id",
    "defender_notified_at", "prosecutor_notified_at", "judge_notified_at", "suspension_id", "petition_id", "basis",
})
CORRECTABLE_INPUTS = ENTRY_FIELDS | {"occurred_at", "unit_id"}


def entry_inputs(name: str, data: Mapping[str, Any], occurred_at: dt.datetime, unit_id: str) -> dict[str, Any]:
    """The inputs of `facts_of` for one entry, as JSON-able text (no names, documents or free text)."""
    kept = {k: (None if v is None else _text(v)) for k, v in data.items() if k in ENTRY_FIELDS}
    kept["exceptions"] = [{"rule_code": e.get("rule_code"), "alert": e.get("alert", True)}
                          for e in data.get("exceptions") or [] if isinstance(e, Mapping)]
    return {"name": name, "occurred_at": occurred_at.isoformat(), "unit_id": unit_id, "data": kept}


def _rederived(rows: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Fact rows with every corrected entry's facts derived again from its corrected inputs.

    The shared corrected view of an entry (`domain.corrections.corrected_values`) is applied to the
    entry's kept inputs; a fact whose value the correction changed is marked corrected, and
    `corrected_by:<fact>` links it to the correcting entries.
    """
    entries: dict[int, dict[str, Any]] = {}
    fixes: dict[int, list[tuple[int, list]]] = {}
    for r in rows:
        fact = r["fact"]
        if fact == ENTRY:
            entries[int(r["version"])] = json.loads(r["value"])
        elif fact.startswith(CORRECTION):
            fixes.setdefault(int(r["version"]), []).append((int(fact[len(CORRECTION):]), json.loads(r["value"])))
    out = [r for r in rows if r["fact"] != ENTRY and not r["fact"].startswith(CORRECTION)]
    if not fixes:
        return out
    redone: dict[int, list[dict[str, Any]]] = {}
    for version, amendments in fixes.items():
        entry = entries.get(version)
        if entry is None:
            continue
        amendments.sort()
        pairs = [(f, v) for _, fields in amendments for f, v in fields]
        if not pairs:
            continue
        original = facts_of(entry["name"], entry["data"], _moment(entry["occurred_at"]), entry["unit_id"], version)
        values = corrected_values({**entry["data"], "occurred_at": _moment(entry["occurred_at"]),
                                   "unit_id": entry["unit_id"]}, pairs,
                                  lambda f: dt.datetime if f == "occurred_at" else None)
        data = {k: v for k, v in values.items() if k not in ("occurred_at", "unit_id")}
        facts = facts_of(entry["name"], data, values["occurred_at"], values["unit_id"], version)
        links = " ".join(f"#{seq}" for seq, _ in amendments)
        redone[version] = [{"fact": f, "version": version, "value": v,
                            "corrected": v != original.get(f)} for f, v in facts.items()]
        redone[version] += [{"fact": f"corrected_by:{f}", "version": version, "value": links}
                            for f, v in facts.items() if v != original.get(f)]
    corrected_upserts = {(int(r["version"]), r["fact"]): r for r in out if r.get("corrected")}
    kept = [r for r in out if int(r["version"]) not in redone]
    for version, new_rows in redone.items():
        for row in new_rows:
            # A field the entry's inputs do not hold (corrected through the older upsert) keeps it.
            old = corrected_upserts.get((version, row["fact"]))
            kept.append(old if old is not None and not row["corrected"] else row)
    return kept


# -- from facts to a view ----------------------------------------------------------------------


def resolve(rows: Iterable[Mapping[str, Any]], voided: Iterable[int] = ()) -> dict[str, tuple[str, bool]]:
    """fact -> (value, corrected) from fact rows: latest version wins (first for FIRST_FACTS), voided skipped."""
    skip = set(voided)
    chosen: dict[str, tuple[int, str, bool]] = {}
    for r in _rederived(list(rows)):
        version = int(r["version"])
        if version in skip:
            continue
        fact = r["fact"]
        current = chosen.get(fact)
        first = fact in FIRST_FACTS
        if current is None or (version < current[0] if first else version > current[0]):
            chosen[fact] = (version, r["value"], bool(r.get("corrected")))
    return {fact: (value, corrected) for fact, (_, value, corrected) in chosen.items()}


def definitive_since(rows: Iterable[Mapping[str, Any]], voided: Iterable[int] = ()) -> str | None:
    """When the current run of definitive measures began (Decision 8; SINASE art. 55 par. único).

    Walks the modality statements in version order: the PIA clock starts at the
    intake into a definitive measure, or at the decision that turns a
    provisional stay into a definitive one; a change between definitive
    measures does not restart it.
    """
    skip = set(voided)
    by_version: dict[int, dict[str, str]] = {}
    for r in rows:
        if r["fact"] in ("modality", "modality_since") and int(r["version"]) not in skip:
            by_version.setdefault(int(r["version"]), {})[r["fact"]] = r["value"]
    since, previous = None, None
    for _, facts in sorted(by_version.items()):
        modality = facts.get("modality")
        if not modality:
            continue
        if modality in DEFINITIVE and previous not in DEFINITIVE:
            since = facts.get("modality_since")
        elif modality not in DEFINITIVE:
            since = None
        previous = modality
    return since


def view_from_rows(case_id: str, rows: Iterable[Mapping[str, Any]], voided: Iterable[int] = ()) -> "CaseView":
    """One case's view from its fact rows and voided versions."""
    rows, voided = _rederived(list(rows)), set(voided)
    facts = resolve(rows, voided)
    start = definitive_since(rows, voided)
    facts["definitive_since"] = (start or CLEARED, False)
    return CaseView.from_facts(case_id, facts)


def _date(value: str | None) -> dt.date | None:
    """A date fact (None if absent, or withheld in a history payload)."""
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _leave(value: str) -> tuple[str, dt.date | None]:
    kind, _, day = value.partition(" ")
    return kind, _date(day)


def _moment(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class CaseView:
    """One case as the ledger knows it now (corrections applied, voided entries left out)."""

    case_id: str
    status: str | None = None
    unit_id: str | None = None
    room: str | None = None
    modality: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    registered_on: dt.date | None = None
    measure_started_on: dt.date | None = None
    stay_started_on: dt.date | None = None
    definitive_since: dt.date | None = None
    apprehended_on: dt.date | None = None
    origin: str | None = None
    quarterly_reassessment: bool = False
    last_decision_on: dt.date | None = None
    last_hearing_on: dt.date | None = None
    last_report_on: dt.date | None = None
    reassessment_requested_on: dt.date | None = None
    pia_state: str | None = None
    pia_version: int | None = None
    pia_submitted_on: dt.date | None = None
    acolhimento_completed_on: dt.date | None = None
    away: str | None = None
    evaded_on: dt.date | None = None
    last_visit_on: dt.date | None = None
    last_phone_call_on: dt.date | None = None
    reintegration_reported_on: dt.date | None = None
    release_order_at: dt.datetime | None = None
    released_at: dt.datetime | None = None
    release_basis: str | None = None
    released_from_unit_id: str | None = None
    died_at: dt.datetime | None = None  # E53: the youth's death ended the measure (SINASE art. 46 I)
    open_procedures: tuple[str, ...] = ()  # "<id> <severity> <offence> <opened on>"
    sanctions: tuple[tuple[str, str, dt.date | None, dt.date | None], ...] = ()  # (procedure, type, start, end)
    open_isolations: tuple[tuple[str, dt.datetime, dt.datetime | None], ...] = ()  # (id, applied, notified)
    open_petitions: tuple[tuple[str, dt.date], ...] = ()  # (id, filed on)
    court_visit_suspensions: tuple[str, ...] = ()
    leaves_out: tuple[tuple[str, str, dt.date | None], ...] = ()  # (leave id, kind, leave date) not yet back
    pending_exceptions: tuple[str, ...] = ()  # rule codes of recorded exceptions that raised an alert, not acknowledged
    exception_alerts: tuple[tuple[int, str], ...] = ()  # (entry version, rule code) of those exceptions
    acknowledged_clocks: tuple[str, ...] = ()  # deadlines met late whose alert was acknowledged (K-ACOLH3…)
    corrected: tuple[str, ...] = ()  # facts whose value comes from a correction
    corrected_by: tuple[tuple[str, str], ...] = ()  # (fact, "#<sequence> …"): the link to the corrections
    # The comarca of the case's unit: no fact of the case, the reader adds it (``with_comarcas``) so the
    # clocks count business days with that municipality's holidays (``domain.calendar.calendar_for``).
    comarca: str | None = field(default=None, compare=False)

    @classmethod
    def from_facts(cls, case_id: str, facts: Mapping[str, tuple[str, bool]]) -> "CaseView":
        v = {k: val for k, (val, _) in facts.items() if val != CLEARED}
        by_prefix: dict[str, list[tuple[str, str]]] = {}
        for k, val in sorted(v.items()):
            if ":" in k:
                prefix, rest = k.split(":", 1)
                by_prefix.setdefault(prefix, []).append((rest, val))
        # An exception's alert lasts until it is acknowledged (``Case.acknowledge_alert``).
        acknowledged = {a for a, _ in by_prefix.get("acknowledged", [])}
        exception_alerts = tuple(
            (int(rest.split(".")[0]), code) for rest, code in by_prefix.get("exception", [])
            if f"{code}@{rest.split('.')[0]}" not in acknowledged)
        sanction_end = dict(by_prefix.get("sanction_end", []))
        suspended = dict(by_prefix.get("sanction_suspended", []))
        sanctions = []
        for pid, val in by_prefix.get("sanction", []):
            if pid in suspended:
                continue
            kind, start, end = (val.split(" ") + ["", ""])[:3]
            sanctions.append((pid, kind, _date(start), _date(sanction_end.get(pid) or end)))
        notified = dict(by_prefix.get("isolation_notified", []))
        return cls(
            case_id=case_id,
            status=v.get("status"), unit_id=v.get("unit_id"), room=v.get("room"), modality=v.get("modality"),
            sex=v.get("sex"), birth_date=_date(v.get("birth_date")), registered_on=_date(v.get("registered_on")),
            measure_started_on=_date(v.get("measure_started_on")), stay_started_on=_date(v.get("stay_started_on")),
            definitive_since=_date(v.get("definitive_since")), apprehended_on=_date(v.get("apprehended_on")),
            origin=v.get("origin"), quarterly_reassessment=v.get("quarterly_reassessment") == "yes",
            last_decision_on=_date(v.get("last_decision_on")), last_hearing_on=_date(v.get("last_hearing_on")),
            last_report_on=_date(v.get("last_report_on")),
            reassessment_requested_on=_date(v.get("reassessment_requested_on")),
            pia_state=v.get("pia_state"), pia_version=int(v["pia_version"]) if v.get("pia_version") else None,
            pia_submitted_on=_date(v.get("pia_submitted_on")),
            acolhimento_completed_on=_date(v.get("acolhimento_completed_on")), away=v.get("away"),
            evaded_on=_date(v.get("evaded_on")), last_visit_on=_date(v.get("last_visit_on")),
            last_phone_call_on=_date(v.get("last_phone_call_on")),
            reintegration_reported_on=_date(v.get("reintegration_reported_on")),
            release_order_at=_moment(v.get("release_order_at")), released_at=_moment(v.get("released_at")),
            release_basis=v.get("release_basis"), released_from_unit_id=v.get("released_from_unit_id"),
            died_at=_moment(v.get("died_at")),
            open_procedures=tuple(f"{pid} {val}" for pid, val in by_prefix.get("procedure", [])),
            sanctions=tuple(sanctions),
            open_isolations=tuple((iid, _moment(val), _moment(notified.get(iid)))
                                  for iid, val in by_prefix.get("isolation", [])),
            open_petitions=tuple((pid, _date(val)) for pid, val in by_prefix.get("petition", [])),
            court_visit_suspensions=tuple(sid for sid, _ in by_prefix.get("visit_suspension", [])),
            leaves_out=tuple((lid, *_leave(dict(by_prefix.get("leave", [])).get(lid, "")))
                             for lid, _ in by_prefix.get("leave_out", [])),
            pending_exceptions=tuple(code for _, code in exception_alerts),
            exception_alerts=exception_alerts,
            acknowledged_clocks=tuple(sorted(a.split("@")[0] for a in acknowledged if a.endswith("@"))),
            corrected=tuple(sorted(k for k, (_, c) in facts.items() if c)),
            corrected_by=tuple(by_prefix.get("corrected_by", [])),
        )

    # -- derived, as of a date --------------------------------------------------------------
    def age_on(self, on: dt.date) -> int | None:
        """Completed years on `on`."""
        return None if self.birth_date is None else age_on(self.birth_date, on)

    def days_in_measure(self, on: dt.date) -> int | None:
        """Day of the measure (intake day = day 1, Decision 11), until the release."""
        if self.measure_started_on is None:
            return None
        ended = self.released_at or self.died_at  # a death ends the measure too (SINASE art. 46 I)
        end = ended.astimezone(CUIABA).date() if ended else on
        return day_of_measure(self.measure_started_on, min(on, end))

    def day_in_unit(self, on: dt.date) -> int | None:
        """Day of the stay in the current unit (Reg. art. 75: leave counts from the start here)."""
        return None if self.stay_started_on is None else day_of_measure(self.stay_started_on, on)

    def leave_entitlements(self, on: dt.date) -> dict[str, Any]:
        """Family-leave eligibility (Reg. art. 55 III, 63: same-day from day 45, overnight from day 75;
        art. 63 par. único: from day 30 for youths from a provisional unit with quarterly reassessment)."""
        day = self.day_in_unit(on)
        if day is None or self.status != "ativo":
            return {"day_in_unit": day, "same_day": False, "overnight": False}
        early, late = (family_leave_from_day(kind, origin=self.origin, quarterly_reassessment=self.quarterly_reassessment)
                       for kind in (LeaveKind.MESMO_DIA, LeaveKind.PERNOITE))
        return {"day_in_unit": day, "same_day": day >= early, "overnight": day >= late,
                "same_day_from": self.stay_started_on + dt.timedelta(days=early - 1),
                "overnight_from": self.stay_started_on + dt.timedelta(days=late - 1)}

    def visit_entitlements(self, on: dt.date) -> dict[str, Any]:
        """Reg. art. 51 §1: after 15 days without a visit the youth is entitled to a phone call."""
        since = self.last_visit_on or self.stay_started_on
        gap = None if since is None else (on - since).days
        called = self.last_phone_call_on is not None and since is not None and self.last_phone_call_on >= since
        return {"last_visit_on": self.last_visit_on, "days_without_visit": gap,
                "last_phone_call_on": self.last_phone_call_on,
                "phone_call_due": gap is not None and gap >= 15 and self.status == "ativo" and not called,
                "court_suspensions": len(self.court_visit_suspensions)}

    def reassessment_due_on(self) -> dt.date | None:
        """ECA art. 121 §2; SINASE art. 42: reassessment at most every 6 months (3 if the court says so)."""
        return reassessment_due_on(self.measure_started_on, self.last_decision_on, quarterly=self.quarterly_reassessment)

    def as_row(self, on: dt.date) -> dict[str, Any]:
        """A flat dict for tables and JSON."""
        return {
            "case_id": self.case_id, "status": self.status, "unit_id": self.unit_id, "room": self.room,
            "modality": self.modality, "sex": self.sex, "age": self.age_on(on),
            "measure_started_on": self.measure_started_on, "stay_started_on": self.stay_started_on,
            "days_in_measure": self.days_in_measure(on), "day_in_unit": self.day_in_unit(on),
            "pia_state": self.pia_state or "pending", "pia_submitted_on": self.pia_submitted_on,
            "last_decision_on": self.last_decision_on, "reassessment_due_on": self.reassessment_due_on(),
            "away": self.away, "open_procedures": len(self.open_procedures),
            "open_isolations": len(self.open_isolations), "open_petitions": len(self.open_petitions),
            "pending_exceptions": len(self.pending_exceptions), "release_basis": self.release_basis,
            "released_from_unit_id": self.released_from_unit_id,
            "released_at": self.released_at, "corrected": ", ".join(self.corrected),
            "corrected_by": ", ".join(f"{fact} {links}" for fact, links in self.corrected_by),
        }


def views_from_rows(rows: Iterable[Mapping[str, Any]], voids: Iterable[Mapping[str, Any]] = ()) -> dict[str, CaseView]:
    """Every case's view from fact rows and void rows (from SQL or from MemoryTables)."""
    voided: dict[str, set[int]] = {}
    for v in voids:
        voided.setdefault(v["case_id"], set()).add(int(v["version"]))
    by_case: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_case.setdefault(r["case_id"], []).append(r)
    return {case: view_from_rows(case, rs, voided.get(case, ())) for case, rs in by_case.items()}


def with_comarcas(views: Mapping[str, CaseView], comarcas: Mapping[str, str]) -> dict[str, CaseView]:
    """The views with the comarca of each case's unit (its current one, or the one it was released from)."""
    import dataclasses

    return {case_id: dataclasses.replace(v, comarca=comarcas.get(v.unit_id or v.released_from_unit_id or ""))
            for case_id, v in views.items()}
