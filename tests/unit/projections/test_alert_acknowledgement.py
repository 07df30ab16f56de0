"""Alerts that need someone to take notice (D-18): a deadline met late and a recorded exception with
its alert flag stay in `clocks --alert` / `case list --alert` until the unit's direction acknowledges them."""

from __future__ import annotations

import datetime as dt

from tests.unit.projections.test_read_models_case_view_and_clocks import an_active_case, clock, view_of
from projections.legal_clocks import clocks_for

D = dt.date


def late_acolhimento():
    # Intake Monday 2 March 2026: acolhimento due within 3 business days (5 March); completed on the 6th.
    case = an_active_case(intake_on="2026-03-02")
    case.add("AcolhimentoCompleted", on="2026-03-06",
             exceptions=[{"rule_code": "R-12", "justification": "(text)", "alert": True}])
    return case


def acknowledged(case, alert: str, target_version: int | None = None, on: str = "2026-03-09"):
    return case.add("AlertAcknowledged", on=on, actor_role="gerente", alert=alert, target_version=target_version,
                    reason="(text)", personal=frozenset({"reason"}))


def test_a_deadline_met_late_is_an_alert_until_acknowledged_D18():
    case = late_acolhimento()
    late = clock(view_of(case), "K-ACOLH3", D(2026, 3, 20))
    assert (late.state, late.alert, late.acknowledged) == ("met_late", True, False)
    acknowledged(case, "K-ACOLH3")
    after = clock(view_of(case), "K-ACOLH3", D(2026, 3, 20))
    assert (after.state, after.alert, after.acknowledged) == ("met_late", False, True)  # still met late, no alert


def test_a_recorded_exception_with_its_alert_flag_is_listed_with_its_rule_until_acknowledged_D18():
    case = late_acolhimento()
    completed = case.events[-1]
    view = view_of(case)
    assert view.exception_alerts == ((completed.sequence, "R-12"),) and view.pending_exceptions == ("R-12",)
    exception = clock(view, "EXC R-12", D(2026, 3, 20))
    assert exception.alert and exception.state == "exception" and "Reg. art. 31" in exception.source
    acknowledged(case, "R-12", target_version=completed.sequence)
    view = view_of(case)
    assert view.exception_alerts == () and view.pending_exceptions == ()
    assert clock(view, "EXC R-12", D(2026, 3, 20)) is None


def test_acknowledging_another_entrys_exception_leaves_this_one_alerting_D18():
    case = late_acolhimento()
    acknowledged(case, "R-12", target_version=1)  # the registration carries no R-12 exception
    assert [c.clock for c in clocks_for(view_of(case), D(2026, 3, 10)) if c.alert] == ["K-ACOLH3", "EXC R-12"]


def test_an_exception_recorded_without_the_alert_flag_raises_no_alert():
    case = an_active_case(intake_on="2026-03-02")
    case.add("AcolhimentoCompleted", on="2026-03-04",
             exceptions=[{"rule_code": "R-12", "justification": "(text)", "alert": False}])
    assert [c.clock for c in clocks_for(view_of(case), D(2026, 3, 10)) if c.alert] == []
