"""The legal clocks of a measure, as pure functions: the aggregate refuses by them and the read
models show them, so a rule about time is written once.

Dates count from the start of the stay in the unit, intake day = day 1 (Reg. art. 75;
Decision 11); months are calendar months (``domain.calendar.add_months``).
"""

from __future__ import annotations

from datetime import date

from domain.calendar import add_months
from domain.values import IntakeOrigin, LeaveKind

# Reg. art. 63 I, II: same-day family leave from day 45, overnight from day 75 (Reg. art. 77's
# "70" is a drafting slip, Decision 1); par. único: from day 30 for a youth who came from a
# provisional unit and whose measure is reassessed quarterly.
SAME_DAY_LEAVE_FROM_DAY = 45
OVERNIGHT_LEAVE_FROM_DAY = 75
EARLY_LEAVE_FROM_DAY = 30


def family_leave_from_day(kind: LeaveKind | str, *, origin: IntakeOrigin | str | None, quarterly_reassessment: bool) -> int:
    """The day of the stay from which a family leave of ``kind`` may start (Reg. art. 63)."""
    early = (
        EARLY_LEAVE_FROM_DAY
        if origin == IntakeOrigin.UNIDADE_PROVISORIA and quarterly_reassessment
        else SAME_DAY_LEAVE_FROM_DAY
    )
    return early if kind == LeaveKind.MESMO_DIA else max(OVERNIGHT_LEAVE_FROM_DAY, early)


def reassessment_due_on(
    measure_started_on: date | None, last_decision_on: date | None, *, quarterly: bool
) -> date | None:
    """Latest date for the next reassessment decision: 6 months after the last decision or the start
    of the measure, 3 when the court orders quarterly reassessment (ECA 121 §2; SINASE 42)."""
    start = last_decision_on or measure_started_on
    return None if start is None else add_months(start, 3 if quarterly else 6)

# The deadlines a case can meet late (stopped after their due day), each an alert until the unit's
# direction acknowledges it (``acknowledge_alert``): the PIA (SINASE 55), the acolhimento (Reg. arts.
# 32, 39), the isolation notices (SINASE 48 §2) and the release after its order (Reg. art. 107).
MET_LATE_CLOCKS = frozenset({"K-PIA45", "K-ACOLH3", "K-ISOL24H", "K-RELEASE"})
