"""The inspection report filed with the inspection (E64 extended; CNMP Res. 67 arts. 1–2).

The promotor files the report of a visit as one event of the unit: the answers to the form's
judgement items (the inspector's own) and the snapshot of the figures the ledger computed for
the day, with the bitemporal point they were computed at — the day of the facts and the
recording time they were read as of. The event is immutable, so the filed report is: reissuing
it prints the snapshot, not a new computation. Anyone can check the snapshot by computing the
report again as recorded at that time (its SHA-256 digest is in the event).

Which item numbers exist and which of them are the inspector's is the catalogue of the forms
(`projections/cnmp67_items.json`); the application checks the answers against it before the
domain records them (`application.handlers.record_inspection`). Here: the shape.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from domain.calendar import local_date, require_aware
from domain.rules import refuse
from domain.values import FiledReport, InspectorAnswer

__all__ = ["FiledReport", "InspectorAnswer", "check_filing", "snapshot_digest"]

MAX_ANSWERS = 400  # the four forms hold 445 items; a visit answers the two of its unit type
MAX_TEXT = 500  # "Outros. Especificar", partner institutions (III 3.2.1): a line, never a person's name
MAX_SNAPSHOT = 512 * 1024


def snapshot_digest(snapshot: str) -> str:
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()


def check_filing(answers: tuple[InspectorAnswer, ...], report: FiledReport | None, inspected_at: datetime,
                 occurred_at: datetime) -> tuple[InspectorAnswer, ...]:
    """Refuse a filing that is not whole: answers without the computed report, a snapshot that is
    not the one its digest names, facts after the visit, a reading time after the filing."""
    answers = tuple(answers)
    if answers and report is None:
        refuse("R-63", "The inspector's answers are filed with the computed report of the visit "
                       "(CNMP67 art. 2: one report per inspection); run `caseledger inspection UNIT --date D "
                       "--answers FILE --file`.")
    if len(answers) > MAX_ANSWERS:
        refuse("D-04", f"At most {MAX_ANSWERS} answers in one report.")
    seen = set()
    for a in answers:
        if not a.item.strip():
            refuse("D-04", "Every answer names its form item (e.g. \"I 3.13 #1\").")
        if a.item in seen:
            refuse("D-04", f"Item {a.item} is answered twice; give one answer per item.")
        seen.add(a.item)
        if not a.choices and not (a.text or "").strip():
            refuse("D-04", f"Item {a.item}: give a choice among the item's options or the text it asks for.")
        if a.text is not None and len(a.text) > MAX_TEXT:
            refuse("D-04", f"Item {a.item}: the text has at most {MAX_TEXT} characters.")
    if report is not None:
        require_aware(report.recorded_as_of)
        if len(report.snapshot) > MAX_SNAPSHOT:
            refuse("D-04", "The report snapshot is larger than the ledger keeps in one event.")
        if snapshot_digest(report.snapshot) != report.snapshot_sha256:
            refuse("D-04", "The report snapshot does not match its SHA-256 digest; compute it again.")
        if report.period_start > report.facts_on:
            refuse("D-04", "The report's period starts after the day of its facts.")
        if report.facts_on > local_date(inspected_at):
            refuse("R-63", "The report states the facts of the visit's day or earlier, not later ones "
                           "(CNMP67 art. 1: the inspection reports what the unit is on the visit).")
        if report.recorded_as_of > occurred_at:
            refuse("D-04", "The report was computed as recorded at a time after its filing.")
    return answers
