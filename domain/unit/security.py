"""Order and access: disciplinary incidents, temporary suspensions of visitors, and the access
log of authorities and visitors (E27, E43, E47)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4


from domain.calendar import local_date, require_aware
from domain.rules import coerce_choice, refuse
from domain.unit.core import UnitCore
from domain.values import AccessCategory, Actor, PersonalText, Role, SourceDocument


class SecurityStage(UnitCore):
    """Security: the events of this stage beside the commands that trigger them."""

    def report_incident(
        self,
        *,
        incident_id: UUID | None = None,
        involved_case_ids: tuple[UUID, ...],
        location: str,
        description: str,
        occurred_at: datetime,
        actor: Actor,
    ) -> UUID:
        """Record a disciplinary incident (*ocorrência disciplinar*), each youth listed (E27)."""
        incident_id = uuid4() if incident_id is None else incident_id
        require_aware(occurred_at)
        if not involved_case_ids:
            refuse("R-47", "List each youth involved individually; an incident names its youths one by one.")
        if len(set(involved_case_ids)) != len(involved_case_ids):
            refuse("R-47", "A youth is listed twice; list each youth involved once.")
        outside = [c for c in involved_case_ids if c not in self.residents]
        if outside:
            refuse("D-02", "Every youth listed must have an active stay in this unit.")
        if incident_id in self.incidents:
            refuse("D-02", "This incident is already recorded; report a new incident id.")
        self._record(
            self.DisciplinaryIncidentReported,
            occurred_at=occurred_at,
            actor=actor,
            incident_id=incident_id,
            involved_case_ids=tuple(involved_case_ids),
            location=location,
            description=description,
        )
        return incident_id

    class DisciplinaryIncidentReported(UnitCore.Event):
        """*Registro de ocorrência disciplinar* listing each youth involved (E27)."""

        incident_id: UUID
        involved_case_ids: tuple[UUID, ...]
        location: PersonalText  # free text
        description: PersonalText

        def apply(self, unit: UnitCore) -> None:
            unit.incidents[self.incident_id] = tuple(self.involved_case_ids)
            super().apply(unit)

    def suspend_visitor(
        self,
        *,
        visitor_id: UUID,
        until: date,
        items_found: str,
        police_called: bool,
        occurred_at: datetime,
        actor: Actor,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Suspend one visitor caught with forbidden items (*suspensão temporária do visitante*).

        Scope is that visitor only: the youth's right to visits is untouched (Reg. art. 60, 61).
        """
        require_aware(occurred_at)
        # Reg. art. 61: recorded by the líder de equipe on duty.
        if actor.role is not Role.LIDER:
            refuse("R-34", "The líder de equipe on duty records a visitor suspension (Reg. art. 61).")
        if not items_found.strip():
            refuse("R-34", "Describe the forbidden items found; a visitor is suspended only for that (Reg. art. 61).")
        if until < local_date(occurred_at):
            refuse("R-34", "The suspension must end on or after the day it is recorded.")
        self._record(
            self.VisitorTemporarilySuspended,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            visitor_id=visitor_id,
            until=until,
            items_found=items_found,
            police_called=police_called,
        )

    class VisitorTemporarilySuspended(UnitCore.Event):
        """The unit suspends one visitor caught with forbidden items (Reg. art. 61; E43)."""

        visitor_id: UUID
        until: date
        items_found: PersonalText
        police_called: bool

        def apply(self, unit: UnitCore) -> None:
            unit.visitor_suspensions[self.visitor_id] = self.until
            super().apply(unit)

    def log_access(
        self,
        *,
        access_id: UUID | None = None,
        category: AccessCategory,
        name: str,
        document: str,
        institution: str,
        entered_at: datetime,
        left_at: datetime,
        occurred_at: datetime,
        actor: Actor,
    ) -> UUID:
        """Log a staff member's, visitor's or authority's access to the unit (*registro de acesso*, E47).

        Reg. art. 20 XXIV: name and ID document at entry and exit; CNMP67 art. 1: the MP's
        presence is recorded in the unit's book.
        """
        access_id = uuid4() if access_id is None else access_id
        require_aware(entered_at)
        require_aware(left_at)
        require_aware(occurred_at)
        if actor.role not in (Role.AGENTE, Role.LIDER):
            refuse("D-05", "The agente socioeducativo on duty logs accesses (Reg. art. 20 XXIV).")
        category = coerce_choice(AccessCategory, category, "R-60", "Category")
        if not name.strip() or not document.strip():
            refuse("R-60", "Log the name and the ID document of whoever enters (Reg. art. 20 XXIV).")
        if left_at < entered_at:
            refuse("R-60", "The exit must be after the entry (Reg. art. 20 XXIV).")
        if access_id in self.accesses:
            refuse("D-02", "This access is already logged.")
        self._record(
            self.AuthorityOrVisitorAccessLogged,
            occurred_at=occurred_at,
            actor=actor,
            access_id=access_id,
            category=category,
            name=name,
            document=document,
            institution=institution,
            entered_at=entered_at,
            left_at=left_at,
        )
        return access_id

    class AuthorityOrVisitorAccessLogged(UnitCore.Event):
        """*Registro de acesso*: who entered and left the unit, with name and ID document (E47; Reg. art. 20 XXIV)."""

        access_id: UUID
        category: AccessCategory
        name: PersonalText
        document: PersonalText
        institution: str
        entered_at: datetime
        left_at: datetime

        def apply(self, unit: UnitCore) -> None:
            unit.accesses[self.access_id] = self.category
            super().apply(unit)
