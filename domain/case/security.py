"""Security measures on the youth: use of force, searches and isolation (E29, E37, E38)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable
from uuid import UUID, uuid4


from domain.calendar import require_aware
from domain.case.core import CaseCore, CaseStatus
from domain.rules import coerce_choice, refuse
from domain.values import (
    Actor,
    ForceTechnique,
    IsolationGround,
    PersonalText,
    RecordedException,
    Role,
    SearchKind,
    SearchReason,
    StaffMember,
)


class SecurityStage(CaseCore):
    """Security: the events of this stage beside the commands that trigger them."""

    def record_use_of_force(
        self,
        *,
        technique: ForceTechnique | str,
        staff: Iterable[StaffMember],
        injuries: bool,
        justification: str,
        occurred_at: datetime,
        actor: Actor,
        medical_exam_reference: str | None = None,
    ) -> None:
        """Record a containment or use of force (*contenção / uso da força*, E37)."""
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a use of force")
        text = str(technique).lower()
        # CONANDA 252 art. 68: chemical restraint is forbidden; medication only on medical criteria.
        if not isinstance(technique, ForceTechnique) and ("medica" in text or "quimic" in text or "chemical" in text):
            refuse("R-52", "Chemical restraint is forbidden (CONANDA 252 art. 68); medication is a medical act, not containment.")
        technique = coerce_choice(ForceTechnique, technique, "R-52", "Technique")
        staff = tuple(staff)
        if not staff:
            refuse("D-04", "Name the staff who used force.")
        if not justification.strip():
            refuse("D-04", "Justify the use of force (ECA 125).")
        exceptions = ()
        if injuries and not (medical_exam_reference or "").strip():
            exceptions = (RecordedException("R-52", "injuries without a medical examination recorded", True),)
        self._record(
            self.UseOfForceRecorded,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            technique=technique,
            staff=staff,
            injuries=injuries,
            medical_exam_reference=medical_exam_reference,
            justification=justification,
            exceptions=exceptions,
        )

    class UseOfForceRecorded(CaseCore.Event):
        """*Contenção / uso da força* (E37; ECA 125; CONANDA 252 art. 68)."""

        technique: ForceTechnique
        staff: tuple[StaffMember, ...]
        injuries: bool
        medical_exam_reference: PersonalText | None  # points to a health record
        justification: PersonalText
        exceptions: tuple[RecordedException, ...]

    def record_search(
        self,
        *,
        kind: SearchKind,
        reason: SearchReason,
        staff: Iterable[StaffMember],
        invasive: bool,
        occurred_at: datetime,
        actor: Actor,
        items_seized: Iterable[str] = (),
    ) -> None:
        """Record a personal, room or belongings search (*revista*, E38)."""
        require_aware(occurred_at)
        self._require_present("a search")
        kind = coerce_choice(SearchKind, kind, "D-11", "Search kind")
        reason = coerce_choice(SearchReason, reason, "D-11", "Search reason")
        if actor.role not in (Role.AGENTE, Role.LIDER):
            refuse("D-05", "The agente socioeducativo or the líder de equipe records a search (Reg. art. 20 VI, 21 XIII).")
        staff = tuple(dict.fromkeys(staff))
        # CONANDA 252 (as reported in docs/DOMAIN-DECISIONS.md E38): more than one professional, never invasive.
        if len(staff) < 2:
            refuse("D-11", "A search is made by more than one professional; name them all.")
        if invasive:
            refuse("D-11", "Invasive searches are forbidden; do not record one as a search, report it as an occurrence.")
        # Reg. art. 21 XIII: the líder supervises searches of rooms.
        if kind is SearchKind.ALOJAMENTO and not any(m.role is Role.LIDER for m in staff):
            refuse("D-11", "The líder de equipe supervises room searches (Reg. art. 21 XIII); name the líder present.")
        self._record(
            self.SearchPerformed,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            kind=kind,
            reason=reason,
            staff=staff,
            items_seized=tuple(items_seized),
        )

    class SearchPerformed(CaseCore.Event):
        """*Revista pessoal / de alojamento*, by more than one professional, never invasive (E38)."""

        kind: SearchKind
        reason: SearchReason
        staff: tuple[StaffMember, ...]
        items_seized: tuple[PersonalText, ...]

        def apply(self, case: CaseCore) -> None:
            case.searches += 1
            super().apply(case)

    def apply_isolation(
        self,
        *,
        isolation_id: UUID | None = None,
        ground: IsolationGround | str,
        justification: str,
        place: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> UUID:
        """Separate the youth from the others (*isolamento*, E29): only when indispensable for safety."""
        isolation_id = uuid4() if isolation_id is None else isolation_id
        require_aware(occurred_at)
        self._require_present("an isolation")
        # SINASE 48 §2: only if indispensable for the safety of others or of the youth.
        ground = coerce_choice(IsolationGround, ground, "R-48", "Isolation ground")
        if not justification.strip():
            refuse("R-48", "Justify why isolation is indispensable for safety (SINASE 48 §2).")
        if actor.role not in (Role.GERENTE, Role.LIDER):
            refuse("D-05", "The gerente (or the líder in an emergency) decides an isolation.")
        if any(not ended for (_, _, ended) in self.isolations.values()):
            refuse("D-02", "The youth is already isolated; end that isolation first.")
        self._record(
            self.IsolationApplied,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            isolation_id=isolation_id,
            ground=ground,
            justification=justification,
            place=place,
        )
        return isolation_id

    class IsolationApplied(CaseCore.Event):
        """*Isolamento / separação do convívio* (E29; SINASE 48 §2)."""

        isolation_id: UUID
        ground: IsolationGround
        justification: PersonalText
        place: PersonalText  # free text

        def apply(self, case: CaseCore) -> None:
            case.isolations[self.isolation_id] = (self.occurred_at, False, False)
            super().apply(case)

    def record_isolation_notices(
        self,
        *,
        isolation_id: UUID,
        defender_notified_at: datetime,
        prosecutor_notified_at: datetime,
        judge_notified_at: datetime,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record that defender, MP and judge were told of the isolation (SINASE 48 §2: within 24 h)."""
        require_aware(occurred_at)
        record = self.isolations.get(isolation_id)
        if record is None:
            refuse("D-04", "There is no isolation with that id.")
        started_at, notified, _ = record
        if notified:
            refuse("D-02", "The notices of this isolation are already recorded.")
        notices = [require_aware(t) for t in (defender_notified_at, prosecutor_notified_at, judge_notified_at)]
        exceptions = ()
        if max(notices) - started_at > timedelta(hours=24):
            exceptions = (RecordedException("R-48", "notices sent more than 24 h after the isolation began", True),)
        self._record(
            self.IsolationNoticesSent,
            occurred_at=occurred_at,
            actor=actor,
            isolation_id=isolation_id,
            defender_notified_at=defender_notified_at,
            prosecutor_notified_at=prosecutor_notified_at,
            judge_notified_at=judge_notified_at,
            exceptions=exceptions,
        )

    class IsolationNoticesSent(CaseCore.Event):
        """Defender, MP and judge told of the isolation (SINASE 48 §2: within 24 h)."""

        isolation_id: UUID
        defender_notified_at: datetime
        prosecutor_notified_at: datetime
        judge_notified_at: datetime
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            started_at, _, ended = case.isolations[self.isolation_id]
            case.isolations[self.isolation_id] = (started_at, True, ended)
            super().apply(case)

    def end_isolation(self, *, isolation_id: UUID, occurred_at: datetime, actor: Actor) -> None:
        """End the isolation (E29); ending it without the 24 h notices is flagged."""
        require_aware(occurred_at)
        record = self.isolations.get(isolation_id)
        if record is None or record[2]:
            refuse("D-04", "There is no ongoing isolation with that id.")
        exceptions = ()
        if not record[1]:
            exceptions = (RecordedException("R-48", "isolation ended without notices to defender, MP and judge", True),)
        self._record(
            self.IsolationEnded,
            occurred_at=occurred_at,
            actor=actor,
            isolation_id=isolation_id,
            exceptions=exceptions,
        )

    class IsolationEnded(CaseCore.Event):
        """End of the isolation (E29)."""

        isolation_id: UUID
        exceptions: tuple[RecordedException, ...]

        def apply(self, case: CaseCore) -> None:
            started_at, notified, _ = case.isolations[self.isolation_id]
            case.isolations[self.isolation_id] = (started_at, notified, True)
            super().apply(case)
