"""The disciplinary regime: procedure, hearing, decision, appeal, court suspension, damage
repair and incentives (E28–E36; Reg. art. 45–69).

Over 400 lines because the disciplinary procedure (opening, hearing, decision, appeal, court suspension) is one chain of rules; split further it would part events from the commands that trigger them."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable
from uuid import UUID, uuid4


from domain.calendar import local_date, require_aware
from domain.case.core import CaseCore, CaseStatus, _Procedure, _require_judicial
from domain.discipline import (
    EXAMPLE_OFFENCE_CATALOGUE,
    Offence,
    check_commission,
    coerce_sanction,
    typed_offence,
)
from domain.rules import coerce_choice, refuse
from domain.unit import Unit
from domain.values import (
    Actor,
    AppealOutcome,
    DisciplinaryOutcome,
    ExclusionGround,
    IncentiveKind,
    OffenceSeverity,
    PersonalText,
    ReassessmentRequester,
    Role,
    SanctionType,
    SourceDocument,
    StaffMember,
    SuspensionMotive,
)


class DisciplineStage(CaseCore):
    """Discipline: the events of this stage beside the commands that trigger them."""

    def open_disciplinary_procedure(
        self,
        *,
        unit: Unit,
        procedure_id: UUID | None = None,
        incident_id: UUID,
        offence_code: str,
        commission: Iterable[StaffMember],
        defender_notified: bool,
        parents_notified: bool,
        occurred_at: datetime,
        actor: Actor,
        catalogue: dict[str, Offence] = EXAMPLE_OFFENCE_CATALOGUE,
    ) -> UUID:
        """Open a disciplinary procedure for this youth alone (*instauração*, E28)."""
        procedure_id = uuid4() if procedure_id is None else procedure_id
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="a disciplinary procedure")
        self._require_unit(unit)
        involved = unit.incidents.get(incident_id)
        if involved is None:
            refuse("D-04", "Report the incident in the unit first (DisciplinaryIncidentReported).")
        # One youth per procedure; the incident must name this youth individually (no collective sanction).
        if self.id not in involved:
            refuse("R-47", "The incident does not name this youth; procedures are individual (no collective sanctions).")
        if any(p.incident_id == incident_id for p in self.procedures.values()):
            refuse("R-47", "A procedure for this youth and this incident already exists; no double punishment.")
        if procedure_id in self.procedures:
            refuse("D-02", "A procedure with this id already exists.")
        # SINASE 49 V: the youth was told the disciplinary rules in writing.
        if not self.orientation_acknowledged:
            refuse("R-17", "The youth has not acknowledged the written rules (Reg. art. 34); no charge can be brought.")
        offence = typed_offence(offence_code, catalogue)
        commission = tuple(commission)
        check_commission(commission)
        # SINASE 49 I; Reg. art. 97 par. único: legal assistance.
        if not defender_notified:
            refuse("R-43", "Notify the youth's defender before opening the procedure (SINASE 49 I).")
        self._record(
            self.DisciplinaryProcedureOpened,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            procedure_id=procedure_id,
            incident_id=incident_id,
            offence_code=offence.code,
            severity=offence.severity,
            commission=commission,
            defender_notified=defender_notified,
            parents_notified=parents_notified,
        )
        return procedure_id

    class DisciplinaryProcedureOpened(CaseCore.Event):
        """*Instauração de procedimento disciplinar*, one youth per procedure (E28)."""

        procedure_id: UUID
        incident_id: UUID
        offence_code: str
        severity: OffenceSeverity
        commission: tuple[StaffMember, ...]
        defender_notified: bool
        parents_notified: bool

        def apply(self, case: CaseCore) -> None:
            case.procedures[self.procedure_id] = _Procedure(self.incident_id, self.offence_code, self.severity,
                                                            commission=frozenset(m.staff_id for m in self.commission))
            super().apply(case)

    def _procedure(self, procedure_id: UUID) -> _Procedure:
        procedure = self.procedures.get(procedure_id)
        if procedure is None:
            refuse("R-42", "There is no disciplinary procedure with that id; no sanction without a formal procedure.")
        return procedure

    def hold_disciplinary_hearing(
        self,
        *,
        procedure_id: UUID,
        youth_heard: bool,
        defender_present: bool,
        parents_present: bool,
        defence_presented: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Hear the youth with a defender (*oitiva*, E30)."""
        require_aware(occurred_at)
        procedure = self._procedure(procedure_id)
        if procedure.outcome is not None:
            refuse("D-02", "The procedure is already decided.")
        # SINASE 71 III, VI; 49 I: the youth is heard, with legal assistance.
        if not youth_heard:
            refuse("R-43", "The youth must be heard in the hearing (SINASE 71 III).")
        if not defender_present:
            refuse("R-43", "The youth's defender must assist at the hearing (SINASE 49 I; Reg. art. 97 par. único).")
        self._record(
            self.DisciplinaryHearingHeld,
            occurred_at=occurred_at,
            actor=actor,
            procedure_id=procedure_id,
            youth_heard=youth_heard,
            defender_present=defender_present,
            parents_present=parents_present,
            defence_presented=defence_presented,
        )

    class DisciplinaryHearingHeld(CaseCore.Event):
        """*Oitiva do socioeducando* with defence (E30)."""

        procedure_id: UUID
        youth_heard: bool
        defender_present: bool
        parents_present: bool
        defence_presented: bool

        def apply(self, case: CaseCore) -> None:
            case.procedures[self.procedure_id].hearing_held = True
            super().apply(case)

    def decide_disciplinary_procedure(
        self,
        *,
        procedure_id: UUID,
        outcome: DisciplinaryOutcome,
        decided_by: Iterable[StaffMember],
        exclusion_grounds_examined: bool,
        appeal_information_given: bool,
        occurred_at: datetime,
        actor: Actor,
        sanction: SanctionType | str | None = None,
        duration_days: int | None = None,
        starts_on: date | None = None,
        exclusion_ground_found: ExclusionGround | None = None,
        aggravating: Iterable[str] = (),
        attenuating: Iterable[str] = (),
    ) -> None:
        """Record the commission's decision (*decisão do Conselho*, E31) with a fixed duration."""
        on = local_date(occurred_at)
        procedure = self._procedure(procedure_id)
        if procedure.outcome is not None:
            refuse("R-47", "This procedure is already decided; no double punishment for the same conduct.")
        outcome = coerce_choice(DisciplinaryOutcome, outcome, "R-42", "Outcome")
        decided_by = tuple(decided_by)
        if not decided_by:
            refuse("R-44", "Name who decided.")
        # SINASE 71 VIII: the commission decides — at least three of its members, and only they
        # (checked here as well as at opening, so a decision cannot bypass the composition).
        if len({m.staff_id for m in decided_by}) < 3:
            refuse("R-44", "The decision is the commission's: name at least 3 different members who decided (SINASE 71 VIII).")
        outsiders = sorted({m.staff_id for m in decided_by} - procedure.commission) if procedure.commission else []
        if outsiders:
            refuse("R-44", f"Not on this procedure's commission: {', '.join(outsiders)}; only the commission named "
                           "when the procedure was opened decides (SINASE 71 VIII).")
        # Reg. art. 15 X: the psychologist does not decide sanctions.
        if any(m.role is Role.PSICOLOGO for m in decided_by):
            refuse("R-44", "The psychologist may not decide a sanction (Reg. art. 15 X).")
        # SINASE 71 III: the youth is heard before any decision.
        if not procedure.hearing_held:
            refuse("R-43", "Hold the hearing of the youth, with defence, before deciding (SINASE 71 III).")
        # SINASE 75: exclusion grounds are examined in every decision.
        if not exclusion_grounds_examined:
            refuse("R-46", "Examine the exclusion grounds (coercion, force majeure, self-defence) and say so (SINASE 75).")
        # SINASE 71 VII: the youth is told how to appeal.
        if not appeal_information_given:
            refuse("R-49", "Tell the youth how to appeal and record it (SINASE 71 VII).")
        ends_on: date | None = None
        chosen: SanctionType | None = None
        if outcome is DisciplinaryOutcome.SANCAO:
            if sanction is None:
                refuse("R-42", "Name the measure applied, from the catalogue.")
            chosen = coerce_sanction(sanction)
            if exclusion_ground_found is not None:
                refuse("R-46", f"An exclusion ground was found ({exclusion_ground_found.value}): no sanction (SINASE 75).")
            # SINASE 71 IV: a fixed duration.
            if duration_days is None or duration_days < 1:
                refuse("R-45", "Give the sanction a fixed duration in days (SINASE 71 IV).")
            starts_on = starts_on or on
            ends_on = starts_on + timedelta(days=duration_days - 1)
        elif sanction is not None:
            refuse("R-42", "A decision without sanction cannot name a measure.")
        else:
            starts_on = None
        self._record(
            self.DisciplinaryDecisionIssued,
            occurred_at=occurred_at,
            actor=actor,
            procedure_id=procedure_id,
            outcome=outcome,
            sanction=chosen,
            starts_on=starts_on,
            ends_on=ends_on,
            exclusion_grounds_examined=exclusion_grounds_examined,
            exclusion_ground_found=exclusion_ground_found,
            aggravating=tuple(aggravating),
            attenuating=tuple(attenuating),
            decided_by=decided_by,
            appeal_information_given=appeal_information_given,
        )

    class DisciplinaryDecisionIssued(CaseCore.Event):
        """*Decisão do Conselho* with a fixed duration (E31, E32)."""

        procedure_id: UUID
        outcome: DisciplinaryOutcome
        sanction: SanctionType | None
        starts_on: date | None
        ends_on: date | None
        exclusion_grounds_examined: bool
        exclusion_ground_found: ExclusionGround | None
        aggravating: tuple[PersonalText, ...]
        attenuating: tuple[PersonalText, ...]
        decided_by: tuple[StaffMember, ...]
        appeal_information_given: bool

        def apply(self, case: CaseCore) -> None:
            procedure = case.procedures[self.procedure_id]
            procedure.outcome = self.outcome
            procedure.sanction = self.sanction
            super().apply(case)

    def file_disciplinary_appeal(
        self, *, procedure_id: UUID, filed_by: ReassessmentRequester, occurred_at: datetime, actor: Actor
    ) -> None:
        """Record an appeal against a sanction (*recurso*, E33)."""
        require_aware(occurred_at)
        procedure = self._procedure(procedure_id)
        if procedure.outcome is not DisciplinaryOutcome.SANCAO:
            refuse("R-49", "Only a decided sanction can be appealed.")
        if procedure.appealed:
            refuse("D-02", "This decision is already under appeal.")
        filed_by = coerce_choice(ReassessmentRequester, filed_by, "R-49", "Appellant")
        self._record(
            self.AppealFiled,
            occurred_at=occurred_at,
            actor=actor,
            procedure_id=procedure_id,
            filed_by=filed_by,
        )

    class AppealFiled(CaseCore.Event):
        """*Recurso administrativo* against a disciplinary decision (E33)."""

        procedure_id: UUID
        filed_by: ReassessmentRequester

        def apply(self, case: CaseCore) -> None:
            case.procedures[self.procedure_id].appealed = True
            super().apply(case)

    def decide_disciplinary_appeal(
        self,
        *,
        procedure_id: UUID,
        outcome: AppealOutcome,
        occurred_at: datetime,
        actor: Actor,
        new_ends_on: date | None = None,
        source_document: SourceDocument | None = None,
    ) -> None:
        """Record the decision on an appeal (E33)."""
        require_aware(occurred_at)
        procedure = self._procedure(procedure_id)
        if not procedure.appealed or procedure.appeal_decided:
            refuse("D-02", "There is no pending appeal on this procedure.")
        outcome = coerce_choice(AppealOutcome, outcome, "R-49", "Appeal outcome")
        if outcome is AppealOutcome.REDUZIDA and new_ends_on is None:
            refuse("R-45", "A reduced sanction needs its new fixed end date (SINASE 71 IV).")
        self._record(
            self.AppealDecided,
            occurred_at=occurred_at,
            actor=actor,
            source_document=source_document,
            procedure_id=procedure_id,
            outcome=outcome,
            new_ends_on=new_ends_on,
        )

    class AppealDecided(CaseCore.Event):
        """Decision on the appeal (E33)."""

        procedure_id: UUID
        outcome: AppealOutcome
        new_ends_on: date | None

        def apply(self, case: CaseCore) -> None:
            case.procedures[self.procedure_id].appeal_decided = True
            super().apply(case)

    def record_court_sanction_suspension(
        self, *, procedure_id: UUID, occurred_at: datetime, actor: Actor, court_order: SourceDocument | None
    ) -> None:
        """Record that the judge suspended a sanction (*suspensão judicial da sanção*, E34; SINASE 48 caput)."""
        require_aware(occurred_at)
        procedure = self._procedure(procedure_id)
        if procedure.outcome is not DisciplinaryOutcome.SANCAO:
            refuse("R-49", "Only a decided sanction can be suspended by the court.")
        _require_judicial(court_order, "D-06", "the judge's decision suspending the sanction")
        self._record(
            self.SanctionSuspendedByCourt,
            occurred_at=occurred_at,
            actor=actor,
            source_document=court_order,
            procedure_id=procedure_id,
        )

    class SanctionSuspendedByCourt(CaseCore.Event):
        """The judge suspends a sanction until the incident is decided (E34; SINASE 48 caput)."""

        procedure_id: UUID

        def apply(self, case: CaseCore) -> None:
            case.procedures[self.procedure_id].suspended_by_court = True
            super().apply(case)

    def assess_damage_repair(
        self,
        *,
        procedure_id: UUID,
        damage: str,
        value_cents: int,
        family_liable: bool,
        occurred_at: datetime,
        actor: Actor,
    ) -> None:
        """Record the repair assessed for damage to the unit (*reparação de dano*, E35; Reg. art. 37, 52 XX).

        Assessed by the Conselho Socioeducador in the youth's procedure; repaired through the family.
        """
        require_aware(occurred_at)
        if procedure_id not in self.procedures:
            refuse("D-04", "Name the disciplinary procedure in which the damage is assessed (Reg. art. 52 XX).")
        if actor.role not in (Role.COMISSAO, Role.GERENTE):
            refuse("D-05", "The Conselho Socioeducador assesses the damage (Reg. art. 52 XX).")
        if not damage.strip() or value_cents < 0:
            refuse("D-04", "Describe the damage and give its value (zero or more).")
        self._record(
            self.DamageRepairAssessed,
            occurred_at=occurred_at,
            actor=actor,
            procedure_id=procedure_id,
            damage=damage,
            value_cents=value_cents,
            family_liable=family_liable,
        )

    class DamageRepairAssessed(CaseCore.Event):
        """*Reparação de dano* assessed by the Conselho Socioeducador; the family repairs (E35; Reg. art. 37, 52 XX)."""

        procedure_id: UUID
        damage: PersonalText
        value_cents: int
        family_liable: bool

    def grant_incentive(
        self, *, incentive_id: UUID | None = None, kind: IncentiveKind, team_heard: bool, occurred_at: datetime, actor: Actor
    ) -> UUID:
        """Grant an incentive (*estímulo*, E36; Reg. art. 64–66)."""
        incentive_id = uuid4() if incentive_id is None else incentive_id
        require_aware(occurred_at)
        self._require_status(CaseStatus.ATIVO, doing="an incentive")
        # Reg. art. 64 §3: the gerente grants, after hearing the reference team.
        if actor.role is not Role.GERENTE or not team_heard:
            refuse("D-05", "The gerente grants incentives after hearing the reference team (Reg. art. 64 §3).")
        if incentive_id in self.incentives:
            refuse("D-02", "An incentive with this id already exists.")
        self._record(
            self.IncentiveGranted,
            occurred_at=occurred_at,
            actor=actor,
            unit_id=self.unit_id,
            incentive_id=incentive_id,
            kind=kind,
            team_heard=team_heard,
        )
        return incentive_id

    class IncentiveGranted(CaseCore.Event):
        """*Estímulo* granted after hearing the team (E36; Reg. art. 64–66)."""

        incentive_id: UUID
        kind: IncentiveKind
        team_heard: bool

        def apply(self, case: CaseCore) -> None:
            case.incentives[self.incentive_id] = True
            super().apply(case)

    def suspend_incentive(
        self,
        *,
        incentive_id: UUID,
        motive: SuspensionMotive,
        occurred_at: datetime,
        actor: Actor,
        procedure_id: UUID | None = None,
    ) -> None:
        """Suspend an incentive (E36); for misconduct it must rest on a disciplinary decision."""
        require_aware(occurred_at)
        if not self.incentives.get(incentive_id):
            refuse("D-04", "There is no active incentive with that id.")
        motive = coerce_choice(SuspensionMotive, motive, "R-50", "Motive")
        # Reg. art. 64 §3 + SINASE 74: otherwise it is a disguised sanction.
        if motive is SuspensionMotive.MA_CONDUTA:
            procedure = self.procedures.get(procedure_id) if procedure_id else None
            if procedure is None or procedure.outcome is not DisciplinaryOutcome.SANCAO:
                refuse(
                    "R-50",
                    "Suspending an incentive for misconduct needs a disciplinary decision with a sanction; "
                    "open and decide the procedure first.",
                )
        self._record(
            self.IncentiveSuspended,
            occurred_at=occurred_at,
            actor=actor,
            incentive_id=incentive_id,
            motive=motive,
            procedure_id=procedure_id,
        )

    class IncentiveSuspended(CaseCore.Event):
        """*Suspensão de estímulo*; for misconduct it names the disciplinary decision (E36; Reg. art. 64 §3)."""

        incentive_id: UUID
        motive: SuspensionMotive
        procedure_id: UUID | None

        def apply(self, case: CaseCore) -> None:
            case.incentives[self.incentive_id] = False
            super().apply(case)
