"""The Case aggregate: one adolescent's execution of one measure (*execução de medida*).

Identified by an opaque id: uuid5 of the execution process number (never of a name), so
registering the same process twice collides on the store's key. The youth's stays in
units are abutting periods; a change of modality in the same unit is a status change.

Each public command checks every rule before it triggers any event; commands that
touch a unit check the unit too, then trigger the events of both aggregates, which the
application saves together.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calendar import age_on, local_date
from domain.case.alerts import AlertStage
from domain.case.erasure import ErasureStage
from domain.case.contact import ContactStage
from domain.case.death import DeathStage
from domain.case.core import CaseCore, CaseStatus, RoomProfile, Stay, case_id_for
from domain.case.discipline import DisciplineStage
from domain.case.health import HealthStage
from domain.case.intake import IntakeStage
from domain.case.movement import MovementStage
from domain.case.plan import PlanStage
from domain.case.release import ReleaseStage
from domain.case.schooling import SchoolingStage
from domain.case.security import SecurityStage
from domain.corrections import EntryRef
from domain.rules import refuse
from domain.values import (
    PERSONAL,
    AcolhimentoStep,
    Actor,
    BuildClass,
    IntakeOrigin,
    Modality,
    PersonalText,
    ReleaseBasis,
    SeriousnessClass,
    Sex,
    SourceDocument,
    require_name,
)

__all__ = ["Case", "CaseStatus", "RoomProfile", "Stay", "case_id_for"]


class Case(
    IntakeStage,
    PlanStage,
    MovementStage,
    DisciplineStage,
    SecurityStage,
    ContactStage,
    HealthStage,
    ReleaseStage,
    AlertStage,
    ErasureStage,
    SchoolingStage,
    DeathStage,
):
    """One adolescent's execution of one measure (*execução da medida socioeducativa*)."""

    class AdolescentRegistered(Aggregate.Created, CaseCore.Event):
        """*Abertura de cadastro* (E01)."""

        # Identifiers of the youth in other systems point to the person (ECA art. 143, LGPD art. 14).
        process_number: PersonalText
        guia_number: PersonalText | None
        sipia_id: PersonalText | None
        name: PersonalText
        social_name: PersonalText | None
        birth_date: Annotated[date, PERSONAL]
        sex: Annotated[Sex, PERSONAL]
        civil_document: PersonalText
        filiation: PersonalText
        family_address: PersonalText
        family_comarca: str

    @staticmethod
    def create_id(process_number: str, **_: Any) -> UUID:
        """The case id: uuid5 of the execution process number, so a duplicate collides."""
        return case_id_for(process_number)

    @classmethod
    def register(
        cls,
        *,
        process_number: str,
        name: str,
        birth_date: date,
        sex: Sex,
        civil_document: str,
        filiation: str,
        family_address: str,
        family_comarca: str,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        guia_number: str | None = None,
        sipia_id: str | None = None,
        social_name: str | None = None,
        offence_date: date | None = None,
        source_document: SourceDocument | None = None,
    ) -> Case:
        """Open the youth's record (*abertura de cadastro*, E01)."""
        on = local_date(occurred_at)
        if not "".join(ch for ch in process_number if ch.isalnum()):
            refuse("D-04", "Give the execution process number: it identifies the case.")
        require_name(name, "the adolescent's name (nome civil)")
        if social_name is not None:
            require_name(social_name, "the social name (nome social); omit it if the youth has none")
        # A person is born before being registered: a later birth date is a typing slip.
        if birth_date > on:
            refuse("D-13", f"The birth date {birth_date.isoformat()} is after the registration ({on.isoformat()}); "
                           "check the year against the birth certificate or RG.")
        # ECA 121 §5: nobody aged 21 or more is held.
        if age_on(birth_date, on) >= 21:
            refuse("R-08", "The youth is 21 or older; the measure is extinct by law (ECA 121 §5). Do not register.")
        # ECA 2, 105: a child under 12 at the act gets protective measures, not socio-educational ones.
        if offence_date is not None and age_on(birth_date, offence_date) < 12:
            refuse("R-09", "The youth was under 12 at the act; only protective measures apply (ECA 105).")
        return cls(
            occurred_at=occurred_at,
            actor=actor,
            unit_id=unit_id,
            source_document=source_document,
            process_number=process_number,
            guia_number=guia_number,
            sipia_id=sipia_id,
            name=name,
            social_name=social_name,
            birth_date=birth_date,
            sex=sex,
            civil_document=civil_document,
            filiation=filiation,
            family_address=family_address,
            family_comarca=family_comarca,
        )

    @event(AdolescentRegistered)
    def __init__(
        self,
        occurred_at: datetime,
        actor: Actor,
        unit_id: str,
        source_document: SourceDocument | None,
        process_number: str,
        guia_number: str | None,
        sipia_id: str | None,
        name: str,
        social_name: str | None,
        birth_date: date,
        sex: Sex,
        civil_document: str,
        filiation: str,
        family_address: str,
        family_comarca: str,
    ) -> None:
        self.process_number = process_number
        self.birth_date = birth_date
        self.sex = sex
        self.family_comarca = family_comarca
        self.status = CaseStatus.REGISTRADO
        self.unit_id: str | None = None
        self.stays: list[Stay] = []
        self.stay_started_on: date | None = None
        self.modality: Modality | None = None
        self.measure_started_on: date | None = None
        self.definitive_since: date | None = None
        self.apprehended_on: date | None = None
        self.origin: IntakeOrigin | None = None
        self.quarterly_reassessment = False
        self.seriousness: SeriousnessClass | None = None
        self.build: BuildClass | None = None
        self.room: str | None = None
        self.acolhimento_steps: set[AcolhimentoStep] = set()
        self.acolhimento_completed = False
        self.orientation_acknowledged = False
        self.intake_refusals = 0
        self.pia_versions = 0
        self.pia_homologated = False
        self.last_report_on: date | None = None
        self.last_decision_on: date | None = None
        self.last_hearing_on: date | None = None
        self.external_activities_banned = False
        self.away: str | None = None
        self.open_exit: UUID | None = None
        self.open_exit_due: datetime | None = None
        self.leaves: dict[UUID, _Leave] = {}
        self.procedures: dict[UUID, _Procedure] = {}
        self.isolations: dict[UUID, tuple[datetime, bool, bool]] = {}
        self.incentives: dict[UUID, bool] = {}
        self.visitors: dict[UUID, _Visitor] = {}
        self.court_suspensions: dict[UUID, _CourtSuspension] = {}
        self.exceptional_visits: list[date] = []
        self.scheduled_visits: dict[UUID, date] = {}
        self.case_study_held = False
        self.contract_agreed = False
        self.pia_updates = 0
        self.apprehensions_in_unit = 0
        self.searches = 0
        self.private_interviews = 0
        self.egress_follow_ups = 0
        self.last_visit_on: date | None = None
        self.petitions: dict[UUID, tuple[date, bool]] = {}
        self.release_order_received = False
        self.release_basis: ReleaseBasis | None = None
        self.reintegration_reported = False
        self._entries: dict[int, EntryRef] = {1: EntryRef("AdolescentRegistered", False)}
        self.voided: set[int] = set()
