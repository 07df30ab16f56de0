"""Acknowledging an alert (*ciência do alerta*): who of the unit's direction took notice, and why.

A recorded exception with its alert flag (a protective rule broken by a fact recorded anyway,
docs/DOMAIN-DECISIONS.md §3 ALERT) and a deadline met after its due day stay in the alert lists
(`clocks --alert`, `case list --alert`) until someone answerable for the unit acknowledges them:
the gerente, who directs the unit (Reg. art. 14), or the líder de equipe, who answers for the
shift (Reg. art. 21). The acknowledgement is a new event; the alert's history stays as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from domain.calendar import require_aware
from domain.case.core import CaseCore
from domain.clocks import MET_LATE_CLOCKS
from domain.rules import RULES, refuse
from domain.values import PERSONAL, SUPERVISOR_ROLES, Actor


class AlertStage(CaseCore):
    """The acknowledgement of a case's alerts."""

    def acknowledge_alert(
        self,
        *,
        alert: str,
        reason: str,
        occurred_at: datetime,
        actor: Actor,
        target_version: int | None = None,
    ) -> None:
        """Acknowledge an alert of the case: a recorded exception (its rule code and the version of the
        entry that carries it) or a deadline met late (its clock, e.g. K-ACOLH3), with the reason."""
        require_aware(occurred_at)
        if actor.role not in SUPERVISOR_ROLES:
            refuse("D-18", "An alert is acknowledged by the unit's direction: the gerente or the líder de equipe.")
        if not reason.strip():
            refuse("D-18", "Say why the alert is acknowledged (what was done, or why nothing can be).")
        if alert in MET_LATE_CLOCKS:
            if target_version is not None:
                refuse("D-18", f"A deadline met late ({alert}) is named by its clock alone; leave target_version out.")
        elif alert in RULES:
            if target_version is None:
                refuse("D-18", f"Name the entry that recorded the {alert} exception: its version (target_version).")
            if target_version not in self._entries:
                refuse("D-04", f"There is no entry with version {target_version} in this case.")
        else:
            refuse("D-18", f"{alert!r} is neither a rule code of a recorded exception nor a deadline that can be "
                           f"met late ({', '.join(sorted(MET_LATE_CLOCKS))}).")
        key = f"{alert}@{target_version or ''}"
        if key in getattr(self, "acknowledged_alerts", ()):
            refuse("D-02", f"The alert {alert} is already acknowledged.")
        self._record(self.AlertAcknowledged, occurred_at=occurred_at, actor=actor, alert=alert,
                     target_version=target_version, reason=reason)

    class AlertAcknowledged(CaseCore.Event):
        """The unit's direction took notice of an alert of the case, and why."""

        alert: Annotated[str, "The alert acknowledged: the rule code of a recorded exception (R-12) or a "
                              "deadline met late (K-ACOLH3)."]
        target_version: int | None
        reason: Annotated[str, PERSONAL, "Why the alert is acknowledged: what was done, or why nothing can be."]

        def apply(self, case: CaseCore) -> None:
            # A set created on first use: cases recorded before this event existed have none.
            case.acknowledged_alerts = getattr(case, "acknowledged_alerts", frozenset()) | {
                f"{self.alert}@{self.target_version or ''}"}
            super().apply(case)
