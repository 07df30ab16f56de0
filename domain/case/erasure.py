"""Erasure of a youth's personal data (*eliminação*, LGPD arts. 16 and 18 VI): the record that it was done.

Personal values are sealed under the youth's own data key (docs/EVENT-CONTRACT.md), so destroying
that key erases them from every stored and published event at once while the events' bytes, the
hash chain over them and everything that is not personal stay as they were. This module decides
whether the case may be erased and records `SubjectDataErased` — the key itself is destroyed by
the key service right after (application layer), never by the domain.

The law's conditions (D-19): a public body keeps its records for the period of its retention table
and eliminates them only then (Lei 8.159/1991 art. 9; LGPD art. 16 I: kept while a legal obligation
requires it), so a case is erased only after the release and the retention period counted from it;
the decision is the controller's (the state's, through its data protection officer, LGPD arts. 18 and
41), and the unit's gerente, who keeps the unit's records and gives them out only on a documented,
justified and authorised request (Reg. art. 14 XV), records it with that decision's protocol. After
the erasure the case accepts no entry: a new entry would seal new personal data under a new key.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from domain.calendar import add_years, local_date, require_aware
from domain.case.core import CaseCore, CaseStatus
from domain.rules import refuse
from domain.values import Actor, Role

# The period a released case's personal data are kept, in years after the release. The seeds give no
# retention table for socio-educational case files; a deployment sets its own from the table its state
# archive approved (Lei 8.159/1991 art. 9) — CASELEDGER_RETENTION_YEARS.
DEFAULT_RETENTION_YEARS = 5


class ErasureStage(CaseCore):
    """The erasure of the case's personal data, and the guard that closes the case after it."""

    def erase_personal_data(
        self,
        *,
        basis: str,
        decision_protocol: str,
        occurred_at: datetime,
        actor: Actor,
        retention_years: int = DEFAULT_RETENTION_YEARS,
    ) -> None:
        """Erase the youth's personal data (LGPD arts. 16, 18 VI): after the release and the retention
        period, by the gerente on the controller's documented decision, with its legal basis and protocol
        (no personal data in either)."""
        require_aware(occurred_at)
        if actor.role is not Role.GERENTE:
            refuse("D-19", "The gerente, who keeps the unit's records (Reg. art. 14 XV), records an erasure "
                           "decided by the controller (LGPD arts. 18 VI, 41).")
        if not basis.strip():
            refuse("D-19", "State the legal basis of the erasure (e.g. 'LGPD art. 16; retention period ended').")
        if not decision_protocol.strip():
            refuse("D-19", "Give the protocol of the controller's decision to erase (Reg. art. 14 XV: records are "
                           "acted on only on a documented, authorised request).")
        if self.status not in (CaseStatus.DESLIGADO, CaseStatus.FALECIDO):
            refuse("D-19", f"The case is {self.status.value}: personal data are kept while the measure runs and "
                           "for the retention period after the release (Lei 8.159/1991 art. 9; LGPD art. 16 I).")
        released_on = self.released_on()
        kept_until = add_years(released_on, retention_years)
        on = local_date(occurred_at)
        if on < kept_until:
            refuse("D-19", f"The case was released on {released_on.isoformat()}; its records are kept for "
                           f"{retention_years} years, until {kept_until.isoformat()} (the retention table, "
                           "Lei 8.159/1991 art. 9; LGPD art. 16 I). Erase it from that day on.")
        self._record(self.SubjectDataErased, occurred_at=occurred_at, actor=actor, basis=basis.strip(),
                     decision_protocol=decision_protocol.strip(), retention_years=retention_years)

    class SubjectDataErased(CaseCore.Event):
        """The youth's personal data were erased: their data key destroyed (E70; LGPD arts. 16, 18 VI).

        Carries no personal data: the basis and the decision's protocol name the law and the file,
        never the person."""

        basis: Annotated[str, "The legal basis of the erasure (a law and article, the retention table's item)."]
        decision_protocol: Annotated[str, "The protocol of the controller's decision to erase."]
        retention_years: Annotated[int, "The retention period applied, in years after the release."]

        def apply(self, case: CaseCore) -> None:
            case.erased_on = local_date(self.occurred_at)
            # What the aggregate remembered of the person goes too (a cached aggregate outlives the key).
            case.process_number = None
            case.birth_date = None
            case.sex = None
            case.room = None
            super().apply(case)

    def released_on(self) -> date:
        """The day of the release (D-19 counts the retention from it)."""
        released_at = getattr(self, "released_at", None)
        if released_at is None:
            refuse("D-02", "The case has no release recorded.")
        return local_date(released_at)
