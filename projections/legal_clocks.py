"""Legal clocks (docs/DOMAIN-DECISIONS.md §1): when each deadline of a case starts, is due, stops — and
whether it is breached *as of* a given day.

Breach depends on "today", so nothing here is stored: the clocks are computed
from the case view (`projections/case_view.py`, corrections applied) by
`clocks_for(view, as_of)`. The same view on the same day always gives the same
answer; an auditor can ask for any past day.

Counting (Decision 11; ECA art. 152 §2): a deadline "within N days" excludes the
start day and ends at the end of start + N; *dias úteis* count business days
in Cuiabá time with the holidays of the unit's comarca (Decision 9,
`domain.calendar.calendar_for`; Cuiabá's when the unit is unknown). A clock's
`due_on` is the last day on which it is still on time; the day after, it is
breached.

States: `running`, `due_soon` (within the clock's warning days), `breached`
(past due and not stopped), `met` / `met_late` (stopped on or after the due
day), `closed` (the case ended before the due day), `eligible` / `not_yet`
(entitlements), `phone_call_due` (Reg. art. 51 §1), `ended` (a sanction past its end).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from domain.calendar import CUIABA, BusinessCalendar, add_months, add_years, calendar_deadline, calendar_for
from domain.rules import RULES
from projections.case_view import CaseView

CUSTODY = ("ativo", "evadido")


@dataclass(frozen=True)
class Clock:
    """One deadline of one case, evaluated on `as_of`."""

    case_id: str
    clock: str  # K-PIA45, K-REAV6M, ...
    source: str  # the legal source of the deadline
    state: str
    started_on: dt.date | None
    due_on: dt.date | None
    eligible_on: dt.date | None = None
    stopped_on: dt.date | None = None
    days_left: int | None = None
    detail: str = ""
    acknowledged: bool = False  # a deadline met late, or an exception, that the unit's direction acknowledged

    @property
    def alert(self) -> bool:
        """True when someone must act: breached, due soon, a right now due — or someone must take notice:
        a deadline met late, a recorded exception with its alert flag, until acknowledged (D-18)."""
        if self.state in ("met_late", "exception"):
            return not self.acknowledged
        return self.state in ("breached", "due_soon", "phone_call_due")

    def as_row(self) -> dict[str, Any]:
        return {**asdict(self), "alert": self.alert}


def _local(moment: dt.datetime | None) -> dt.date | None:
    return None if moment is None else moment.astimezone(CUIABA).date()


def _deadline(view: CaseView, clock: str, source: str, as_of: dt.date, started_on: dt.date | None,
              due_on: dt.date | None, stopped_on: dt.date | None, warn_days: int, detail: str = "") -> Clock | None:
    """A deadline clock with its state on `as_of`; None when it has not started."""
    if started_on is None or due_on is None or started_on > as_of:
        return None
    if stopped_on is not None and stopped_on <= as_of:
        state = "met" if stopped_on <= due_on else "met_late"
        return Clock(view.case_id, clock, source, state, started_on, due_on, stopped_on=stopped_on, detail=detail)
    released = _local(view.released_at)
    if released is not None and released <= as_of:
        # The case ended with the clock still running: a breach stays a breach.
        state = "breached" if released > due_on else "closed"
        return Clock(view.case_id, clock, source, state, started_on, due_on, stopped_on=released, detail=detail)
    left = (due_on - as_of).days
    state = "breached" if left < 0 else "due_soon" if left <= warn_days else "running"
    return Clock(view.case_id, clock, source, state, started_on, due_on, days_left=left, detail=detail)


def clocks_for(view: CaseView, as_of: dt.date, calendar: BusinessCalendar | None = None) -> list[Clock]:
    """Every clock of the case that has started by `as_of`, with its state that day. Business days are
    counted where the youth is: the calendar of the comarca of the case's unit (``view.comarca``)."""
    calendar = calendar or calendar_for(view.comarca)
    out: list[Clock | None] = []
    held = view.status in CUSTODY or view.released_at is not None

    if held and view.definitive_since is not None:
        # SINASE art. 55 par. único; Reg. art. 68 §1: the PIA within 45 days of entry into the
        # programme for a definitive measure (Decision 8: from the status change).
        submitted = view.pia_submitted_on if (view.pia_submitted_on or dt.date.min) >= view.definitive_since else None
        out.append(_deadline(view, "K-PIA45", "SINASE art. 55 par. único; Reg. art. 68 §1", as_of,
                             view.definitive_since, calendar_deadline(view.definitive_since, 45), submitted, 10,
                             detail=f"PIA {view.pia_state or 'pending'}"))

    if held and view.modality in ("internacao", "semiliberdade", "internacao_sancao"):
        # ECA art. 121 §2; SINASE art. 42: reassessment at most every 6 months (3 if the court
        # orders quarterly reassessment, Reg. art. 63 par. único); semiliberdade via ECA art. 120 §2.
        start = view.last_decision_on or view.measure_started_on
        months = 3 if view.quarterly_reassessment else 6
        out.append(_deadline(view, "K-REAV6M", "ECA art. 121 §2; SINASE art. 42", as_of, start,
                             None if start is None else add_months(start, months), None, 30,
                             detail=f"every {months} months; last report {view.last_report_on or '-'}"))

    if held and view.stay_started_on is not None:
        # Reg. arts. 32, 39: acolhimento within 3 business days of the Registro de Inserção.
        done = view.acolhimento_completed_on
        done = done if done is not None and done >= view.stay_started_on else None
        out.append(_deadline(view, "K-ACOLH3", "Reg. arts. 32, 39", as_of, view.stay_started_on,
                             calendar.add_business_days(view.stay_started_on, 3), done, 1))

    if view.status in CUSTODY and view.modality == "internacao_provisoria":
        # ECA arts. 108, 183: provisional detention at most 45 days, not extendable (overrun: ECA 235).
        start = view.apprehended_on or view.measure_started_on
        out.append(_deadline(view, "K-PROV45", "ECA arts. 108, 183", as_of, start,
                             None if start is None else calendar_deadline(start, 45), None, 10))

    if view.status in CUSTODY and view.modality == "internacao_sancao":
        # ECA art. 122 §1: internação-sanção at most 3 months.
        start = view.last_decision_on or view.measure_started_on
        out.append(_deadline(view, "K-SANCAO3M", "ECA art. 122 §1", as_of, start,
                             None if start is None else add_months(start, 3), None, 7))

    if held and view.measure_started_on is not None:
        # ECA art. 121 §3: internação at most 3 years (semiliberdade via ECA 120 §2; Decision 6).
        # Decision 7: counted from the first day in custody; days evaded are not deducted here.
        out.append(_deadline(view, "K-MAX3Y", "ECA art. 121 §3", as_of, view.measure_started_on,
                             add_years(view.measure_started_on, 3) - dt.timedelta(days=1), None, 30))

    if held and view.birth_date is not None:
        # ECA art. 121 §5: release is compulsory at 21. R-56 allows the release ex lege from the
        # birthday itself (refused the day before), so the birthday is the due day: a youth released
        # on it followed the law; one still held the day after is a breach.
        birthday = add_years(view.birth_date, 21)
        out.append(_deadline(view, "K-AGE21", "ECA art. 121 §5", as_of, view.measure_started_on or view.registered_on,
                             birthday, None, 30, detail=f"21 on {birthday}"))

    for petition_id, filed_on in view.open_petitions:
        # SINASE art. 49 IV; Reg. art. 51 II: petitions answered within 15 days.
        out.append(_deadline(view, "K-PETIT15", "SINASE art. 49 IV; Reg. art. 51 II", as_of, filed_on,
                             calendar_deadline(filed_on, 15), None, 3, detail=f"petition {petition_id[:8]}"))

    for isolation_id, applied_at, notified_at in view.open_isolations:
        # SINASE art. 48 §2: isolation notified to defender, MP and judge within 24 hours.
        due_at = applied_at + dt.timedelta(hours=24)
        clock = _deadline(view, "K-ISOL24H", "SINASE art. 48 §2", as_of, _local(applied_at), _local(due_at),
                          _local(notified_at), 0, detail=f"isolation {isolation_id[:8]}, notices due {due_at.isoformat()}")
        if clock is not None and notified_at is not None and notified_at > due_at:
            clock = Clock(**{**asdict(clock), "state": "met_late"})
        out.append(clock)

    if view.status == "ativo":
        # Reg. art. 51 §1: 15 days without visits -> the youth is entitled to a phone call.
        since = view.last_visit_on or view.stay_started_on
        if since is not None and since <= as_of:
            due = since + dt.timedelta(days=15)
            called = view.last_phone_call_on
            if called is not None and since <= called <= as_of and called >= due:
                state = "met"  # the call the youth was entitled to was held
            else:
                state = "phone_call_due" if as_of >= due else "running"
            out.append(Clock(view.case_id, "K-VISITGAP15", "Reg. art. 51 §1", state, since, due,
                             days_left=(due - as_of).days, detail=f"last visit {view.last_visit_on or 'none'}"))
        # Reg. arts. 55 III, 63: same-day family leave from day 45, overnight from day 75.
        leave = view.leave_entitlements(as_of)
        if leave.get("same_day_from"):
            state = "eligible" if leave["same_day"] else "not_yet"
            out.append(Clock(view.case_id, "K-LEAVE", "Reg. arts. 55 III, 63", state, view.stay_started_on, None,
                             eligible_on=leave["same_day_from"],
                             detail=f"day {leave['day_in_unit']}; overnight from {leave['overnight_from']}"))

    if view.status == "ativo" and view.stay_started_on is not None:
        # Reg. art. 32 par. único, 76: 8 days of triage in the unit; no exits but those of art. 76.
        last = view.stay_started_on + dt.timedelta(days=7)
        out.append(Clock(view.case_id, "K-TRIAG8", "Reg. art. 32 par. único, 76",
                         "running" if as_of <= last else "met", view.stay_started_on, last,
                         eligible_on=last + dt.timedelta(days=1), days_left=(last - as_of).days,
                         detail="exits only as Reg. art. 76 allows" if as_of <= last else ""))

    for leave_id, kind, leave_date in view.leaves_out:
        # Reg. arts. 63, 79 II, V: back by 19:30 the same day, or the next day for overnight leave.
        if leave_date is None:
            continue
        due = leave_date + dt.timedelta(days=1 if kind == "retorno_em_dia_posterior" else 0)
        out.append(_deadline(view, "K-LEAVE-RET", "Reg. arts. 63, 79", as_of, leave_date, due, None, 0,
                             detail=f"leave {leave_id[:8]}: back by 19:30 on {due}"))

    for procedure_id, sanction, starts_on, ends_on in view.sanctions:
        # SINASE art. 71 IV: a sanction has a fixed duration; it ends on its end date.
        if starts_on is None or ends_on is None or starts_on > as_of:
            continue
        out.append(Clock(view.case_id, "K-SANCTION", "SINASE art. 71 IV", "running" if as_of <= ends_on else "ended",
                         starts_on, ends_on, days_left=(ends_on - as_of).days,
                         detail=f"{sanction}, procedure {procedure_id[:8]}"))

    if view.release_order_at is not None:
        # Reg. art. 107 vs ECA art. 235: release promptly after the order; office hours do not justify holding.
        order_day = _local(view.release_order_at)
        released = _local(view.released_at)
        lag = ""
        if view.released_at is not None:
            lag = f"released {(view.released_at - view.release_order_at).total_seconds() / 3600:.1f} h after the order"
        out.append(_deadline(view, "K-RELEASE", "Reg. art. 107; ECA art. 235", as_of, order_day, order_day,
                             released, 0, detail=lag))

    for version, code in view.exception_alerts:
        # A protective rule broken by a fact recorded anyway, with its alert flag (DOMAIN-DECISIONS §3).
        rule = RULES.get(code)
        out.append(Clock(view.case_id, f"EXC {code}", rule.source if rule else "", "exception", None, None,
                         detail=f"exception recorded with entry v{version}; acknowledge_alert once handled"))
    acknowledged = set(view.acknowledged_clocks)
    return [dataclasses.replace(c, acknowledged=True) if c.state == "met_late" and c.clock in acknowledged else c
            for c in out if c is not None]
